"""Join requests and responses by `request_id` in event time, symmetrically and bounded.

Either half may arrive first. A request waits for its response, a response waits for its
request; one exchange comes out per request id:

- `complete` when both halves are seen and the response's event time is at most
  `ttl_seconds` after the request's;
- `timeout` for a request whose response did not come within `ttl_seconds` (or came later);
- `orphan_response` for a response whose request was never seen.

Out-of-order input is expected (producers log asynchronously, partitions interleave):
`grace_seconds` is how far, in event time, an event may arrive behind the largest event
time already seen. Decisions wait that long, so when disorder stays within the grace, the
counts equal those of the same events in event-time order. An event for a request id whose
exchange was already emitted (a response after its request timed out) is counted as `late`
and makes no second exchange.

Memory stays bounded whatever the input: at most `max_pending` requests and `max_pending`
responses wait; beyond that the oldest (in event time) is closed early (a timeout or an
orphan) and counted as evicted, so the cause is visible. A `PartitionedCorrelator` holds
that bound over all its partitions together (the process's memory is what it bounds), and
a second one on the waiting events' bytes as they came in (`max_bytes`, requests and
responses together), which large events reach before the count: its `shed` names the
oldest waiting events of any partition, and the pipeline closes each in its own partition.
"""

from __future__ import annotations

import heapq
import sys
import zlib
from collections import OrderedDict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec

from sentinel.events.exchange import Exchange
from sentinel.events.model import Event, Message

# A response up to this many TTLs after its request timed out (or any repeat of a closed
# request id) is counted as late instead of becoming a second exchange; later ones are new.
LATE_WINDOW_TTLS = 2.0


@dataclass(slots=True)
class CorrelatorStats:
    pending: int = 0  # requests waiting for their response
    waiting_responses: int = 0  # responses waiting for their request
    expired: int = 0  # requests whose TTL passed in event time
    evicted: int = 0  # requests or responses pushed out by the `max_pending` bound
    orphans: int = 0  # responses whose request never came
    replaced: int = 0  # a second request (or response) with a waiting request_id (newer wins)
    late: int = 0  # events for a request id whose exchange was already emitted


# A waiting event: (event time, arrival, the event or its `Packed` form, its size in bytes
# as it came in). The same entry is in the heap and in `by_id`; a heap entry is live
# exactly when `by_id` holds an entry of the same arrival number (unique within a set).
# Compared by number, not identity: the compiled core boxes tuples afresh, so the same
# entry need not be the same object.
_Entry = tuple[float, int, Any, int]


_PACK = msgspec.msgpack.Encoder()
_UNPACK = msgspec.msgpack.Decoder(Event)
# Deflate's preset dictionary: an event's field names and fixed values, as msgpack writes
# them (every field, in order), so that each packed event need not spell them out again
# (~20 % smaller on the benchmark's requests). Built from no one's data.
_SKELETON = _PACK.encode(
    Event(
        schema_="sentinel.llm.v1",
        event_id="",
        type="request",
        request_id="",
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        messages=[Message("system", ""), Message("user", ""), Message("assistant", "")],
        status="ok",
    )
)
_WBITS = -15  # raw deflate: no header or checksum (the bytes never leave the process)


class Packed:
    """A waiting event held compressed (msgpack, then deflate at its fastest level with
    `_SKELETON` as its dictionary): about a fifth of the decoded event's memory, with the
    two ids the join reads while it waits."""

    __slots__ = ("blob", "event_id", "request_id")

    def __init__(self, event_id: str, request_id: str, blob: bytes) -> None:
        self.event_id = event_id
        self.request_id = request_id
        self.blob = blob


def pack(event: Event) -> Any:
    """`event` compressed, or as it is when msgpack cannot carry a value of its metadata."""
    try:
        data = _PACK.encode(event)
    except (OverflowError, TypeError, ValueError):  # e.g. an integer beyond 64 bits
        return event
    deflate = zlib.compressobj(1, zlib.DEFLATED, _WBITS, 9, zlib.Z_DEFAULT_STRATEGY, _SKELETON)
    return Packed(event.event_id, event.request_id, deflate.compress(data) + deflate.flush())


