"""Rollback samples in a Prometheus registry: decisions, gates and webhook deliveries."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

from sentinel.delivery import Result
from sentinel.telemetry import names as n


class PrometheusRollbackRecorder:
    """A `RollbackRecorder` and the rollback webhook's outcome counter (`count_delivery`)."""

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
        self._deliveries = Counter(
            n.ROLLBACK_WEBHOOK_DELIVERIES,
            "Rollback webhook deliveries by result (ok | failed | dropped).",
            ["result"],
            registry=registry,
        )

    def decision(self, variant: str, sli: str, decision: str) -> None:
        self._decisions.labels(variant, sli, decision).inc()

    def gate(self, variant: str, is_open: bool) -> None:
        self._gate.labels(variant).set(1 if is_open else 0)

    def count_delivery(self, result: Result, documents: int) -> None:
        """One decision delivered (ok), given up on (failed) or never sent (dropped)."""
        if result != "error":  # a failed attempt that is retried is not an outcome here
            self._deliveries.labels(result).inc(documents)
