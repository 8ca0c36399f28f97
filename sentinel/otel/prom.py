"""Prometheus samples for OTLP ingestion (the decoder itself only counts integers)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from sentinel.otel.decode import OtlpStats

OTLP_MESSAGES = "sentinel_otel_messages_total"  # encoding
OTLP_SPANS = (
    "sentinel_otel_spans_total"  # outcome: exchange | not_genai | other_operation | malformed
)
SPANS_WITHOUT_CONTENT = "sentinel_otel_spans_without_content_total"  # reason: absent | malformed


class OtlpCollector(Collector):
    """Exposes `OtlpStats` (shared by every OTLP topic's decoder) when scraped."""

    def __init__(self, stats: OtlpStats) -> None:
        self.stats = stats

    def collect(self) -> Iterator[Metric]:
        stats = self.stats
        messages = CounterMetricFamily(
            OTLP_MESSAGES, "OTLP trace messages read, by encoding.", labels=["encoding"]
        )
        for encoding, count in stats.messages.items():
            messages.add_metric([encoding], count)
        yield messages
        spans = CounterMetricFamily(
            OTLP_SPANS,
            "OTLP spans by outcome: became an exchange, not a GenAI span, a GenAI operation "
            "that is not a model call (agent, tool), or malformed.",
            labels=["outcome"],
        )
        for outcome, count in stats.spans.items():
            spans.add_metric([outcome], count)
        yield spans
        without = CounterMetricFamily(
            SPANS_WITHOUT_CONTENT,
            "Exchanges from GenAI spans without prompt or response text (capture not enabled "
            "in the application, or unreadable): trackers ran, content filters had nothing "
            "to scan.",
            labels=["reason"],
        )
        for reason, count in stats.without_content.items():
            without.add_metric([reason], count)
        yield without


def register(registry: CollectorRegistry, stats: OtlpStats) -> OtlpCollector:
    collector = OtlpCollector(stats)
    registry.register(collector)
    return collector
