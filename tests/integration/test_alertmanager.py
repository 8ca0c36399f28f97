"""sentinel's alert delivery against a real Alertmanager (API v2), which notifies a webhook
receiver run by the test. Routing: severity=page -> /page, everything else -> /ticket."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from _alertmanager import (  # noqa: F401 - fixtures used by name
    AlertmanagerHandle,
    Notification,
    WebhookSink,
    alertmanager_factory,
    webhook_sink,
    write_config,
)
from _procs import free_port, wait_until
from prometheus_client import CollectorRegistry

from sentinel.alerting import Alert, Alerting, AlertingRules, AlertSeverity, build_alerting

StartAlertmanager = Callable[..., AlertmanagerHandle]
WAIT_S = 20.0  # Alertmanager notifies within group_wait / group_interval (1 s) of a change


def rules(*alertmanager_urls: str, resend_interval_seconds: float = 60) -> AlertingRules:
    return AlertingRules.model_validate(
        {
            "version": "sentinel/v1",
            "kind": "alerting",
            "alertmanager": [{"url": url} for url in alertmanager_urls],
            "resend_interval_seconds": resend_interval_seconds,
            "resolved_resend_seconds": 30,
            "request_timeout_seconds": 2,
            "retry": {"initial_seconds": 0.2, "max_seconds": 1},
            "external_labels": {"cluster": "it"},
            "runbook_base_url": "https://runbooks.example/sentinel#",
        }
    )


@pytest.fixture
def make_alerting() -> Iterator[Callable[[AlertingRules], tuple[Alerting, CollectorRegistry]]]:
    """Builds and starts alerting from rules; every one is closed after the test."""
    built: list[Alerting] = []

    def make(config: AlertingRules) -> tuple[Alerting, CollectorRegistry]:
        registry = CollectorRegistry()
        alerting = build_alerting(config, registry)
        alerting.start()
        built.append(alerting)
        return alerting, registry

    try:
        yield make
    finally:
        for alerting in built:
            alerting.close(timeout_seconds=2)


@pytest.fixture
def am_config(tmp_path: Path, webhook_sink: WebhookSink) -> Path:  # noqa: F811 - fixture
    return write_config(tmp_path / "alertmanager.yml", webhook_sink.url)


def slo_alert(slo: str, severity: AlertSeverity = "page") -> Alert:
    return Alert(
        "SloErrorBudgetBurn",
        severity,
        {"slo": slo},
        {"summary": "error budget burning fast"},
        starts_at=time.time(),  # live: event time follows the wall clock
    )


def notified(status: str, slo: str) -> Callable[[Notification], bool]:
    def match(n: Notification) -> bool:
        return any(
            a["status"] == status and a["labels"].get("slo") == slo for a in n.get("alerts", [])
        )

    return match


def alert_in(handle: AlertmanagerHandle, slo: str) -> dict[str, Any] | None:
    return next((a for a in handle.alerts() if a["labels"].get("slo") == slo), None)


def test_a_raised_alert_is_notified_with_its_labels_then_resolved(
    alertmanager_factory: StartAlertmanager,  # noqa: F811 - fixture
    webhook_sink: WebhookSink,  # noqa: F811 - fixture
    am_config: Path,
    make_alerting: Callable[[AlertingRules], tuple[Alerting, CollectorRegistry]],
) -> None:
    """An alert raised by sentinel reaches the page receiver, then arrives resolved."""
    am = alertmanager_factory(am_config)
    alerting, registry = make_alerting(rules(am.url))
    raised = slo_alert("checkout-latency")
    alerting.book.raise_(raised)

    firing = webhook_sink.wait_for(notified("firing", "checkout-latency"), "firing", WAIT_S)
    assert firing["path"] == "/page"
    (item,) = firing["alerts"]
    assert item["labels"] == {
        "alertname": "SloErrorBudgetBurn",
        "severity": "page",
        "slo": "checkout-latency",
        "cluster": "it",
    }
    assert item["annotations"] == {
        "summary": "error budget burning fast",
        "runbook_url": "https://runbooks.example/sentinel#SloErrorBudgetBurn",
    }

    alerting.book.resolve("SloErrorBudgetBurn", {"slo": "checkout-latency"}, time.time())
    resolved = webhook_sink.wait_for(notified("resolved", "checkout-latency"), "resolved", WAIT_S)
    assert resolved["path"] == "/page"
    assert resolved["alerts"][0]["fingerprint"] == item["fingerprint"]
    ok = {"receiver": "alertmanager-0", "result": "ok"}
    assert (registry.get_sample_value("sentinel_alert_deliveries_total", ok) or 0) >= 2


def test_a_ticket_alert_is_routed_to_the_ticket_receiver(
    alertmanager_factory: StartAlertmanager,  # noqa: F811 - fixture
    webhook_sink: WebhookSink,  # noqa: F811 - fixture
    am_config: Path,
    make_alerting: Callable[[AlertingRules], tuple[Alerting, CollectorRegistry]],
) -> None:
    """The severity label drives Alertmanager's routing, as docs/alerting.md shows."""
    am = alertmanager_factory(am_config)
    alerting, _ = make_alerting(rules(am.url))
    alerting.book.raise_(slo_alert("search-errors", severity="ticket"))
    notification = webhook_sink.wait_for(notified("firing", "search-errors"), "ticket", WAIT_S)
    assert notification["path"] == "/ticket"


