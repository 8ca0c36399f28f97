"""One input partition's share of the monitor state, and the offsets it covers.

The owner of a partition adds cells as exchanges complete, records which events still wait
in the join (`hold` / `release`) and, once per batch, takes the `changes()` to publish.
`commit_offset()` is where the consumer group may commit: never past an event still
waiting, so a restart re-reads it; `covered` says up to where the state already counts.
"""

from __future__ import annotations

from collections.abc import Iterable

from sentinel.state.cells import Cell, CellKey, bucket_of
from sentinel.state.codec import Meta

PartitionId = tuple[str, int]  # input topic, partition
_INF = float("inf")


class PartitionState:
    def __init__(self, pid: PartitionId, meta: Meta | None = None) -> None:
        self.pid = pid
        self.buckets: dict[int, dict[CellKey, Cell]] = {}
        self._dirty: set[int] = set()
        self._meta_dirty = False
        self.covered = meta.covered if meta is not None else 0
        self.watermark = meta.watermark if meta is not None else float("-inf")
        # Offsets below `covered` to re-read into the join after a restart (from the meta).
        self.restore = frozenset(meta.held) if meta is not None else frozenset[int]()
        self._unread = set(self.restore)  # restore offsets not yet re-read
        self._unread_low = meta.low_watermark if meta is not None else float("inf")
        self.idle = False
        self._held: dict[str, tuple[int, float]] = {}  # event_id -> (offset, event time)
        self._floor = -(2**62)  # buckets below were expired

    # -- counting -------------------------------------------------------------------------

    def add(self, key: CellKey, event_time: float, first: float, second: float) -> None:
        bucket = bucket_of(event_time)
        if bucket < self._floor:
            return  # older than every window: the monitors would drop it too
        cells = self.buckets.get(bucket)
        if cells is None:
            cells = self.buckets[bucket] = {}
        cell = cells.get(key)
        if cell is None:
            cells[key] = [first, second]
        else:
            cell[0] += first
            cell[1] += second
        self._dirty.add(bucket)

    def touch(self, buckets: Iterable[int]) -> None:
        """Publish these buckets again with the next changes."""
        self._dirty.update(b for b in buckets if b in self.buckets)

    def load(self, bucket: int, cells: dict[CellKey, Cell]) -> None:
        """Restore one bucket as the state topic holds it (taking over the partition)."""
        self.buckets[bucket] = {key: list(cell) for key, cell in cells.items()}

    # -- positions ------------------------------------------------------------------------

    def seen(self, offset: int, event_time: float) -> None:
        """A record at `offset` was processed (its effects are in the state now); a
        negative offset (a source without offsets) moves only event time."""
        if offset >= self.covered:
            self.covered = offset + 1
        if event_time > self.watermark:
            self.watermark = event_time
        self.idle = False
        self._meta_dirty = True

    def hold(self, event_id: str, offset: int, event_time: float) -> None:
        """The event at `offset` waits in the join (a request for its response)."""
        self._held[event_id] = (offset, event_time)
        if self._unread:
            self._unread.discard(offset)

    def release(self, event_id: str) -> None:
        self._held.pop(event_id, None)

    def retain(self, waiting: Iterable[str]) -> None:
        """Keep holding only the events still waiting in the join (ids in `waiting`)."""
        keep = set(waiting)
        self._held = {k: v for k, v in self._held.items() if k in keep}

    def held_count(self) -> int:
        return len(self._held)

    def advance(self, watermark: float) -> None:
        """Event time moved without input (idle): the meta must say so."""
        if watermark > self.watermark:
            self.watermark = watermark
            self._meta_dirty = True

    def set_idle(self, idle: bool) -> None:
        if idle != self.idle:
            self.idle = idle
            self._meta_dirty = True

    def low_watermark(self) -> float:
        """Event time below which this partition will count nothing more."""
        oldest = min((t for _, t in self._held.values()), default=_INF)
        if self._unread:  # waiting events not re-read yet: the restored bound holds
            oldest = min(oldest, self._unread_low)
        return min(self.watermark, oldest)

    def commit_offset(self) -> int:
        """The consumer-group offset to commit: the oldest waiting event, else `covered`."""
        oldest = min((o for o, _ in self._held.values()), default=self.covered)
        return min(oldest, self.covered, *self._unread) if self._unread else oldest

    # -- publishing -----------------------------------------------------------------------

    def meta(self) -> Meta:
        held = sorted({o for o, _ in self._held.values()} | self._unread)
        return Meta(self.covered, self.watermark, self.low_watermark(), held, self.idle)

    def changes(self) -> tuple[dict[int, dict[CellKey, Cell]], Meta | None]:
        """Buckets changed since the last call (their full sums) and the meta if it moved;
        the caller publishes the buckets before the meta."""
        changed = {b: self.buckets[b] for b in sorted(self._dirty) if b in self.buckets}
        if not changed and not self._meta_dirty:
            return {}, None
        self._dirty.clear()
        meta = None
        if changed or self._meta_dirty:
            meta = self.meta()
            self._meta_dirty = False
        return changed, meta

    def expire(self, before_bucket: int) -> list[int]:
        """Forget buckets older than `before_bucket`; returns them (to tombstone)."""
        self._floor = max(self._floor, before_bucket)
        old = [b for b in self.buckets if b < before_bucket]
        for bucket in old:
            del self.buckets[bucket]
            self._dirty.discard(bucket)
        return old
