"""OpenTelemetry: GenAI spans in (OTLP from Kafka), sentinel's own telemetry out.

- `OtlpDecoder` turns OTLP trace messages (`otlp_proto`, `otlp_json`) into exchange events;
  plug it into `Pipeline(topic_decoders=...)`.
- `SelfTelemetry` emits guardrail spans, batch spans and (opt-in) GenAI client metrics
  through providers built from the `OTEL_*` environment (`providers_from_environment`).
"""

from __future__ import annotations

from sentinel.otel.config import OtelRules
from sentinel.otel.decode import ENCODINGS, Encoding, OtlpDecoder, OtlpStats
from sentinel.otel.guardrail import GuardrailSpans, InputHasher
from sentinel.otel.selftelemetry import (
    Providers,
    SelfTelemetry,
    input_hasher,
    providers_from_environment,
)

__all__ = [
    "ENCODINGS",
    "Encoding",
    "GuardrailSpans",
    "InputHasher",
    "OtelRules",
    "OtlpDecoder",
    "OtlpStats",
    "Providers",
    "SelfTelemetry",
    "input_hasher",
    "providers_from_environment",
]
