"""OTLP GenAI spans from a real instrumented `openai` client, through a real Kafka broker,
into the same metrics, findings and report fields as native v1 events; and sentinel's own
spans exported to an OTLP/HTTP endpoint."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from _genai_client import (
    CALLS,
    FLAVOURS,
    Outcome,
    capture,
    captures_content,
    messages_for,
    reported,
)
from _openai_stub import OpenAIStub
from _otlp_receiver import OtlpReceiver
from _procs import wait_until
from kafka import KafkaProducer
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry

from sentinel.events.exchange import Exchange
from sentinel.health import Health
from sentinel.io.kafka import KafkaSettings, KafkaSource
from sentinel.io.memory import MemorySink, MemorySource
from sentinel.observers import BatchEnd
from sentinel.otel import (
    OtlpDecoder,
    SelfTelemetry,
    input_hasher,
    providers_from_environment,
)
from sentinel.otel.config import OtelRules
from sentinel.report import build_report
from sentinel.rules.loader import RuleSet, load_rules
from sentinel.runner import Runner
from sentinel.telemetry.otlp_series import OtlpCollector
from sentinel.wiring import Assembly, PipelineSettings, assemble, build_pipeline

# OpenLLMetry's own pydantic models use a deprecated config style; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:opentelemetry.*")
REPO_ROOT = Path(__file__).resolve().parents[2]
OTEL_RULES = OtelRules.model_validate(
    {"version": "sentinel/v1", "kind": "otel", "self_telemetry": {"guardrail_spans": "all"}}
)
MAX_BYTES = 16 * 1024 * 1024
Captured = dict[str, tuple[list[ReadableSpan], list[Outcome]]]
FORMS = [
    pytest.param("otlp_proto", "one_per_message", id="protobuf, one span per message"),
    pytest.param("otlp_proto", "batched", id="protobuf, one batch per message"),
    pytest.param("otlp_json", "one_per_message", id="JSON, one span per message"),
    pytest.param("otlp_json", "batched", id="JSON, one batch per message"),
]


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_rules(REPO_ROOT / "sentinel" / "rules" / "defaults")


@pytest.fixture(scope="module")
def captured() -> Iterator[Captured]:
    """Every flavour of instrumentation makes the same calls against the stub once."""
    stub = OpenAIStub().start()
    try:
        yield {flavour: capture(flavour, stub) for flavour in FLAVOURS}
    finally:
        stub.stop()


def _non_genai_span() -> ReadableSpan:
    """An HTTP server span, as a collector would ship beside the GenAI ones."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("http").start_as_current_span(
        "POST /chat", attributes={"http.route": "/chat", "http.request.method": "POST"}
    ):
        pass
    return exporter.get_finished_spans()[0]


def _otlp_values(captured: Captured, encoding: str, layout: str) -> list[bytes]:
    values: list[bytes] = []
    for spans, _ in captured.values():
        values += messages_for([*spans, _non_genai_span()], encoding, layout)
    return values


def _native_values(captured: Captured) -> list[bytes]:
    """The same calls as native v1 exchange events: what the client did, as the
    instrumentation reports it."""
    values = []
    now = datetime.now(UTC).isoformat()
    for flavour, (_, outcomes) in captured.items():
        for i, outcome in enumerate(outcomes):
            call, usage = outcome.call, reported(flavour, outcome)
            event: dict[str, Any] = {
                "schema": "sentinel.llm.v1",
                "event_id": f"{flavour}-{i}",
                "type": "exchange",
                "request_id": f"{flavour}-{i}",
                "timestamp": now,
                "service": "support-bot",
                "variant": "baseline",
                "model": call.model,
                "provider": "openai",
                "usage": {
                    "input_tokens": usage["input"],
                    "output_tokens": usage["output"],
                    "cached_input_tokens": usage["cached_input"],
                    "reasoning_tokens": usage["reasoning"],
                },
                "latency_ms": outcome.wall_ms,
            }
            if captures_content(flavour):
                event["messages"] = [
                    {"role": "system", "content": call.system},
                    {"role": "user", "content": call.prompt},
                ]
                if outcome.ok:
                    event["output"] = {"content": outcome.reply, "finish_reason": "stop"}
            if not outcome.ok:
                event["status"] = "error"
                event["error"] = {"type": "RateLimitError"}
            values.append(json.dumps(event).encode())
    return values


def _replay(rules: RuleSet, values: list[bytes]) -> dict[str, Any]:
    sink = MemorySink()
    built = assemble(rules, PipelineSettings(verdicts="off"), CollectorRegistry(), sink)
    Runner(MemorySource(values), built.pipeline, sink, Health()).run(threading.Event())
    return build_report(built.pipeline, built.run)


