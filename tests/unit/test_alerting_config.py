"""`kind: alerting` rules, the two payload encoders, the builder and the HTTP transport."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from sentinel.alerting import (
    HEALTH_CHECK_PREFIX,
    Alert,
    AlertingRules,
    AlertmanagerEncoder,
    Decoration,
    WebhookEncoder,
    build_alerting,
    rfc3339,
)
from sentinel.alerting.fakes import FakeClock, RecordingTransport
from sentinel.errors import ConfigError

REPO_RULES = Path(__file__).parents[2] / "sentinel" / "rules" / "defaults"
T0 = 1_793_610_000.0  # 2026-11-02T09:00:00Z
HEADER = {"version": "sentinel/v1", "kind": "alerting"}


def rules(**fields: Any) -> AlertingRules:
    return AlertingRules.model_validate({**HEADER, **fields})


def firing(**labels: str) -> Alert:
    return Alert("SloBurnRate", "page", labels or {"slo": "latency"}, {"summary": "s"}, T0)


# -- rules ---------------------------------------------------------------------------------


def test_defaults_record_alerts_but_deliver_nowhere() -> None:
    """Without receivers the book and the firing gauge still work."""
    registry = CollectorRegistry()
    alerting = build_alerting(rules(), registry)
    assert alerting.notifiers == []
    alerting.book.raise_(firing())
    labels = {"alertname": "SloBurnRate", "severity": "page"}
    assert registry.get_sample_value("sentinel_alerts_firing", labels) == 1
    assert alerting.healthy()


def test_the_shipped_rules_file_is_valid() -> None:
    """rules/alerting.yaml validates and, as shipped, delivers nowhere."""
    document = yaml.safe_load((REPO_RULES / "alerting.yaml").read_text())
    assert not AlertingRules.model_validate(document).delivery_enabled


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"resend_interval_seconds": 0}, "resend_interval_seconds\n  Input should be greater"),
        ({"alertmanager": [{"url": "ftp://am:9093"}]}, "alertmanager.0.url\n  String should"),
        (
            {"webhooks": [{"url": "https://user:secret@hooks.example/x"}]},
            "webhooks.0.url\n  String should",
        ),
        ({"alertmanager": [{"url": "http://am:9093", "timeout": 3}]}, "Extra inputs"),
        ({"external_labels": {"severity": "x"}}, "`severity` is set by each alert"),
        ({"external_labels": {"bad-name": "x"}}, "external_labels.bad-name.[key]"),
        ({"retry": {"initial_seconds": 10, "max_seconds": 5}}, "max_seconds must be >="),
        (
            {
                "alertmanager": [{"url": "http://a:9093"}],
                "webhooks": [{"url": "http://b/x", "name": "alertmanager-0"}],
            },
            "receiver name `alertmanager-0` is used twice",
        ),
    ],
    ids=[
        "a zero resend interval is rejected",
        "a non-http receiver url is rejected",
        "credentials in a url are rejected",
        "an unknown receiver key is rejected",
        "external labels cannot set severity",
        "external label names must be Prometheus label names",
        "the backoff cap cannot be below its start",
        "receiver names must be unique",
    ],
)
def test_bad_alerting_rules_fail_with_the_field_path(fields: dict[str, Any], message: str) -> None:
    """Unknown keys, bad values and clashes stop the load, saying where."""
    with pytest.raises(ValidationError, match=re.escape(message)):
        rules(**fields)


def test_receivers_get_stable_default_names() -> None:
    """Names feed the `receiver` metric label: kind and index unless given."""
    config = rules(
        alertmanager=[{"url": "http://am-0:9093"}, {"url": "http://am-1:9093"}],
        webhooks=[{"url": "http://hooks/x", "name": "oncall-bridge"}],
    )
    assert [name for name, _ in config.receivers()] == [
        "alertmanager-0",
        "alertmanager-1",
        "oncall-bridge",
    ]


# -- builder -------------------------------------------------------------------------------


def test_every_alertmanager_replica_gets_every_alert() -> None:
    """One notifier per replica URL; a trailing slash does not double the path."""
    clock = FakeClock(T0)
    transport = RecordingTransport(clock)
    config = rules(alertmanager=[{"url": "http://am-0:9093"}, {"url": "http://am-1:9093/"}])
    alerting = build_alerting(config, CollectorRegistry(), transport=transport, clock=clock)
    alerting.book.raise_(firing())
    for notifier in alerting.notifiers:
        notifier.tick()
    assert [r.url for r in transport.requests] == [
        "http://am-0:9093/api/v2/alerts",
        "http://am-1:9093/api/v2/alerts",
    ]


def test_header_values_are_read_from_the_environment() -> None:
    """Secrets stay out of the rules file: `${VAR}` is read at start."""
    clock = FakeClock(T0)
    transport = RecordingTransport(clock)
    config = rules(
        webhooks=[{"url": "http://hooks/x", "headers": {"Authorization": "Bearer ${TOKEN}"}}]
    )
    alerting = build_alerting(
        config, None, transport=transport, clock=clock, environ={"TOKEN": "t0k"}
    )
    alerting.book.raise_(firing())
    alerting.notifiers[0].tick()
    assert transport.requests[0].headers == {"Authorization": "Bearer t0k"}


def test_external_labels_can_name_the_replica_from_the_environment() -> None:
    """Several sentinel replicas keep their alerts apart with a per-pod label."""
    clock = FakeClock(T0)
    transport = RecordingTransport(clock)
    config = rules(
        alertmanager=[{"url": "http://am-0:9093"}],
        external_labels={"cluster": "eu-1", "replica": "${POD_NAME}"},
    )
    alerting = build_alerting(
        config, None, transport=transport, clock=clock, environ={"POD_NAME": "sentinel-2"}
    )
    alerting.book.raise_(firing())
    alerting.notifiers[0].tick()
    labels = transport.requests[0].body[0]["labels"]
    assert (labels["cluster"], labels["replica"]) == ("eu-1", "sentinel-2")


def test_a_missing_environment_variable_stops_the_start() -> None:
    """Fail closed: an unset variable is a start-up error naming the field, not "" sent."""
    config = rules(webhooks=[{"url": "http://hooks/x", "headers": {"X-Key": "${NOPE}"}}])
    with pytest.raises(
        ConfigError,
        match=r"could not build alerting: alert receiver `webhook-0`: headers\.X-Key: "
        r"environment variable NOPE is not set",
    ):
        build_alerting(config, None, environ={})


def test_receiver_health_is_reported_as_a_readiness_check() -> None:
    """Each receiver shows in /readyz as `alerts:<receiver>` once its sender starts."""
    checks: dict[str, tuple[bool, str]] = {}
    config = rules(alertmanager=[{"url": "http://am-0:9093"}])
    alerting = build_alerting(
        config,
        None,
        set_check=lambda name, ok, detail: checks.update({name: (ok, detail)}),
        transport=RecordingTransport(),
    )
    alerting.start()
    alerting.close(timeout_seconds=1)
    assert checks == {f"{HEALTH_CHECK_PREFIX}alertmanager-0": (True, "ok, 0 queued")}


def test_replay_can_build_the_book_without_delivery() -> None:
    """deliver=False: alerts are recorded for the report, never sent."""
    config = rules(alertmanager=[{"url": "http://am-0:9093"}])
    assert build_alerting(config, None, deliver=False).notifiers == []


# -- encoders ------------------------------------------------------------------------------


DECORATION = Decoration(
    external_labels={"cluster": "eu-1", "slo": "overridden"},
    runbook_base_url="https://runbooks.example/sentinel#",
    generator_url="https://grafana.example/d/sentinel",
)


def test_alertmanager_payload_for_a_firing_alert() -> None:
    """Labels: external + alertname + severity + the alert's (which win); endsAt ahead."""
    now = T0 + 42
    (item,) = json.loads(AlertmanagerEncoder(DECORATION, 60).encode([firing()], now))
    assert item == {
        "labels": {
            "alertname": "SloBurnRate",
            "cluster": "eu-1",
            "severity": "page",
            "slo": "latency",
        },
        "annotations": {
            "summary": "s",
            "runbook_url": "https://runbooks.example/sentinel#SloBurnRate",
        },
        "startsAt": "2026-11-02T09:00:00.000Z",
        "endsAt": rfc3339(now + 180),
        "generatorURL": "https://grafana.example/d/sentinel",
    }