def unpacked(held: Any) -> Event:
    """The event of a waiting entry, decoded again when it was held compressed (the same
    event: equal field by field, its timestamp the same instant, in UTC)."""
    if isinstance(held, Packed):
        inflate = zlib.decompressobj(_WBITS, _SKELETON)
        event: Event = _UNPACK.decode(inflate.decompress(held.blob) + inflate.flush())
        return event
    return held  # type: ignore[no-any-return]


class _Total:
    """How many events of one type wait, and their bytes as they came in, over every
    `_Waiting` that shares it."""

    __slots__ = ("bytes", "n")

    def __init__(self) -> None:
        self.n = 0
        self.bytes = 0


class _Waiting:
    """Events of one type waiting for their counterpart: by request id, and oldest first in
    event time (a heap with lazy deletion, compacted when stale entries dominate). `total`
    counts them, together with those of the other partitions' sets that share it; once it
    is past `pack_after`, events wait compressed (`Packed`) until they leave."""

    __slots__ = ("_seq", "by_id", "heap", "pack_after", "total")

    def __init__(self, total: _Total, pack_after: int) -> None:
        self.by_id: dict[str, _Entry] = {}
        self.heap: list[_Entry] = []
        self._seq = 0  # ties in event time leave in arrival order; events are never compared
        self.total = total
        self.pack_after = pack_after

    def add(self, event: Event, event_time: float, size: int = 0) -> bool:
        """Wait for `event` (`size`: its bytes as it came in); True when it replaced one
        with the same request id."""
        by_id = self.by_id
        total = self.total
        before = by_id.get(event.request_id)
        if before is None:
            total.n += 1
        else:
            total.bytes -= before[3]
        total.bytes += size
        self._seq += 1
        held: Any = event if total.n <= self.pack_after else pack(event)
        # One object in both places: typed `Any`, the compiled core boxes the tuple once
        # (as `_Entry` it would box a copy for each store, ~90 bytes per waiting event).
        entry: Any = (event_time, self._seq, held, size)
        by_id[event.request_id] = entry
        heap = self.heap
        heapq.heappush(heap, entry)
        if len(heap) > 2 * len(by_id) + 64:
            self._compact()
        return before is not None

    def pop(self, request_id: str) -> tuple[float, Event] | None:
        """The waiting event of `request_id` with its event time, no longer waiting."""
        entry = self.by_id.pop(request_id, None)
        if entry is None:
            return None
        total = self.total
        total.n -= 1
        total.bytes -= entry[3]
        held = entry[2]
        return entry[0], unpacked(held) if isinstance(held, Packed) else held

    def _left(self, entry: _Entry) -> None:
        total = self.total
        total.n -= 1
        total.bytes -= entry[3]

    def waiting_bytes(self) -> int:
        return sum(entry[3] for entry in self.by_id.values())

    def oldest_time(self) -> float | None:
        """The event time of the oldest waiting event (stale heap entries dropped on the
        way), None when nothing waits."""
        heap, by_id = self.heap, self.by_id
        while heap:
            entry = heap[0]
            held = by_id.get(entry[2].request_id)
            if held is not None and held[1] == entry[1]:
                return float(entry[0])
            heapq.heappop(heap)
        return None

    def older_than(self, cutoff: float) -> Iterator[tuple[Event, float]]:
        """Remove and yield, oldest first, every waiting event with event time < cutoff."""
        heap, by_id = self.heap, self.by_id
        while heap and heap[0][0] < cutoff:
            entry = heapq.heappop(heap)
            event = entry[2]
            held = by_id.get(event.request_id)
            if held is not None and held[1] == entry[1]:
                del by_id[event.request_id]
                self._left(entry)
                yield unpacked(event), entry[0]

    def pop_oldest(self) -> tuple[Event, float]:
        heap, by_id = self.heap, self.by_id
        while True:
            entry = heapq.heappop(heap)
            event = entry[2]
            held = by_id.get(event.request_id)
            if held is not None and held[1] == entry[1]:
                del by_id[event.request_id]
                self._left(entry)
                return unpacked(event), entry[0]

    def pop_all(self) -> list[tuple[Event, float]]:
        """Remove every waiting event, oldest first, with its event time."""
        live = list(self.by_id.values())
        self.total.n -= len(live)
        self.total.bytes -= sum(entry[3] for entry in live)
        self.by_id.clear()
        self.heap.clear()
        live.sort(key=lambda entry: entry[:2])
        return [(unpacked(entry[2]), entry[0]) for entry in live]

    def _compact(self) -> None:
        self.heap = list(self.by_id.values())
        heapq.heapify(self.heap)


