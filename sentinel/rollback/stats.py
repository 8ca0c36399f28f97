"""Is the canary's bad-event rate worse than the baseline's allows? A sequential test.

The test is a one-sided mixture sequential probability ratio test (mSPRT) on the excess

    θ = p_canary − (1 + relative) · p_baseline − absolute

with H0: θ ≤ 0 (the canary is within the allowed degradation) against H1: θ > 0. Its
statistic Λ is a mixture of likelihood ratios over a half-normal prior on θ > 0; under H0
it is a non-negative supermartingale, so by Ville's inequality P(Λ ever ≥ 1/α) ≤ α: the
false-alarm rate holds however often the counts are looked at. `p_value = min(1, 1/Λ)`
at one look; the running minimum over looks is an always-valid p-value.

The Gaussian form is used: the estimate θ̂ has variance `v`, information `1/v`, and
`θ̂/v` moves like Brownian motion in information time whatever the traffic split between
the variants is (nested sample means have Cov(θ̂_s, θ̂_t) = v_t for s < t). The variance is
estimated under the null boundary (θ = 0, a restricted estimate pooling both variants),
with half an event of smoothing so that zero bad events never give zero variance.

Counts are discrete and, for rare bad events, skewed: early looks at a handful of bad
events would exceed α if read as Gaussian. A continuity correction of half an event per
variant (Yates') is taken off the excess before it is tested; with it, simulated A/A
streams hold α down to bad rates of 0.2 % (see docs/rollback.md).

Pure Python: a look costs a few microseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_LOG2 = math.log(2.0)
_SQRT2 = math.sqrt(2.0)
_EDGE = 1e-9  # keeps plug-in rates inside (0, 1): a zero variance would divide by zero


@dataclass(frozen=True, slots=True)
class Look:
    """One evaluation of the test on cumulative counts."""

    canary_rate: float
    baseline_rate: float
    allowed_rate: float  # (1 + relative) · baseline rate + absolute
    excess: float  # canary rate − allowed rate (the estimate θ̂)
    z: float  # θ̂, continuity-corrected, over its standard error under the null boundary
    log_e_value: float  # log Λ, the mixture likelihood ratio
    p_value: float  # min(1, 1/Λ) at this look


def log_mixture_ratio(excess: float, variance: float, mixture_sd: float) -> float:
    """log Λ for an estimate `excess` of θ with `variance`, mixing over θ ~ N⁺(0, sd²).

    Λ = ∫₀^∞ exp(θS − θ²I/2) · 2φ(θ; 0, τ²) dθ with S = θ̂/v and I = 1/v, which is
    2 · (1 + τ²I)^(-1/2) · exp(z²/2) · Φ(z), z = θ̂τ / sqrt(v(v + τ²)).
    """
    tau2 = mixture_sd * mixture_sd
    z = excess * mixture_sd / math.sqrt(variance * (variance + tau2))
    tail = 0.5 * math.erfc(-z / _SQRT2)  # Φ(z)
    if tail <= 0.0:
        return -math.inf  # z far below 0: no evidence of an excess at all
    return _LOG2 - 0.5 * math.log1p(tau2 / variance) + 0.5 * z * z + math.log(tail)


def null_variance(
    canary_bad: int,
    canary_total: int,
    baseline_bad: int,
    baseline_total: int,
    relative: float,
    absolute: float,
) -> float:
    """Variance of θ̂ with the rates estimated under the boundary p_c = k·p_b + absolute.

    Under the boundary, E[bad_c + bad_b] = p_b · (n_b + k·n_c) + n_c · absolute, which gives
    the restricted estimate of p_b (the pooled rate when k = 1 and absolute = 0).
    """
    k = 1.0 + relative
    pooled = (baseline_bad + canary_bad + 0.5 - canary_total * absolute) / (
        baseline_total + k * canary_total + 1.0
    )
    p_b = min(max(pooled, _EDGE), 1.0 - _EDGE)
    p_c = min(max(k * p_b + absolute, _EDGE), 1.0 - _EDGE)
    return p_c * (1.0 - p_c) / canary_total + k * k * p_b * (1.0 - p_b) / baseline_total


def msprt(
    canary_bad: int,
    canary_total: int,
    baseline_bad: int,
    baseline_total: int,
    *,
    relative: float = 0.0,
    absolute: float = 0.0,
    mixture_sd: float = 0.02,
) -> Look:
    """One look at cumulative counts; both totals must be positive."""
    if canary_total <= 0 or baseline_total <= 0:
        raise ValueError("msprt: both variants need at least one counted event")
    canary_rate = canary_bad / canary_total
    baseline_rate = baseline_bad / baseline_total
    allowed = (1.0 + relative) * baseline_rate + absolute
    excess = canary_rate - allowed
    corrected = excess - 0.5 * (1.0 / canary_total + (1.0 + relative) / baseline_total)
    variance = null_variance(
        canary_bad, canary_total, baseline_bad, baseline_total, relative, absolute
    )
    log_e = log_mixture_ratio(corrected, variance, mixture_sd)
    p_value = 1.0 if log_e <= 0.0 else math.exp(-log_e)
    return Look(
        canary_rate=canary_rate,
        baseline_rate=baseline_rate,
        allowed_rate=allowed,
        excess=excess,
        z=corrected / math.sqrt(variance),
        log_e_value=log_e,
        p_value=p_value,
    )
