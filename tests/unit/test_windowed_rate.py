"""The windowed-rate utility: sliding event-time sums and rates, and the spend tracker on it."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from sentinel.track.spend import SpendTracker
from sentinel.track.windowed_rate import WindowSums

T0 = 1_793_610_000.0  # 2026-11-02T09:00:00Z, a whole minute


def test_running_sums_equal_a_brute_force_count() -> None:
    """Running sums over out-of-order events match recounting every window."""
    rng = random.Random(3)
    sums = WindowSums(60, [5, 60, 360])
    events: list[tuple[float, float]] = []
    t = 1_000_000.0
    for step in range(5000):
        t += rng.expovariate(1 / 20)
        at = t - rng.uniform(0, 300)
        bad = float(rng.random() < 0.1)
        events.append((at, bad))
        sums.add(at, bad)
        if step % 7 == 0:
            sums.advance(t)
            now = int(t // 60)
            for w in (5, 60, 360):
                inside = [b for e, b in events if now - w < int(e // 60) <= now]
                assert sums.counts(w) == (sum(inside), float(len(inside)))


@pytest.mark.parametrize("advanced", [False, True], ids=["never advanced", "advanced"])
def test_an_empty_window_reads_zero_sums_zero_rates_and_no_ratio(advanced: bool) -> None:
    """A window with no event has sums and rates of zero and no error ratio."""
    sums = WindowSums(60, [10])
    if advanced:
        sums.advance(T0)
    assert sums.counts(10) == (0.0, 0.0)
    assert sums.rates(10, 3600) == (0.0, 0.0)
    assert sums.error_ratio(10) is None


def test_rates_scale_the_window_sums_to_the_asked_unit() -> None:
    """$5 and 1,000 tokens in a 10-minute window are $30/h and 100 tokens/min."""
    sums = WindowSums(60, [10])
    sums.add(T0 + 5, 2.0, 400.0)
    sums.add(T0 + 300, 3.0, 600.0)
    sums.advance(T0 + 300)
    assert sums.rates(10, 3600)[0] == pytest.approx(30.0)
    assert sums.rates(10, 60)[1] == pytest.approx(100.0)


def test_a_gap_longer_than_the_window_empties_it_exactly() -> None:
    """After a gap longer than the window, the window reads exactly zero (no float residue
    from the buckets that left) and counts the new events alone."""
    sums = WindowSums(60, [3, 10])
    for i, usd in enumerate([0.1, 0.2, 0.7, 0.3]):
        sums.add(T0 + i * 60, usd, 1.0)
        sums.advance(T0 + i * 60)
    sums.advance(T0 + 3600)
    assert sums.counts(3) == (0.0, 0.0) and sums.counts(10) == (0.0, 0.0)
    sums.add(T0 + 3600, 0.4, 1.0)
    assert sums.counts(3) == (0.4, 1.0) and sums.counts(10) == (0.4, 1.0)


def test_out_of_order_events_count_where_their_minute_is_held() -> None:
    """A late event counts in the windows that still hold its minute, not in shorter ones;
    one older than every window is dropped; one ahead of now waits for `advance`."""
    sums = WindowSums(60, [2, 10])
    sums.advance(T0 + 20 * 60)
    sums.add(T0 + 15 * 60, 1.0)  # 5 minutes late: inside 10, outside 2
    sums.add(T0 + 5 * 60, 1.0)  # 15 minutes late: outside every window
    sums.add(T0 + 22 * 60, 1.0)  # ahead of now
    assert sums.counts(2) == (0.0, 0.0)
    assert sums.counts(10) == (1.0, 1.0)
    sums.advance(T0 + 22 * 60)
    assert sums.counts(2) == (1.0, 1.0)
    assert sums.counts(10) == (2.0, 2.0)


def test_spend_tracker_counts_a_late_event_inside_its_window() -> None:
    """An event older than the oldest minute held but inside the window counts in the burn
    and month-to-date; one older than the window counts in neither."""
    tracker = SpendTracker(window_seconds=3600)
    tracker.add(1.0, 10, T0)
    tracker.add(1.0, 10, T0 + 100 * 60)  # a gap longer than the window: T0's minute left
    tracker.add(2.0, 20, T0 + 50 * 60)  # inside the hour before the newest event
    tracker.add(4.0, 40, T0 + 30 * 60)  # older than that hour
    burn = tracker.burn()
    assert burn.usd_per_hour == pytest.approx(3.0)
    assert burn.tokens_per_second == pytest.approx(30 / 3600)
    assert burn.month_to_date_usd == pytest.approx(4.0)


def test_spend_tracker_reads_zero_after_a_quiet_window() -> None:
    """Before any spend and after an hour without any, the burn is exactly zero."""
    tracker = SpendTracker(window_seconds=600)
    assert tracker.burn().usd_per_hour == 0.0
    start = datetime(2026, 11, 2, tzinfo=UTC).timestamp()
    for i in range(10):
        tracker.add(0.1, 7, start + i * 60)
    assert tracker.burn().usd_per_hour == pytest.approx(6.0)
    tracker.add(0.0, 0, start + 2 * 3600)
    burn = tracker.burn()
    assert (burn.usd_per_hour, burn.tokens_per_second) == (0.0, 0.0)
    assert burn.month_to_date_usd == pytest.approx(1.0)
