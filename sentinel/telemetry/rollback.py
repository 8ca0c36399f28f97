"""Rollback samples in a Prometheus registry: decisions, gates and webhook deliveries."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from sentinel.telemetry import names as n
from sentinel.telemetry.delivery import document_deliveries


class PrometheusRollbackRecorder:
    """A `RollbackRecorder`, and the rollback webhook's outcome counter (`count_delivery`)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._decisions = Counter(
            n.ROLLBACK_DECISIONS,
            "Rollback decisions by variant, gate (sli) and decision (rollback | dry_run).",
            ["variant", "sli", "decision"],
            registry=registry,
        )
        self._gate = Gauge(
            n.ROLLBACK_GATE,
            "1 while the variant may continue (gate open), 0 once it should roll back.",
            ["variant"],
            registry=registry,
        )
        # the rollback webhook's outcomes, a `delivery.CountResult`
        self.count_delivery = document_deliveries(
            registry, n.ROLLBACK_WEBHOOK_DELIVERIES, "Rollback webhook deliveries"
        )

    def decision(self, variant: str, sli: str, decision: str) -> None:
        self._decisions.labels(variant, sli, decision).inc()

    def gate(self, variant: str, is_open: bool) -> None:
        self._gate.labels(variant).set(1 if is_open else 0)
