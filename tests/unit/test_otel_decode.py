"""OTLP trace messages (protobuf and JSON, one span or a batch) to exchange events."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from opentelemetry.exporter.otlp.json.common.trace_encoder import encode_spans as encode_json
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans as encode_proto
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

from sentinel.events.decode import Invalid
from sentinel.events.model import Event
from sentinel.otel.config import Ingest
from sentinel.otel.decode import OtlpDecoder
from sentinel.telemetry.otlp_series import OtlpCollector

T0 = 1_793_000_000_000_000_000  # 2026-10-26T... in ns
ENCODINGS = ("otlp_proto", "otlp_json")


def make_spans(
    *specs: dict[str, Any], resource: dict[str, Any] | None = None
) -> list[ReadableSpan]:
    """Finished SDK spans: each spec has `attributes`, optional `events`, `error`,
    `duration_ms`, `name`."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create(resource or {"service.name": "support-bot"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    for i, spec in enumerate(specs):
        start = T0 + i * 1_000_000_000
        span = tracer.start_span(
            spec.get("name", "chat gpt-4.1-mini"),
            kind=SpanKind.CLIENT,
            attributes=spec.get("attributes", {}),
            start_time=start,
        )
        for name, attributes in spec.get("events", ()):
            span.add_event(name, attributes, start + 1000)
        if spec.get("error"):
            span.set_status(Status(StatusCode.ERROR, "boom"))
        span.end(start + int(spec.get("duration_ms", 250) * 1_000_000))
    provider.shutdown()
    return list(exporter.get_finished_spans())


def encode(spans: Sequence[ReadableSpan], encoding: str) -> bytes:
    if encoding == "otlp_proto":
        return encode_proto(spans).SerializeToString()
    return encode_json(spans).to_json().encode()


def decode_all(spans: Sequence[ReadableSpan], encoding: str, **ingest: Any) -> list[Event]:
    result = OtlpDecoder(encoding, Ingest(**ingest), 1 << 20).decode(encode(spans, encoding))  # type: ignore[arg-type]
    assert isinstance(result, list), result
    return result


CHAT: dict[str, Any] = {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4.1-mini",
    "gen_ai.usage.input_tokens": 120,
    "gen_ai.usage.output_tokens": 30,
}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_genai_span_becomes_one_exchange_event(encoding: str) -> None:
    """Identity, timing, usage and request id come from the span and its resource."""
    spans = make_spans(
        {"attributes": {**CHAT, "http.route": "/chat"}, "duration_ms": 420},
        resource={"service.name": "support-bot", "deployment.variant": "canary"},
    )
    (event,) = decode_all(spans, encoding)
    ctx = spans[0].context
    assert event.type == "exchange"
    assert event.request_id == f"{ctx.trace_id:032x}-{ctx.span_id:016x}"
    assert event.event_id == f"otel:{ctx.trace_id:032x}-{ctx.span_id:016x}"
    assert event.timestamp == datetime.fromtimestamp((T0 + 420_000_000) / 1e9, tz=UTC)
    assert event.latency_ms == pytest.approx(420.0)
    assert (event.service, event.endpoint, event.variant) == ("support-bot", "/chat", "canary")
    assert (event.model, event.provider, event.status) == ("gpt-4.1-mini", "openai", "ok")
    assert event.usage is not None
    assert (event.usage.input_tokens, event.usage.output_tokens) == (120, 30)
    assert event.metadata["otel.content"] == "absent"
    # what the decoder builds is valid under the published contract
    assert msgspec.json.decode(msgspec.json.encode(event), type=Event) == event


