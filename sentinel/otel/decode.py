"""Kafka record bytes (OTLP traces, protobuf or JSON) to exchange events.

`OtlpDecoder` is a `RecordDecoder` for `Pipeline(topic_decoders=...)`: one record gives
every GenAI span it holds as an `exchange` event (one span per message or a whole batch,
as collectors write them), or an `Invalid` dead letter (`bad_otlp`, `oversized`). It never
raises. Spans that are not GenAI, GenAI spans of other operations (agents, tools) and
malformed spans are skipped and counted in `OtlpStats`, which the Prometheus collector in
`sentinel.telemetry.otlp_series` exposes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from sentinel.events.decode import DEFAULT_MAX_DEPTH, Invalid, too_deep
from sentinel.events.model import Event
from sentinel.otel.config import Ingest
from sentinel.otel.mapping import CONTENT_ABSENT, SpanMapper, is_genai
from sentinel.otel.otlp import (
    Attributes,
    OtlpError,
    SpanView,
    iter_json,
    iter_proto,
    parse_json,
    parse_proto,
)

Encoding = Literal["otlp_proto", "otlp_json"]
ENCODINGS: tuple[Encoding, ...] = ("otlp_proto", "otlp_json")
REASON = "bad_otlp"  # dead-letter reason: the record is not an OTLP trace message
SPAN_OUTCOMES = ("exchange", "not_genai", "other_operation", "malformed")


@dataclass
class OtlpStats:
    """Plain counters, read by the Prometheus collector at scrape time."""

    messages: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ENCODINGS, 0))
    spans: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SPAN_OUTCOMES, 0))
    # exchanges whose span carried no prompt or response text, by reason
    without_content: dict[str, int] = field(default_factory=lambda: {"absent": 0, "malformed": 0})


class OtlpDecoder:
    """Decodes one record of an OTLP traces topic; holds the mapper and the counters."""

    def __init__(
        self,
        encoding: Encoding,
        ingest: Ingest,
        max_message_bytes: int,
        stats: OtlpStats | None = None,
        max_depth: int = DEFAULT_MAX_DEPTH,
    ) -> None:
        if encoding not in ENCODINGS:
            raise ValueError(f"unknown OTLP encoding `{encoding}` (known: {', '.join(ENCODINGS)})")
        if max_message_bytes <= 0:
            raise ValueError("max_message_bytes must be positive")
        self.encoding = encoding
        self.max_message_bytes = max_message_bytes
        self.max_depth = max_depth
        self.mapper = SpanMapper(ingest)
        self.stats = stats if stats is not None else OtlpStats()

    def decode(self, raw: bytes) -> list[Event] | Invalid:
        size = len(raw)
        if size > self.max_message_bytes:
            return Invalid("oversized", f"{size} bytes > limit {self.max_message_bytes}", size)
        stats = self.stats
        stats.messages[self.encoding] += 1
        try:
            spans = list(self._spans(raw))
        except OtlpError as exc:
            return Invalid(REASON, str(exc), size)
        except RecursionError:
            return Invalid("too_deep", "attribute values nested past the recursion limit", size)
        except Exception as exc:  # a decoder bug must not stop the stream
            return Invalid("decode_failed", f"OTLP decoder raised {type(exc).__name__}", size)
        events: list[Event] = []
        malformed = deep = 0
        mapper, counts = self.mapper, stats.spans
        for span, resource in spans:
            operation = mapper.operation(span.attributes)
            if operation is None:
                counts["other_operation"] += 1
                continue
            try:
                event = mapper.map(span, resource, operation)
            except Exception:  # MalformedSpan, or an attribute shape nobody foresaw:
                malformed += 1  # counted, and never a reason to stop the stream
                continue
            if too_deep(event, self.max_depth):  # tool schemas or arguments from attributes
                deep += 1
                continue
            content = event.metadata.get("otel.content")
            if content is not None:
                stats.without_content["absent" if content == CONTENT_ABSENT else "malformed"] += 1
            events.append(event)
        counts["exchange"] += len(events)
        counts["malformed"] += malformed + deep
        if deep and not events and not malformed:
            return Invalid(
                "too_deep", f"{deep} GenAI span(s) nested deeper than {self.max_depth}", size
            )
        if (malformed or deep) and not events:
            return Invalid(REASON, f"{malformed + deep} GenAI span(s), none usable", size)
        return events

    def _spans(self, raw: bytes) -> Iterator[tuple[SpanView, Attributes]]:
        counts = self.stats.spans

        def skipped() -> None:
            counts["not_genai"] += 1

        if self.encoding == "otlp_proto":
            return iter_proto(parse_proto(raw), is_genai, skipped)
        return iter_json(parse_json(raw), is_genai, skipped)
