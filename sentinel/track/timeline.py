"""Event-time buckets for the HTML report: exchanges, cost, findings and latency over time,
error budget remaining per SLO over time, and per-variant counts. Fed once per exchange;
counts and sketches only, never content.

Memory stays bounded however long the run: past `keep_buckets` buckets, neighbouring
buckets merge two by two (the bucket width doubles), so the whole run stays on the chart.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from ddsketch import DDSketch

from sentinel.track.quantiles import new_sketch
from sentinel.values import Accounted, Verdict

# One minute: fine enough to see an alert's onset in a replayed hour; a long run coarsens.
BUCKET_SECONDS = 60.0
# Buckets (and budget samples) kept before neighbours merge: ~1,000 sketches of a few KB.
KEEP_BUCKETS = 1024
HALLUCINATION_FILTER = "hallucination"


class BudgetStatus(Protocol):
    """One SLO series' state, as the SLO engine reports it (`SloEngine.statuses`)."""

    @property
    def slo(self) -> str: ...

    @property
    def labels(self) -> dict[str, str]: ...

    @property
    def budget_remaining(self) -> float | None: ...


BudgetProbe = Callable[[], Iterable[BudgetStatus]]


@dataclass(slots=True)
class Bucket:
    exchanges: int = 0
    cost_usd: float = 0.0
    findings: Counter[str] = field(default_factory=Counter)  # category -> findings
    latency_ms: DDSketch | None = None  # created with the first latency

    def merge(self, other: Bucket) -> None:
        self.exchanges += other.exchanges
        self.cost_usd += other.cost_usd
        self.findings.update(other.findings)
        if other.latency_ms is not None:
            if self.latency_ms is None:
                self.latency_ms = new_sketch()
            self.latency_ms.merge(other.latency_ms)


@dataclass(slots=True)
class VariantCounts:
    exchanges: int = 0
    failed: int = 0  # errors and timeouts
    flagged: int = 0  # verdict other than allow
    hallucinated: int = 0  # exchanges with at least one hallucination finding
    cost_usd: float = 0.0
    latency_ms_sum: float = 0.0
    latency_count: int = 0

    @property
    def failed_ratio(self) -> float:
        return self.failed / self.exchanges if self.exchanges else 0.0

    @property
    def flagged_ratio(self) -> float:
        return self.flagged / self.exchanges if self.exchanges else 0.0

    @property
    def hallucinated_ratio(self) -> float:
        return self.hallucinated / self.exchanges if self.exchanges else 0.0

    @property
    def cost_per_exchange_usd(self) -> float:
        return self.cost_usd / self.exchanges if self.exchanges else 0.0

    @property
    def mean_latency_ms(self) -> float | None:
        return self.latency_ms_sum / self.latency_count if self.latency_count else None


def series_name(slo: str, labels: Mapping[str, str]) -> str:
    """`slo service=a variant=b`: an SLO series as the report names it."""
    return " ".join([slo, *(f"{k}={v}" for k, v in sorted(labels.items()))])


