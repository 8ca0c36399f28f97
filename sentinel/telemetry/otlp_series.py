"""Exposes OTLP ingestion when scraped (the decoders themselves only count integers, in
the `OtlpStats` they share)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from sentinel.telemetry import names as n

if TYPE_CHECKING:  # the collector only reads the counts; no OTel import at run time
    from sentinel.otel.decode import OtlpStats


class OtlpCollector(Collector):
    """Exposes `OtlpStats` (shared by every OTLP topic's decoder) when scraped."""

    def __init__(self, stats: OtlpStats) -> None:
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        stats = self.stats
        messages = CounterMetricFamily(
            n.OTLP_MESSAGES, "OTLP trace messages read, by encoding.", labels=["encoding"]
        )
        for encoding, count in stats.messages.items():
            messages.add_metric([encoding], count)
        yield messages
        spans = CounterMetricFamily(
            n.OTLP_SPANS,
            "OTLP spans by outcome: became an exchange, not a GenAI span, a GenAI operation "
            "that is not a model call (agent, tool), or malformed.",
            labels=["outcome"],
        )
        for outcome, count in stats.spans.items():
            spans.add_metric([outcome], count)
        yield spans
        without = CounterMetricFamily(
            n.SPANS_WITHOUT_CONTENT,
            "Exchanges from GenAI spans without prompt or response text (capture not enabled "
            "in the application, or unreadable): trackers ran, content filters had nothing "
            "to scan.",
            labels=["reason"],
        )
        for reason, count in stats.without_content.items():
            without.add_metric([reason], count)
        yield without