def _comparable(report: dict[str, Any]) -> dict[str, Any]:
    """Report fields that must match exactly (latency is compared within a tolerance)."""
    keep = ("exchanges", "timeouts", "errors", "tokens", "cost_usd", "unpriced_exchanges")
    by_model = {
        model: {k: v for k, v in per.items() if k in keep}
        for model, per in report["by_model"].items()
    }
    fields = ("findings", "actions", "pii_leaks", "failed_filters", *keep)
    return {**{k: report[k] for k in fields}, "by_model": by_model}


def _produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=MAX_BYTES)
    try:
        for future in [producer.send(topic, value=v) for v in values]:
            future.get(timeout=30)
    finally:
        producer.close()


def _consume(
    rules: RuleSet, bootstrap: str, topic: str, encoding: str, expected_exchanges: int
) -> tuple[Assembly, CollectorRegistry, OtlpDecoder]:
    """A pipeline reading `topic` with a real consumer until every exchange is in."""
    registry, sink = CollectorRegistry(), MemorySink()
    built = assemble(rules, PipelineSettings(verdicts="off"), registry, sink)
    pipeline = built.pipeline
    decoder = OtlpDecoder(encoding, OTEL_RULES.ingest, MAX_BYTES)  # type: ignore[arg-type]
    registry.register(OtlpCollector(decoder.stats))
    pipeline.topic_decoders = {topic: decoder}
    source = KafkaSource(
        KafkaSettings(bootstrap_servers=bootstrap, topics=(topic,), group_id=f"g-{topic}")
    )
    stop = threading.Event()
    runner = threading.Thread(
        target=Runner(source, pipeline, sink, Health(), built.metrics).run,
        args=(stop,),
        daemon=True,
    )
    runner.start()
    try:
        wait_until(
            lambda: built.run.totals.overall.exchanges >= expected_exchanges,
            60,
            f"{expected_exchanges} exchanges from {topic}",
            interval_s=0.2,
        )
    finally:
        stop.set()
        runner.join(30)
    return built, registry, decoder


@pytest.mark.parametrize("encoding,layout", FORMS)
def test_instrumented_client_spans_through_kafka_match_native_events(
    encoding: str,
    layout: str,
    captured: Captured,
    rules: RuleSet,
    kafka_bootstrap: str,
    create_topic: Callable[..., None],
) -> None:
    """Spans of a real instrumented openai client, as a collector writes them to Kafka,
    give the report, metrics and findings that the same calls give as native events."""
    topic = f"it-otlp-{encoding}-{layout}-{uuid.uuid4().hex[:8]}"
    create_topic(kafka_bootstrap, topic, 1)
    values = _otlp_values(captured, encoding, layout)
    _produce(kafka_bootstrap, topic, values)
    calls = len(FLAVOURS) * len(CALLS)
    built, registry, decoder = _consume(rules, kafka_bootstrap, topic, encoding, calls)

    otlp = build_report(built.pipeline, built.run)
    native = _replay(rules, _native_values(captured))
    assert otlp["events"]["invalid"] == 0
    assert _comparable(otlp) == _comparable(native)
    # the calls the client made, with the tokens it was billed for
    assert otlp["exchanges"] == calls and otlp["errors"] == len(FLAVOURS)
    expected = {"input": 0, "output": 0, "cached_input": 0, "reasoning": 0}
    for flavour, (_, outcomes) in captured.items():
        for outcome in outcomes:
            for kind, count in reported(flavour, outcome).items():
                expected[kind] += count
    assert {k: otlp["tokens"][k] for k in expected} == expected
    assert expected["cached_input"] > 0 and expected["reasoning"] > 0
    # content was scanned where the application captured it: the injection is found
    assert otlp["findings"].get("prompt_injection", 0) >= 2
    # latency: the span's duration is the client's wall time, less client-side overhead
    for key in ("p50", "mean"):
        got, want = otlp["latency_ms"][key], native["latency_ms"][key]
        assert abs(got - want) <= max(25.0, 0.15 * want), (key, got, want)
    # the same numbers on /metrics
    sample = registry.get_sample_value
    for kind, count in expected.items():
        assert _sum(registry, "sentinel_tokens_total", kind=kind) == count, kind
    assert _sum(registry, "sentinel_exchanges_total") == calls
    assert sample("sentinel_otel_spans_total", {"outcome": "exchange"}) == calls
    assert sample("sentinel_otel_spans_total", {"outcome": "not_genai"}) == len(FLAVOURS)
    without = sample("sentinel_otel_spans_without_content_total", {"reason": "absent"})
    assert without == len(CALLS)  # the legacy flavour keeps content off the span
    assert decoder.stats.messages[encoding] == len(values)


def _sum(registry: CollectorRegistry, name: str, **labels: str) -> float:
    total = 0.0
    for family in registry.collect():
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                total += s.value
    return total