USAGE_NAMES = [
    pytest.param(
        {
            "gen_ai.system": "openai",
            "gen_ai.usage.prompt_tokens": 100,
            "gen_ai.usage.completion_tokens": 20,
        },
        (100, 20, 0, 0, 0),
        id="older prompt and completion token names are read",
    ),
    pytest.param(
        {
            **CHAT,
            "gen_ai.usage.cache_read.input_tokens": 64,
            "gen_ai.usage.cache_creation.input_tokens": 16,
            "gen_ai.usage.reasoning.output_tokens": 5,
        },
        (120, 30, 64, 16, 5),
        id="cache read, cache creation and reasoning tokens are read",
    ),
    pytest.param(
        {
            **CHAT,
            "gen_ai.usage.cache_write.input_tokens": 8,
            "gen_ai.usage.cache_creation.input_tokens": 99,
        },
        (120, 30, 0, 8, 0),
        id="the newer cache write name wins over the older one",
    ),
    pytest.param(
        {
            **CHAT,
            "gen_ai.usage.cache_read_input_tokens": 10,
            "gen_ai.usage.cache_creation_input_tokens": 3,
            "gen_ai.usage.reasoning_tokens": 7,
        },
        (120, 30, 10, 3, 7),
        id="underscore spellings of cache and reasoning tokens are read",
    ),
    pytest.param(
        {**CHAT, "gen_ai.usage.input_tokens": -4, "gen_ai.usage.output_tokens": "12"},
        (0, 12, 0, 0, 0),
        id="negative counts become zero and digit strings are read",
    ),
]


@pytest.mark.parametrize("attributes,expected", USAGE_NAMES)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_usage_attribute_generations(
    attributes: dict[str, Any], expected: tuple[int, ...], encoding: str
) -> None:
    """Old and new usage attribute names map onto the same usage fields."""
    (event,) = decode_all(make_spans({"attributes": attributes}), encoding)
    usage = event.usage
    assert usage is not None
    assert (
        usage.input_tokens,
        usage.output_tokens,
        usage.cached_input_tokens,
        usage.cache_write_tokens,
        usage.reasoning_tokens,
    ) == expected


def test_provider_model_and_finish_reason_take_the_newest_names() -> None:
    """gen_ai.provider.name beats gen_ai.system; the response model beats the request one."""
    attributes = {
        **CHAT,
        "gen_ai.system": "az.ai.openai",
        "gen_ai.response.model": "gpt-4.1-mini-2025-04-14",
        "gen_ai.response.finish_reasons": ["length"],
        "gen_ai.output.messages": json.dumps(
            [{"role": "assistant", "parts": [{"type": "text", "content": "hi"}]}]
        ),
        "gen_ai.response.time_to_first_chunk": 0.125,
    }
    (event,) = decode_all(make_spans({"attributes": attributes}), "otlp_proto")
    assert (event.provider, event.model) == ("openai", "gpt-4.1-mini-2025-04-14")
    assert event.output is not None and event.output.finish_reason == "length"
    assert event.ttft_ms == pytest.approx(125.0)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_an_error_span_is_a_failed_exchange_with_its_error_type(encoding: str) -> None:
    """Span status ERROR or an `error.type` attribute make the exchange an error."""
    spans = make_spans(
        {"attributes": {**CHAT, "error.type": "RateLimitError"}, "error": True},
        {"attributes": CHAT, "error": True},
    )
    typed, untyped = decode_all(spans, encoding)
    assert typed.status == "error" and typed.error is not None
    assert typed.error.type == "RateLimitError"
    assert untyped.status == "error" and untyped.error is not None
    assert untyped.error.type == "span_status_error"
    assert untyped.error.message is None  # the status description is never carried


MESSAGES = json.dumps(
    [
        {"role": "user", "parts": [{"type": "text", "content": "Mail jane@example.com"}]},
        {
            "role": "assistant",
            "parts": [{"type": "tool_call", "id": "c1", "name": "lookup", "arguments": {}}],
        },
        {
            "role": "tool",
            "parts": [{"type": "tool_call_response", "id": "c1", "response": {"ok": True}}],
        },
    ]
)
OUTPUT = json.dumps(
    [
        {
            "role": "assistant",
            "parts": [
                {"type": "text", "content": "Done."},
                {"type": "tool_call", "id": "c2", "name": "send", "arguments": {"to": "x"}},
            ],
            "finish_reason": "tool_call",
        }
    ]
)
SYSTEM = json.dumps([{"type": "text", "content": "Be brief."}])
TOOLS = json.dumps(
    [{"type": "function", "name": "send", "description": "d", "parameters": {"type": "object"}}]
)


