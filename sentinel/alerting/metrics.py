"""Alerting's Prometheus samples: firing alerts and delivery outcomes.

The only alerting module that knows prometheus_client. Without a registry every method is a
no-op, so the book and the notifiers can run in tests and replays without one.
"""

from __future__ import annotations

from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Gauge

from sentinel.alerting.model import Alert
from sentinel.telemetry import names as n

DeliveryResult = Literal["ok", "error", "dropped"]
RESULTS: tuple[DeliveryResult, ...] = ("ok", "error", "dropped")


class AlertMetrics:
    """`sentinel_alerts_firing{alertname,severity}` follows the book (it is a listener);
    `sentinel_alert_deliveries_total{receiver,result}` counts alert notifications: one
    alert in one request (ok, error) or one alert given up on (dropped)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self._firing: Gauge | None = None
        self._deliveries: Counter | None = None
        if registry is None:
            return
        self._firing = Gauge(
            n.ALERTS_FIRING, "Alerts firing now.", ["alertname", "severity"], registry=registry
        )
        self._deliveries = Counter(
            n.ALERT_DELIVERIES,
            "Alert notifications by receiver and result (ok, error, dropped).",
            ["receiver", "result"],
            registry=registry,
        )

    def notify(self, alert: Alert) -> None:
        if self._firing is not None:
            child = self._firing.labels(alert.name, alert.severity)
            if alert.firing:
                child.inc()
            else:
                child.dec()

    def add_receiver(self, receiver: str) -> None:
        """Create the receiver's series at 0 so rate() and absent() work from the start."""
        if self._deliveries is not None:
            for result in RESULTS:
                self._deliveries.labels(receiver, result)

    def delivered(self, receiver: str, result: DeliveryResult, count: int = 1) -> None:
        if self._deliveries is not None and count > 0:
            self._deliveries.labels(receiver, result).inc(count)
