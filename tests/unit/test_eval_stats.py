"""Wilson intervals used by every evaluation table."""

from __future__ import annotations

import pytest

from bench.eval.stats import Rate, wilson


def test_wilson_matches_a_textbook_value() -> None:
    """81 of 263 gives the interval published for the Wilson score method (0.2553, 0.3662)."""
    lo, hi = wilson(81, 263)
    assert lo == pytest.approx(0.2553, abs=5e-4)
    assert hi == pytest.approx(0.3662, abs=5e-4)


def test_wilson_stays_inside_zero_and_one_at_the_edges() -> None:
    """All or none still gives a proper interval that contains the point estimate."""
    lo, hi = wilson(0, 20)
    assert lo == 0.0 and 0.0 < hi < 0.2
    lo, hi = wilson(20, 20)
    assert 0.8 < lo < 1.0 and hi == 1.0


def test_wilson_rejects_impossible_counts() -> None:
    """More successes than trials is a bug in the caller, not a rate."""
    with pytest.raises(ValueError, match=r"within 0\.\.5"):
        wilson(6, 5)


def test_rate_text_shows_value_interval_and_n() -> None:
    """A rate prints as value, interval and sample size; an empty one says n=0."""
    assert Rate(5, 10).text(2) == "0.50 [0.24, 0.76] (n=10)"
    assert Rate(0, 0).text() == "– (n=0)"