def with_attributes(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    return {**base, **extra}


def _texts(event: Event) -> tuple[list[tuple[str, str | None]], str | None]:
    output = event.output.content if event.output else None
    return [(m.role, m.content) for m in event.messages], output


CONTENT_SOURCES = [
    pytest.param(
        {
            "attributes": {
                **CHAT,
                "gen_ai.system_instructions": SYSTEM,
                "gen_ai.input.messages": MESSAGES,
                "gen_ai.output.messages": OUTPUT,
                "gen_ai.tool.definitions": TOOLS,
            }
        },
        (
            [
                ("system", "Be brief."),
                ("user", "Mail jane@example.com"),
                ("assistant", None),
                ("tool", '{"ok":true}'),
            ],
            "Done.",
        ),
        id="input and output message attributes as JSON strings",
    ),
    pytest.param(
        {
            "attributes": CHAT,
            "events": [
                (
                    "gen_ai.client.inference.operation.details",
                    {"gen_ai.input.messages": MESSAGES, "gen_ai.output.messages": OUTPUT},
                )
            ],
        },
        (
            [("user", "Mail jane@example.com"), ("assistant", None), ("tool", '{"ok":true}')],
            "Done.",
        ),
        id="the inference details event carried as a span event",
    ),
    pytest.param(
        {
            "attributes": with_attributes(CHAT, {"gen_ai.response.finish_reasons": ["stop"]}),
            "events": [
                ("gen_ai.system.message", {"content": "Be brief."}),
                ("gen_ai.user.message", {"content": "Mail jane@example.com"}),
                (
                    "gen_ai.choice",
                    {
                        "gen_ai.event.content": json.dumps(
                            {"index": 0, "message": {"content": "Done."}, "finish_reason": "stop"}
                        )
                    },
                ),
            ],
        },
        ([("system", "Be brief."), ("user", "Mail jane@example.com")], "Done."),
        id="older per-message span events",
    ),
    pytest.param(
        {
            "attributes": CHAT,
            "events": [
                (
                    "gen_ai.content.prompt",
                    {"gen_ai.prompt": json.dumps([{"role": "user", "content": "Hi there"}])},
                ),
                (
                    "gen_ai.content.completion",
                    {"gen_ai.completion": json.dumps([{"role": "assistant", "content": "Hey"}])},
                ),
            ],
        },
        ([("user", "Hi there")], "Hey"),
        id="prompt and completion span events of the first conventions",
    ),
    pytest.param(
        {
            "attributes": {
                **CHAT,
                "gen_ai.prompt.0.role": "system",
                "gen_ai.prompt.0.content": "Be brief.",
                "gen_ai.prompt.1.role": "user",
                "gen_ai.prompt.1.content": "Hi there",
                "gen_ai.completion.0.role": "assistant",
                "gen_ai.completion.0.content": "Hey",
            }
        },
        ([("system", "Be brief."), ("user", "Hi there")], "Hey"),
        id="indexed prompt and completion attributes",
    ),
]


@pytest.mark.parametrize("spec,expected", CONTENT_SOURCES)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_content_is_read_from_every_generation_of_the_conventions(
    spec: dict[str, Any], expected: Any, encoding: str
) -> None:
    """Prompt and response texts come from attributes or span events, whichever is there."""
    (event,) = decode_all(make_spans(spec), encoding)
    assert _texts(event) == expected
    assert "otel.content" not in event.metadata


def test_tool_calls_and_tool_definitions_are_mapped() -> None:
    """Output tool calls keep their arguments; declared tools keep their JSON Schema."""
    attributes = {
        **CHAT,
        "gen_ai.input.messages": MESSAGES,
        "gen_ai.output.messages": OUTPUT,
        "gen_ai.tool.definitions": TOOLS,
    }
    (event,) = decode_all(make_spans({"attributes": attributes}), "otlp_json")
    assert event.output is not None
    assert [(c.name, c.arguments) for c in event.output.tool_calls] == [("send", {"to": "x"})]
    assert event.output.finish_reason == "tool_call"
    assert [(t.name, t.parameters) for t in event.tools] == [("send", {"type": "object"})]


def test_unreadable_content_is_flagged_malformed_not_dropped() -> None:
    """A content attribute that is not JSON still yields the exchange, marked and counted."""
    decoder = OtlpDecoder("otlp_proto", Ingest(), 1 << 20)
    spans = make_spans({"attributes": {**CHAT, "gen_ai.input.messages": "[{not json"}})
    result = decoder.decode(encode(spans, "otlp_proto"))
    assert isinstance(result, list) and len(result) == 1
    assert result[0].metadata["otel.content"] == "malformed"
    assert decoder.stats.without_content == {"absent": 0, "malformed": 1}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_non_genai_and_agent_spans_are_skipped_and_counted(encoding: str) -> None:
    """Only model-call spans become exchanges; the others are counted by outcome."""
    spans = make_spans(
        {"name": "GET /chat", "attributes": {"http.route": "/chat"}},
        {"attributes": CHAT},
        {"name": "invoke_agent", "attributes": {**CHAT, "gen_ai.operation.name": "invoke_agent"}},
        {"attributes": {"db.system": "postgresql"}},
    )
    decoder = OtlpDecoder(encoding, Ingest(), 1 << 20)  # type: ignore[arg-type]
    result = decoder.decode(encode(spans, encoding))
    assert isinstance(result, list) and len(result) == 1
    assert decoder.stats.spans == {
        "exchange": 1,
        "not_genai": 2,
        "other_operation": 1,
        "malformed": 0,
    }


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_one_span_per_message_and_batches_give_the_same_events(encoding: str) -> None:
    """A collector writing one span per message or a batch per message: same events."""
    spans = make_spans(
        *({"attributes": {**CHAT, "gen_ai.usage.input_tokens": n}} for n in range(5))
    )
    decoder = OtlpDecoder(encoding, Ingest(), 1 << 20)  # type: ignore[arg-type]
    one_by_one: list[Event] = []
    for span in spans:
        result = decoder.decode(encode([span], encoding))
        assert isinstance(result, list)
        one_by_one.extend(result)
    batched = decoder.decode(encode(spans, encoding))
    assert batched == one_by_one and len(batched) == 5


def test_identity_sources_follow_the_rules_order() -> None:
    """The first configured source with a value wins; resource and span sources mix."""
    spans = make_spans(
        {"attributes": {**CHAT, "app.variant": "canary", "url.path": "/v2/ask"}},
        resource={"service.name": "bot", "team.feature": "billing"},
    )
    (event,) = decode_all(
        spans,
        "otlp_proto",
        variant=["resource:deployment.variant", "span:app.variant"],
        feature=["span:app.feature", "resource:team.feature"],
        service=["span:peer.service", "resource:service.name"],
    )
    assert (event.service, event.endpoint, event.feature, event.variant) == (
        "bot",
        "/v2/ask",
        "billing",
        "canary",
    )


def test_request_id_can_come_from_the_response_id() -> None:
    """`request_id: response_id` uses gen_ai.response.id, else the span ids."""
    spans = make_spans(
        {"attributes": {**CHAT, "gen_ai.response.id": "chatcmpl-1"}}, {"attributes": CHAT}
    )
    with_id, without = decode_all(spans, "otlp_proto", request_id="response_id")
    assert with_id.request_id == "chatcmpl-1"
    assert without.request_id == without.event_id.removeprefix("otel:")


COLLECTOR_JSON = {
    "resourceSpans": [
        {
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "b"}}]},
            "scopeSpans": [
                {
                    "scope": {"name": "x"},
                    "spans": [
                        {
                            "traceId": "5B8EFFF798038103D269B633813FC60C",
                            "spanId": "EEE19B7EC3C1B174",
                            "name": "chat m",
                            "kind": 3,
                            "startTimeUnixNano": 1793000000000000000,
                            "endTimeUnixNano": "1793000000500000000",
                            "attributes": [
                                {"key": "gen_ai.system", "value": {"stringValue": "openai"}},
                                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": 7}},
                                {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "3"}},
                                {
                                    "key": "gen_ai.response.finish_reasons",
                                    "value": {"arrayValue": {"values": [{"stringValue": "stop"}]}},
                                },
                            ],
                            "status": {"code": 2},
                        }
                    ],
                }
            ],
        }
    ]
}