class Correlator:
    """Turns a stream of request/response/exchange events into exchanges.

    The watermark is the largest event time seen (it never moves back). A request times out
    once the watermark passes its event time + `ttl_seconds` + `grace_seconds`; a waiting
    response becomes an orphan once it passes its event time + `grace_seconds`.
    """

    def __init__(
        self,
        ttl_seconds: float,
        max_pending: int,
        grace_seconds: float = 0.0,
        shared: tuple[_Total, _Total] | None = None,
        pack_after: int | None = None,
    ) -> None:
        if ttl_seconds <= 0 or max_pending <= 0:
            raise ValueError("ttl_seconds and max_pending must be positive")
        if grace_seconds < 0:
            raise ValueError("grace_seconds must not be negative")
        self.ttl_seconds = ttl_seconds
        self.grace_seconds = grace_seconds
        self.max_pending = max_pending
        self.watermark = float("-inf")
        self._stats = CorrelatorStats()  # sizes filled in when read (`stats`)
        # Alone, it keeps its own bound; sharing its totals with other partitions' (`shared`:
        # waiting requests, waiting responses), its owner keeps the bound over all of them.
        self._bounded_alone = shared is None
        requests, responses = shared if shared is not None else (_Total(), _Total())
        # Past `pack_after` waiting events of a kind (over the shared totals), the next ones
        # wait compressed; None: never.
        limit = sys.maxsize if pack_after is None else pack_after
        self._requests = _Waiting(requests, limit)
        self._responses = _Waiting(responses, limit)
        # request ids whose exchange was emitted -> event time after which they are forgotten,
        # oldest first. An OrderedDict: a plain dict emptied from the front keeps its
        # deleted slots until it grows, and finding its first key scans them (tens of µs
        # per event once a long run has forgotten many ids).
        self._closed: OrderedDict[str, float] = OrderedDict()
        self._late_window = LATE_WINDOW_TTLS * ttl_seconds

    def offer(self, event: Event) -> list[Exchange]:
        """Take one request, response or exchange event; return the exchanges it completes
        (requests its event time expired first, then the join): `advance`, then `join`."""
        done = self.advance(event.event_time)
        done.extend(self.join(event))
        return done

    def join(self, event: Event, event_time: float | None = None, size: int = 0) -> list[Exchange]:
        """Join one event at the current watermark (the caller advanced event time first);
        `event_time` is `event.event_time` when the caller has already converted it, `size`
        its bytes as it came in (what it counts against a bound on waiting bytes)."""
        t = event.event_time if event_time is None else event_time
        done: list[Exchange] = []
        kind = event.type
        if kind == "exchange":
            done.append(Exchange("complete", event, event, t, t))
        elif self._closed and self._is_late(event.request_id, t):
            self._stats.late += 1
        elif kind == "request":
            self._on_request(event, t, done, size)
        elif kind == "response":
            self._on_response(event, t, done, size)
        # A late event (behind the watermark) closes nothing here: only the watermark's next
        # move does. Partitions of a topic interleave in event time by whole fetches, and the
        # counterpart of a late event usually follows it in the same partition; closing at
        # once would time out every request of a lagging partition.
        return done

    def advance(self, event_time: float) -> list[Exchange]:
        """Move the watermark forward (never back) and return what it closed: requests that
        timed out and responses left orphaned."""
        if event_time <= self.watermark:
            return []
        return self._advance(event_time)

    def _advance(self, event_time: float) -> list[Exchange]:
        self.watermark = event_time
        done: list[Exchange] = []
        self._expire(done)
        closed = self._closed
        if closed and closed[next(iter(closed))] < event_time - self.grace_seconds:
            self._forget(event_time - self.grace_seconds)
        return done

    def waiting(self) -> list[str]:
        """Event ids of every event still waiting for its other half."""
        return [
            *(entry[2].event_id for entry in self._requests.by_id.values()),
            *(entry[2].event_id for entry in self._responses.by_id.values()),
        ]

    def drain(self) -> list[Exchange]:
        """End of input: every waiting request is a timeout, every waiting response an orphan."""
        drained = [Exchange("timeout", r, None, t) for r, t in self._requests.pop_all()]
        drained += [
            Exchange("orphan_response", None, r, None, t) for r, t in self._responses.pop_all()
        ]
        self._stats.expired += sum(1 for e in drained if e.kind == "timeout")
        self._stats.orphans += sum(1 for e in drained if e.kind == "orphan_response")
        self._closed.clear()
        return drained

    def _expire(self, done: list[Exchange]) -> None:
        """Close what no event still due can complete: requests past TTL + grace, responses
        past the grace (`horizon`: no event older than it is still expected)."""
        horizon = self.watermark - self.grace_seconds
        requests, responses = self._requests, self._responses
        if requests.heap and requests.heap[0][0] < horizon - self.ttl_seconds:
            for request, t in requests.older_than(horizon - self.ttl_seconds):
                self._stats.expired += 1
                done.append(self._close(Exchange("timeout", request, None, t), t))
        if responses.heap and responses.heap[0][0] < horizon:
            for response, t in responses.older_than(horizon):
                self._stats.orphans += 1
                done.append(self._close(Exchange("orphan_response", None, response, None, t), t))

    def _on_request(self, request: Event, t: float, done: list[Exchange], size: int) -> None:
        waiting = self._responses.pop(request.request_id)
        if waiting is not None:
            response_t, response = waiting
            if response_t - t <= self.ttl_seconds:
                exchange = Exchange("complete", request, response, t, response_t)
            else:  # the response came after the TTL: as if it had arrived in order
                self._stats.expired += 1
                self._stats.late += 1
                exchange = Exchange("timeout", request, None, t)
            done.append(self._close(exchange, max(t, response_t)))
            return
        if self._requests.add(request, t, size):
            self._stats.replaced += 1
        if self._bounded_alone and len(self._requests.by_id) > self.max_pending:
            done.append(self.evict_oldest("request"))

    def _on_response(self, response: Event, t: float, done: list[Exchange], size: int) -> None:
        waiting = self._requests.pop(response.request_id)
        if waiting is not None:
            request_t, request = waiting
            if t - request_t <= self.ttl_seconds:
                exchange = Exchange("complete", request, response, request_t, t)
            else:
                self._stats.expired += 1
                self._stats.late += 1
                exchange = Exchange("timeout", request, None, request_t)
            done.append(self._close(exchange, max(t, request_t)))
            return
        if self._responses.add(response, t, size):
            self._stats.replaced += 1
        if self._bounded_alone and len(self._responses.by_id) > self.max_pending:
            done.append(self.evict_oldest("response"))

    def oldest_waiting(self, kind: str) -> float | None:
        """The event time of the oldest waiting request (`kind` "request") or response."""
        return (self._requests if kind == "request" else self._responses).oldest_time()

    def waiting_bytes(self) -> tuple[int, int]:
        """The bytes (as they came in) of the waiting requests and of the waiting responses."""
        return self._requests.waiting_bytes(), self._responses.waiting_bytes()

    def evict_oldest(self, kind: str) -> Exchange:
        """Close the oldest waiting request (a timeout) or response (an orphan) early, over
        the pending bound, and count it as evicted. Something of `kind` must be waiting."""
        self._stats.evicted += 1
        if kind == "request":
            request, t = self._requests.pop_oldest()
            return self._close(Exchange("timeout", request, None, t), t)
        self._stats.orphans += 1
        response, t = self._responses.pop_oldest()
        return self._close(Exchange("orphan_response", None, response, None, t), t)

    def _is_late(self, request_id: str, t: float) -> bool:
        """True for an event of a request id whose exchange was emitted, when its event time
        is within the late window (decided in event time, so arrival order does not matter)."""
        until = self._closed.get(request_id)
        return until is not None and t <= until

    def _close(self, exchange: Exchange, latest: float) -> Exchange:
        """Remember that `exchange`'s request id has had its exchange: events of that id up
        to `LATE_WINDOW_TTLS` TTLs after `latest` (the exchange's latest event time) are
        late, not new (bounded by `max_pending` ids as well)."""
        closed = self._closed
        request_id = exchange.request_id
        closed.pop(request_id, None)
        closed[request_id] = latest + self._late_window
        if len(closed) > self.max_pending:
            closed.popitem(last=False)
        return exchange

    def _forget(self, horizon: float) -> None:
        """Drop closed ids no future event can be late for (every one is at least `horizon`);
        ids close roughly in event-time order, so the scan stops at the first one still due."""
        closed = self._closed
        while closed:
            request_id = next(iter(closed))
            if closed[request_id] >= horizon:
                break
            closed.popitem(last=False)

    @property
    def stats(self) -> CorrelatorStats:
        """The counts so far, and the sizes of the waiting sets now (taken when read)."""
        stats = self._stats
        stats.pending = len(self._requests.by_id)
        stats.waiting_responses = len(self._responses.by_id)
        return stats