def test_an_alert_raised_while_alertmanager_is_down_arrives_when_it_is_back(
    alertmanager_factory: StartAlertmanager,  # noqa: F811 - fixture
    webhook_sink: WebhookSink,  # noqa: F811 - fixture
    am_config: Path,
    make_alerting: Callable[[AlertingRules], tuple[Alerting, CollectorRegistry]],
) -> None:
    """Outage: delivery fails and is counted, /readyz says so, and nothing is lost."""
    port = free_port()  # nothing listens here until Alertmanager starts on it
    alerting, registry = make_alerting(rules(f"http://127.0.0.1:{port}"))
    alerting.book.raise_(slo_alert("during-outage"))
    errors = {"receiver": "alertmanager-0", "result": "error"}
    wait_until(
        lambda: (registry.get_sample_value("sentinel_alert_deliveries_total", errors) or 0) >= 3,
        WAIT_S,
        "three failed deliveries",
    )
    assert not alerting.healthy()
    assert "could not connect" in alerting.status()["alertmanager-0"]

    alertmanager_factory(am_config, port=port)
    webhook_sink.wait_for(notified("firing", "during-outage"), "the delayed alert", WAIT_S)
    wait_until(alerting.healthy, WAIT_S, "the receiver to be healthy again")
    dropped = {"receiver": "alertmanager-0", "result": "dropped"}
    assert registry.get_sample_value("sentinel_alert_deliveries_total", dropped) == 0


def test_every_alertmanager_replica_receives_the_alert(
    alertmanager_factory: StartAlertmanager,  # noqa: F811 - fixture
    am_config: Path,
    make_alerting: Callable[[AlertingRules], tuple[Alerting, CollectorRegistry]],
) -> None:
    """Two replicas configured: each holds the alert (they deduplicate notifications)."""
    replicas = [alertmanager_factory(am_config), alertmanager_factory(am_config)]
    alerting, _ = make_alerting(rules(*(am.url for am in replicas)))
    alerting.book.raise_(slo_alert("replicated"))
    for am in replicas:
        held = wait_until(partial(alert_in, am, "replicated"), WAIT_S, f"the alert in {am.url}")
        assert held["status"]["state"] == "active"
        assert held["labels"]["cluster"] == "it"


def test_alertmanager_resolves_a_firing_alert_when_sentinel_stops_sending(
    alertmanager_factory: StartAlertmanager,  # noqa: F811 - fixture
    webhook_sink: WebhookSink,  # noqa: F811 - fixture
    am_config: Path,
    make_alerting: Callable[[AlertingRules], tuple[Alerting, CollectorRegistry]],
) -> None:
    """Resends keep endsAt ahead (now + 3 x interval); once they stop, the alert expires."""
    am = alertmanager_factory(am_config)
    alerting, _ = make_alerting(rules(am.url, resend_interval_seconds=1))
    alerting.book.raise_(slo_alert("orphaned"))
    first = wait_until(lambda: alert_in(am, "orphaned"), WAIT_S, "the alert in alertmanager")
    wait_until(
        lambda: (a := alert_in(am, "orphaned")) and a["endsAt"] > first["endsAt"],
        WAIT_S,
        "a resend to move endsAt forward",
    )
    alerting.close(timeout_seconds=1)  # sentinel stops; the alert is NOT resolved by it
    webhook_sink.wait_for(notified("resolved", "orphaned"), "expiry at endsAt", WAIT_S)
