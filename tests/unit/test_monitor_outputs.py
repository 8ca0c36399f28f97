"""The monitor's words for the evaluators' results: SLO and spend alerts, throttle calls."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from sentinel.guard.spend import SpendReading
from sentinel.monitor_outputs import slo_alert, spend_alert, spend_reason, throttle_payload
from sentinel.slo.config import Slo
from sentinel.slo.engine import SloBurn, Urgency

T0 = 1_793_610_000.0
BASE = "https://runbooks.example/sentinel"


def burn(urgency: Urgency = "page", runbook: str | None = None) -> SloBurn:
    spec = Slo.model_validate(
        {"name": "errors", "sli": {"kind": "errors"}, "objective": 0.97, "runbook": runbook}
    )
    return SloBurn(spec, {"service": "checkout"}, urgency, 60, 6.0, 8.0, 7.5, T0)


TRIP = SpendReading(
    guard="service-burn",
    labels={"service": "chat"},
    usd_per_hour=51.8976,
    tokens_per_minute=212400.0,
    trailing_day_usd_per_hour=0.36272,
    at=T0,
    breach="usd_per_hour",
    limit=50.0,
)


def reading(**changes: Any) -> SpendReading:
    return dataclasses.replace(TRIP, **changes)


def test_an_slo_burn_becomes_its_page_with_the_documented_wording() -> None:
    """A page carries the SLO and series labels, the factor and objective in words, the
    default runbook, and starts at the tick of the result."""
    alert = slo_alert(burn(), BASE)
    assert (alert.name, alert.severity, alert.starts_at) == ("SentinelSLOBurnRate", "page", T0)
    assert alert.labels == {"slo": "errors", "service": "checkout"}
    assert alert.annotations == {
        "summary": "SLO errors is burning its error budget over 6x",
        "description": "errors SLO errors (objective 97.0000% over 30d): both windows of a "
        "page pair burn faster than 6x.",
        "runbook_url": f"{BASE}/SentinelSLOBurnRate.md",
    }


def test_an_slo_with_its_own_runbook_links_it_and_a_ticket_says_ticket() -> None:
    """The SLO's own runbook wins over the default; the urgency becomes the severity."""
    alert = slo_alert(burn("ticket", runbook="https://wiki.example/errors"), BASE)
    assert alert.severity == "ticket"
    assert alert.annotations["runbook_url"] == "https://wiki.example/errors"
    assert "of a ticket pair" in alert.annotations["description"]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({}, "$51.90/h over $50/h"),
        (
            {"breach": "tokens_per_minute", "limit": 200000.0},
            "212400 tokens/min over 200000",
        ),
        (
            {"breach": "ratio_to_trailing_day", "limit": 3.0, "trailing_day_usd_per_hour": 12.5},
            "$51.90/h is over 3x the trailing-day $12.50/h",
        ),
        ({"breach": None, "limit": None}, ""),
    ],
    ids=["dollars per hour", "tokens per minute", "ratio to the trailing day", "no trip"],
)
def test_a_spend_reading_says_which_threshold_it_breaks(
    changes: dict[str, Any], reason: str
) -> None:
    """Each breached threshold has its own reason; a reading under every one has none."""
    assert spend_reason(reading(**changes)) == reason


def test_a_trip_becomes_a_critical_alert_and_a_throttle_call_then_a_release() -> None:
    """The trip's alert and throttle payload carry its guard, labels, rounded rates and
    reason; the release payload says it is under every threshold."""
    trip = reading()
    alert = spend_alert(trip, BASE)
    assert (alert.name, alert.severity) == ("SentinelSpendBurn", "critical")
    assert alert.labels == {"guard": "service-burn", "service": "chat"}
    assert alert.annotations == {
        "summary": "Spend guard service-burn tripped: $51.90/h over $50/h",
        "runbook_url": f"{BASE}/SentinelSpendBurn.md",
    }
    assert throttle_payload(trip, "throttle") == {
        "version": "sentinel.throttle.v1",
        "action": "throttle",
        "guard": "service-burn",
        "labels": {"service": "chat"},
        "usd_per_hour": 51.8976,
        "tokens_per_minute": 212400.0,
        "trailing_day_usd_per_hour": 0.36272,
        "reason": "$51.90/h over $50/h",
        "at": T0,
    }
    calm = reading(usd_per_hour=6.5376123456, breach=None, limit=None)
    release = throttle_payload(calm, "release")
    assert (release["action"], release["reason"]) == ("release", "under every threshold")
    assert release["usd_per_hour"] == 6.537612
