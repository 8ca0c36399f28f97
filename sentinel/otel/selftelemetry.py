"""sentinel's own traces and metrics through the OpenTelemetry SDK, configured by the
standard `OTEL_*` environment variables; nothing is exported unless they ask for it.

Traces are exported when `OTEL_TRACES_EXPORTER` names an exporter (`otlp`, `console`) or,
when it is unset, when `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
is set; metrics likewise with `OTEL_METRICS_EXPORTER` / `..._METRICS_ENDPOINT`.
`OTEL_SDK_DISABLED=true` turns everything off. The OTLP exporter speaks `http/protobuf` and
reads its own variables (endpoint, headers, timeout, compression, certificates); the batch
processor reads `OTEL_BSP_*`, the sampler `OTEL_TRACES_SAMPLER`, the resource
`OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`.

A failing collector never stops the consumer: the SDK exports from its own thread, drops
what it cannot send and logs it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from opentelemetry.metrics import Meter, MeterProvider, NoOpMeterProvider
from opentelemetry.trace import NoOpTracerProvider, Tracer, TracerProvider

from sentinel.errors import ConfigError
from sentinel.events.exchange import Exchange
from sentinel.observers import BatchEnd, Observer
from sentinel.otel.config import OtelRules
from sentinel.otel.genai_metrics import GenAiMetrics
from sentinel.otel.guardrail import GuardrailSpans, InputHasher
from sentinel.values import Accounted, Verdict

log = structlog.get_logger("sentinel.otel")

SCOPE = "sentinel"
BATCH_SPAN = "sentinel.batch"
_EXPORTERS = frozenset({"otlp", "console", "none"})
_PROTOCOLS = frozenset({"http/protobuf"})


@dataclass
class Providers:
    """The tracer and meter providers sentinel uses, and how to flush them on exit."""

    tracer_provider: TracerProvider = field(default_factory=NoOpTracerProvider)
    meter_provider: MeterProvider = field(default_factory=NoOpMeterProvider)
    traces_exported: bool = False
    metrics_exported: bool = False

    def tracer(self, version: str) -> Tracer:
        return self.tracer_provider.get_tracer(SCOPE, version)

    def meter(self, version: str) -> Meter:
        return self.meter_provider.get_meter(SCOPE, version)

    def shutdown(self) -> None:
        """Flush and stop the SDK providers (no-op providers have nothing to do)."""
        for provider in (self.tracer_provider, self.meter_provider):
            stop = getattr(provider, "shutdown", None)
            if callable(stop):
                stop()


def _exporters(environ: Mapping[str, str], signal: str) -> list[str]:
    """Exporter names for `signal` (`TRACES`, `METRICS`), per the SDK's defaulting rule."""
    named = environ.get(f"OTEL_{signal}_EXPORTER", "").strip().lower()
    if named:
        names = [n.strip() for n in named.split(",") if n.strip()]
        unknown = sorted(set(names) - _EXPORTERS)
        if unknown:
            raise ConfigError(
                f"OTEL_{signal}_EXPORTER: unsupported exporter(s) {', '.join(unknown)} "
                f"(supported: {', '.join(sorted(_EXPORTERS))})"
            )
        return [n for n in names if n != "none"]
    endpoint = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or environ.get(
        f"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"
    )
    return ["otlp"] if endpoint else []


def _check_protocol(environ: Mapping[str, str], signal: str) -> None:
    protocol = (
        environ.get(f"OTEL_EXPORTER_OTLP_{signal}_PROTOCOL")
        or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    ).strip()
    if protocol not in _PROTOCOLS:
        raise ConfigError(
            f"OTEL_EXPORTER_OTLP_PROTOCOL: `{protocol}` is not supported by sentinel "
            "(use http/protobuf, port 4318 on a collector)"
        )


def _resource(environ: Mapping[str, str], version: str) -> Any:
    """SDK defaults, then `OTEL_RESOURCE_ATTRIBUTES`, then `OTEL_SERVICE_NAME` (read from
    `environ`); `service.name` is `sentinel` unless one of them names it."""
    from urllib.parse import unquote

    from opentelemetry.sdk.resources import Resource

    attributes: dict[str, str] = {"service.name": "sentinel", "service.version": version}
    for pair in environ.get("OTEL_RESOURCE_ATTRIBUTES", "").split(","):
        key, sep, value = pair.partition("=")
        if sep and key.strip():
            attributes[key.strip()] = unquote(value.strip())
    if environ.get("OTEL_SERVICE_NAME"):
        attributes["service.name"] = environ["OTEL_SERVICE_NAME"]
    return Resource.create(attributes)


