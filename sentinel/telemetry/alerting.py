"""Alerting's Prometheus samples: firing alerts and alert delivery outcomes.

Without a registry every method is a no-op, so the book and the notifiers can run in tests
and replays without one.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from sentinel.alerting.model import Alert
from sentinel.delivery import CountResult, Result
from sentinel.telemetry import names as n

# The results an alert notifier reports: one alert in one request (ok, error) or one alert
# given up on (dropped). Alert queues never give up after attempts, so no `failed`.
ALERT_RESULTS: tuple[Result, ...] = ("ok", "error", "dropped")


class AlertMetrics:
    """`sentinel_alerts_firing{alertname,severity}` follows the book (it is a listener);
    `sentinel_alert_deliveries_total{receiver,result}` counts alert notifications."""

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

    def deliveries(self, receiver: str) -> CountResult:
        """The receiver's outcome counter, its series created at 0 so rate() and absent()
        work from the start."""
        counter = self._deliveries
        if counter is not None:
            for result in ALERT_RESULTS:
                counter.labels(receiver, result)

        def count(result: Result, alerts: int) -> None:
            if counter is not None and alerts > 0:
                counter.labels(receiver, result).inc(alerts)

        return count
