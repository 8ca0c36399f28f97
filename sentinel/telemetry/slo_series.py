"""Exposes the SLO engine's state when scraped: SLI events, burn rates, budget left.

`sentinel_slo_events_total` is what the generated Prometheus rules aggregate across
replicas; the gauges are this replica's in-process view. A scrape reads the engine's
published snapshot, never the windows the consume loop is writing.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sentinel.slo.engine import SloEngine
from sentinel.telemetry import names as n

_LABELS = ["slo", *n.EXCHANGE_LABELS]


def _window(minutes: int) -> str:
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


class SloSeries(Collector):
    def __init__(self, engine: SloEngine) -> None:
        self._engine = engine

    def collect(self) -> Iterator[Metric]:
        events = CounterMetricFamily(
            n.SLO_EVENTS.removesuffix("_total"),
            "Events counted by each SLO's SLI.",
            labels=[*_LABELS, "result"],
        )
        objective = GaugeMetricFamily(
            n.SLO_OBJECTIVE, "SLO objective (good-event ratio).", labels=["slo"]
        )
        burn = GaugeMetricFamily(
            n.SLO_BURN_RATE, "Error-budget burn rate per window.", labels=[*_LABELS, "window"]
        )
        remaining = GaugeMetricFamily(
            n.SLO_BUDGET_REMAINING, "Share of the period's error budget left.", labels=_LABELS
        )
        seen: set[str] = set()
        for status in self._engine.snapshot():
            values = [status.slo, *(status.labels.get(k, "") for k in n.EXCHANGE_LABELS)]
            events.add_metric([*values, "good"], status.good)
            events.add_metric([*values, "bad"], status.bad)
            for minutes, rate in status.burn_rates.items():
                if rate is not None:
                    burn.add_metric([*values, _window(minutes)], rate)
            if status.budget_remaining is not None:
                remaining.add_metric(values, status.budget_remaining)
            if status.slo not in seen:
                seen.add(status.slo)
                objective.add_metric([status.slo], status.objective)
        yield from (events, objective, burn, remaining)
