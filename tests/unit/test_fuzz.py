"""Property tests: no input makes a decoder or the pipeline raise, and every record is
accounted for (read = valid + invalid + duplicates). A longer run: `python -m bench.fuzz`."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from sentinel.correlate import Packed, pack, unpacked
from sentinel.events.decode import REASONS, EventDecoder, Invalid
from sentinel.events.model import Event
from sentinel.io.memory import MemorySink
from sentinel.io.records import Record
from sentinel.otel.config import Ingest
from sentinel.otel.decode import REASON as BAD_OTLP
from sentinel.otel.decode import OtlpDecoder
from sentinel.rules.loader import load_rules
from sentinel.wiring import PipelineSettings, build_pipeline

RULES = load_rules(Path(__file__).parents[2] / "sentinel" / "rules" / "defaults")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=16,
)

VALID: dict[str, Any] = {
    "schema": "sentinel.llm.v1",
    "event_id": "evt-1",
    "type": "exchange",
    "request_id": "req-1",
    "timestamp": "2026-11-02T09:00:00Z",
    "service": "bot",
    "endpoint": "/chat",
    "feature": "support",
    "model": "gpt-4.1-mini",
    "variant": "baseline",
    "messages": [{"role": "user", "content": "hello, my card is 4111 1111 1111 1111"}],
    "context": [{"id": "doc-1", "text": "Paris is in France."}],
    "tools": [{"name": "lookup", "parameters": {"type": "object", "properties": {}}}],
    "output": {"content": "hi [doc-1]", "tool_calls": [{"name": "lookup", "arguments": {}}]},
    "usage": {"input_tokens": 12, "output_tokens": 3, "cached_input_tokens": 2},
    "latency_ms": 420.0,
    "ttft_ms": 80.0,
    "retries": 1,
    "metadata": {"k": [1, {"a": "b"}]},
}
FIELDS = [*VALID, "usage.input_tokens", "output.tool_calls", "feedback", "feedback.rating"]


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any] = VALID) -> bytes:
    """A valid event with fields replaced by random JSON or removed, then maybe bytes cut
    or flipped."""
    document = copy.deepcopy(base)
    document["event_id"] = draw(st.text(min_size=1, max_size=6))
    document["request_id"] = draw(st.sampled_from(["r1", "r2", "r3"]))
    for path in draw(st.lists(st.sampled_from(FIELDS), max_size=3)):
        head, _, tail = path.partition(".")
        target = document
        if tail:
            if not isinstance(target.get(head), dict):
                target[head] = {}
            target, head = target[head], tail
        if draw(st.booleans()):
            target.pop(head, None)
        else:
            target[head] = draw(JSON)
    data = json.dumps(document).encode()
    cut = draw(st.integers(min_value=0, max_value=len(data)))
    if draw(st.integers(0, 4)) == 0:  # sometimes damage the bytes too
        flip = draw(st.integers(min_value=0, max_value=255))
        data = data[:cut] + bytes([flip]) + data[cut + 1 :]
    return data


def nested(depth: int, kind: str) -> bytes:
    """JSON text of `depth` nested lists or objects around a 0 (built as text: encoders
    recurse too)."""
    if kind == "list":
        return b"[" * depth + b"0" + b"]" * depth
    return b'{"a":' * depth + b"0" + b"}" * depth


DECODER = EventDecoder(1 << 20)


def _check_event_decode(data: bytes) -> Event | Invalid:
    result = DECODER.decode(data)
    assert isinstance(result, Event | Invalid)
    if isinstance(result, Invalid):
        assert result.reason in REASONS
    return result


@FAST
@given(st.binary(max_size=400))
def test_random_bytes_never_raise_from_the_v1_decoder(data: bytes) -> None:
    """Any bytes are an event or a dead letter with a known reason."""
    _check_event_decode(data)


@FAST
@given(JSON)
def test_random_json_never_raises_from_the_v1_decoder(value: Any) -> None:
    """Any JSON document is an event or a dead letter with a known reason."""
    _check_event_decode(json.dumps(value).encode())


@FAST
@given(mutated())
def test_mutated_events_never_raise_from_the_v1_decoder(data: bytes) -> None:
    """Valid events with random fields replaced, removed or damaged never raise."""
    _check_event_decode(data)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=3000),
    st.sampled_from(["list", "dict"]),
    st.sampled_from(["metadata", "parameters", "arguments", "unknown_field"]),
)
def test_nesting_beyond_the_limit_is_too_deep_wherever_it_is(
    depth: int, kind: str, where: str
) -> None:
    """Free-form fields deeper than the limit are `too_deep`; shallower ones decode."""
    document = copy.deepcopy(VALID)
    value = "NESTED"
    base = {"metadata": 2, "parameters": 4, "arguments": 5, "unknown_field": 2}[where]
    if where == "metadata":
        document["metadata"] = {"x": value}
    elif where == "parameters":
        document["tools"][0]["parameters"] = {"x": value}
    elif where == "arguments":
        document["output"]["tool_calls"][0]["arguments"] = {"x": value}
    else:
        document["junk"] = {"x": value}
    data = msgspec.json.encode(document).replace(b'"NESTED"', nested(depth, kind))
    result = EventDecoder(1 << 24, max_depth=64).decode(data)
    total = base + depth  # the {"x": ...} wrapper is at `base`; `value` adds `depth` levels
    if where == "unknown_field":  # skipped by the decoder, never seen by any step
        assert isinstance(result, Event) or result.reason == "too_deep"
    elif total > 64:
        assert isinstance(result, Invalid) and result.reason == "too_deep", (depth, where)
    else:
        assert isinstance(result, Event), (depth, where, result)


OTLP_SPAN: dict[str, Any] = {
    "resourceSpans": [
        {
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "b"}}]},
            "scopeSpans": [
                {
                    "spans": [
                        {
                            "traceId": "0" * 31 + "1",
                            "spanId": "0" * 15 + "2",
                            "name": "chat gpt-4.1-mini",
                            "startTimeUnixNano": "1793000000000000000",
                            "endTimeUnixNano": "1793000000250000000",
                            "attributes": [
                                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                                {"key": "gen_ai.request.model", "value": {"stringValue": "m"}},
                                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "7"}},
                            ],
                        }
                    ]
                }
            ],
        }
    ]
}


def _check_otlp(decoder: OtlpDecoder, data: bytes) -> None:
    result = decoder.decode(data)
    if isinstance(result, Invalid):
        assert result.reason in (*REASONS, BAD_OTLP)
    else:
        assert all(isinstance(e, Event) for e in result)


@FAST
@given(st.binary(max_size=400), st.sampled_from(["otlp_proto", "otlp_json"]))
def test_random_bytes_never_raise_from_the_otlp_decoder(data: bytes, encoding: str) -> None:
    """Any bytes on an OTLP topic are events or a dead letter."""
    _check_otlp(OtlpDecoder(encoding, Ingest(), 1 << 20), data)  # type: ignore[arg-type]


@FAST
@given(st.data())
def test_mutated_otlp_json_never_raises(data: st.DataObject) -> None:
    """OTLP/JSON with attribute values, ids and times replaced by random JSON never raises."""
    document = copy.deepcopy(OTLP_SPAN)
    span = document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    key = data.draw(st.sampled_from([*span, "attributes.value"]))
    if key == "attributes.value":
        attribute = data.draw(st.sampled_from(span["attributes"]))
        attribute["value"] = data.draw(JSON)
    else:
        span[key] = data.draw(JSON)
    _check_otlp(OtlpDecoder("otlp_json", Ingest(), 1 << 20), json.dumps(document).encode())


def test_otlp_attributes_nested_past_the_recursion_limit_are_a_dead_letter() -> None:
    """A kvlist nested 2,000 deep in an OTLP/JSON attribute is `too_deep`, not a crash."""
    depth = 2000
    value = b'{"kvlistValue":{"values":[{"key":"a","value":' * depth
    value += b'{"stringValue":"x"}' + b"}]}}" * depth
    document = copy.deepcopy(OTLP_SPAN)
    document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"].append(
        {"key": "gen_ai.tool.definitions", "value": "NESTED"}
    )
    data = json.dumps(document).encode().replace(b'"NESTED"', value)
    result = OtlpDecoder("otlp_json", Ingest(), 1 << 24).decode(data)
    assert isinstance(result, Invalid) and result.reason == "too_deep"


RECORD = st.one_of(
    st.binary(max_size=200),
    JSON.map(lambda v: json.dumps(v).encode()),
    mutated(),
    st.just(json.dumps(VALID).encode()),
)
PIPELINE = build_pipeline(RULES, PipelineSettings(), CollectorRegistry(), MemorySink())


OFFSETS = itertools.count()


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(RECORD, min_size=1, max_size=12), st.data())
def test_the_pipeline_accounts_for_every_record_and_never_raises(
    values: list[bytes], data: st.DataObject
) -> None:
    """Random, mutated and repeated records on old and new partitions, batches ending
    anywhere: nothing raises; read = valid + invalid + duplicates, and every invalid
    record is a dead letter."""
    pipeline = PIPELINE
    counts = pipeline.counts
    sink = pipeline.sink
    assert isinstance(sink, MemorySink)
    before = (counts.read, counts.valid, sum(counts.invalid.values()), counts.duplicates)
    letters = len(sink.stream("dead_letter"))
    records = [*values, values[0]]  # the first one again: a redelivery (of the event)
    # Partitions from a wide range, so that new ones keep appearing (a new partition whose
    # first records carry no event time once crashed the evaluation); all drawn before
    # anything runs, so an example is never cut short halfway through.
    partitions = data.draw(
        st.lists(st.integers(0, 500), min_size=len(records), max_size=len(records))
    )
    batch_ends = data.draw(st.lists(st.booleans(), min_size=len(records), max_size=len(records)))
    for value, partition, batch_end in zip(records, partitions, batch_ends, strict=True):
        # Offsets keep growing across examples: the shared pipeline skips offsets its
        # partition state already covers (a Kafka redelivery), which is not under test here.
        pipeline.process(Record(value, None, "llm-events", partition, next(OFFSETS)))
        if batch_end:
            pipeline.end_batch()
    pipeline.drain()  # held events (skew guard) are decided
    pipeline.end_batch()
    sink.flush()
    read, valid, invalid, duplicates = (
        counts.read - before[0],
        counts.valid - before[1],
        sum(counts.invalid.values()) - before[2],
        counts.duplicates - before[3],
    )
    assert read == len(values) + 1
    assert read == valid + invalid + duplicates
    assert len(sink.stream("dead_letter")) - letters == invalid


@FAST
@given(mutated())
def test_a_waiting_event_held_compressed_comes_back_the_same(data: bytes) -> None:
    """Past `compress_pending_after`, waiting events are held packed: whatever event the
    decoder admits comes back equal field by field (or is held as it is, when msgpack
    cannot carry a value of it, such as an integer beyond 64 bits)."""
    event = _check_event_decode(data)
    if not isinstance(event, Event):
        return
    held = pack(event)
    assert unpacked(held) == event
    if isinstance(held, Packed):
        assert (held.event_id, held.request_id) == (event.event_id, event.request_id)
    else:
        assert held is event