def test_collector_json_with_numbers_or_strings_for_64_bit_integers() -> None:
    """pdata's JSON: integers as numbers or strings, upper-case hex ids, enums as ints."""
    decoder = OtlpDecoder("otlp_json", Ingest(), 1 << 20)
    result = decoder.decode(json.dumps(COLLECTOR_JSON).encode())
    assert isinstance(result, list)
    (event,) = result
    assert event.request_id == "5b8efff798038103d269b633813fc60c-eee19b7ec3c1b174"
    assert event.latency_ms == pytest.approx(500.0)
    assert event.usage is not None and event.usage.output_tokens == 3
    assert event.status == "error" and event.service == "b"


BAD = [
    pytest.param("otlp_proto", b"", "empty message", id="an empty proto message"),
    pytest.param("otlp_proto", b"\xff\xff\xff", "Wire format", id="bytes that are not protobuf"),
    pytest.param(
        "otlp_proto",
        b'{"resourceSpans": []}',
        "is the topic's encoding otlp_json?",
        id="JSON on a protobuf topic says so",
    ),
    pytest.param("otlp_json", b"{nope", "malformed JSON", id="malformed JSON"),
    pytest.param(
        "otlp_json",
        b'{"schema": "sentinel.llm.v1", "event_id": "e"}',
        "no `resourceSpans`",
        id="a native v1 event on an OTLP JSON topic",
    ),
    pytest.param(
        "otlp_json",
        b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"kind": "x"}]}]}]}',
        "Expected `int`",
        id="a wrongly typed field names its path",
    ),
]


