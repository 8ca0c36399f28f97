"""Plausibility bounds and the event-time skew guard: bad events are dead letters and
never reach trackers or the watermark; empty event time is crossed in O(1)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import msgspec
import pytest
from prometheus_client import CollectorRegistry

from sentinel.admission import VOTE_EVENTS, Admission, Bounds, implausible
from sentinel.events.decode import Invalid
from sentinel.events.model import Event
from sentinel.health import Health
from sentinel.io.memory import MemorySink, MemorySource
from sentinel.io.records import Record
from sentinel.rules.loader import load_rules
from sentinel.runner import Runner
from sentinel.wiring import Assembly, PipelineSettings, assemble
from tests.unit.conftest import event, raw

RULES = load_rules(Path(__file__).parents[2] / "sentinel" / "rules" / "defaults")
T0 = 1793610000.0  # 2026-11-02T09:00:00Z


def ev(ts: str = "2026-11-02T09:00:00Z", **fields: Any) -> Event:
    return msgspec.convert(event("exchange", ts=ts, **fields), Event)


def rec() -> Record:
    return Record(b"{}", None, "t", 0, 0)


IMPLAUSIBLE = [
    ("10^30 input tokens", {"usage": {"input_tokens": 10**30}}),
    ("10^9 reasoning tokens", {"usage": {"reasoning_tokens": 10**9}}),
    ("latency 1e308 ms", {"latency_ms": 1e308}),
    ("ttft of a week", {"ttft_ms": 7 * 86_400_000.0}),
    ("a million retries", {"retries": 1_000_000}),
    ("a rating of 1e12", {"feedback": {"rating": 1e12}}),
]


@pytest.mark.parametrize("fields", [c[1] for c in IMPLAUSIBLE], ids=[c[0] for c in IMPLAUSIBLE])
def test_values_beyond_the_bounds_are_implausible(fields: dict[str, Any]) -> None:
    """Each bound catches its field; the detail names the field, never the value."""
    why = implausible(ev(**fields), Bounds())
    assert why is not None and "1e+30" not in why and "1000000000000" not in why


def test_real_values_are_plausible() -> None:
    """A 1M-token prompt answered in 10 minutes after 3 retries and rated 5 is fine."""
    real = ev(
        usage={"input_tokens": 1_000_000, "output_tokens": 30_000},
        latency_ms=600_000.0,
        retries=3,
        feedback={"rating": 5},
    )
    assert implausible(real, Bounds()) is None


def test_live_guard_rejects_events_far_from_the_wall_clock() -> None:
    """With a processing clock: 15 min ahead or ten years behind it is clock_skew."""
    guard = Admission(Bounds(), clock=lambda: T0)
    ahead = guard.admit(rec(), ev("2026-11-02T09:16:00Z"))
    behind = guard.admit(rec(), ev("1970-01-01T00:00:00Z"))
    near = guard.admit(rec(), ev("2026-11-02T09:14:00Z"))
    assert [type(a[1]) for a in (*ahead, *behind)] == [Invalid, Invalid]
    assert {a[1].reason for a in (*ahead, *behind) if isinstance(a[1], Invalid)} == {"clock_skew"}
    assert isinstance(near[0][1], Event)


def test_replay_guard_rejects_a_lone_jump_outvoted_by_the_next_events() -> None:
    """Without a clock, a year-9999 event among normal traffic is held, then rejected."""
    guard = Admission(Bounds())
    assert isinstance(guard.admit(rec(), ev())[0][1], Event)
    assert guard.admit(rec(), ev("9999-12-31T00:00:00Z")) == []
    out = [a for _ in range(VOTE_EVENTS - 1) for a in guard.admit(rec(), ev())]
    rejected = [a[1] for a in out if isinstance(a[1], Invalid)]
    assert len(rejected) == 1 and rejected[0].reason == "clock_skew"
    assert guard.held == 0


def test_replay_guard_admits_a_real_gap_confirmed_by_the_next_events() -> None:
    """A quiet night in a recording: the morning's events outvote the evening and join."""
    guard = Admission(Bounds())
    guard.admit(rec(), ev("2026-11-02T22:00:00Z"))
    out = [a for _ in range(VOTE_EVENTS) for a in guard.admit(rec(), ev("2026-11-03T07:00:00Z"))]
    assert len(out) == VOTE_EVENTS and all(isinstance(a[1], Event) for a in out)


