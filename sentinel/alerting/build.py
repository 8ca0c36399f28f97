"""Build the alert book and its receivers from `kind: alerting` rules (called by wiring)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry

from sentinel.alerting.book import AlertBook
from sentinel.alerting.config import AlertingRules, AlertmanagerReceiver
from sentinel.alerting.delivery import DeliverySettings, Notifier
from sentinel.alerting.encode import Decoration
from sentinel.alerting.leader import Leadership
from sentinel.alerting.notifiers import AlertmanagerNotifier, WebhookNotifier
from sentinel.delivery import NO_REPORT, DeliveryReport, HttpTransport, Transport, health_check
from sentinel.envrefs import expand_env_values
from sentinel.telemetry.alerting import AlertMetrics

HEALTH_CHECK_PREFIX = "alerts:"  # /readyz check per receiver: `alerts:alertmanager-0`

SetCheck = Callable[[str, bool, str], None]  # Health.set_check(name, ok, detail)


@dataclass
class Alerting:
    """The book (give it alerts) and the notifiers that deliver its transitions."""

    book: AlertBook
    metrics: AlertMetrics
    notifiers: list[Notifier] = field(default_factory=list)
    transport: HttpTransport | None = None  # shared by the notifiers, closed after them

    def start(self) -> None:
        """Start every notifier's sender thread (not needed to record alerts)."""
        for notifier in self.notifiers:
            notifier.start()

    def healthy(self) -> bool:
        return all(notifier.healthy() for notifier in self.notifiers)

    def status(self) -> dict[str, str]:
        return {notifier.name: notifier.status() for notifier in self.notifiers}

    def close(self, timeout_seconds: float = 5.0) -> None:
        """Flush every receiver, together, within about `timeout_seconds`."""
        deadline = time.monotonic() + timeout_seconds
        for notifier in self.notifiers:
            notifier.close(max(0.0, deadline - time.monotonic()))
        if self.transport is not None:
            self.transport.close()


def delivery_settings(rules: AlertingRules, resend: bool = True) -> DeliverySettings:
    return DeliverySettings(
        resend_interval_seconds=rules.resend_interval_seconds if resend else None,
        resolved_resend_seconds=rules.resolved_resend_seconds,
        request_timeout_seconds=rules.request_timeout_seconds,
        max_queue=rules.max_queue,
        retry=rules.retry,
        unhealthy_after_failures=rules.unhealthy_after_failures,
    )


def build_alerting(
    rules: AlertingRules,
    registry: CollectorRegistry | None,
    *,
    deliver: bool = True,
    set_check: SetCheck | None = None,
    transport: Transport | None = None,
    clock: Callable[[], float] = time.time,
    environ: Mapping[str, str] = os.environ,
    leadership: Leadership | None = None,
) -> Alerting:
    """The book, with the firing gauge and (if `deliver`) one notifier per receiver.

    `set_check` (e.g. `Health.set_check`) is told each receiver's health as
    `alerts:<receiver>`. Notifiers start with `Alerting.start()`. Raises ConfigError when
    a header refers to an unset environment variable. With `leadership`, receivers get
    firing alerts only while this replica leads (replicas share one global view).
    Without `transport`, the notifiers share one `HttpTransport`."""
    metrics = AlertMetrics(registry)
    book = AlertBook(listeners=[metrics])
    alerting = Alerting(book=book, metrics=metrics)
    if not deliver:
        return alerting
    if transport is None:
        transport = alerting.transport = HttpTransport()
    decoration = Decoration(
        external_labels=_expand("external_labels", rules.external_labels, environ),
        runbook_base_url=rules.runbook_base_url,
        generator_url=rules.generator_url,
    )
    for name, receiver in rules.receivers():
        headers = _expand(f"alert receiver `{name}`: headers", receiver.headers, environ)
        check = HEALTH_CHECK_PREFIX + name
        health = NO_REPORT.health if set_check is None else health_check(set_check, check)
        report = DeliveryReport(metrics.deliveries(name), health)
        cls: type[AlertmanagerNotifier | WebhookNotifier]
        if isinstance(receiver, AlertmanagerReceiver):
            settings, cls = delivery_settings(rules), AlertmanagerNotifier
        else:
            settings, cls = delivery_settings(rules, receiver.resend), WebhookNotifier
        notifier = cls(
            name,
            receiver.url,
            settings,
            decoration,
            headers=headers,
            report=report,
            transport=transport,
            clock=clock,
        )
        alerting.notifiers.append(notifier)
        book.add_listener(notifier if leadership is None else leadership.wrap(notifier))
    return alerting


def _expand(where: str, values: Mapping[str, str], environ: Mapping[str, str]) -> dict[str, str]:
    return expand_env_values(values, environ, "alerting", where)