@pytest.mark.parametrize("encoding,raw,detail", BAD)
def test_malformed_messages_are_dead_letters_with_a_reason(
    encoding: str, raw: bytes, detail: str
) -> None:
    """Anything that is not an OTLP trace message becomes `Invalid(bad_otlp, ...)`."""
    result = OtlpDecoder(encoding, Ingest(), 1 << 20).decode(raw)  # type: ignore[arg-type]
    assert isinstance(result, Invalid)
    assert result.reason == "bad_otlp" and detail in result.detail
    assert result.size_bytes == len(raw)


def test_a_message_whose_genai_spans_are_all_unusable_is_a_dead_letter() -> None:
    """Bad ids on every GenAI span: dead letter; with one good span: the good one passes."""
    bad = json.loads(json.dumps(COLLECTOR_JSON))
    bad["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"] = "xyz"
    decoder = OtlpDecoder("otlp_json", Ingest(), 1 << 20)
    result = decoder.decode(json.dumps(bad).encode())
    assert isinstance(result, Invalid) and result.reason == "bad_otlp"
    assert decoder.stats.spans["malformed"] == 1
    good = COLLECTOR_JSON["resourceSpans"][0]["scopeSpans"][0]["spans"][0]  # type: ignore[index]
    bad["resourceSpans"][0]["scopeSpans"][0]["spans"].append(good)
    mixed = decoder.decode(json.dumps(bad).encode())
    assert isinstance(mixed, list) and len(mixed) == 1


def test_oversized_messages_are_dead_letters() -> None:
    """The per-message byte limit applies before any parsing."""
    result = OtlpDecoder("otlp_proto", Ingest(), 10).decode(b"x" * 11)
    assert isinstance(result, Invalid) and result.reason == "oversized"


def test_counters_are_exposed_to_prometheus() -> None:
    """The collector turns the decoder's counters into `sentinel_otel_*` samples."""
    from prometheus_client import CollectorRegistry

    decoder = OtlpDecoder("otlp_proto", Ingest(), 1 << 20)
    decoder.decode(encode(make_spans({"attributes": CHAT}, {"attributes": {"x": 1}}), "otlp_proto"))
    registry = CollectorRegistry()
    registry.register(OtlpCollector(decoder.stats))
    sample = registry.get_sample_value
    assert sample("sentinel_otel_spans_total", {"outcome": "exchange"}) == 1
    assert sample("sentinel_otel_spans_total", {"outcome": "not_genai"}) == 1
    assert sample("sentinel_otel_spans_without_content_total", {"reason": "absent"}) == 1
    assert sample("sentinel_otel_messages_total", {"encoding": "otlp_proto"}) == 1
