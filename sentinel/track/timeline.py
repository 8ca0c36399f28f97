"""Event-time buckets for the HTML report: cost, exchanges and findings over time, and
per-variant counts for the canary comparison. Fed once per exchange; counts only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sentinel.filters.chain import Verdict
from sentinel.track.account import OUTCOME_OK, Accounted

# Five minutes: a day of replay is under 300 buckets, still fine-grained enough to see a
# rollout step or an incident.
BUCKET_SECONDS = 300.0
# One week of five-minute buckets; a long live run drops its oldest bucket past this.
KEEP_BUCKETS = 2016
HALLUCINATION_FILTER = "hallucination"


@dataclass(slots=True)
class Bucket:
    exchanges: int = 0
    cost_usd: float = 0.0
    findings: Counter[str] = field(default_factory=Counter)  # category -> findings


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


class Timeline:
    """Buckets keyed by `event_time // bucket_seconds`; variants keyed by the bounded
    variant label, so both stay bounded."""

    def __init__(
        self, bucket_seconds: float = BUCKET_SECONDS, keep_buckets: int = KEEP_BUCKETS
    ) -> None:
        self.bucket_seconds = bucket_seconds
        self.keep_buckets = keep_buckets
        self.buckets: dict[int, Bucket] = {}
        self.variants: dict[str, VariantCounts] = {}

    def add(self, item: Accounted, verdict: Verdict) -> None:
        index = int(item.event_time // self.bucket_seconds)
        bucket = self.buckets.get(index)
        if bucket is None:
            bucket = self.buckets[index] = Bucket()
            if len(self.buckets) > self.keep_buckets:
                del self.buckets[min(self.buckets)]
        cost = item.cost.total if item.cost.priced else 0.0
        bucket.exchanges += 1
        bucket.cost_usd += cost
        hallucinated = False
        for finding in verdict.findings:
            bucket.findings[finding.category] += 1
            hallucinated = hallucinated or finding.filter == HALLUCINATION_FILTER
        variant = self.variants.get(item.labels[4])
        if variant is None:
            variant = self.variants[item.labels[4]] = VariantCounts()
        variant.exchanges += 1
        variant.failed += item.outcome != OUTCOME_OK
        variant.flagged += verdict.action != "allow"
        variant.hallucinated += hallucinated
        variant.cost_usd += cost
        if item.latency_ms is not None:
            variant.latency_ms_sum += item.latency_ms
            variant.latency_count += 1

    def series(self) -> list[tuple[float, Bucket]]:
        """(bucket start in epoch seconds, bucket), oldest first, gaps filled with empties."""
        if not self.buckets:
            return []
        first, last = min(self.buckets), max(self.buckets)
        return [
            (index * self.bucket_seconds, self.buckets.get(index) or Bucket())
            for index in range(first, last + 1)
        ]