def providers_from_environment(
    environ: Mapping[str, str] | None = None, version: str = "dev"
) -> Providers:
    """Providers as the `OTEL_*` variables ask; no-op ones when they ask for nothing.

    Raises `ConfigError` for settings sentinel cannot honour (an unknown exporter, the
    gRPC protocol), so a misconfiguration stops the start instead of silently exporting
    nothing.
    """
    env = os.environ if environ is None else environ
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return Providers()
    traces, metrics = _exporters(env, "TRACES"), _exporters(env, "METRICS")
    providers = Providers()
    if traces:
        providers.tracer_provider = _tracer_provider(env, traces, version)
        providers.traces_exported = True
    if metrics:
        providers.meter_provider = _meter_provider(env, metrics, version)
        providers.metrics_exported = True
    return providers


def _tracer_provider(env: Mapping[str, str], exporters: list[str], version: str) -> Any:
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    provider = SdkTracerProvider(resource=_resource(env, version))
    for name in exporters:
        if name == "otlp":
            _check_protocol(env, "TRACES")
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
                OTLPSpanExporter,
            )

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        else:
            provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    return provider


def _meter_provider(env: Mapping[str, str], exporters: list[str], version: str) -> Any:
    from opentelemetry.sdk.metrics import MeterProvider as SdkMeterProvider
    from opentelemetry.sdk.metrics.export import (
        ConsoleMetricExporter,
        MetricExporter,
        PeriodicExportingMetricReader,
    )

    readers = []
    for name in exporters:
        exporter: MetricExporter
        if name == "otlp":
            _check_protocol(env, "METRICS")
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
                OTLPMetricExporter,
            )

            exporter = OTLPMetricExporter()
        else:
            exporter = ConsoleMetricExporter()
        readers.append(PeriodicExportingMetricReader(exporter))
    return SdkMeterProvider(resource=_resource(env, version), metric_readers=readers)


def input_hasher(rules: OtelRules, environ: Mapping[str, str] | None = None) -> InputHasher | None:
    """The HMAC key named by `self_telemetry.input_hash_key_env`; fails closed if missing."""
    name = rules.self_telemetry.input_hash_key_env
    if name is None:
        return None
    env = os.environ if environ is None else environ
    key = env.get(name, "")
    try:
        return InputHasher(key.encode())
    except ValueError as exc:
        state = "is not set" if not key else "is too short"
        raise ConfigError(f"self_telemetry.input_hash_key_env: {name} {state} ({exc})") from None


class SelfTelemetry(Observer):
    """A pipeline observer: guardrail spans and GenAI metrics per exchange, a span per batch.

    Built once by the wiring; every call is cheap when the providers are no-ops.
    """

    def __init__(
        self,
        tracer: Tracer,
        rules: OtelRules,
        meter: Meter | None = None,
        hasher: InputHasher | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.tracer = tracer
        settings = rules.self_telemetry
        self.guardrails = GuardrailSpans(
            tracer, settings.guardrail_spans, hasher, clock_ns, settings.guardrail_conventions
        )
        if settings.guardrail_conventions == "draft" and settings.guardrail_spans != "off":
            log.warning(
                "guardrail_draft_conventions_deprecated",
                setting="self_telemetry.guardrail_conventions",
                use="current",
            )
        self.batch_spans = rules.self_telemetry.batch_spans
        self.metrics = (
            GenAiMetrics(meter) if meter is not None and rules.genai_metrics.enabled else None
        )
        self._clock_ns = clock_ns
        self._exchanges = 0
        self._findings = 0

    def exchange(self, item: Accounted, verdict: Verdict) -> None:
        """After an exchange's verdict: its guardrail spans and GenAI metrics."""
        self._exchanges += 1
        self._findings += len(verdict.findings)
        exchange: Exchange = item.exchange
        self.guardrails.emit(exchange, verdict)
        if self.metrics is not None:
            self.metrics.record(item)

    def batch_end(self, batch: BatchEnd) -> None:
        """After a polled batch: one `sentinel.batch` span from its first record to now."""
        started_ns, records = batch.started_ns, batch.records
        exchanges, findings = self._exchanges, self._findings
        self._exchanges = self._findings = 0
        if not self.batch_spans or not records:
            return
        span = self.tracer.start_span(
            BATCH_SPAN,
            start_time=started_ns,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.batch.message_count": records,
                "sentinel.exchanges": exchanges,
                "sentinel.findings": findings,
            },
        )
        span.end(end_time=self._clock_ns())
