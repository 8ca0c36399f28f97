"""The report timeline: latency per bucket, budget samples per bucket, bounded memory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from sentinel.track.quantiles import summarize
from sentinel.track.timeline import Timeline
from sentinel.values import Accounted, Cost, Labels, Tokens, Verdict

ALLOW = Verdict("allow", ())


def item(event_time: float, latency_ms: float = 100.0) -> Accounted:
    labels = Labels("svc", "/chat", "f", "m", "canary")
    tokens = Tokens(1, 1, 0, 0, 0, False)
    return Accounted(None, labels, tokens, Cost(), "ok", event_time, latency_ms, None, 0)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Status:
    slo: str
    labels: dict[str, str]
    budget_remaining: float | None


def test_latency_percentiles_are_kept_per_bucket() -> None:
    """Each bucket's sketch holds that bucket's latencies only."""
    timeline = Timeline(bucket_seconds=60)
    for i in range(100):
        timeline.add(item(10.0, latency_ms=float(i + 1)), ALLOW)
    timeline.add(item(70.0, latency_ms=5000.0), ALLOW)
    (_, first), (_, second) = timeline.series()
    assert first.latency_ms is not None and second.latency_ms is not None
    assert summarize(first.latency_ms).p50 == pytest.approx(50, rel=0.02)
    assert summarize(first.latency_ms).p99 == pytest.approx(99, rel=0.02)
    assert summarize(second.latency_ms).p50 == pytest.approx(5000, rel=0.01)


def test_budgets_are_sampled_when_event_time_enters_a_new_bucket() -> None:
    """The probe is read at each bucket boundary, and once more for the state now."""
    remaining = [1.0]
    reads: list[float] = []

    def probe() -> list[Any]:
        reads.append(remaining[0])
        return [Status("latency", {"variant": "canary"}, remaining[0]), Status("x", {}, None)]

    timeline = Timeline(bucket_seconds=60, budgets=probe)
    timeline.add(item(0.0), ALLOW)
    timeline.add(item(30.0), ALLOW)
    assert reads == []  # still the first bucket
    remaining[0] = 0.5
    timeline.add(item(61.0), ALLOW)
    remaining[0] = -0.25
    history = timeline.budget_history()
    assert history == [
        (60.0, {"latency variant=canary": 0.5}),
        (120.0, {"latency variant=canary": -0.25}),
    ]


def test_a_long_run_coarsens_instead_of_forgetting() -> None:
    """Past `keep_buckets`, neighbours merge: bounded buckets, every exchange still counted."""
    timeline = Timeline(bucket_seconds=60, keep_buckets=16)
    for minute in range(100):
        timeline.add(item(minute * 60.0 + 1), ALLOW)
    assert len(timeline.buckets) <= 16
    assert timeline.bucket_seconds == 60 * 8
    series = timeline.series()
    assert sum(b.exchanges for _, b in series) == 100
    assert series[0][0] == 0.0  # the first minutes are still there


def test_series_merges_buckets_down_to_max_points() -> None:
    """`series(max_points)` merges neighbours; counts and sketches add up."""
    timeline = Timeline(bucket_seconds=60)
    for minute in range(10):
        timeline.add(item(minute * 60.0, latency_ms=float(minute)), ALLOW)
    merged = timeline.series(max_points=3)
    assert [b.exchanges for _, b in merged] == [4, 4, 2]
    assert timeline.display_seconds(3) == 240
    assert all(b.latency_ms is not None and b.latency_ms.count == b.exchanges for _, b in merged)
