"""The global view: every partition's latest state, folded into one.

`apply_*` takes a partition's bucket (its absolute sums) or its meta, as read from the
state topic or produced locally, and hands the DIFFERENCE from what that partition said
before to `DeltaSink` (the monitors' additive inputs). Re-applying the same record is a
no-op, so the fold is idempotent; the monitors' sums are always the sum over partitions.

Evaluation is gated by `complete_until()`: the event time below which every partition
that ever reported is final (the smallest low watermark, idle partitions left out).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from sentinel.state.cells import Cell, CellKey
from sentinel.state.codec import (
    DELIVERED_KEY,
    META,
    Meta,
    decode_delivered,
    decode_key,
    decode_value,
)
from sentinel.state.partition import PartitionId

_NO_TIME = float("-inf")  # a partition's low watermark before it has seen any event time

# (family, index, labels, bucket, delta of first sum, delta of second sum)
DeltaSink = Callable[[str, int, tuple[str, ...], int, float, float], None]


class GlobalView:
    def __init__(self, sink: DeltaSink) -> None:
        self._sink = sink
        self._cells: dict[PartitionId, dict[int, dict[CellKey, Cell]]] = {}
        self._meta: dict[PartitionId, Meta] = {}
        self._flushed: dict[PartitionId, frozenset[int]] = {}
        self.records = 0  # records folded, for metrics and tests
        self.delivered = float("-inf")  # the last tick the leader says it delivered
        self.rejected = 0  # foreign or malformed records, skipped
        self.stale = 0  # records older than what the view holds, skipped
        self._versions: dict[tuple[PartitionId, int], int] = {}  # covered of each bucket

    def apply_record(self, key: bytes | None, value: bytes | None) -> PartitionId | None:
        """Fold one state-topic record; returns its partition (None if not understood)."""
        try:
            if key is None:
                raise ValueError("no key")
            if key == DELIVERED_KEY:
                if value is not None:
                    self.delivered = max(self.delivered, decode_delivered(value))
                return None
            topic, partition, bucket = decode_key(key)
            decoded = None if value is None else decode_value(bucket, value)
        except (ValueError, UnicodeDecodeError):
            self.rejected += 1
            return None
        pid = (topic, partition)
        if decoded is None:
            if bucket == META:
                self.apply_meta(pid, None)
            else:
                self.apply_bucket(pid, bucket, None)
        elif isinstance(decoded[0], Meta):
            meta, buckets = decoded
            current = self._meta.get(pid)
            if current is not None and meta.covered < current.covered:
                self.stale += 1  # an older owner's record read late
                return pid
            for changed, cells in buckets.items():
                self.apply_bucket(pid, changed, cells, meta.covered)
            self.apply_meta(pid, meta, buckets)
        else:
            covered, cells = decoded
            self.apply_bucket(pid, bucket, cells, covered)
        return pid

    def apply_bucket(
        self,
        pid: PartitionId,
        bucket: int,
        cells: dict[CellKey, Cell] | None,
        covered: int | None = None,
    ) -> None:
        """The partition's bucket is now `cells` (None: deleted), as of input offset
        `covered`; a value older than the one held is skipped, so the view never moves
        back (a replica reading its own old records late, after a rebalance)."""
        self.records += 1
        if covered is not None:
            held = self._versions.get((pid, bucket))
            if held is not None and covered < held:
                self.stale += 1
                return
            self._versions[(pid, bucket)] = covered
        buckets = self._cells.setdefault(pid, {})
        old = buckets.pop(bucket, None) or {}
        new = {key: list(cell) for key, cell in (cells or {}).items()}
        if new:
            buckets[bucket] = new
        sink = self._sink
        for key, cell in new.items():
            before = old.get(key)
            d0, d1 = (
                (cell[0], cell[1])
                if before is None
                else (
                    cell[0] - before[0],
                    cell[1] - before[1],
                )
            )
            if d0 or d1:
                sink(key[0], key[1], key[2], bucket, d0, d1)
        for key, before in old.items():
            if key not in new and (before[0] or before[1]):
                sink(key[0], key[1], key[2], bucket, -before[0], -before[1])

    def forget(self, pid: PartitionId, bucket: int) -> None:
        """Drop a bucket older than every window from memory, WITHOUT taking its sums
        back (the monitors' windows have already moved past it)."""
        self._cells.get(pid, {}).pop(bucket, None)
        self._versions.pop((pid, bucket), None)

    def apply_meta(self, pid: PartitionId, meta: Meta | None, buckets: Iterable[int] = ()) -> None:
        """The partition's meta is now `meta` (None: deleted); `buckets`: those its
        flush changed (a new owner publishes them again, see `last_flushed`)."""
        self.records += 1
        if meta is None:
            self._meta.pop(pid, None)
            self._flushed.pop(pid, None)
        else:
            self._meta[pid] = meta
            self._flushed[pid] = frozenset(buckets)

    def last_flushed(self, pid: PartitionId) -> frozenset[int]:
        return self._flushed.get(pid, frozenset())

    # -- readers --------------------------------------------------------------------------

    def meta(self, pid: PartitionId) -> Meta | None:
        return self._meta.get(pid)

    def buckets(self, pid: PartitionId) -> dict[int, dict[CellKey, Cell]]:
        """A copy of one partition's buckets (to restore it on a new owner)."""
        return {
            b: {k: list(c) for k, c in cells.items()}
            for b, cells in self._cells.get(pid, {}).items()
        }

    def metas(self) -> list[tuple[PartitionId, Meta]]:
        return sorted(self._meta.items())

    def partitions(self) -> list[PartitionId]:
        return sorted(self._meta)

    def complete_until(self) -> float | None:
        """Event time before which every reporting partition is final; None before any.

        A partition without event time yet (its records so far were dead letters or
        duplicates) has counted nothing and holds nothing back, like one that has not
        reported at all."""
        timed = [m for m in self._meta.values() if m.low_watermark != _NO_TIME]
        busy = [m.low_watermark for m in timed if not m.idle]
        if busy:
            return min(busy)
        latest = max((m.watermark for m in timed), default=_NO_TIME)
        return latest if math.isfinite(latest) else None

    def earliest_bucket(self) -> int | None:
        firsts = [min(buckets) for buckets in self._cells.values() if buckets]
        return min(firsts) if firsts else None

    def totals(self, family: str) -> dict[tuple[int, tuple[str, ...]], Cell]:
        """Sums over every partition and bucket of one family (tests and reports)."""
        out: dict[tuple[int, tuple[str, ...]], Cell] = {}
        for buckets in self._cells.values():
            for cells in buckets.values():
                for (fam, index, labels), cell in cells.items():
                    if fam == family:
                        acc = out.setdefault((index, labels), [0.0, 0.0])
                        acc[0] += cell[0]
                        acc[1] += cell[1]
        return out
