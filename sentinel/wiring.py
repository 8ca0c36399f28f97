"""The one place where real components are built and connected."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from prometheus_client import CollectorRegistry

from sentinel import __version__
from sentinel.admission import Admission, Bounds
from sentinel.alerting.book import AlertBook
from sentinel.alerting.build import Alerting, build_alerting
from sentinel.alerting.leader import Leadership
from sentinel.correlate import DedupeWindow, PartitionedCorrelator
from sentinel.delivery import NO_REPORT, DeliveryReport, DocumentSender, health_check
from sentinel.envrefs import expand_env_values
from sentinel.events.decode import DEFAULT_MAX_DEPTH, EventDecoder
from sentinel.filters.pii.screen import LabelScreen
from sentinel.filters.registry import build_chain
from sentinel.guard.spend import SpendGuard
from sentinel.health import Health
from sentinel.io.records import Sink
from sentinel.monitor import Monitor, quiet_horizon_seconds
from sentinel.observers import Observer
from sentinel.otel import Encoding, OtlpDecoder, OtlpStats
from sentinel.otel.selftelemetry import (
    Providers,
    SelfTelemetry,
    input_hasher,
    providers_from_environment,
)
from sentinel.pipeline import DEAD_LETTER_MAX_BYTES, Pipeline, RecordDecoder, VerdictMode
from sentinel.rollback.build import build_rollback
from sentinel.rollback.engine import RollbackEngine
from sentinel.rules.loader import RuleSet
from sentinel.slo.engine import SloEngine
from sentinel.state import SharedState
from sentinel.telemetry import names as n
from sentinel.telemetry.budget import BudgetCollector
from sentinel.telemetry.delivery import document_deliveries
from sentinel.telemetry.metrics import PrometheusRecorder
from sentinel.telemetry.otlp_series import OtlpCollector
from sentinel.telemetry.slo_series import SloSeries
from sentinel.track.account import Accountant
from sentinel.track.cost import CostModel
from sentinel.track.labels import bounders, combination_budget
from sentinel.track.live import LiveTrackers
from sentinel.track.run import RunRecord
from sentinel.track.timeline import Timeline

THROTTLE_CHECK = "throttle_webhook"  # the /readyz check and the log events' prefix


@dataclass(frozen=True)
class PipelineSettings:
    """The pipeline's settings; these defaults are the only ones (the CLI's options show
    them and take them from here)."""

    # 1M-token contexts are ~4 MB of JSON; 16 MiB leaves room for tools and metadata.
    max_event_bytes: int = 16 * 1024 * 1024
    # A request with no response after 5 minutes of event time is a timeout.
    ttl_seconds: float = 300.0
    # How far an event may arrive behind the newest event time (producers log
    # asynchronously): a response waits this long for its request, and a request this long
    # beyond its TTL, so joins and timeouts do not depend on arrival order within it.
    grace_seconds: float = 30.0
    # The per-exchange wall-time scan budget (guardrails.max_scan_seconds). A live run needs
    # it to bound latency; a replay turns it off by default so its verdicts do not depend on
    # the machine's speed or load (the byte budget, max_scan_bytes, still bounds the work).
    scan_time_budget: bool = True
    # Waiting requests (and, apart, waiting responses) over every partition of the process.
    max_pending: int = 100_000
    # Bytes (as they came in) that waiting requests and responses may hold together, over
    # every partition: large events (long retrieved contexts) reach it before the count.
    # 100,000 requests of 2.4 KB stay under it; each byte of JSON is ~1.6 bytes of memory
    # while it waits, ~0.7 compressed (docs/benchmarks.md, "Memory and the 4 MB event").
    max_pending_bytes: int = 256 * 1024 * 1024
    # Past this many waiting requests (or responses), the next ones wait compressed: ~1.6 KB
    # each instead of ~3.9 KB for 2.4 KB of JSON, for ~30 µs more CPU on the way in and ~15
    # on the way out (docs/benchmarks.md, "Memory and the 4 MB event"). Under it, none is.
    compress_pending_after: int = 10_000
    # Event ids remembered for deduplication (covers a redelivered batch many times over).
    dedupe_window: int = 200_000
    verdicts: VerdictMode = "all"
    # Raw bytes a dead letter carries (the rest is at its source offset): what the
    # dead-letter topic takes, when smaller than the default.
    dead_letter_max_bytes: int = DEAD_LETTER_MAX_BYTES
    # Deeper JSON is a `too_deep` dead letter (real events nest under 10 levels).
    max_nesting_depth: int = DEFAULT_MAX_DEPTH
    # Plausibility bounds and the event-time skew guard (see sentinel.admission).
    bounds: Bounds = field(default_factory=Bounds)
    # The skew guard's reference: the wall clock (`run`) or the run's own event time
    # (`replay`, and tests: the outcome depends on the input only).
    skew_clock: Literal["wall", "event_time"] = "event_time"


@dataclass(frozen=True)
class Assembly:
    """A pipeline with its observers: `metrics` is also the consume loop's `LoopReport`,
    `run` what the replay reports read (None when not recorded: `sentinel run` reports
    through its metrics), `monitor` the event-time monitors."""

    pipeline: Pipeline
    metrics: PrometheusRecorder
    run: RunRecord | None
    monitor: Monitor


@dataclass(frozen=True)
class Services:
    """What a pipeline tells the world through: the alert book and its receivers, the
    rollback engine, the spend guard's throttle webhook and sentinel's own OpenTelemetry
    export. Built by `build_services` for `run` (live) or `replay` (recorded only)."""

    alerting: Alerting
    rollback: RollbackEngine
    throttle: DocumentSender | None = None
    providers: Providers | None = None
    telemetry: SelfTelemetry | None = None

    def close(self, timeout_seconds: float = 5.0) -> None:
        """Deliver what is queued (each receiver within `timeout_seconds`), flush the
        OpenTelemetry export."""
        self.alerting.close(timeout_seconds=timeout_seconds)
        self.rollback.close(timeout_seconds=timeout_seconds)
        if self.throttle is not None:
            self.throttle.close(timeout_seconds=timeout_seconds)
        if self.providers is not None:
            self.providers.shutdown()  # flushes sentinel's own spans and metrics


def build_services(
    rules: RuleSet,
    registry: CollectorRegistry,
    *,
    live: bool,
    health: Health | None = None,
    leadership: Leadership | None = None,
) -> Services:
    """The services of `run` (`live`: alerts delivered while `leadership` says this replica
    leads, rollback and throttle webhooks called, their state in `health`, sentinel's own
    telemetry exported as the `OTEL_*` environment asks) or of `replay` (the alerts and
    rollback decisions a live run would make are recorded; nothing is sent).

    Raises ConfigError when a webhook header or the OTel settings are bad."""
    if not live:
        # A replay records the alerts a live run would fire; it sends none.
        alerting = build_alerting(rules.alerting, registry, deliver=False)
        # Rollback decisions are recorded as a dry run would: no webhook is called.
        rollback = build_rollback(rules.rollback.model_copy(update={"dry_run": True}), registry)
        return Services(alerting, rollback)
    health = health or Health()
    alerting = build_alerting(
        rules.alerting, registry, set_check=health.set_info, leadership=leadership
    )
    rollback = build_rollback(rules.rollback, registry, health=health, leadership=leadership)
    throttle = build_throttle(rules, health, registry)
    providers, telemetry = build_self_telemetry(rules)
    return Services(alerting, rollback, throttle, providers, telemetry)


def assemble(
    rules: RuleSet,
    settings: PipelineSettings,
    registry: CollectorRegistry,
    sink: Sink,
    services: Services | None = None,
    otlp_topics: Mapping[str, Encoding] | None = None,
    observers: Sequence[Observer] = (),
    publish_state: bool = False,
    record_run: bool = True,
) -> Assembly:
    """The exchange path and its observers, in order: Prometheus samples, run totals and
    timeline, live trackers, monitors, then sentinel's own OTel telemetry (of `services`)
    and `observers`. `run` and `replay` both assemble here, with their `build_services`.

    `services` receive the monitors' alerts, gate canaries and take spend-guard trips;
    without them a fresh alert book records the alerts and no canary is gated.
    `otlp_topics` maps topics (or replayed file paths) to their OTLP encoding;
    `publish_state` sends the partitions' monitor state to the `state` stream (Kafka:
    replicas share one global view). `record_run=False` leaves out the run's totals and
    timeline, which only a replay's report reads (a live service would keep them for
    nobody, at four sketch additions per exchange)."""
    book = services.alerting.book if services is not None else AlertBook()
    rollback = services.rollback if services is not None else None
    throttle = (
        services.throttle.send if services is not None and services.throttle is not None else None
    )
    if services is not None and services.telemetry is not None:
        observers = (services.telemetry, *observers)
    decoders: dict[str, RecordDecoder] = {}
    if otlp_topics:
        stats = OtlpStats()
        registry.register(OtlpCollector(stats))
        for topic, encoding in otlp_topics.items():
            decoders[topic] = OtlpDecoder(
                encoding,
                rules.otel.ingest,
                settings.max_event_bytes,
                stats,
                max_depth=settings.max_nesting_depth,
            )
    trackers = LiveTrackers()
    metrics = PrometheusRecorder(registry, version=__version__, trackers=trackers)
    monitor = build_monitor(
        rules, registry, book, rollback, throttle, on_trip=metrics.spend_guard_tripped
    )
    run: RunRecord | None = None
    if record_run:
        # The timeline samples SLO budgets, so the monitor feeds it in its own order.
        timeline = Timeline(budgets=monitor.slo.statuses)
        monitor.followers = (timeline.add,)
        run = RunRecord(
            timeline,
            alerts=book.report,
            rollbacks=rollback.history if rollback is not None else list,
            canary=rollback.canary_report if rollback is not None else (lambda: None),
            timeline_fed_elsewhere=True,
        )
    recorded = (run,) if run is not None else ()
    pipeline = Pipeline(
        decoder=EventDecoder(settings.max_event_bytes, settings.max_nesting_depth),
        dedupe=DedupeWindow(settings.dedupe_window),
        correlator=PartitionedCorrelator(
            settings.ttl_seconds,
            settings.max_pending,
            settings.grace_seconds,
            pack_after=settings.compress_pending_after,
            max_bytes=settings.max_pending_bytes,
        ),
        accountant=build_accountant(rules, registry),
        sink=sink,
        chain=build_chain(rules, time_budget=settings.scan_time_budget),
        max_findings=rules.guardrails.max_findings_per_record,
        verdicts=settings.verdicts,
        dead_letter_max_bytes=settings.dead_letter_max_bytes,
        review_actions=rules.guardrails.review_actions,
        topic_decoders=decoders,
        observers=(metrics, *recorded, trackers, monitor, *observers),
        admission=Admission(settings.bounds, time.time if settings.skew_clock == "wall" else None),
        monitor=monitor,
        shared=SharedState(monitor.add, state_horizon_minutes(rules)),
        publish_state=publish_state,
    )
    return Assembly(pipeline, metrics, run, monitor)


def state_horizon_minutes(rules: RuleSet) -> int:
    """Minutes of monitor state kept behind each partition's watermark: the longest window
    any monitor reads (SLO long windows, a spend guard's trailing day), plus an hour."""
    windows = [w.long_minutes for s in rules.slos.slos for w in (*s.page, *s.ticket)]
    return max([24 * 60, *windows]) + 60


def build_pipeline(
    rules: RuleSet,
    settings: PipelineSettings,
    registry: CollectorRegistry,
    sink: Sink,
    **options: Any,
) -> Pipeline:
    """`assemble(...).pipeline`, for callers that need only the path (benchmarks)."""
    return assemble(rules, settings, registry, sink, **options).pipeline


def build_accountant(rules: RuleSet, registry: CollectorRegistry) -> Accountant:
    """Labels bounded per value (PII screened) and per combination (the series budget)."""
    label_bounders = bounders(rules.labels, screen=LabelScreen())
    budget = combination_budget(rules.labels)
    registry.register(BudgetCollector(budget, label_bounders))
    return Accountant(CostModel(rules.pricing), label_bounders, budget)


def build_self_telemetry(
    rules: RuleSet, environ: Mapping[str, str] | None = None
) -> tuple[Providers, SelfTelemetry]:
    """Providers from the `OTEL_*` environment (no-ops unless it asks) and the observer
    that emits guardrail spans and GenAI metrics; raises ConfigError on bad settings."""
    providers = providers_from_environment(environ, __version__)
    telemetry = SelfTelemetry(
        providers.tracer(__version__),
        rules.otel,
        meter=providers.meter(__version__),
        hasher=input_hasher(rules.otel, environ),
    )
    return providers, telemetry


def build_monitor(
    rules: RuleSet,
    registry: CollectorRegistry,
    book: AlertBook,
    rollback: RollbackEngine | None = None,
    throttle: Callable[[dict[str, Any]], None] | None = None,
    on_trip: Callable[[str], None] | None = None,
) -> Monitor:
    slo = SloEngine(rules.slos)
    registry.register(SloSeries(slo))
    guard = SpendGuard(rules.spend_guard)
    return Monitor(
        slo,
        guard,
        book,
        rules.slos.evaluation_interval_seconds,
        throttle,
        rollback=rollback,
        horizon_seconds=quiet_horizon_seconds(rules.slos, rules.spend_guard),
        on_trip=on_trip,
        keep_firing_for_seconds=rules.slos.keep_firing_for_seconds,
    )


def build_throttle(
    rules: RuleSet, health: Health, registry: CollectorRegistry | None = None
) -> DocumentSender | None:
    """The circuit-breaker webhook of `kind: spend_guard`, if one is configured; its
    outcomes are counted in `registry` and its health is the `throttle_webhook` check."""
    webhook = rules.spend_guard.throttle_webhook
    if webhook is None:
        return None
    headers = expand_env_values(
        webhook.headers, os.environ, "the throttle webhook", "throttle_webhook.headers"
    )
    return DocumentSender(
        THROTTLE_CHECK,
        webhook.url,
        headers,
        timeout_seconds=webhook.timeout_seconds,
        max_attempts=webhook.max_attempts,
        report=DeliveryReport(
            NO_REPORT.count
            if registry is None
            else document_deliveries(
                registry, n.THROTTLE_WEBHOOK_DELIVERIES, "Throttle webhook deliveries"
            ),
            health_check(health.set_info, THROTTLE_CHECK),
        ),
    )