def test_replay_guard_admits_held_events_at_the_end_of_input() -> None:
    """Two exchanges a year apart: nothing contradicts the second, so it is processed."""
    guard = Admission(Bounds())
    guard.admit(rec(), ev("2025-11-02T09:00:00Z"))
    assert guard.admit(rec(), ev("2026-11-02T09:00:00Z")) == []
    assert [type(a[1]) for a in guard.flush()] == [Event]


def run(values: list[bytes]) -> tuple[Assembly, CollectorRegistry, MemorySink]:
    sink, registry = MemorySink(), CollectorRegistry()
    built = assemble(RULES, PipelineSettings(), registry, sink)
    Runner(MemorySource(values), built.pipeline, sink, Health()).run(threading.Event())
    return built, registry, sink


def test_a_future_event_among_pending_requests_times_none_of_them_out() -> None:
    """Year 9999 among 200 pending requests: a clock_skew dead letter; all 200 join."""
    requests = [raw(event("request", f"r{i}", model="m")) for i in range(200)]
    future = raw(event("exchange", ts="9999-12-31T23:59:59Z", model="m"))
    responses = [
        raw(event("response", f"r{i}", ts="2026-11-02T09:00:01Z", model="m")) for i in range(200)
    ]
    built, _, sink = run([*requests, future, *responses])
    assert built.pipeline.counts.invalid == {"clock_skew": 1}
    assert built.run.totals.overall.timeouts == 0
    assert built.run.totals.overall.exchanges == 200
    letters = sink.stream("dead_letter")
    assert [dict(r.headers)["sentinel.reason"] for r in letters] == [b"clock_skew"]


def test_implausible_values_never_reach_cost_or_latency() -> None:
    """10^30 tokens and 1e308 ms are dead letters; cost and latency stay those of the
    real exchange."""
    bad = event("exchange", model="gpt-4.1-mini", latency_ms=1e308)
    bad["usage"] = {"input_tokens": 10**30}
    good = event("exchange", model="gpt-4.1-mini", latency_ms=300.0)
    good["usage"] = {"input_tokens": 1000, "output_tokens": 10}
    built, registry, _ = run([json.dumps(bad).encode(), raw(good)])
    assert built.pipeline.counts.invalid == {"implausible_value": 1}
    assert built.run.totals.overall.cost_usd < 0.01
    latency_sum = sum(
        s.value
        for m in registry.collect()
        for s in m.samples
        if s.name == "sentinel_exchange_latency_seconds_sum"
    )
    assert latency_sum == pytest.approx(0.3)


def test_the_monitor_crosses_a_year_of_empty_event_time_in_few_evaluations() -> None:
    """Two exchanges a year apart: the monitor evaluates the quiet horizon, then jumps
    (a million 30 s ticks before)."""
    pipeline, evaluations = build_and_count(
        [
            raw(event("exchange", ts="2025-11-02T09:00:00Z", model="m")),
            raw(event("exchange", ts="2026-11-02T09:00:00Z", model="m")),
        ]
    )
    assert pipeline.counts.valid == 2
    assert 0 < evaluations < 2_000


def build_and_count(values: list[bytes]) -> tuple[Any, int]:
    sink, registry = MemorySink(), CollectorRegistry()
    built = assemble(RULES, PipelineSettings(), registry, sink)
    pipeline, monitor = built.pipeline, built.monitor
    Runner(MemorySource(values), pipeline, sink, Health()).run(threading.Event())
    return pipeline, monitor.evaluations