@pytest.mark.parametrize(
    ("ends_at", "now", "expected"),
    [(T0 + 30, T0 + 100, T0 + 30), (T0 + 300, T0 + 100, T0 + 100)],
    ids=["a resolved alert ends at its resolution", "but never later than now"],
)
def test_alertmanager_ends_at_for_a_resolved_alert(
    ends_at: float, now: float, expected: float
) -> None:
    """endsAt of a resolved alert: its event time, clamped to the wall clock."""
    encoder = AlertmanagerEncoder(Decoration(), 60)
    assert encoder.ends_at(firing().resolved(ends_at), now) == expected


def test_an_alert_own_runbook_url_is_kept() -> None:
    """runbook_base_url only fills in a missing runbook_url."""
    alert = Alert("X", "ticket", {}, {"runbook_url": "https://own"}, T0)
    assert DECORATION.annotations(alert) == {"runbook_url": "https://own"}


def test_webhook_payload_is_sentinel_alert_v1() -> None:
    """The documented webhook payload, field for field."""
    body = WebhookEncoder(DECORATION).encode([firing().resolved(T0 + 90)], T0 + 100)
    assert json.loads(body) == {
        "version": "sentinel.alert.v1",
        "status": "resolved",
        "sent_at": "2026-11-02T09:01:40.000Z",
        "alert": {
            "fingerprint": firing().fingerprint,
            "name": "SloBurnRate",
            "severity": "page",
            "labels": {
                "alertname": "SloBurnRate",
                "cluster": "eu-1",
                "severity": "page",
                "slo": "latency",
            },
            "annotations": {
                "summary": "s",
                "runbook_url": "https://runbooks.example/sentinel#SloBurnRate",
            },
            "starts_at": "2026-11-02T09:00:00.000Z",
            "ends_at": "2026-11-02T09:01:30.000Z",
            "generator_url": "https://grafana.example/d/sentinel",
        },
    }
