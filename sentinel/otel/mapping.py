"""One GenAI span to one `exchange` event of the v1 contract.

Attribute names from several generations of the GenAI conventions are accepted; the
newest wins when a span carries both. Identity fields (service, endpoint, ...) come from
the sources in `kind: otel` rules. Events are built directly (no second validation pass),
so every value is checked here against the contract's constraints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sentinel.events.model import ErrorInfo, Event, Usage
from sentinel.otel.config import Ingest
from sentinel.otel.content import extract
from sentinel.otel.otlp import STATUS_ERROR, SpanView

OPERATION = "gen_ai.operation.name"
PROVIDER = ("gen_ai.provider.name", "gen_ai.system")
MODEL = ("gen_ai.response.model", "gen_ai.request.model")
RESPONSE_ID = "gen_ai.response.id"
FINISH_REASONS = "gen_ai.response.finish_reasons"
ERROR_TYPE = "error.type"
# Usage attribute names, newest first.
INPUT_TOKENS = ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
OUTPUT_TOKENS = ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")
CACHE_READ_TOKENS = (
    "gen_ai.usage.cache_read.input_tokens",
    "gen_ai.usage.cache_read_input_tokens",
)
CACHE_WRITE_TOKENS = (
    "gen_ai.usage.cache_write.input_tokens",  # renamed from cache_creation (2026)
    "gen_ai.usage.cache_creation.input_tokens",
    "gen_ai.usage.cache_creation_input_tokens",
)
REASONING_TOKENS = ("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens")
TTFT_SECONDS = ("gen_ai.response.time_to_first_chunk", "gen_ai.server.time_to_first_token")

# Keys that make a span a GenAI span (looked at before any value is converted).
GENAI_KEYS = frozenset((OPERATION, *PROVIDER))
_MAX_ID = 512  # the contract's bound on request_id and event_id
_HEX = frozenset("0123456789abcdef")

CONTENT_ABSENT = "absent"  # metadata["otel.content"] when the span carried no texts
CONTENT_MALFORMED = "malformed"


class MalformedSpan(ValueError):
    """A GenAI span that cannot become an event (bad ids, no timestamps)."""


def is_genai(keys: Iterable[str]) -> bool:
    """True when any key marks a GenAI span: the cheap test run on every span."""
    return not GENAI_KEYS.isdisjoint(keys)


def _first(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = attributes.get(key)
        if value is not None and value != "":
            return value
    return None


def _count(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> int:
    value = _first(attributes, keys)
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float) and value.is_integer():
        return max(int(value), 0)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return 0


def _label(value: Any) -> str | None:
    if value is None or isinstance(value, list | dict | bytes):
        return None
    text = value if isinstance(value, str) else str(value)
    return text or None


def _hex_id(value: str, length: int) -> bool:
    return len(value) == length and _HEX.issuperset(value) and value.strip("0") != ""


class SpanMapper:
    """Built once from `kind: otel` rules; `map(span, resource)` per GenAI span."""

    def __init__(self, ingest: Ingest) -> None:
        self.operations = frozenset(ingest.operations)
        self.request_id_from = ingest.request_id
        self._sources = {
            name: [tuple(source.split(":", 1)) for source in getattr(ingest, name)]
            for name in ("service", "endpoint", "feature", "variant", "route", "session_id")
        }
        self._sources["user_id"] = [tuple(s.split(":", 1)) for s in ingest.user_id]

    def operation(self, attributes: Mapping[str, Any]) -> str | None:
        """The span's operation if it becomes an exchange, else None (skipped)."""
        operation = attributes.get(OPERATION)
        if operation is None:
            operation = "chat"  # a provider but no operation name: early instrumentations
        return operation if operation in self.operations else None

    def _identity(
        self, name: str, span: Mapping[str, Any], resource: Mapping[str, Any]
    ) -> str | None:
        for scope, key in self._sources[name]:
            value = _label((resource if scope == "resource" else span).get(key))
            if value is not None:
                return value
        return None

    def map(self, span: SpanView, resource: Mapping[str, Any], operation: str) -> Event:
        if not _hex_id(span.trace_id, 32) or not _hex_id(span.span_id, 16):
            raise MalformedSpan("trace id or span id is missing or not hex")
        end_ns = span.end_ns or span.start_ns
        if end_ns <= 0:
            raise MalformedSpan("span has no start or end time")
        attributes = span.attributes
        span_key = f"{span.trace_id}-{span.span_id}"
        request_id = span_key
        if self.request_id_from == "response_id":
            response_id = _label(attributes.get(RESPONSE_ID))
            if response_id is not None and len(response_id) <= _MAX_ID:
                request_id = response_id
        latency_ms = (span.end_ns - span.start_ns) / 1e6 if span.start_ns else None
        ttft = _first(attributes, TTFT_SECONDS)
        ttft_ms = ttft * 1000.0 if isinstance(ttft, int | float) and ttft >= 0 else None
        reasons = attributes.get(FINISH_REASONS)
        finish_reason = (
            reasons[0]
            if isinstance(reasons, list) and reasons and isinstance(reasons[0], str)
            else reasons
            if isinstance(reasons, str)
            else None
        )
        content = extract(attributes, span.events, finish_reason)
        error_type = _label(attributes.get(ERROR_TYPE))
        failed = span.status_code == STATUS_ERROR or error_type is not None
        metadata: dict[str, Any] = {
            "otel.trace_id": span.trace_id,
            "otel.span_id": span.span_id,
            "otel.operation": operation,
        }
        if not content.captured:
            metadata["otel.content"] = CONTENT_MALFORMED if content.malformed else CONTENT_ABSENT
        ident = self._identity
        return Event(
            schema_="sentinel.llm.v1",
            event_id=f"otel:{span_key}",
            type="exchange",
            request_id=request_id,
            timestamp=datetime.fromtimestamp(end_ns / 1e9, tz=UTC),
            service=ident("service", attributes, resource),
            endpoint=ident("endpoint", attributes, resource),
            feature=ident("feature", attributes, resource),
            session_id=ident("session_id", attributes, resource),
            user_id=ident("user_id", attributes, resource),
            model=_label(_first(attributes, MODEL)),
            provider=_label(_first(attributes, PROVIDER)),
            variant=ident("variant", attributes, resource),
            route=ident("route", attributes, resource),
            messages=content.messages,
            tools=content.tools,
            output=content.output,
            usage=Usage(
                input_tokens=_count(attributes, INPUT_TOKENS),
                output_tokens=_count(attributes, OUTPUT_TOKENS),
                cached_input_tokens=_count(attributes, CACHE_READ_TOKENS),
                cache_write_tokens=_count(attributes, CACHE_WRITE_TOKENS),
                reasoning_tokens=_count(attributes, REASONING_TOKENS),
            ),
            latency_ms=latency_ms if latency_ms is not None and latency_ms >= 0 else None,
            ttft_ms=ttft_ms,
            status="error" if failed else "ok",
            error=ErrorInfo(error_type or "span_status_error") if failed else None,
            metadata=metadata,
        )
