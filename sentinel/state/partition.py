"""One input partition's share of the monitor state, and the offsets it covers.

The owner of a partition adds cells as exchanges complete, records which events still wait
in the join (`hold` / `release`) and, once per batch, takes the `changes()` to publish.
`commit_offset()` is where the consumer group may commit: never past an event still
waiting, so a restart re-reads it; `covered` says up to where the state already counts.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from sentinel.state.cells import Cell, CellKey, bucket_of
from sentinel.state.codec import Meta

PartitionId = tuple[str, int]  # input topic, partition
_INF = float("inf")
_SLACK = 1024  # stale heap entries tolerated beyond twice the held events before a rebuild


class _Oldest:
    """The smallest of one field (offset or event time) over the held events, in a heap
    with lazy deletion: an entry whose event is no longer held with that value is dropped
    when it reaches the top. Cheap at every batch end however many events wait."""

    __slots__ = ("_field", "_heap")

    def __init__(self, field: int) -> None:
        self._field = field  # 0: offset, 1: event time (of the held tuple)
        self._heap: list[tuple[float, str]] = []

    def push(self, value: float, event_id: str) -> None:
        heapq.heappush(self._heap, (value, event_id))

    def smallest(self, held: dict[str, tuple[int, float]]) -> float | None:
        heap, field = self._heap, self._field
        while heap:
            value, event_id = heap[0]
            current = held.get(event_id)
            if current is not None and current[field] == value:
                return value
            heapq.heappop(heap)
        return None

    def rebuild(self, held: dict[str, tuple[int, float]]) -> None:
        field = self._field
        self._heap = [(entry[field], event_id) for event_id, entry in held.items()]
        heapq.heapify(self._heap)

    def __len__(self) -> int:
        return len(self._heap)


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
        self._oldest_offset = _Oldest(0)
        self._oldest_time = _Oldest(1)
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
        self._oldest_offset.push(offset, event_id)
        self._oldest_time.push(event_time, event_id)
        if len(self._oldest_time) > 2 * len(self._held) + _SLACK:  # mostly released
            self._rebuild()
        if self._unread:
            self._unread.discard(offset)

    def release(self, event_id: str) -> None:
        self._held.pop(event_id, None)

    def retain(self, waiting: Iterable[str]) -> None:
        """Keep holding only the events still waiting in the join (ids in `waiting`)."""
        keep = set(waiting)
        self._held = {k: v for k, v in self._held.items() if k in keep}
        self._rebuild()

    def _rebuild(self) -> None:
        self._oldest_offset.rebuild(self._held)
        self._oldest_time.rebuild(self._held)

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
        smallest = self._oldest_time.smallest(self._held)
        oldest = _INF if smallest is None else smallest
        if self._unread:  # waiting events not re-read yet: the restored bound holds
            oldest = min(oldest, self._unread_low)
        return min(self.watermark, oldest)

    def commit_offset(self) -> int:
        """The consumer-group offset to commit: the oldest waiting event, else `covered`."""
        smallest = self._oldest_offset.smallest(self._held)
        oldest = self.covered if smallest is None else int(smallest)
        return min(oldest, self.covered, *self._unread) if self._unread else oldest

    # -- publishing -----------------------------------------------------------------------

    def meta(self) -> Meta:
        offsets = {o for o, _ in self._held.values()}
        held = sorted(offsets | self._unread if self._unread else offsets)
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
