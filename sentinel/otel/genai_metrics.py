"""`gen_ai.client.token.usage` and `gen_ai.client.operation.duration`, computed from the
exchanges sentinel sees, for backends that read OpenTelemetry metrics (off by default).

Bucket boundaries are the GenAI conventions' advice. Attribute values are sentinel's
bounded labels (model, service) so cardinality stays bounded whatever the events say.
These are recorded when the exchange is processed (wall time), so they suit `sentinel run`,
not replays of old traffic.
"""

from __future__ import annotations

from opentelemetry.metrics import Meter

from sentinel.track.labels import LabelBounder
from sentinel.values import Accounted

TOKEN_USAGE = "gen_ai.client.token.usage"
OPERATION_DURATION = "gen_ai.client.operation.duration"
# The conventions' explicit bucket advice: tokens in powers of 4, seconds doubling from 10 ms.
TOKEN_BUCKETS = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
)  # fmt: skip
DURATION_BUCKETS = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)  # fmt: skip
_MAX_PROVIDERS = 20  # provider names come from events: bound them like any label
_MAX_ERROR_TYPES = 20


class GenAiMetrics:
    """Records one exchange into the two GenAI client histograms."""

    def __init__(self, meter: Meter) -> None:
        self.tokens = meter.create_histogram(
            TOKEN_USAGE,
            unit="{token}",
            description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=list(TOKEN_BUCKETS),
        )
        self.duration = meter.create_histogram(
            OPERATION_DURATION,
            unit="s",
            description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=list(DURATION_BUCKETS),
        )
        self._provider = LabelBounder(None, _MAX_PROVIDERS)
        self._error_type = LabelBounder(None, _MAX_ERROR_TYPES)

    def record(self, item: Accounted) -> None:
        if item.outcome == "timeout":
            return  # no response: neither a duration nor usage to report
        exchange = item.exchange
        primary = exchange.primary
        operation = primary.metadata.get("otel.operation")
        attributes: dict[str, str] = {
            "gen_ai.operation.name": operation if isinstance(operation, str) else "chat",
            "gen_ai.provider.name": self._provider(primary.provider),
            "gen_ai.request.model": item.labels.model,
            "sentinel.service": item.labels.service,
        }
        if item.outcome == "error":
            attributes["error.type"] = self._error_type(exchange.error_type)
        if item.latency_ms is not None:
            self.duration.record(item.latency_ms / 1000.0, attributes)
        if item.outcome == "error":
            return
        tokens = item.tokens
        self.tokens.record(tokens.input, {**attributes, "gen_ai.token.type": "input"})
        self.tokens.record(tokens.output, {**attributes, "gen_ai.token.type": "output"})
