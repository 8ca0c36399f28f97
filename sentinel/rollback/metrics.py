"""Rollback samples in a Prometheus registry: the only rollback module that knows Prometheus.

Without a registry, `NO_METRICS` records nothing.
"""

from __future__ import annotations

from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge

from sentinel.telemetry import names as n

# Not reserved in telemetry/names.py yet; move it there with the other rollback names.
ROLLBACK_WEBHOOK_DELIVERIES = "sentinel_rollback_webhook_deliveries_total"  # result


class RollbackRecorder(Protocol):
    def decision(self, variant: str, sli: str, decision: str) -> None: ...

    def gate(self, variant: str, is_open: bool) -> None: ...

    def delivery(self, result: str) -> None: ...


class _NoMetrics:
    def decision(self, variant: str, sli: str, decision: str) -> None:
        pass

    def gate(self, variant: str, is_open: bool) -> None:
        pass

    def delivery(self, result: str) -> None:
        pass


NO_METRICS: RollbackRecorder = _NoMetrics()


class PrometheusRollbackRecorder:
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
            ROLLBACK_WEBHOOK_DELIVERIES,
            "Rollback webhook deliveries by result (ok | failed | dropped).",
            ["result"],
            registry=registry,
        )

    def decision(self, variant: str, sli: str, decision: str) -> None:
        self._decisions.labels(variant, sli, decision).inc()

    def gate(self, variant: str, is_open: bool) -> None:
        self._gate.labels(variant).set(1 if is_open else 0)

    def delivery(self, result: str) -> None:
        self._deliveries.labels(result).inc()


def recorder(registry: CollectorRegistry | None) -> RollbackRecorder:
    return NO_METRICS if registry is None else PrometheusRollbackRecorder(registry)
