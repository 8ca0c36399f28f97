"""The one-sided mSPRT for two proportions: its closed form and its behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sentinel.rollback.stats import log_mixture_ratio, msprt, null_variance


@pytest.mark.parametrize(
    ("excess", "variance", "sd"),
    [(0.01, 1e-5, 0.02), (0.0, 1e-4, 0.05), (-0.02, 4e-5, 0.02), (0.05, 2e-4, 0.01)],
    ids=[
        "a clear excess",
        "no excess at all",
        "a canary better than allowed",
        "a wide mixture around a large excess",
    ],
)
def test_the_closed_form_equals_the_mixture_integral(
    excess: float, variance: float, sd: float
) -> None:
    """log Λ equals a numerical integral of the Gaussian likelihood ratio over θ ~ N⁺(0, sd²)."""
    theta = np.linspace(0.0, 12 * sd, 400_001)
    info, score = 1.0 / variance, excess / variance
    prior = 2.0 * np.exp(-0.5 * (theta / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
    integral = np.trapezoid(np.exp(theta * score - 0.5 * theta**2 * info) * prior, theta)
    assert log_mixture_ratio(excess, variance, sd) == pytest.approx(math.log(integral), rel=1e-6)


def test_a_far_negative_excess_is_no_evidence_not_an_error() -> None:
    """When Φ(z) underflows, log Λ is −inf and the p-value is 1."""
    assert log_mixture_ratio(-1.0, 1e-8, 0.02) == -math.inf
    assert msprt(0, 10_000, 9_000, 10_000).p_value == 1.0


def test_zero_bad_events_still_give_a_positive_variance() -> None:
    """Half an event of smoothing keeps the variance above zero with no bad events."""
    assert null_variance(0, 500, 0, 5_000, 0.0, 0.0) > 0


@pytest.mark.parametrize(
    ("canary_bad", "expected_small"),
    [(10, False), (60, True)],
    ids=["2 % against 2 % is no evidence", "12 % against 2 % is strong evidence"],
)
def test_the_p_value_reflects_the_evidence(canary_bad: int, expected_small: bool) -> None:
    """500 canary exchanges against 5,000 baseline ones at a 2 % bad rate."""
    look = msprt(canary_bad, 500, 100, 5_000)
    assert (look.p_value < 1e-4) is expected_small
    assert look.canary_rate == canary_bad / 500 and look.baseline_rate == 0.02


def test_an_allowed_degradation_is_not_evidence() -> None:
    """A canary 50 % worse is within `relative: 0.5`, and exceeds `relative: 0`."""
    within = msprt(150, 5_000, 1_000, 50_000, relative=0.5)
    beyond = msprt(150, 5_000, 1_000, 50_000)
    assert within.allowed_rate == pytest.approx(0.03) and within.p_value == 1.0
    assert beyond.p_value < 1e-3


def test_an_absolute_margin_moves_the_allowed_rate() -> None:
    """`absolute: 0.01` allows a canary one point worse."""
    look = msprt(300, 5_000, 2_500, 50_000, absolute=0.01)
    assert look.allowed_rate == pytest.approx(0.06) and look.excess == pytest.approx(0.0)
    assert look.p_value == 1.0


def test_empty_variants_are_refused() -> None:
    """The engine never tests before min_samples; a direct call without counts is an error."""
    with pytest.raises(ValueError, match="both variants need at least one counted event"):
        msprt(0, 0, 1, 10)