def test_malformed_otlp_messages_become_dead_letters_on_kafka(
    rules: RuleSet, kafka_bootstrap: str, create_topic: Callable[..., None]
) -> None:
    """Bytes that are not OTLP go to the dead-letter output with reason `bad_otlp`; the
    valid message beside them still counts."""
    topic = f"it-otlp-bad-{uuid.uuid4().hex[:8]}"
    create_topic(kafka_bootstrap, topic, 1)
    good = encode_spans([_genai_span()]).SerializeToString()
    _produce(kafka_bootstrap, topic, [b"\xff\x00garbage", b'{"resourceSpans": 1}', good])
    registry, sink = CollectorRegistry(), MemorySink()
    built = assemble(rules, PipelineSettings(verdicts="off"), registry, sink)
    pipeline = built.pipeline
    pipeline.topic_decoders = {topic: OtlpDecoder("otlp_proto", OTEL_RULES.ingest, MAX_BYTES)}
    source = KafkaSource(
        KafkaSettings(bootstrap_servers=kafka_bootstrap, topics=(topic,), group_id=topic)
    )
    stop = threading.Event()
    thread = threading.Thread(
        target=Runner(source, pipeline, sink, Health()).run, args=(stop,), daemon=True
    )
    thread.start()
    try:
        wait_until(lambda: pipeline.counts.read >= 3, 60, "3 records read", interval_s=0.2)
    finally:
        stop.set()
        thread.join(30)
    dead = sink.stream("dead_letter")
    assert [dict(r.headers)["sentinel.reason"] for r in dead] == [b"bad_otlp", b"bad_otlp"]
    assert dead[0].value == b"\xff\x00garbage"
    assert built.run.totals.overall.exchanges == 1


def _genai_span(**attributes: Any) -> ReadableSpan:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    base: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4.1-mini",
        "gen_ai.usage.input_tokens": 10,
        "gen_ai.usage.output_tokens": 2,
    }
    with provider.get_tracer("app").start_as_current_span(
        "chat gpt-4.1-mini", attributes={**base, **attributes}
    ):
        time.sleep(0.001)
    return exporter.get_finished_spans()[0]


def test_own_spans_reach_an_otlp_endpoint_when_configured(
    captured: Captured, rules: RuleSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With OTEL_EXPORTER_OTLP_ENDPOINT set, guardrail and batch spans are exported over
    OTLP/HTTP; guardrail spans join the trace of the GenAI span they judge; no content."""
    receiver = OtlpReceiver().start()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
    monkeypatch.setenv("SENTINEL_TEST_HASH_KEY", "k" * 32)
    otel_rules = OTEL_RULES.model_copy(
        update={
            "self_telemetry": OTEL_RULES.self_telemetry.model_copy(
                update={"input_hash_key_env": "SENTINEL_TEST_HASH_KEY"}
            )
        }
    )
    providers = providers_from_environment(version="test")
    try:
        assert providers.traces_exported
        telemetry = SelfTelemetry(
            providers.tracer("test"), otel_rules, hasher=input_hasher(otel_rules)
        )
        sink = MemorySink()
        pipeline = build_pipeline(rules, PipelineSettings(), CollectorRegistry(), sink)
        spans, _ = captured["official-latest"]
        decoded = OtlpDecoder("otlp_proto", otel_rules.ingest, MAX_BYTES).decode(
            encode_spans(spans).SerializeToString()
        )
        assert isinstance(decoded, list)
        started = time.time_ns()
        for event in decoded:  # what the pipeline's observer hook does per exchange
            exchange = Exchange("complete", event, event)
            item = pipeline.accountant.account(exchange)
            telemetry.exchange(item, pipeline.chain.run(exchange))
        telemetry.batch_end(BatchEnd(started, 1, 0.0, 1, 0, {}, 0, 0))
    finally:
        providers.shutdown()  # flushes the batch processor
    try:
        guardrail = wait_until(
            lambda: receiver.named("apply_guardrail sentinel"), 10, "guardrail spans"
        )
        app_traces = {f"{s.context.trace_id:032x}" for s in spans}
        assert {s.span.trace_id.hex() for s in guardrail} <= app_traces
        assert {s.service for s in guardrail} == {"sentinel"}
        results = {s.attributes["gen_ai.guardrail.result.value"] for s in guardrail}
        assert "escalate" in results  # the injection prompt was escalated
        assert all(s.attributes["gen_ai.operation.name"] == "apply_guardrail" for s in guardrail)
        assert all(
            len(s.attributes["sentinel.guardrail.content.input.hash"]) == 64 for s in guardrail
        )
        assert receiver.named("sentinel.batch")
        dumped = " ".join(str(s.span) for s in receiver.spans)
        assert "jane.doe" not in dumped and "Ignore all previous" not in dumped
    finally:
        receiver.stop()
