"""Counters of what the series budget folded and the PII screen redacted, read when
scraped (plain integers written by the consume loop: a read is atomic)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from sentinel.telemetry import names as n
from sentinel.track.labels import CombinationBudget, LabelBounder


class BudgetCollector(Collector):
    def __init__(self, budget: CombinationBudget, bounders: Mapping[str, LabelBounder]) -> None:
        self._budget = budget
        self._bounders = dict(bounders)

    def collect(self) -> Iterator[Metric]:
        folded = CounterMetricFamily(
            n.SERIES_FOLDED.removesuffix("_total"),
            "Samples whose label combination was folded into `other` by the series budget.",
            labels=["family"],
        )
        folded.add_metric(["exchange_labels"], self._budget.folded)
        combinations = GaugeMetricFamily(
            n.SERIES_COMBINATIONS,
            "Label combinations admitted by the series budget, and its limit.",
            labels=["family", "bound"],
        )
        combinations.add_metric(["exchange_labels", "admitted"], self._budget.admitted)
        combinations.add_metric(["exchange_labels", "limit"], self._budget.max_combinations)
        redacted = CounterMetricFamily(
            n.LABELS_REDACTED.removesuffix("_total"),
            "Label values replaced by `redacted` because they may hold PII.",
            labels=["label"],
        )
        for name, bounder in self._bounders.items():
            redacted.add_metric([name], bounder.redacted)
        yield from (folded, combinations, redacted)
