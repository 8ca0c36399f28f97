"""Correlation of requests and responses, timeouts, the pending bound and deduplication."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from sentinel.correlate import LATE_WINDOW_TTLS, Correlator, DedupeWindow, PartitionedCorrelator
from sentinel.events.exchange import Exchange
from sentinel.events.model import Event
from tests.unit.conftest import event


def ev(type_: str, request_id: str, second: float, **fields: object) -> Event:
    start = datetime(2026, 11, 2, 9, tzinfo=UTC) + timedelta(seconds=second)
    ts = start.isoformat().replace("+00:00", "Z")
    return msgspec.convert(event(type_, request_id, ts=ts, **fields), Event)


def test_a_response_completes_its_pending_request() -> None:
    """Request then response with the same request_id make one complete exchange."""
    c = Correlator(ttl_seconds=60, max_pending=10)
    assert c.offer(ev("request", "r1", 0)) == []
    [done] = c.offer(ev("response", "r1", 2, latency_ms=1500.0))
    assert done.kind == "complete" and done.request is not None and done.response is not None
    assert done.latency_ms == 1500.0
    assert c.stats.pending == 0


def test_latency_falls_back_to_event_time_difference() -> None:
    """Without latency_ms, latency is response time minus request time."""
    c = Correlator(ttl_seconds=60, max_pending=10)
    c.offer(ev("request", "r1", 0))
    [done] = c.offer(ev("response", "r1", 3))
    assert done.latency_ms == 3000.0


def test_a_request_without_response_times_out_in_event_time() -> None:
    """Once the watermark passes request time + TTL, the request is a timeout."""
    c = Correlator(ttl_seconds=30, max_pending=10)
    c.offer(ev("request", "r1", 0))
    assert c.offer(ev("exchange", "x", 29))[0].kind == "complete"
    done = c.offer(ev("exchange", "y", 31))
    assert [d.kind for d in done] == ["timeout", "complete"]
    assert done[0].request_id == "r1"
    assert c.stats.expired == 1


def test_a_response_after_its_timeout_is_late_not_a_second_exchange() -> None:
    """A response after its request timed out is counted late; the request id has one exchange."""
    c = Correlator(ttl_seconds=10, max_pending=10)
    c.offer(ev("request", "r1", 0))
    done = c.offer(ev("response", "r1", 15))
    assert [d.kind for d in done] == ["timeout"]
    assert c.stats.late == 1 and c.stats.orphans == 0
    assert c.drain() == []


def test_a_response_far_past_the_late_window_is_an_orphan() -> None:
    """Past LATE_WINDOW_TTLS TTLs the request id is forgotten: bounded memory, one orphan."""
    c = Correlator(ttl_seconds=10, max_pending=10)
    c.offer(ev("request", "r1", 0))
    assert [d.kind for d in c.offer(ev("response", "r1", 10 + LATE_WINDOW_TTLS * 10 + 1))] == [
        "timeout"
    ]
    assert [d.kind for d in c.drain()] == ["orphan_response"]


def test_a_response_before_its_request_waits_and_completes() -> None:
    """Either half may arrive first: a response waits (grace) and its request completes it."""
    c = Correlator(ttl_seconds=60, max_pending=10, grace_seconds=30)
    assert c.offer(ev("response", "r1", 2, latency_ms=1500.0)) == []
    assert c.stats.waiting_responses == 1
    [done] = c.offer(ev("request", "r1", 0))
    assert done.kind == "complete" and done.request is not None and done.response is not None
    assert done.latency_ms == 1500.0
    assert c.stats.waiting_responses == 0 and c.stats.orphans == 0
    assert c.drain() == []  # nothing left to become a timeout


def test_a_response_whose_request_never_comes_is_an_orphan_after_the_grace() -> None:
    """A waiting response becomes one orphan once event time passes it by the grace."""
    c = Correlator(ttl_seconds=60, max_pending=10, grace_seconds=30)
    c.offer(ev("response", "r1", 0))
    assert c.offer(ev("exchange", "x", 30)) != [] and c.stats.orphans == 0
    done = c.offer(ev("exchange", "y", 31))
    assert [d.kind for d in done] == ["orphan_response", "complete"]
    assert c.stats.orphans == 1
    assert c.offer(ev("request", "r1", 1)) == []  # its request, far too late: no timeout
    assert c.stats.late == 1 and c.drain() == []


def test_requests_wait_the_grace_beyond_their_ttl() -> None:
    """With a grace, a request times out at request time + TTL + grace, not earlier."""
    c = Correlator(ttl_seconds=10, max_pending=10, grace_seconds=5)
    c.offer(ev("request", "r1", 0))
    assert c.offer(ev("exchange", "x", 15))[0].kind == "complete"
    assert [d.kind for d in c.offer(ev("exchange", "y", 16))] == ["timeout", "complete"]


def test_a_late_arriving_request_times_out_by_its_own_event_time() -> None:
    """Timeouts follow event time, not arrival: an old request arriving late leaves first."""
    c = Correlator(ttl_seconds=10, max_pending=10)
    c.offer(ev("request", "mid", 45))
    c.offer(ev("request", "new", 54))
    c.offer(ev("request", "old", 44.5))  # arrives last, but is the oldest
    done = c.offer(ev("exchange", "x", 56))
    assert [d.request_id for d in done if d.kind == "timeout"] == ["old", "mid"]
    assert c.offer(ev("request", "older", 1)) == []  # late: closed by the watermark's next move
    assert [d.request_id for d in c.advance(c.watermark + 1)] == ["older"]
    assert c.stats.pending == 1


def test_a_lagging_partitions_request_still_meets_its_response() -> None:
    """Partitions interleave by whole fetches: a request far behind the watermark is not
    closed on arrival, so its response, next in the same partition, completes it."""
    c = Correlator(ttl_seconds=10, max_pending=10, grace_seconds=1)
    c.offer(ev("request", "ahead", 600))
    assert c.offer(ev("request", "behind", 30)) == []
    [done] = c.offer(ev("response", "behind", 31))
    assert (done.kind, done.request_id) == ("complete", "behind")
    assert c.stats.expired == 0 and c.stats.late == 0


def test_the_response_bound_evicts_the_oldest_as_an_orphan() -> None:
    """Waiting responses are bounded too: beyond max_pending the oldest becomes an orphan."""
    c = Correlator(ttl_seconds=3600, max_pending=2, grace_seconds=3600)
    out = []
    for i in range(5):
        out += c.offer(ev("response", f"r{i}", i))
    assert [(e.kind, e.request_id) for e in out] == [("orphan_response", f"r{i}") for i in range(3)]
    assert c.stats.waiting_responses == 2 and c.stats.evicted == 3


def _stream(seed: int, n: int) -> list[Event]:
    """A day in event-time order: completes, timeouts, late responses and orphans."""
    rng = random.Random(seed)
    events: list[Event] = []
    for i in range(n):
        start = i * 2 + rng.random()
        fate = rng.random()
        if fate < 0.75:  # a normal exchange
            latency = 1 + 20 * rng.random()
            events += [ev("request", f"r{i}", start), ev("response", f"r{i}", start + latency)]
        elif fate < 0.85:  # no response: a timeout
            events.append(ev("request", f"r{i}", start))
        elif fate < 0.92:  # a response after the TTL: a timeout and a late response
            latency = 40 + 10 * rng.random()
            events += [ev("request", f"r{i}", start), ev("response", f"r{i}", start + latency)]
        else:  # the request was never logged: an orphan
            events.append(ev("response", f"r{i}", start + 3))
    return sorted(events, key=lambda e: e.event_time)


def _counts(events: list[Event], grace: float) -> Counter[str]:
    c = Correlator(ttl_seconds=30, max_pending=100_000, grace_seconds=grace)
    kinds: Counter[str] = Counter()
    for e in events:
        kinds.update(x.kind for x in c.offer(e))
    kinds.update(x.kind for x in c.drain())
    kinds["late"] = c.stats.late
    return kinds


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffled_streams_count_like_the_ordered_stream(seed: int) -> None:
    """Events delayed by up to the grace give the same completes, timeouts, orphans, lates."""
    ordered = _stream(seed, 3000)
    rng = random.Random(seed)
    grace = 15.0
    # each event arrives up to `grace` seconds of event time late: bounded disorder
    shuffled = sorted(ordered, key=lambda e: e.event_time + grace * rng.random())
    assert shuffled != ordered
    expected = _counts(ordered, grace)
    assert expected["complete"] > 2000 and expected["timeout"] > 300
    assert expected["orphan_response"] > 100 and expected["late"] > 100
    assert _counts(shuffled, grace) == expected
    # one exchange per request id
    c = Correlator(ttl_seconds=30, max_pending=100_000, grace_seconds=grace)
    ids = Counter(x.request_id for e in shuffled for x in c.offer(e))
    ids.update(x.request_id for x in c.drain())
    assert max(ids.values()) == 1


def test_the_pending_bound_evicts_the_oldest_as_a_timeout() -> None:
    """Memory stays bounded: beyond max_pending the oldest request is evicted and counted."""
    c = Correlator(ttl_seconds=3600, max_pending=3)
    evicted = []
    for i in range(10):
        evicted += c.offer(ev("request", f"r{i}", i))
    assert [e.request_id for e in evicted] == [f"r{i}" for i in range(7)]
    assert c.stats.pending == 3 and c.stats.evicted == 7


def test_drain_turns_every_pending_request_into_a_timeout() -> None:
    """At the end of a replay, what is still pending is a timeout."""
    c = Correlator(ttl_seconds=3600, max_pending=10)
    for i in range(4):
        c.offer(ev("request", f"r{i}", i))
    assert [d.kind for d in c.drain()] == ["timeout"] * 4
    assert c.stats.pending == 0


def test_the_watermark_never_moves_back() -> None:
    """An out-of-order event does not rewind event time."""
    c = Correlator(ttl_seconds=10, max_pending=10)
    c.offer(ev("exchange", "a", 50))
    c.offer(ev("exchange", "b", 20))
    assert c.watermark == ev("exchange", "c", 50).event_time


def test_dedupe_window_reports_repeats_and_forgets_the_oldest() -> None:
    """Repeated ids are seen; the window holds only `capacity` ids."""
    window = DedupeWindow(capacity=2)
    assert [window.seen(x) for x in ("a", "b", "a", "c")] == [False, False, True, False]
    assert window.seen("a") is False  # evicted when "c" arrived, so it counts as new again
    assert window.seen("c") is True


def test_exchanges_carry_the_event_times_the_join_converted() -> None:
    """An exchange's kept event times are its events' own, and give the same event time and
    latency as an exchange that converts them on use; the kept watermark is the largest."""
    c = PartitionedCorrelator(ttl_seconds=10, max_pending=2)
    rng = random.Random(5)
    done: list[Exchange] = []
    for i in range(300):
        c.select(("t", i % 3))
        kind = rng.choice(("request", "response", "response", "exchange"))
        fields = {} if rng.random() < 0.5 else {"latency_ms": 5.0}
        e = ev(kind, f"r{rng.randrange(120)}", i * 0.7 + rng.uniform(0, 0.5), **fields)
        done += c.advance(e.event_time)
        done += c.join(e, e.event_time if i % 2 else None)
        assert c.watermark == max(p.watermark for _, p in c.partitions())
        if i == 150:
            c.release(("t", 1))
            assert c.watermark == max(p.watermark for _, p in c.partitions())
    for pid, _ in c.partitions():
        c.select(pid)
        done += c.drain()
    assert {d.kind for d in done} == {"complete", "timeout", "orphan_response"}
    for x in done:
        assert x.request_time == (x.request.event_time if x.request is not None else None)
        assert x.response_time == (x.response.event_time if x.response is not None else None)
        converted = Exchange(x.kind, x.request, x.response)  # times converted on use
        assert (x.event_time, x.latency_ms) == (converted.event_time, converted.latency_ms)


def test_the_pending_bound_holds_over_every_partition_together() -> None:
    """`max_pending` bounds the waiting requests (and responses) of all partitions at once:
    over it, `shed` names the partition holding the oldest in event time, whichever it is;
    a released partition's waiting events leave the count with it."""
    c = PartitionedCorrelator(ttl_seconds=3600, max_pending=3, grace_seconds=3600)
    a, b = ("t", 0), ("t", 1)
    evicted: list[Exchange] = []

    def offer(pid: tuple[str, int], e: Event) -> None:
        c.select(pid)
        evicted.extend(c.offer(e))  # nothing closes inside a partition: the bound is shared
        while (oldest := c.shed()) is not None:
            c.select(oldest[0])
            evicted.append(c.evict_oldest(oldest[1]))

    offer(a, ev("request", "a1", 1))
    offer(b, ev("request", "b2", 2))
    offer(b, ev("request", "b3", 3))
    assert not c.over_bound and not evicted
    offer(b, ev("request", "b4", 4))  # four wait: a1 is the oldest, in the other partition
    offer(a, ev("request", "a5", 5))  # then b2
    assert [(x.kind, x.request_id) for x in evicted] == [("timeout", "a1"), ("timeout", "b2")]
    assert (c.stats.pending, c.stats.evicted) == (3, 2)
    for i in range(4):  # responses are bounded apart from requests
        offer(a, ev("response", f"o{i}", 10 + i))
    assert [x.request_id for x in evicted[2:]] == ["o0"]
    assert evicted[2].kind == "orphan_response"
    assert (c.stats.pending, c.stats.waiting_responses, c.stats.evicted) == (3, 3, 3)
    c.release(a)  # a5 and three responses leave with their partition
    offer(b, ev("request", "b6", 6))  # b3, b4, b6 wait: within the bound
    assert len(evicted) == 3 and c.stats.pending == 3
    offer(b, ev("request", "b7", 7))
    assert [x.request_id for x in evicted[3:]] == ["b3"]
    assert (c.stats.pending, c.stats.evicted) == (3, 4)


