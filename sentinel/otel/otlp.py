"""OTLP trace payloads (protobuf or JSON) to plain span views.

Both encodings carry a `TracesData` / `ExportTraceServiceRequest` (the two are the same
message on the wire): resource spans → scope spans → spans. Whatever the collector put in
one Kafka message (one span, or a whole batch), `iter_spans` yields every span with its
resource. Attribute values become plain Python values (str, int, float, bool, bytes, lists,
dicts), but only for the spans that `wanted` accepts by attribute key: the others (HTTP,
database spans ...) are skipped after a look at their keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import msgspec
from google.protobuf.message import DecodeError
from google.protobuf.unknown_fields import UnknownFieldSet
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span as PbSpan
from opentelemetry.proto.trace.v1.trace_pb2 import TracesData

STATUS_ERROR = 2  # Status.StatusCode.STATUS_CODE_ERROR in both encodings

Attributes = dict[str, Any]
SpanEvent = tuple[str, Attributes]  # name, attributes


class OtlpError(ValueError):
    """The payload is not an OTLP trace message; the text never quotes the payload."""


@dataclass(frozen=True, slots=True)
class SpanView:
    """One span, encoding-neutral. `events()` converts span events on demand."""

    trace_id: str  # lowercase hex, 32 chars
    span_id: str  # lowercase hex, 16 chars
    name: str
    start_ns: int
    end_ns: int
    status_code: int
    attributes: Attributes
    events: Callable[[], list[SpanEvent]]


Wanted = Callable[[Iterable[str]], bool]  # span attribute keys -> convert this span?
Skipped = Callable[[], None]  # called once per span that `wanted` turned down


# ---------------------------------------------------------------------------- protobuf


_SCALARS = frozenset({"string_value", "int_value", "double_value", "bool_value", "bytes_value"})


def _pb_value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind in _SCALARS:
        return getattr(value, kind)
    if kind == "array_value":
        return [_pb_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _pb_value(kv.value) for kv in value.kvlist_value.values}
    return None


def _pb_attributes(attributes: Iterable[KeyValue]) -> Attributes:
    return {kv.key: _pb_value(kv.value) for kv in attributes}


def _pb_events(span: PbSpan) -> Callable[[], list[SpanEvent]]:
    return lambda: [(e.name, _pb_attributes(e.attributes)) for e in span.events]


def parse_proto(raw: bytes) -> TracesData:
    if not raw:
        raise OtlpError("empty message")
    try:
        data = TracesData.FromString(raw)
    except DecodeError as exc:
        hint = "; it looks like JSON: is the topic's encoding otlp_json?" if raw[:1] == b"{" else ""
        why = str(exc).rpartition(": ")[2]  # "Error parsing message with type ...: why"
        raise OtlpError(f"not an OTLP protobuf TracesData message ({why}){hint}") from None
    if not data.resource_spans and len(UnknownFieldSet(data)):
        raise OtlpError("protobuf message without resource spans (unknown fields only)")
    return data


def iter_proto(
    data: TracesData, wanted: Wanted, skipped: Skipped
) -> Iterator[tuple[SpanView, Attributes]]:
    for resource_spans in data.resource_spans:
        resource: Attributes | None = None
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                pairs = [(kv.key, kv.value) for kv in span.attributes]  # one pass over upb
                if not wanted([key for key, _ in pairs]):
                    skipped()
                    continue
                if resource is None:
                    resource = _pb_attributes(resource_spans.resource.attributes)
                yield (
                    SpanView(
                        span.trace_id.hex(),
                        span.span_id.hex(),
                        span.name,
                        span.start_time_unix_nano,
                        span.end_time_unix_nano,
                        span.status.code,
                        {key: _pb_value(value) for key, value in pairs},
                        _pb_events(span),
                    ),
                    resource,
                )


# -------------------------------------------------------------------------------- JSON
# OTLP/JSON as the collector writes it: lowerCamelCase keys, hex trace and span ids,
# 64-bit integers as strings (numbers accepted), enums as integers.


class JsonArray(msgspec.Struct, frozen=True):
    values: list[JsonAnyValue] = []


class JsonKvList(msgspec.Struct, frozen=True):
    values: list[JsonKeyValue] = []


class JsonAnyValue(msgspec.Struct, frozen=True, rename="camel"):
    string_value: str | None = None
    bool_value: bool | None = None
    int_value: int | str | None = None
    double_value: float | str | None = None  # "NaN", "Infinity" are strings
    array_value: JsonArray | None = None
    kvlist_value: JsonKvList | None = None
    bytes_value: str | None = None  # base64


class JsonKeyValue(msgspec.Struct, frozen=True):
    key: str
    value: JsonAnyValue | None = None


class JsonEvent(msgspec.Struct, frozen=True, rename="camel"):
    name: str = ""
    time_unix_nano: int | str = 0
    attributes: list[JsonKeyValue] = []


class JsonStatus(msgspec.Struct, frozen=True):
    code: int = 0
    message: str = ""


class JsonSpan(msgspec.Struct, frozen=True, rename="camel"):
    trace_id: str = ""
    span_id: str = ""
    name: str = ""
    kind: int = 0
    start_time_unix_nano: int | str = 0
    end_time_unix_nano: int | str = 0
    attributes: list[JsonKeyValue] = []
    events: list[JsonEvent] = []
    status: JsonStatus | None = None


class JsonScopeSpans(msgspec.Struct, frozen=True):
    spans: list[JsonSpan] = []


class JsonResource(msgspec.Struct, frozen=True):
    attributes: list[JsonKeyValue] = []


class JsonResourceSpans(msgspec.Struct, frozen=True, rename="camel"):
    resource: JsonResource | None = None
    scope_spans: list[JsonScopeSpans] = []


class JsonTracesData(msgspec.Struct, frozen=True, rename="camel"):
    resource_spans: list[JsonResourceSpans] | None = None


_JSON_DECODER = msgspec.json.Decoder(JsonTracesData)


def _json_value(value: JsonAnyValue | None) -> Any:
    if value is None:
        return None
    if value.string_value is not None:
        return value.string_value
    if value.int_value is not None:
        return _int(value.int_value)
    if value.double_value is not None:
        return float(value.double_value)
    if value.bool_value is not None:
        return value.bool_value
    if value.array_value is not None:
        return [_json_value(v) for v in value.array_value.values]
    if value.kvlist_value is not None:
        return {kv.key: _json_value(kv.value) for kv in value.kvlist_value.values}
    if value.bytes_value is not None:
        return value.bytes_value
    return None


def _json_attributes(attributes: Iterable[JsonKeyValue]) -> Attributes:
    return {kv.key: _json_value(kv.value) for kv in attributes}


def _int(value: int | str) -> int:
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except ValueError:
        raise OtlpError("an integer field holds a string that is not a number") from None


def parse_json(raw: bytes) -> JsonTracesData:
    try:
        data = _JSON_DECODER.decode(raw)
    except msgspec.ValidationError as exc:
        raise OtlpError(f"not OTLP/JSON: {_path_only(str(exc))}") from None
    except (msgspec.DecodeError, UnicodeDecodeError):
        raise OtlpError("not OTLP/JSON: malformed JSON") from None
    if data.resource_spans is None:
        raise OtlpError("not OTLP/JSON: no `resourceSpans` in the object")
    return data


def _path_only(message: str) -> str:
    """msgspec's "Expected `int`, got `str` - at `$.x`" without quoted values."""
    head, _, path = message.partition(" - at ")
    head = head.split("'")[0].rstrip()
    return f"{head} at {path}" if path else head


def iter_json(
    data: JsonTracesData, wanted: Wanted, skipped: Skipped
) -> Iterator[tuple[SpanView, Attributes]]:
    for resource_spans in data.resource_spans or ():
        resource: Attributes | None = None
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                if not wanted([kv.key for kv in span.attributes]):
                    skipped()
                    continue
                if resource is None:
                    source = resource_spans.resource
                    resource = _json_attributes(source.attributes) if source else {}
                yield (
                    SpanView(
                        span.trace_id.lower(),
                        span.span_id.lower(),
                        span.name,
                        _int(span.start_time_unix_nano),
                        _int(span.end_time_unix_nano),
                        span.status.code if span.status else 0,
                        _json_attributes(span.attributes),
                        _json_events(span),
                    ),
                    resource,
                )


def _json_events(span: JsonSpan) -> Callable[[], list[SpanEvent]]:
    return lambda: [(e.name, _json_attributes(e.attributes)) for e in span.events]