class PartitionedCorrelator:
    """One `Correlator` per input partition, each with its own watermark.

    A request and its response share a partition (the key is `request_id`), so the join
    needs nothing across partitions; per-partition event time makes each partition's
    timeouts depend on its own records only, so a new owner that re-reads a partition
    times out exactly what the old one would have (evictions aside: `max_pending` bounds
    every partition's waiting events together, see `shed`). `select` picks the partition
    the next `offer`/`advance` applies to; `stats` and `watermark` are over all partitions."""

    def __init__(
        self,
        ttl_seconds: float,
        max_pending: int,
        grace_seconds: float = 0.0,
        pack_after: int | None = None,
        max_bytes: int | None = None,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_pending = max_pending
        self.grace_seconds = grace_seconds
        self.pack_after = pack_after
        # Bytes (as the events came in) that waiting requests and responses may hold
        # together, over every partition; None: no bound but the counts.
        self.max_bytes = sys.maxsize if max_bytes is None else max_bytes
        self._parts: dict[tuple[str, int], Correlator] = {}
        # Waiting requests and responses over every partition: `max_pending` bounds these.
        self._totals = (_Total(), _Total())
        # Until a partition is selected: on its own, bounded alone, never in `_parts`.
        self._current = Correlator(ttl_seconds, max_pending, grace_seconds)
        self._owned = False  # whether `_current` is one of `_parts`
        self._retired = CorrelatorStats()  # counts of partitions handed to other owners
        # the largest partition watermark: raised as the current one moves, recomputed
        # when a partition is released (read twice per event, so never a scan)
        self._watermark = float("-inf")

    def _new(self) -> Correlator:
        return Correlator(
            self.ttl_seconds, self.max_pending, self.grace_seconds, self._totals, self.pack_after
        )

    def _part(self, pid: tuple[str, int]) -> Correlator:
        part = self._parts.get(pid)
        if part is None:
            part = self._parts[pid] = self._new()
        return part

    def select(self, pid: tuple[str, int], watermark: float = float("-inf")) -> Correlator:
        """Make `pid` current; a new partition starts at `watermark` (restored state)."""
        part = self._parts.get(pid)
        if part is None:
            part = self._part(pid)
            part.watermark = watermark
            if watermark > self._watermark:
                self._watermark = watermark
        self._current = part
        self._owned = True
        return part

    def partitions(self) -> list[tuple[tuple[str, int], Correlator]]:
        return list(self._parts.items())

    def release(self, pid: tuple[str, int]) -> None:
        """Forget a revoked partition (its waiting requests are re-read by the new owner)."""
        part = self._parts.pop(pid, None)
        if part is not None:
            stats = part.stats
            for name in ("expired", "evicted", "orphans", "replaced", "late"):
                setattr(self._retired, name, getattr(self._retired, name) + getattr(stats, name))
            requests, responses = self._totals  # its waiting events leave with it
            requests.n -= stats.pending
            responses.n -= stats.waiting_responses
            request_bytes, response_bytes = part.waiting_bytes()
            requests.bytes -= request_bytes
            responses.bytes -= response_bytes
        if part is self._current:
            self._current = Correlator(self.ttl_seconds, self.max_pending, self.grace_seconds)
            self._owned = False
        self._watermark = max((p.watermark for p in self._parts.values()), default=float("-inf"))

    def watermark_of_current(self) -> float:
        return self._current.watermark

    @property
    def watermark(self) -> float:
        """The largest watermark of the partitions held."""
        return self._watermark

    def _moved(self) -> None:
        part = self._current
        if self._owned and part.watermark > self._watermark:
            self._watermark = part.watermark

    @property
    def stats(self) -> CorrelatorStats:
        total = CorrelatorStats(
            expired=self._retired.expired,
            evicted=self._retired.evicted,
            orphans=self._retired.orphans,
            replaced=self._retired.replaced,
            late=self._retired.late,
        )
        for part in self._parts.values():
            s = part.stats
            total.pending += s.pending
            total.expired += s.expired
            total.evicted += s.evicted
            total.orphans += s.orphans
            total.replaced += s.replaced
            total.waiting_responses += s.waiting_responses
            total.late += s.late
        return total

    @property
    def over_bound(self) -> bool:
        """More requests, or more responses, wait over all partitions than `max_pending`,
        or they hold more than `max_bytes` together."""
        requests, responses = self._totals
        if requests.n > self.max_pending or responses.n > self.max_pending:
            return True
        return requests.bytes + responses.bytes > self.max_bytes

    def shed(self) -> tuple[tuple[str, int], str] | None:
        """While `over_bound`: the partition whose waiting request (or response) is the
        oldest in event time over all partitions, and that kind, for the caller to close
        there (`evict_oldest` with the partition selected); None within the bound. Over
        the byte bound, the oldest of either kind goes."""
        requests, responses = self._totals
        if requests.n > self.max_pending:
            return self._oldest(("request",))
        if responses.n > self.max_pending:
            return self._oldest(("response",))
        if requests.bytes + responses.bytes > self.max_bytes:
            return self._oldest(("request", "response"))
        return None

    def _oldest(self, kinds: tuple[str, ...]) -> tuple[tuple[str, int], str] | None:
        oldest: tuple[float, tuple[str, int], str] | None = None
        for pid, part in self._parts.items():
            for kind in kinds:
                t = part.oldest_waiting(kind)
                if t is not None and (oldest is None or t < oldest[0]):
                    oldest = (t, pid, kind)
        return None if oldest is None else (oldest[1], oldest[2])

    def evict_oldest(self, kind: str) -> Exchange:
        """`Correlator.evict_oldest` on the current partition."""
        return self._current.evict_oldest(kind)

    def offer(self, event: Event) -> list[Exchange]:
        done = self._current.offer(event)
        self._moved()
        return done

    def join(self, event: Event, event_time: float | None = None, size: int = 0) -> list[Exchange]:
        return self._current.join(event, event_time, size)

    def advance(self, event_time: float) -> list[Exchange]:
        done = self._current.advance(event_time)
        self._moved()
        return done

    def drain(self) -> list[Exchange]:
        return self._current.drain()


class DedupeWindow:
    """Remembers the last `capacity` event ids; `seen(id)` is True for a repeat."""

    def __init__(self, capacity: int) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        # The ids, and the same ids oldest first: the oldest leaves in O(1) (a dict emptied
        # from the front would scan its deleted slots to find its first key).
        self._ids: set[str] = set()
        self._order: deque[str] = deque()

    def seen(self, event_id: str) -> bool:
        ids = self._ids
        if event_id in ids:
            return True
        ids.add(event_id)
        order = self._order
        order.append(event_id)
        if len(order) > self.capacity:
            ids.discard(order.popleft())
        return False
