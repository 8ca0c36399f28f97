"""Service level indicators: is one exchange good, bad, or not counted for an SLI?

Each SLI kind is a pure function of the accounted exchange and its verdict. `None` means
the exchange does not count for that SLI (e.g. latency of a timeout is counted as bad,
but the hallucination rate of an exchange without output is not counted at all).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sentinel.values import HALLUCINATION_RISK_SCORE, Accounted, Verdict

SliKind = Literal[
    "latency",  # good: latency_ms <= threshold (timeouts are bad)
    "ttft",  # good: ttft_ms <= threshold
    "errors",  # good: outcome ok (errors and timeouts are bad)
    "hallucination",  # good: no hallucination finding (threshold: risk below it)
    "pii_leak",  # good: no PII leak finding
    "injection",  # good: no prompt-injection / jailbreak finding
    "injection_followed",  # good: the output did not carry out an injected instruction
    "blocked",  # good: verdict action is not block
    "cost",  # good: cost_usd <= threshold
]
# The hallucination filter's groundedness finding (its score: HALLUCINATION_RISK_SCORE).
UNGROUNDED = "ungrounded_response"
INJECTION_CATEGORIES = frozenset({"prompt_injection", "indirect_prompt_injection", "jailbreak"})


@dataclass(frozen=True, slots=True)
class SliSpec:
    kind: SliKind
    threshold: float | None = None  # ms for latency/ttft, USD for cost, risk for hallucination


def _latency(item: Accounted, verdict: Verdict, spec: SliSpec) -> bool | None:
    if item.outcome == "timeout":
        return False
    if item.latency_ms is None or spec.threshold is None:
        return None
    return item.latency_ms <= spec.threshold


def _ttft(item: Accounted, verdict: Verdict, spec: SliSpec) -> bool | None:
    if item.ttft_ms is None or spec.threshold is None:
        return None
    return item.ttft_ms <= spec.threshold


def _errors(item: Accounted, verdict: Verdict, spec: SliSpec) -> bool | None:
    return item.outcome == "ok"


def _has_output(item: Accounted) -> bool:
    response = item.exchange.response
    return response is not None and response.output is not None


def _hallucination(item: Accounted, verdict: Verdict, spec: SliSpec) -> bool | None:
    """Bad: a hallucination finding; with a threshold, the verdict's groundedness risk at
    or above it stands in for the filter's own `ungrounded_response` finding."""
    if not _has_output(item):
        return None
    if spec.threshold is None:
        return not any(f.filter == "hallucination" for f in verdict.findings)
    certain = any(
        f.filter == "hallucination" and f.category != UNGROUNDED for f in verdict.findings
    )
    risk = dict(verdict.scores).get(HALLUCINATION_RISK_SCORE)
    return not (certain or (risk is not None and risk >= spec.threshold))


def _pii_leak(item: Accounted, verdict: Verdict, spec: SliSpec) -> bool | None:
    if not _has_output(item):
        return None
    return not any(f.leak for f in verdict.findings)


def _injection(item: Accounted, verdict: Verdict, spec: SliSpec) -> bool | None:
    return not any(f.category in INJECTION_CATEGORIES for f in verdict.findings)


def _injection_followed(item: Accounted, verdict: Verdict, spec: SliSpec) -> bool | None:
    if not _has_output(item):
        return None
    return not any(f.category == "injection_followed" for f in verdict.findings)


def _blocked(item: Accounted, verdict: Verdict, spec: SliSpec) -> bool | None:
    return verdict.action != "block"


def _cost(item: Accounted, verdict: Verdict, spec: SliSpec) -> bool | None:
    if not item.cost.priced or spec.threshold is None:
        return None
    return item.cost.total <= spec.threshold


CLASSIFIERS: dict[str, Callable[[Accounted, Verdict, SliSpec], bool | None]] = {
    "latency": _latency,
    "ttft": _ttft,
    "errors": _errors,
    "hallucination": _hallucination,
    "pii_leak": _pii_leak,
    "injection": _injection,
    "injection_followed": _injection_followed,
    "blocked": _blocked,
    "cost": _cost,
}


def classify(item: Accounted, verdict: Verdict, spec: SliSpec) -> bool | None:
    """True = good event, False = bad event, None = not counted."""
    return CLASSIFIERS[spec.kind](item, verdict, spec)