def test_the_waiting_bytes_are_bounded_over_every_partition_and_both_kinds() -> None:
    """`max_bytes` bounds the bytes (as they came in) of the waiting requests and responses
    together: past it the oldest of either kind goes, whatever the counts; a replaced event
    counts with its new size, and what leaves (joined, released) no longer counts."""
    c = PartitionedCorrelator(ttl_seconds=3600, max_pending=100, grace_seconds=3600, max_bytes=10)
    a, b = ("t", 0), ("t", 1)
    evicted: list[Exchange] = []

    def offer(pid: tuple[str, int], e: Event, size: int) -> None:
        c.select(pid)
        evicted.extend(c.advance(e.event_time))
        evicted.extend(c.join(e, e.event_time, size))
        while (oldest := c.shed()) is not None:
            c.select(oldest[0])
            evicted.append(c.evict_oldest(oldest[1]))

    offer(a, ev("response", "o1", 1), 4)
    offer(b, ev("request", "r2", 2), 4)
    offer(b, ev("request", "r2", 3), 2)  # replaces r2: 4 + 2 bytes wait
    assert not evicted and not c.over_bound
    offer(b, ev("request", "r4", 4), 4)  # 10: at the bound, within it
    assert not evicted
    offer(a, ev("request", "r5", 5), 3)  # 13: the oldest (the response o1) goes
    assert [(x.kind, x.request_id) for x in evicted] == [("orphan_response", "o1")]
    offer(b, ev("response", "r2", 6), 50)  # joins r2 (no longer waiting): 4 + 3 bytes
    assert [x.kind for x in evicted] == ["orphan_response", "complete"]
    offer(b, ev("request", "r7", 7), 12)  # alone over the bound: everything older goes, then it
    assert [x.request_id for x in evicted[2:]] == ["r4", "r5", "r7"]
    assert c.stats.pending == 0 and c.stats.evicted == 4
    offer(a, ev("request", "r8", 8), 6)
    c.release(a)  # its 6 bytes leave with it
    offer(b, ev("request", "r9", 9), 9)
    assert len(evicted) == 5 and c.stats.pending == 1
