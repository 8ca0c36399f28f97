"""What the monitor makes of the evaluators' results: alerts and throttle calls.

The evaluators (`slo.engine.SloEngine`, `guard.spend.SpendGuard`) return typed results and
know nothing of alerting; this module holds every word the monitor sends out for them:
alert names, labels, annotations (summary, description, runbook) and the documented
circuit-breaker payload (docs/alerting.md). Labels come from bounded sets only (SLO and
guard names, their `by` label values), never from event content.
"""

from __future__ import annotations

from typing import Any, Literal

from sentinel.alerting.model import Alert
from sentinel.guard.spend import SpendReading
from sentinel.slo.engine import SloBurn
from sentinel.telemetry.names import SLO_BURN_ALERT, SPEND_BURN_ALERT

ThrottleAction = Literal["throttle", "release"]
RELEASE_REASON = "under every threshold"


def slo_alert(burn: SloBurn, runbook_base_url: str) -> Alert:
    """The page or ticket of an SLO series whose burn-rate pair starts an alert."""
    spec = burn.slo
    runbook = spec.runbook or f"{runbook_base_url}/{SLO_BURN_ALERT}.md"
    objective = f"{spec.objective:.4%}".rstrip("0").rstrip(".")
    return Alert(
        name=SLO_BURN_ALERT,
        severity=burn.urgency,
        labels={"slo": spec.name, **burn.labels},
        annotations={
            "summary": f"SLO {spec.name} is burning its error budget over {burn.factor:g}x",
            "description": f"{spec.sli.kind} SLO {spec.name} (objective {objective} over "
            f"{spec.period_days}d): both windows of a {burn.urgency} pair burn faster "
            f"than {burn.factor:g}x.",
            "runbook_url": runbook,
        },
        starts_at=burn.at,
    )


def spend_reason(reading: SpendReading) -> str:
    """Why a series tripped, in words (empty when it did not)."""
    if reading.breach == "usd_per_hour":
        return f"${reading.usd_per_hour:.2f}/h over ${reading.limit:g}/h"
    if reading.breach == "tokens_per_minute":
        return f"{reading.tokens_per_minute:.0f} tokens/min over {reading.limit:g}"
    if reading.breach == "ratio_to_trailing_day":
        return (
            f"${reading.usd_per_hour:.2f}/h is over {reading.limit:g}x the trailing-day "
            f"${reading.trailing_day_usd_per_hour:.2f}/h"
        )
    return ""


def spend_alert(trip: SpendReading, runbook_base_url: str) -> Alert:
    """The critical alert of a tripped spend-guard series."""
    return Alert(
        name=SPEND_BURN_ALERT,
        severity="critical",
        labels={"guard": trip.guard, **trip.labels},
        annotations={
            "summary": f"Spend guard {trip.guard} tripped: {spend_reason(trip)}",
            "runbook_url": f"{runbook_base_url}/{SPEND_BURN_ALERT}.md",
        },
        starts_at=trip.at,
    )


def throttle_payload(reading: SpendReading, action: ThrottleAction) -> dict[str, Any]:
    """The documented circuit-breaker payload (docs/alerting.md): `throttle` with the
    trip's rates and reason, `release` with the current, lower rates."""
    return {
        "version": "sentinel.throttle.v1",
        "action": action,
        "guard": reading.guard,
        "labels": reading.labels,
        "usd_per_hour": round(reading.usd_per_hour, 6),
        "tokens_per_minute": round(reading.tokens_per_minute, 3),
        "trailing_day_usd_per_hour": round(reading.trailing_day_usd_per_hour, 6),
        "reason": spend_reason(reading) if action == "throttle" else RELEASE_REASON,
        "at": reading.at,
    }
