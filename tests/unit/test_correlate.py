"""Correlation of requests and responses, timeouts, the pending bound and deduplication."""

from __future__ import annotations

import msgspec

from sentinel.correlate import Correlator, DedupeWindow
from sentinel.events.model import Event
from tests.unit.conftest import event


def ev(type_: str, request_id: str, second: int, **fields: object) -> Event:
    ts = f"2026-11-02T09:{second // 60:02d}:{second % 60:02d}Z"
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


def test_a_late_response_becomes_an_orphan() -> None:
    """A response after its request timed out is counted as an orphan, not lost."""
    c = Correlator(ttl_seconds=1, max_pending=10)
    c.offer(ev("request", "r1", 0))
    done = c.offer(ev("response", "r1", 5))
    assert [d.kind for d in done] == ["timeout", "orphan_response"]
    assert c.stats.orphans == 1


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
