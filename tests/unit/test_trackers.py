"""Quantile sketches within 1 % of exact values; spend burn rate and forecast."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from sentinel.track.labels import OTHER, UNKNOWN, LabelBounder
from sentinel.track.quantiles import WindowedSketch, new_sketch, summarize
from sentinel.track.spend import SpendTracker

DISTRIBUTIONS = {
    "lognormal latencies": lambda rng: rng.lognormal(mean=7.0, sigma=0.8, size=50_000),
    "heavy pareto tail": lambda rng: (rng.pareto(1.5, size=50_000) + 1) * 200,
    "bimodal cache hits": lambda rng: np.concatenate(
        [rng.normal(80, 5, 30_000), rng.normal(2500, 300, 20_000)]
    ).clip(1),
}


@pytest.mark.parametrize("draw", DISTRIBUTIONS.values(), ids=DISTRIBUTIONS.keys())
def test_sketch_quantiles_are_within_one_percent_of_exact(draw) -> None:  # type: ignore[no-untyped-def]
    """p50/p95/p99 from the sketch are within 1 % of numpy's exact order statistics."""
    values = draw(np.random.default_rng(7))
    sketch = new_sketch()
    for v in values:
        sketch.add(float(v))
    s = summarize(sketch)
    for q, got in ((0.5, s.p50), (0.95, s.p95), (0.99, s.p99)):
        exact = float(np.quantile(values, q, method="lower"))
        assert got == pytest.approx(exact, rel=0.01), q
    assert s.mean == pytest.approx(float(values.mean()), rel=1e-9)


def test_merged_window_sketches_equal_one_sketch_over_the_window() -> None:
    """Per-minute sketches merged over a window give the quantiles of that window only."""
    w = WindowedSketch(bucket_seconds=60, keep_buckets=10)
    for minute in range(20):
        for i in range(100):
            w.add(float(minute * 1000 + i + 1), minute * 60.0 + i * 0.5)
    last5 = summarize(w.window(300))
    assert last5.count == 500
    assert last5.p50 == pytest.approx(17050, rel=0.01)


def test_spend_burn_rate_and_month_forecast() -> None:
    """$1 per minute for an hour is $60/h; forecast adds 60/h times the hours left in the month."""
    start = datetime(2026, 11, 30, 12, 0, tzinfo=UTC).timestamp()
    tracker = SpendTracker(window_seconds=3600)
    for minute in range(120):
        tracker.add(1.0, 1000, start + minute * 60)
    burn = tracker.burn()
    assert burn.usd_per_hour == pytest.approx(60.0)
    assert burn.tokens_per_second == pytest.approx(1000 * 60 / 3600)
    assert burn.month_to_date_usd == pytest.approx(120.0)
    hours_left = (datetime(2026, 12, 1, tzinfo=UTC).timestamp() - (start + 119 * 60)) / 3600
    assert burn.month_forecast_usd == pytest.approx(120.0 + 60.0 * hours_left)


def test_spend_month_to_date_resets_in_a_new_month() -> None:
    """Month-to-date spend starts again on the first of the month."""
    tracker = SpendTracker()
    tracker.add(5.0, 1, datetime(2026, 11, 30, 23, 59, tzinfo=UTC).timestamp())
    tracker.add(2.0, 1, datetime(2026, 12, 1, 0, 1, tzinfo=UTC).timestamp())
    assert tracker.burn().month_to_date_usd == pytest.approx(2.0)


def test_label_bounder_allow_list_and_first_seen_bound() -> None:
    """Allow-lists are fixed; otherwise the first N values are kept and the rest are other."""
    fixed = LabelBounder(["baseline", "canary"], max_values=50)
    assert [fixed(v) for v in ("canary", "evil", None)] == ["canary", OTHER, UNKNOWN]
    open_ = LabelBounder(None, max_values=2)
    assert [open_(v) for v in ("a", "b", "c", "a", "x" * 500)] == ["a", "b", OTHER, "a", OTHER]
