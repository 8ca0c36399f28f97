"""Build a rollback engine from its rules: metrics, webhook and secrets resolved once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry

from sentinel.alerting.leader import LeaderOnlyNotifier, Leadership
from sentinel.delivery import NO_REPORT, DeliveryReport, DocumentSender, Transport, health_check
from sentinel.envrefs import expand_env_values
from sentinel.health import Health
from sentinel.rollback.config import RollbackRules
from sentinel.rollback.engine import RollbackEngine
from sentinel.rollback.metrics import NO_METRICS, RollbackRecorder
from sentinel.telemetry.rollback import PrometheusRollbackRecorder

WEBHOOK_CHECK = "rollback_webhook"  # the /readyz check and the log events' prefix


def build_rollback(
    rules: RollbackRules,
    registry: CollectorRegistry | None = None,
    *,
    health: Health | None = None,
    transport: Transport | None = None,
    environ: Mapping[str, str] | None = None,
    logger: Any = None,
    leadership: Leadership | None = None,
) -> RollbackEngine:
    """The engine, with a webhook sender when rules name a URL and are not a dry run.

    Raises ConfigError when a header refers to an unset `${VAR}` (a webhook that would be
    refused for want of its token must stop the start, not fail at the rollback).
    With `leadership`, decisions are sent only while this replica leads.
    """
    prometheus = PrometheusRollbackRecorder(registry) if registry is not None else None
    metrics: RollbackRecorder = prometheus if prometheus is not None else NO_METRICS
    webhook = rules.actions.webhook
    notifier = None
    if rules.enabled and webhook.url is not None and not rules.dry_run:
        env = os.environ if environ is None else environ
        headers = expand_env_values(
            webhook.headers, env, "the rollback webhook", "actions.webhook.headers"
        )
        report = DeliveryReport(
            NO_REPORT.count if prometheus is None else prometheus.count_delivery,
            NO_REPORT.health if health is None else health_check(health.set_info, WEBHOOK_CHECK),
        )
        notifier = DocumentSender(
            WEBHOOK_CHECK,
            webhook.url,
            headers,
            timeout_seconds=webhook.timeout_seconds,
            max_attempts=webhook.max_attempts,
            transport=transport,
            report=report,
            logger=logger,
        )
    if notifier is not None and leadership is not None:
        engine = RollbackEngine(
            rules,
            recorder=metrics,
            notifier=LeaderOnlyNotifier(notifier, leadership),
            logger=logger,
        )
        leadership.on_lead(engine.resend_after)
        return engine
    return RollbackEngine(rules, recorder=metrics, notifier=notifier, logger=logger)
