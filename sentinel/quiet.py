"""Which input partitions have gone quiet while others keep the consumer busy.

Evaluation waits for the partition furthest behind in event time (`state/view.py`), and a
partition's event time moves only with its own records. When the whole replica receives
nothing, the runner advances every partition by the idle wall time. A partition that
stops receiving records while others stay busy (a canary whose traffic ended, keys that
hash unevenly) would otherwise hold every SLO, guard and gate decision back for good.

A partition is quiet once it has had no record for `after_seconds` of wall time AND the
last lag lookup found nothing left to read in it (so a partition that is only behind, its
records waiting in the broker, is never taken for a quiet one). From then on it is credited
the wall time it spends without records, from its last record on, like an idle replica.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import structlog

log = structlog.get_logger("sentinel.quiet")

PartitionId = tuple[str, int]


class QuietPartitions:
    def __init__(self, after_seconds: float) -> None:
        self.after_seconds = after_seconds
        # partition -> wall time up to which its time without records was credited
        self._credited: dict[PartitionId, float] = {}
        self._last_record: dict[PartitionId, float] = {}
        self._lags: Mapping[PartitionId, int] = {}
        self._quiet: set[PartitionId] = set()

    def received(self, pids: Iterable[PartitionId], now: float) -> None:
        """These partitions delivered records at `now`."""
        for pid in pids:
            self._last_record[pid] = now
            self._credited[pid] = now
            if pid in self._quiet:
                self._quiet.discard(pid)
                log.info("partition_resumed", topic=pid[0], partition=pid[1])

    def lags(self, lags: Mapping[PartitionId, int]) -> None:
        """The latest lag lookup (records left to read, per assigned partition)."""
        self._lags = dict(lags)
        for pid in [p for p in self._last_record if p not in lags]:  # revoked
            self._last_record.pop(pid, None)
            self._credited.pop(pid, None)
            self._quiet.discard(pid)

    def lags_unknown(self) -> None:
        """The lag lookup failed: nothing counts as read to the end until the next one."""
        self._lags = {}

    def idle_everywhere(self, now: float) -> None:
        """The replica was credited idle time on every partition up to `now`."""
        for pid in self._credited:
            self._credited[pid] = now

    def due(self, now: float) -> dict[PartitionId, float]:
        """Quiet partitions and the wall seconds each is owed since its last credit."""
        owed: dict[PartitionId, float] = {}
        for pid, last in self._last_record.items():
            if now - last < self.after_seconds or self._lags.get(pid) != 0:
                continue
            if pid not in self._quiet:
                self._quiet.add(pid)
                log.info(
                    "partition_quiet", topic=pid[0], partition=pid[1], seconds=round(now - last, 1)
                )
            seconds = now - self._credited[pid]
            if seconds > 0:
                owed[pid] = seconds
                self._credited[pid] = now
        return owed
