"""`build_services`: what `run` sends and what `replay` only records, built in one place."""

from __future__ import annotations

import dataclasses

from prometheus_client import CollectorRegistry

from sentinel.alerting.config import AlertingRules
from sentinel.guard.config import SpendGuardRules
from sentinel.health import Health
from sentinel.rules.loader import RuleSet, load_rules
from sentinel.wiring import build_services

PACKAGED = load_rules()


def with_webhooks(rules: RuleSet) -> RuleSet:
    """The packaged rules with an alert receiver, a rollback webhook (not a dry run) and a
    throttle webhook."""
    header = {"version": "sentinel/v1"}
    rollback = rules.rollback.model_copy(
        update={
            "dry_run": False,
            "actions": rules.rollback.actions.model_copy(
                update={
                    "webhook": rules.rollback.actions.webhook.model_copy(
                        update={"url": "http://127.0.0.1:9/rollback"}
                    )
                }
            ),
        }
    )
    return dataclasses.replace(
        rules,
        alerting=AlertingRules.model_validate(
            {**header, "kind": "alerting", "webhooks": [{"url": "http://127.0.0.1:9/a"}]}
        ),
        rollback=rollback,
        spend_guard=SpendGuardRules.model_validate(
            {
                **header,
                "kind": "spend_guard",
                "throttle_webhook": {"url": "http://127.0.0.1:9/throttle"},
            }
        ),
    )


def test_replay_services_record_and_send_nothing() -> None:
    """A replay gets no alert receiver, a dry-run rollback, no throttle, no OTel export."""
    services = build_services(with_webhooks(PACKAGED), CollectorRegistry(), live=False)
    assert services.alerting.notifiers == []
    assert services.rollback.rules.dry_run
    assert services.throttle is None
    assert services.providers is None and services.telemetry is None


def test_run_services_deliver_to_every_configured_webhook() -> None:
    """A live run gets the alert receivers, the rollback webhook, the throttle and OTel."""
    services = build_services(
        with_webhooks(PACKAGED), CollectorRegistry(), live=True, health=Health()
    )
    try:
        assert [n.name for n in services.alerting.notifiers] == ["webhook-0"]
        assert not services.rollback.rules.dry_run
        assert services.throttle is not None
        assert services.providers is not None and services.telemetry is not None
    finally:
        services.close(timeout_seconds=1)
