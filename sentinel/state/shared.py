"""The partitions this process owns, the global view of all of them, and what to publish.

`SharedState` is driven by the consume loop only (one thread):

- `partition(pid)` hands the state of an owned input partition, restored from the view
  (its latest published buckets, `covered` offset and waiting offsets) the first time;
- `flush()` takes every owned partition's changes of the batch, folds them into the view
  at once and returns them as state-topic records (the meta record with the changed
  buckets, then a snapshot per bucket);
- `apply_remote(key, value)` folds a record read back from the state topic, except for
  partitions owned here (this process is their only writer);
- `release(pids)` forgets revoked partitions (their new owner restores them);
- `commit_offsets()` says where the consumer group may commit each owned partition.
"""

from __future__ import annotations

from collections.abc import Iterable

import structlog

from sentinel.state.cells import bucket_of
from sentinel.state.codec import (
    DELIVERED_KEY,
    META,
    encode_delivered,
    encode_flush,
    encode_key,
    encode_value,
)
from sentinel.state.partition import PartitionId, PartitionState
from sentinel.state.view import DeltaSink, GlobalView

StateRecord = tuple[bytes, bytes]  # key, value
log = structlog.get_logger("sentinel.state")


class SharedState:
    def __init__(self, sink: DeltaSink, horizon_buckets: int) -> None:
        """`horizon_buckets`: minutes behind a partition's watermark that are still kept
        (the longest window any monitor reads); older ones are forgotten in memory, and
        the state topic's retention drops them from the log."""
        self.view = GlobalView(sink)
        self.horizon_buckets = horizon_buckets
        # Input topics whose partitions make up the global view (None: all); a state topic
        # shared by several deployments holds others' partitions too.
        self.topics: frozenset[str] | None = None
        self._owned: dict[PartitionId, PartitionState] = {}
        self._assigned: set[PartitionId] = set()

    def partition(self, pid: PartitionId) -> PartitionState:
        state = self._owned.get(pid)
        if state is None:
            meta = self.view.meta(pid)
            state = self._owned[pid] = PartitionState(pid, meta)
            for bucket, cells in self.view.buckets(pid).items():
                state.load(bucket, cells)
            # The last flush's snapshots may have been cut short by a crash: write them again.
            state.touch(self.view.last_flushed(pid))
            if meta is not None:
                log.info(
                    "partition_state_restored",
                    topic=pid[0],
                    partition=pid[1],
                    covered=meta.covered,
                    waiting=len(meta.held),
                    first_waiting=meta.held[0] if meta.held else None,
                    low_watermark=meta.low_watermark,
                )
        return state

    def owned(self) -> list[PartitionId]:
        return sorted(self._owned)

    def assign(self, pids: Iterable[PartitionId]) -> None:
        """Partitions handed to this process by the consumer group (state comes lazily)."""
        self._assigned.update(pids)

    def release(self, pids: Iterable[PartitionId]) -> None:
        for pid in pids:
            self._owned.pop(pid, None)
            self._assigned.discard(pid)

    def leads(self, partitions: Iterable[PartitionId] = ()) -> bool:
        """True when this process is assigned the lowest-numbered input partition (of
        `partitions`, the topics' partitions, and those the view knows): the one replica
        that delivers alerts and rollback webhooks for the global view."""
        known = set(partitions) | set(self.view.partitions()) | self._assigned | set(self._owned)
        return bool(known) and (min(known) in self._assigned or min(known) in self._owned)

    def delivered_record(self, tick: float) -> StateRecord:
        """The leader's record that it delivered what the ticks up to `tick` decided."""
        self.view.delivered = max(self.view.delivered, tick)
        return DELIVERED_KEY, encode_delivered(tick)

    def apply_remote(self, key: bytes | None, value: bytes | None) -> None:
        if key is not None and key != DELIVERED_KEY:
            pid = _pid_of(key)
            if pid is not None and (
                pid in self._owned or (self.topics is not None and pid[0] not in self.topics)
            ):
                return
        self.view.apply_record(key, value)

    def flush(self) -> list[StateRecord]:
        records: list[StateRecord] = []
        view = self.view
        for pid, state in self._owned.items():
            if state.watermark != float("-inf"):
                floor = bucket_of(state.watermark) - self.horizon_buckets
                for bucket in state.expire(floor):
                    view.forget(pid, bucket)
            buckets, meta = state.changes()
            if meta is None:
                continue
            for bucket, cells in buckets.items():
                view.apply_bucket(pid, bucket, cells, meta.covered)
            view.apply_meta(pid, meta, buckets)
            records.append((encode_key(*pid, META), encode_flush(meta, buckets)))
            for bucket, cells in buckets.items():
                records.append((encode_key(*pid, bucket), encode_value(cells, meta.covered)))
        return records

    def commit_offsets(self) -> dict[PartitionId, tuple[int, str]]:
        """Per owned partition: the offset to commit and its metadata (`covered=N`: the
        position already counted in the state, for operators and the restore check)."""
        return {
            pid: (state.commit_offset(), f"covered={state.covered}")
            for pid, state in self._owned.items()
            if state.covered > 0
        }


def _pid_of(key: bytes) -> PartitionId | None:
    parts = key.split(b"\x1f")
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0].decode(errors="replace"), int(parts[1])
