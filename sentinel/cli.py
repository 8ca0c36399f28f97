"""Command line: `sentinel run | replay | validate | rules init | schema | slo-rules |
dashboards`.

Exit codes: 0 success, 2 bad arguments (Kafka options included), 3 bad rules, 4 an input or
output failed, 5 replay: the input held no record, 6 replay: every record was a dead letter.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import click
import structlog
from prometheus_client import CollectorRegistry
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from sentinel import __version__
from sentinel.admission import Bounds
from sentinel.alerting.book import AlertBook
from sentinel.alerting.build import build_alerting
from sentinel.alerting.leader import Leadership
from sentinel.errors import ConfigError, RulesError, SentinelError, SinkError, SourceError
from sentinel.events.decode import DEFAULT_MAX_DEPTH
from sentinel.events.model import json_schema
from sentinel.health import ContactWatch, Health
from sentinel.html_report import render_html
from sentinel.input_check import (
    EXIT_EMPTY_INPUT,
    EXIT_NO_VALID_INPUT,
    check_input,
    read_head,
)
from sentinel.io.files import FileSource, JsonlSink
from sentinel.io.kafka_env import kafka_options_from_env
from sentinel.io.kafka_options import parse_kafka_options, split_env_options
from sentinel.io.records import OutRecord, Sink
from sentinel.io.routing import RoutingSink
from sentinel.otel import ENCODINGS
from sentinel.pipeline import VerdictMode
from sentinel.report import build_report, print_table
from sentinel.rollback.build import build_rollback
from sentinel.rules.loader import (
    KINDS,
    RuleSet,
    check_rules,
    kind_json_schema,
    load_rules,
    rules_json_schema,
    write_default_rules,
)
from sentinel.runner import Runner
from sentinel.slo.promrules import prometheus_rule_manifest, rule_groups, to_yaml
from sentinel.telemetry.http import start_http_server
from sentinel.telemetry.logs import configure_logging
from sentinel.wiring import (
    PipelineSettings,
    assemble,
    build_self_telemetry,
    build_throttle,
    state_horizon_minutes,
)


class _KafkaOption(click.ParamType[str]):
    """`KEY=VALUE`; from the environment (SENTINEL_RUN_KAFKA_OPTIONS) one per line, separated
    by commas or spaces before the next `key=`, or a JSON object."""

    name = "KEY=VALUE"

    def split_envvar_value(self, rv: str) -> list[str]:
        try:
            return split_env_options(rv)
        except ConfigError as exc:
            raise click.BadParameter(str(exc), param_hint="SENTINEL_RUN_KAFKA_OPTIONS") from exc


_BOUNDS = Bounds()  # defaults of the plausibility and skew options
EXIT_RULES = 3
EXIT_IO = 4
PROGRESS_MIN_BYTES = 8 * 1024 * 1024  # show a progress bar for inputs larger than this
log = structlog.get_logger("sentinel")


def bundled_sample() -> str:
    return str(resources.files("sentinel") / "data" / "sample-traffic.jsonl.gz")


def _load_rules(directory: str | None) -> RuleSet:
    try:
        rules = load_rules(None if directory is None else Path(directory))
    except RulesError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_RULES)
    if directory is not None and len(rules.defaults) == len(rules.sources):
        log.warning("rules_directory_empty", directory=directory, using="packaged defaults")
    for kind in rules.defaults:
        log.warning("rules_kind_default", kind=kind, directory=directory, using=rules.sources[kind])
    return rules


def rules_warnings(rules: RuleSet) -> list[str]:
    """What a report should say about where the rules came from."""
    if not rules.defaults:
        return []
    return [
        f"{rules.directory} has no `{kind}` rules: the packaged defaults were used"
        for kind in rules.defaults
    ]


def unpriced_warnings(report: dict[str, Any]) -> list[str]:
    """A warning naming the models (bounded labels) whose exchanges had no price."""
    if not report.get("unpriced_exchanges"):
        return []
    models = ", ".join(
        f"{model} ({row['unpriced_exchanges']:,})"
        for model, row in sorted(report.get("by_model", {}).items())
        if row.get("unpriced_exchanges")
    )
    return [
        f"{report['unpriced_exchanges']:,} exchange(s) had no price, so cost is low: {models}; "
        "add the model to pricing.yaml"
    ]


def _settings(
    options: dict[str, Any],
    verdicts: VerdictMode,
    skew_clock: str = "event_time",
    scan_time_budget: bool = True,
) -> PipelineSettings:
    bounds = Bounds(
        max_tokens=options["max_tokens_per_event"],
        max_latency_ms=options["max_latency_ms"],
        max_retries=options["max_retries"],
        max_abs_rating=options["max_abs_rating"],
        max_future_seconds=options["max_clock_skew_seconds"],
        max_age_seconds=options["max_event_age_seconds"],
    )
    return PipelineSettings(
        max_event_bytes=options["max_event_bytes"],
        ttl_seconds=options["ttl_seconds"],
        grace_seconds=options["grace_seconds"],
        max_pending=options["max_pending"],
        verdicts=verdicts,
        max_nesting_depth=options["max_nesting_depth"],
        bounds=bounds,
        skew_clock="wall" if skew_clock == "wall" else "event_time",
        scan_time_budget=scan_time_budget,
    )


def pipeline_options(command: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--rules",
                "rules_dir",
                default=None,
                type=click.Path(file_okay=False),
                help="Rules directory (default: the rules packaged with sentinel). A kind "
                "the directory lacks takes its packaged default, with a warning.",
            ),
            click.option(
                "--ttl-seconds",
                default=300.0,
                show_default=True,
                type=click.FloatRange(min=0.001),
                help="Event time a request waits for its response.",
            ),
            click.option(
                "--grace-seconds",
                default=30.0,
                show_default=True,
                type=click.FloatRange(min=0),
                help="Event time an event may arrive late (out of order): a response waits "
                "this long for its request, a request this long beyond its TTL.",
            ),
            click.option(
                "--max-pending",
                default=100_000,
                show_default=True,
                type=click.IntRange(min=1),
                help="Bound on requests awaiting a response.",
            ),
            click.option(
                "--max-event-bytes",
                default=16 * 1024 * 1024,
                show_default=True,
                type=click.IntRange(min=1),
                help="Larger events are dead letters.",
            ),
            click.option(
                "--max-nesting-depth",
                default=DEFAULT_MAX_DEPTH,
                show_default=True,
                type=click.IntRange(min=8, max=512),
                help="Events whose JSON nests deeper are dead letters (too_deep).",
            ),
            click.option(
                "--max-clock-skew-seconds",
                default=_BOUNDS.max_future_seconds,
                show_default=True,
                type=click.FloatRange(min=0),
                help="Events stamped further ahead of the processing clock (run: wall "
                "clock; replay: the newest event) are dead letters (clock_skew). 0: off.",
            ),
            click.option(
                "--max-event-age-seconds",
                default=_BOUNDS.max_age_seconds,
                show_default=True,
                type=click.FloatRange(min=0),
                help="Events stamped further behind the processing clock are dead "
                "letters (clock_skew). 0: off.",
            ),
            click.option(
                "--max-tokens-per-event",
                default=_BOUNDS.max_tokens,
                show_default=True,
                type=click.IntRange(min=1),
                help="A larger token count of any kind is a dead letter (implausible_value).",
            ),
            click.option(
                "--max-latency-ms",
                default=_BOUNDS.max_latency_ms,
                show_default=True,
                type=click.FloatRange(min=1),
                help="A larger latency_ms or ttft_ms is a dead letter (implausible_value).",
            ),
            click.option(
                "--max-retries",
                default=_BOUNDS.max_retries,
                show_default=True,
                type=click.IntRange(min=0),
                help="More retries is a dead letter (implausible_value).",
            ),
            click.option(
                "--max-abs-rating",
                default=_BOUNDS.max_abs_rating,
                show_default=True,
                type=click.FloatRange(min=0),
                help="A feedback rating beyond ± this is a dead letter (implausible_value).",
            ),
            click.option(
                "--log-level",
                default="info",
                show_default=True,
                type=click.Choice(["debug", "info", "warning", "error"]),
            ),
            click.option(
                "--log-json", is_flag=True, help="Logs as JSON lines instead of key=value."
            ),
        ]
    ):
        command = option(command)
    return command


_EXIT_CODES_HELP = (
    "\b\nExit codes:\n"
    "  0  success\n"
    "  2  bad arguments (a Kafka option included: checked before connecting)\n"
    "  3  bad rules (every problem, with file, line and field)\n"
    "  4  an input or output failed\n"
    f"  {EXIT_EMPTY_INPUT}  replay: the input held no record\n"
    f"  {EXIT_NO_VALID_INPUT}  replay: every record was a dead letter (wrong file or encoding)"
)
_ENVIRONMENT_HELP = (
    "\b\nEnvironment:\n"
    "  SENTINEL_<COMMAND>_<OPTION>  any option, e.g. SENTINEL_RUN_BOOTSTRAP_SERVERS,\n"
    "                               SENTINEL_REPLAY_RULES_DIR (`<command> --help` lists them)\n"
    "  SENTINEL_KAFKA_OPTION_<KEY>  one Kafka client option (secrets: never in argv)\n"
    "  SENTINEL_RUN_KAFKA_OPTIONS   several: one per line, comma-separated, or a JSON object\n"
    "  OTEL_*                       sentinel's own OpenTelemetry export (docs/opentelemetry.md)"
)


@click.group(
    context_settings={"auto_envvar_prefix": "SENTINEL", "help_option_names": ["-h", "--help"]},
    epilog=f"{_EXIT_CODES_HELP}\n\n{_ENVIRONMENT_HELP}",
)
@click.version_option(__version__, prog_name="sentinel")
def main() -> None:
    """Observability and safety guardrails for LLM traffic."""


@main.command()
@click.argument("file", required=False)
@click.option(
    "--report",
    "report_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
)
@click.option(
    "--dead-letter",
    type=click.Path(dir_okay=False),
    help="Write dead-letter records (raw line + reason) to this JSONL file.",
)
@click.option(
    "--verdicts",
    type=click.Path(dir_okay=False),
    help="Write one verdict per exchange to this JSONL file (one JSON object per line, "
    "as on the verdict topic).",
)
@click.option(
    "--review",
    type=click.Path(dir_okay=False),
    help="Write review items (escalations, PII redacted) to this JSONL file (one JSON object "
    "per line).",
)
@click.option(
    "--otlp-encoding",
    type=click.Choice(["otlp_json"]),
    default=None,
    help="FILE holds OTLP/JSON trace lines (the Collector's file exporter) instead of v1 events.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False),
    help="Also write a self-contained HTML report with charts to this file.",
)
@click.option(
    "--scan-time-budget",
    is_flag=True,
    help="Apply guardrails.max_scan_seconds (wall time per exchange) as `run` does. Off by "
    "default: a replay's verdicts then depend only on the file and the rules, not on the "
    "machine (max_scan_bytes still bounds the work).",
)
@pipeline_options
def replay(
    file: str | None,
    report_format: str,
    dead_letter: str | None,
    verdicts: str | None,
    review: str | None,
    otlp_encoding: str | None,
    html_path: str | None,
    scan_time_budget: bool,
    **options: Any,
) -> None:
    """Run the pipeline over a JSONL file (gzip ok, `-` for stdin) and print a summary.

    Without FILE, replays the bundled sample traffic. The same file and rules give the same
    report on any machine (the wall-time scan budget is off unless --scan-time-budget).
    """
    configure_logging(options["log_level"], options["log_json"])
    rules = _load_rules(options["rules_dir"])
    path = file or bundled_sample()
    routes: dict[str, Sink] = {}
    try:
        if dead_letter:
            routes["dead_letter"] = JsonlSink(dead_letter, "dead_letter")
        if verdicts:
            routes["verdicts"] = JsonlSink(verdicts, "verdicts", plain_json=True)
        if review:
            routes["review"] = JsonlSink(review, "review", plain_json=True)
        sink = RoutingSink(routes)
        registry = CollectorRegistry()
        # A replay records the alerts a live run would fire; it sends none.
        alerting = build_alerting(rules.alerting, registry, deliver=False)
        # Rollback decisions are recorded as a dry run would: no webhook is called.
        rollback = build_rollback(rules.rollback.model_copy(update={"dry_run": True}), registry)
        assembly = assemble(
            rules,
            _settings(options, "all" if verdicts else "off", scan_time_budget=scan_time_budget),
            registry,
            sink,
            alerting.book,
            rollback,
            otlp_topics={path: "otlp_json"} if otlp_encoding else None,
        )
        progress = _progress(path)
        with progress or _nothing():
            task = (
                progress.add_task("replay", total=Path(path).stat().st_size) if progress else None
            )
            source = FileSource(
                path,
                on_progress=(
                    (lambda done: progress.update(task, completed=done))
                    if progress is not None and task is not None
                    else None
                ),
            )
            Runner(source, assembly.pipeline, sink, Health(), assembly.metrics).run(
                threading.Event()
            )
        sink.close()
    except (SourceError, SinkError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_IO)
    if html_path:
        try:
            Path(html_path).write_text(
                render_html(assembly.pipeline, assembly.run), encoding="utf-8"
            )
        except OSError as exc:
            click.echo(f"error: could not write {html_path}: {exc}", err=True)
            sys.exit(EXIT_IO)
    report = build_report(assembly.pipeline, assembly.run)
    events = report["events"]
    problem = check_input(
        events["read"],
        events["invalid"],
        events["invalid_by_reason"],
        read_head(path),
        otlp=otlp_encoding is not None,
    )
    input_warnings = [] if problem is None else [problem.message]
    report["warnings"] = input_warnings + rules_warnings(rules) + unpriced_warnings(report)
    if report_format == "json":
        click.echo(json.dumps(report, indent=2))
    else:
        # Pipes and CI logs get a width that fits the table; terminals keep their own.
        console = Console(width=None if sys.stdout.isatty() else 150)
        print_table(report, console)
        for warning in report["warnings"]:
            console.print(f"[yellow]warning[/] {warning}", highlight=False)
    if problem is not None:
        click.echo(f"warning: {problem.message}", err=True)
        sys.exit(problem.exit_code)


@main.command()
@click.option(
    "--bootstrap-servers", required=True, help="Kafka bootstrap servers, comma-separated."
)
@click.option("--topic", "topics", multiple=True, default=["llm-events"], show_default=True)
@click.option("--group-id", default="sentinel", show_default=True)
@click.option("--dead-letter-topic", default="llm-events-dlq", show_default=True)
@click.option("--verdict-topic", default="llm-verdicts", show_default=True)
@click.option("--review-topic", default="llm-review", show_default=True)
@click.option(
    "--state-topic",
    default=None,
    help="Compacted topic where replicas share the monitors' per-partition state (the "
    "global view behind gates, SLOs and alerts). Default: GROUP_ID-state, so consumer "
    "groups on one cluster never read each other's state.",
)
@click.option(
    "--create-state-topic/--no-create-state-topic",
    default=True,
    show_default=True,
    help="Create the state topic (compacted) at start when it is missing.",
)
@click.option(
    "--verdicts",
    "verdict_mode",
    type=click.Choice(["all", "flagged", "off"]),
    default="flagged",
    show_default=True,
    help="Verdict records: one per exchange, only for exchanges that are not plainly ok "
    "(errors, timeouts; later: findings), or none.",
)
@click.option(
    "--kafka-option",
    "kafka_options",
    multiple=True,
    type=_KafkaOption(),
    metavar="KEY=VALUE",
    help="kafka-python client setting passed through (security_protocol, sasl_*, "
    "ssl_*...). Repeatable. Secrets belong in the environment instead: "
    "SENTINEL_KAFKA_OPTION_<KEY> (e.g. SENTINEL_KAFKA_OPTION_SASL_PLAIN_PASSWORD).",
)
@click.option(
    "--otlp-topic",
    "otlp_topics",
    multiple=True,
    help="Topic of OTLP traces from an OpenTelemetry Collector (GenAI spans become "
    "exchanges). Repeatable.",
)
@click.option(
    "--otlp-encoding",
    type=click.Choice(ENCODINGS),
    default="otlp_proto",
    show_default=True,
    help="Encoding of the --otlp-topic messages (the Collector's Kafka exporter `encoding`).",
)
@click.option(
    "--broker-grace-seconds",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="/readyz turns false when the Kafka broker has not answered for this long.",
)
@click.option("--http-host", default="0.0.0.0", show_default=True)
@click.option("--http-port", default=9464, show_default=True, type=click.IntRange(0, 65535))
@pipeline_options
def run(
    bootstrap_servers: str,
    topics: tuple[str, ...],
    group_id: str,
    dead_letter_topic: str,
    verdict_topic: str,
    review_topic: str,
    state_topic: str | None,
    create_state_topic: bool,
    verdict_mode: VerdictMode,
    kafka_options: tuple[str, ...],
    otlp_topics: tuple[str, ...],
    otlp_encoding: str,
    http_host: str,
    http_port: int,
    **options: Any,
) -> None:
    """Consume events from Kafka; serve /metrics, /healthz and /readyz."""
    from sentinel.io.kafka import (  # Kafka only here
        KafkaSettings,
        KafkaSink,
        KafkaSource,
        wait_for_brokers,
    )
    from sentinel.io.state_topic import StateTopic, StateTopicSettings

    configure_logging(options["log_level"], options["log_json"])
    rules = _load_rules(options["rules_dir"])
    state_topic = state_topic or f"{group_id}-state"
    settings = KafkaSettings(
        bootstrap_servers=bootstrap_servers,
        topics=tuple(dict.fromkeys((*topics, *otlp_topics))),
        group_id=group_id,
        dead_letter_topic=dead_letter_topic,
        verdict_topic=verdict_topic,
        review_topic=review_topic,
        state_topic=state_topic,
        max_message_bytes=options["max_event_bytes"],
        # the environment first: a secret there, an override on the command line
        client_options=_parse_kafka_options((*kafka_options_from_env(os.environ), *kafka_options)),
    )
    registry, health = CollectorRegistry(), Health()
    leadership = Leadership()  # this replica delivers alerts only while it leads
    try:
        alerting = build_alerting(
            rules.alerting, registry, set_check=health.set_info, leadership=leadership
        )
        rollback = build_rollback(rules.rollback, registry, health=health, leadership=leadership)
        throttle = build_throttle(rules, health)
        providers, telemetry = build_self_telemetry(rules)
    except ConfigError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_RULES)
    stop = threading.Event()
    starting = threading.Event()  # set while connecting and building: all or nothing
    starting.set()

    def on_signal(*_: object) -> None:
        stop.set()
        if starting.is_set():  # interrupts a blocked client constructor or a slow build
            raise _StopRequested

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server = start_http_server(registry, health, http_host, http_port, rollback.handle_gate)
    log.info(
        "started",
        version=__version__,
        topics=",".join(topics),
        group=group_id,
        http_port=server.server_address[1],
        rules=options["rules_dir"],
    )
    read = 0
    sink: KafkaSink | None = None
    state: StateTopic | None = None
    try:
        health.set_check("kafka", False, "connecting")
        if not wait_for_brokers(bootstrap_servers, stop, _waiting_for_kafka(health)):
            raise _StopRequested
        watch = ContactWatch("kafka", options["broker_grace_seconds"])
        sink = KafkaSink(settings, stop, _flush_waiting(watch, health))
        try:
            state = StateTopic(
                settings,
                StateTopicSettings(
                    topic=state_topic,
                    create=create_state_topic,
                    retention_ms=(state_horizon_minutes(rules) + 24 * 60) * 60_000,
                ),
                stop,
            )
        except SourceError:
            if stop.is_set():  # SIGTERM while waiting for the state topic
                raise _StopRequested from None
            raise
        source = KafkaSource(settings)
        health.set_check("kafka", False, "waiting for partition assignment")
        health.set_check("sink", True, "")
        assembly = assemble(
            rules,
            _settings(options, verdict_mode, skew_clock="wall"),
            registry,
            sink,
            alerting.book,
            rollback,
            otlp_topics=dict.fromkeys(otlp_topics, otlp_encoding),  # type: ignore[arg-type]
            observers=(telemetry,),
            throttle=throttle.send if throttle is not None else None,
            publish_state=True,
        )
        after_batch = _share_state(assembly.pipeline, source, state, leadership, alerting.book)
        alerting.start()
        runner = Runner(
            source,
            assembly.pipeline,
            sink,
            health,
            assembly.metrics,
            lag=source.lag,
            assigned=lambda: source.assigned,
            watch=watch,
            after_batch=after_batch,
            commits_processed=True,  # the shared state's positions: what was processed
        )
        starting.clear()
        if not stop.is_set():
            runner.run(stop)
        else:
            source.close()
        read = assembly.pipeline.counts.read
        sink.close()
        sink = None
    except _StopRequested:
        log.info("stopped_during_startup")
    except SentinelError as exc:
        log.error("stopped_on_error", error=type(exc).__name__)
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_IO)
    finally:
        starting.clear()
        if sink is not None:  # stopped on an error or during start-up: do not wait on Kafka
            sink.abandon()
        if state is not None:
            state.close()
        alerting.close(timeout_seconds=5)
        rollback.close(timeout_seconds=5)
        if throttle is not None:
            throttle.close(timeout_seconds=5)
        providers.shutdown()  # flushes sentinel's own spans and metrics
        server.shutdown()
    log.info("stopped", events=read)


def _flush_waiting(watch: ContactWatch, health: Health) -> Callable[[float], None]:
    """While a flush waits on the broker, the consume loop is inside it: count the wait as
    the broker not answering and show it in readiness once past the grace."""

    def on_waiting(seconds: float) -> None:
        watch.failed(f"outputs unacknowledged for {seconds:.0f} s")
        if watch.down:
            health.set_check("kafka", False, watch.detail())

    return on_waiting


class _StopRequested(Exception):
    """SIGTERM or SIGINT during start-up."""


def _waiting_for_kafka(health: Health) -> Any:
    """Readiness and a log line (first, then every 10 s) while the broker is unreachable."""
    logged = [-10.0]

    def on_wait(seconds: float) -> None:
        health.set_check("kafka", False, f"connecting: unreachable for {seconds:.0f} s")
        if seconds - logged[0] >= 10.0:
            logged[0] = seconds
            log.warning("kafka_unreachable_at_start", seconds=round(seconds, 1))

    return on_wait


@main.command()
@click.argument("rules_dir", type=click.Path(file_okay=False), required=False)
@click.option(
    "--env/--no-env",
    "check_env",
    default=True,
    show_default=True,
    help="Check that every ${VAR} a rules field expands is set in this environment.",
)
def validate(rules_dir: str | None, check_env: bool) -> None:
    """Check every rules file in RULES_DIR (default: the packaged rules).

    Lists every problem of every file as FILE:LINE: error|warning: FIELD: MESSAGE, with a
    "did you mean" for unknown keys; exits 3 if there is any error.
    """
    try:
        rules, problems = check_rules(
            None if rules_dir is None else Path(rules_dir),
            environ=os.environ if check_env else None,
        )
    except RulesError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_RULES)
    for problem in problems:
        click.echo(str(problem), err=True)
    if rules is None:
        errors = sum(1 for p in problems if not p.warning)
        files = len({p.file for p in problems if not p.warning})
        click.echo(f"{errors} error(s) in {files} file(s)", err=True)
        sys.exit(EXIT_RULES)
    for kind, source in sorted(rules.sources.items()):
        state = "default" if kind in rules.defaults else "ok"
        click.echo(f"{state:<8}{kind:<14}{source}")
    given = len(rules.sources) - len(rules.defaults)
    click.echo(f"{given} rules file(s) valid, {len(rules.defaults)} kind(s) from packaged defaults")


@main.group("rules")
def rules_group() -> None:
    """Work with rules directories."""


@rules_group.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Replace files that already exist.")
def rules_init(directory: str, force: bool) -> None:
    """Write an editable copy of the packaged default rules into DIRECTORY."""
    try:
        written = write_default_rules(Path(directory), overwrite=force)
    except RulesError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_RULES)
    for path in written:
        click.echo(str(path))
    click.echo(f"{len(written)} rules file(s) written; use them with --rules {directory}")


@main.command()
@click.option(
    "--kind",
    type=click.Choice(["event", "rules", *sorted(KINDS)]),
    default="event",
    show_default=True,
    help="event, rules (a file of any kind), or one rules kind (the schema a rules file's "
    "first line points editors to).",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Write to a file instead of stdout.")
def schema(kind: str, out: str | None) -> None:
    """Print the JSON Schema of the event contract, of rules files, or of one rules kind."""
    if kind == "event":
        document = json_schema()
    elif kind == "rules":
        document = rules_json_schema()
    else:
        document = kind_json_schema(kind)
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.command("slo-rules")
@click.option(
    "--rules",
    "rules_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Rules directory (default: the packaged rules).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["rules", "prometheusrule"]),
    default="rules",
    show_default=True,
    help="A Prometheus rules file, or a PrometheusRule manifest (prometheus-operator).",
)
@click.option("--out", type=click.Path(dir_okay=False), help="Write to a file.")
def slo_rules(rules_dir: str | None, fmt: str, out: str | None) -> None:
    """Generate Prometheus recording and alert rules from `kind: slos`."""
    rules = _load_rules(rules_dir)
    document = (
        {"groups": rule_groups(rules.slos)}
        if fmt == "rules"
        else prometheus_rule_manifest(rules.slos)
    )
    header = "# Generated by `sentinel slo-rules` from rules/slos.yaml: do not edit.\n"
    text = header + to_yaml(document)
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.command("dashboards")
@click.option(
    "--out", "out_dir", default="dashboards", show_default=True, type=click.Path(file_okay=False)
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 naming files that drifted.")
def dashboards(out_dir: str, check: bool) -> None:
    """Generate the Grafana dashboards (dashboards/*.json) from sentinel/dashboards/."""
    from sentinel import dashboards as generated  # imports the Grafana SDK: only here

    if check:
        problems = generated.check(Path(out_dir))
        for problem in problems:
            click.echo(f"{out_dir}/{problem}", err=True)
        sys.exit(1 if problems else 0)
    for path in generated.write_all(Path(out_dir)):
        click.echo(str(path))


def _share_state(
    pipeline: Any, source: Any, state: Any, leadership: Leadership, book: AlertBook
) -> Callable[[], None]:
    """Connect the pipeline's partition state to the consumer group and the state topic:
    commits stop at the oldest waiting event, revoked partitions are forgotten, assigned
    ones are restored after the state topic is read to its end; returns the per-batch
    step (fold other replicas' changes, decide whether this replica delivers, and as the
    leader record the last tick delivered)."""
    shared, monitor, sink = pipeline.shared, pipeline.monitor, pipeline.sink
    shared.topics = frozenset(source.settings.topics)
    source.positions = shared.commit_offsets

    def lead() -> None:
        leadership.set(shared.leads(source.partitions()), book, shared.view.delivered)

    revoking: set[tuple[str, int]] = set()

    def revoked(pids: list[tuple[str, int]]) -> None:
        # Kafka keeps the position of a partition assigned again in the same rebalance,
        # so its state stays too: only partitions that really leave are released.
        revoking.update(pids)

    def assigned(pids: list[tuple[str, int]]) -> None:
        pipeline.release(revoking - set(pids))
        revoking.clear()
        state.catch_up(shared.apply_remote)
        shared.assign(pids)
        lead()

    source.on_revoked = revoked
    source.on_assigned = assigned
    # The whole state topic first: the monitors never evaluate a partial view (a replica
    # that starts while others run would otherwise decide on some partitions only).
    state.catch_up(shared.apply_remote)
    delivered: list[float | None] = [None]

    def after_batch() -> None:
        state.poll(shared.apply_remote)
        lead()
        through = monitor.evaluated_through
        if leadership() and through is not None and through != delivered[0]:
            key, value = shared.delivered_record(through)
            sink.send(OutRecord("state", value, key))
            delivered[0] = through

    return after_batch


def _parse_kafka_options(pairs: tuple[str, ...]) -> dict[str, Any]:
    """Typed client options, checked before any connection (a bad one is exit code 2)."""
    try:
        return parse_kafka_options(pairs)
    except ConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--kafka-option") from exc


def _progress(path: str) -> Progress | None:
    if path == "-" or not sys.stderr.isatty() or Path(path).stat().st_size < PROGRESS_MIN_BYTES:
        return None
    return Progress(
        "{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )


class _nothing:  # a context manager that does nothing
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _environment_epilog(command: click.Command, prefix: str) -> str:
    """`--help` text listing the environment variable of every option of `command`."""
    lines = ["\b", "Environment variables (the command line wins):"]
    for param in command.params:
        if isinstance(param, click.Option) and param.name and not param.hidden:
            variable = f"{prefix}_{param.name.upper()}"
            lines.append(f"  {variable:<38} {max(param.opts, key=len)}")
    return "\n".join(lines)


for _name in ("run", "replay"):
    _command = main.commands[_name]
    _epilog = _environment_epilog(_command, f"SENTINEL_{_name.upper()}")
    if _name == "run":
        _epilog += f"\n  {'SENTINEL_KAFKA_OPTION_<KEY>':<38} one Kafka client option (secrets)"
    _command.epilog = f"{_epilog}\n\n{_EXIT_CODES_HELP}"