class Timeline:
    """Buckets keyed by `event_time // bucket_seconds`; variants keyed by the bounded
    variant label; budget samples taken when event time enters a new bucket."""

    def __init__(
        self,
        bucket_seconds: float = BUCKET_SECONDS,
        keep_buckets: int = KEEP_BUCKETS,
        budgets: BudgetProbe | None = None,
    ) -> None:
        self.bucket_seconds = bucket_seconds
        self.keep_buckets = keep_buckets
        self.buckets: dict[int, Bucket] = {}
        self.variants: dict[str, VariantCounts] = {}
        self._budgets = budgets
        # (event time, {series: share of budget left}), oldest first
        self.budget_samples: list[tuple[float, dict[str, float]]] = []
        self._newest = -(2**62)

    def add(self, item: Accounted, verdict: Verdict) -> None:
        index = int(item.event_time // self.bucket_seconds)
        if index > self._newest:
            if self._newest != -(2**62):
                self._sample_budgets((self._newest + 1) * self.bucket_seconds)
            self._newest = index
        bucket = self.buckets.get(index)
        if bucket is None:
            bucket = self.buckets[index] = Bucket()
            if len(self.buckets) > self.keep_buckets:
                self._coarsen()
                index = int(item.event_time // self.bucket_seconds)
                bucket = self.buckets[index]
        cost = item.cost.total if item.cost.priced else 0.0
        bucket.exchanges += 1
        bucket.cost_usd += cost
        if item.latency_ms is not None:
            if bucket.latency_ms is None:
                bucket.latency_ms = new_sketch()
            bucket.latency_ms.add(item.latency_ms)
        hallucinated = False
        for finding in verdict.findings:
            bucket.findings[finding.category] += 1
            hallucinated = hallucinated or finding.filter == HALLUCINATION_FILTER
        variant = self.variants.get(item.labels.variant)
        if variant is None:
            variant = self.variants[item.labels.variant] = VariantCounts()
        variant.exchanges += 1
        variant.failed += item.outcome != "ok"
        variant.flagged += verdict.action != "allow"
        variant.hallucinated += hallucinated
        variant.cost_usd += cost
        if item.latency_ms is not None:
            variant.latency_ms_sum += item.latency_ms
            variant.latency_count += 1

    def _sample_budgets(self, at: float) -> None:
        if self._budgets is None:
            return
        sample = {
            series_name(s.slo, s.labels): s.budget_remaining
            for s in self._budgets()
            if s.budget_remaining is not None
        }
        if sample:
            self.budget_samples.append((at, sample))
            if len(self.budget_samples) > self.keep_buckets:
                self.budget_samples = self.budget_samples[1::2]  # thin out: keep the newest

    def _coarsen(self) -> None:
        """Double the bucket width, merging neighbours (memory stays bounded)."""
        merged: dict[int, Bucket] = {}
        for index in sorted(self.buckets):
            target = merged.get(index // 2)
            if target is None:
                merged[index // 2] = self.buckets[index]
            else:
                target.merge(self.buckets[index])
        self.buckets = merged
        self.bucket_seconds *= 2
        self._newest //= 2

    def budget_history(self) -> list[tuple[float, dict[str, float]]]:
        """The budget samples, and the state now at the end of the newest bucket."""
        samples = list(self.budget_samples)
        if self._budgets is not None and self.buckets:
            end = (max(self.buckets) + 1) * self.bucket_seconds
            now = {
                series_name(s.slo, s.labels): s.budget_remaining
                for s in self._budgets()
                if s.budget_remaining is not None
            }
            if now and (not samples or samples[-1][0] < end):
                samples.append((end, now))
        return samples

    def series(self, max_points: int | None = None) -> list[tuple[float, Bucket]]:
        """(bucket start in epoch seconds, bucket), oldest first, gaps filled with empties;
        with `max_points`, neighbouring buckets merged to at most that many."""
        if not self.buckets:
            return []
        first, last = min(self.buckets), max(self.buckets)
        step = 1 if max_points is None else max(1, math.ceil((last - first + 1) / max_points))
        # Points first, then each kept bucket into its point: the cost follows the points
        # and the buckets held, not the event-time span between them.
        out = [
            ((first + k * step) * self.bucket_seconds, Bucket())
            for k in range((last - first) // step + 1)
        ]
        for index in sorted(self.buckets):
            out[(index - first) // step][1].merge(self.buckets[index])
        return out

    def display_seconds(self, max_points: int | None = None) -> float:
        """The width of one point of `series(max_points)`, in seconds."""
        if not self.buckets or max_points is None:
            return self.bucket_seconds
        span = max(self.buckets) - min(self.buckets) + 1
        return self.bucket_seconds * max(1, math.ceil(span / max_points))
