"""What the commands share: exit codes, help texts, the rules, the pipeline's options
(their defaults are `PipelineSettings`') and the environment variables behind options."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import click
import structlog

from sentinel.admission import Bounds
from sentinel.errors import RulesError
from sentinel.input_check import EXIT_EMPTY_INPUT, EXIT_NO_VALID_INPUT
from sentinel.pipeline import VerdictMode
from sentinel.rules.loader import RuleSet, load_rules
from sentinel.wiring import PipelineSettings

_DEFAULTS = PipelineSettings()  # the defaults the pipeline options show
EXIT_RULES = 3
EXIT_IO = 4
log = structlog.get_logger("sentinel")

EXIT_CODES_HELP = (
    "\b\nExit codes:\n"
    "  0  success\n"
    "  2  bad arguments (a Kafka option included: checked before connecting)\n"
    "  3  bad rules (every problem, with file, line and field)\n"
    "  4  an input or output failed\n"
    f"  {EXIT_EMPTY_INPUT}  replay: the input held no record\n"
    f"  {EXIT_NO_VALID_INPUT}  replay: every record was a dead letter (wrong file or encoding)"
)
ENVIRONMENT_HELP = (
    "\b\nEnvironment:\n"
    "  SENTINEL_<COMMAND>_<OPTION>  any option, e.g. SENTINEL_RUN_BOOTSTRAP_SERVERS,\n"
    "                               SENTINEL_REPLAY_RULES_DIR (`<command> --help` lists them)\n"
    "  SENTINEL_KAFKA_OPTION_<KEY>  one Kafka client option (secrets: never in argv)\n"
    "  SENTINEL_RUN_KAFKA_OPTIONS   several: one per line, comma-separated, or a JSON object\n"
    "  OTEL_*                       sentinel's own OpenTelemetry export (docs/opentelemetry.md)"
)


def bundled_sample() -> str:
    """The path of the sample traffic packaged with sentinel (replayed without FILE)."""
    return str(resources.files("sentinel") / "data" / "sample-traffic.jsonl.gz")


def load_rules_or_exit(directory: str | None) -> RuleSet:
    """The rules of `directory` (packaged ones for None); exit 3 naming every problem."""
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


def pipeline_settings(
    options: dict[str, Any],
    verdicts: VerdictMode,
    skew_clock: Literal["wall", "event_time"] = "event_time",
    scan_time_budget: bool = True,
    dead_letter_max_bytes: int = _DEFAULTS.dead_letter_max_bytes,
) -> PipelineSettings:
    """The settings the `pipeline_options` of a command ask for (`dead_letter_max_bytes`:
    what the dead-letter topic takes, when the command knows)."""
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
        max_pending_bytes=options["max_pending_bytes"],
        compress_pending_after=options["compress_pending_after"],
        verdicts=verdicts,
        max_nesting_depth=options["max_nesting_depth"],
        bounds=bounds,
        skew_clock=skew_clock,
        scan_time_budget=scan_time_budget,
        dead_letter_max_bytes=dead_letter_max_bytes,
    )


def pipeline_options(command: Any) -> Any:
    """The options `run` and `replay` share: the rules, the pipeline's settings (defaults
    from `PipelineSettings`) and logging."""
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
                default=_DEFAULTS.ttl_seconds,
                show_default=True,
                type=click.FloatRange(min=0.001),
                help="Event time a request waits for its response.",
            ),
            click.option(
                "--grace-seconds",
                default=_DEFAULTS.grace_seconds,
                show_default=True,
                type=click.FloatRange(min=0),
                help="Event time an event may arrive late (out of order): a response waits "
                "this long for its request, a request this long beyond its TTL.",
            ),
            click.option(
                "--max-pending",
                default=_DEFAULTS.max_pending,
                show_default=True,
                type=click.IntRange(min=1),
                help="Bound on requests awaiting a response, over every partition read "
                "(and on responses awaiting their request); beyond it the oldest is evicted.",
            ),
            click.option(
                "--max-pending-bytes",
                default=_DEFAULTS.max_pending_bytes,
                show_default=True,
                type=click.IntRange(min=1),
                help="Bound on the bytes (as they came in) of the waiting requests and "
                "responses together, over every partition; beyond it the oldest is evicted.",
            ),
            click.option(
                "--compress-pending-after",
                default=_DEFAULTS.compress_pending_after,
                show_default=True,
                type=click.IntRange(min=0),
                help="Waiting requests (or responses) past this many are held compressed: "
                "less memory, more CPU per event.",
            ),
            click.option(
                "--max-event-bytes",
                default=_DEFAULTS.max_event_bytes,
                show_default=True,
                type=click.IntRange(min=1),
                help="Larger events are dead letters.",
            ),
            click.option(
                "--max-nesting-depth",
                default=_DEFAULTS.max_nesting_depth,
                show_default=True,
                type=click.IntRange(min=8, max=512),
                help="Events whose JSON nests deeper are dead letters (too_deep).",
            ),
            click.option(
                "--max-clock-skew-seconds",
                default=_DEFAULTS.bounds.max_future_seconds,
                show_default=True,
                type=click.FloatRange(min=0),
                help="Events stamped further ahead of the processing clock (run: wall "
                "clock; replay: the newest event) are dead letters (clock_skew). 0: off.",
            ),
            click.option(
                "--max-event-age-seconds",
                default=_DEFAULTS.bounds.max_age_seconds,
                show_default=True,
                type=click.FloatRange(min=0),
                help="Events stamped further behind the processing clock are dead "
                "letters (clock_skew). 0: off.",
            ),
            click.option(
                "--max-tokens-per-event",
                default=_DEFAULTS.bounds.max_tokens,
                show_default=True,
                type=click.IntRange(min=1),
                help="A larger token count of any kind is a dead letter (implausible_value).",
            ),
            click.option(
                "--max-latency-ms",
                default=_DEFAULTS.bounds.max_latency_ms,
                show_default=True,
                type=click.FloatRange(min=1),
                help="A larger latency_ms or ttft_ms is a dead letter (implausible_value).",
            ),
            click.option(
                "--max-retries",
                default=_DEFAULTS.bounds.max_retries,
                show_default=True,
                type=click.IntRange(min=0),
                help="More retries is a dead letter (implausible_value).",
            ),
            click.option(
                "--max-abs-rating",
                default=_DEFAULTS.bounds.max_abs_rating,
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


def _environment_epilog(command: click.Command, prefix: str) -> str:
    """`--help` text listing the environment variable of every option of `command`."""
    lines = ["\b", "Environment variables (the command line wins):"]
    for param in command.params:
        if isinstance(param, click.Option) and param.name and not param.hidden:
            variable = f"{prefix}_{param.name.upper()}"
            lines.append(f"  {variable:<38} {max(param.opts, key=len)}")
    return "\n".join(lines)


def command_epilog(command: click.Command, extra: str = "") -> str:
    """The `--help` epilog of `run` and `replay`: the variable of every option (and
    `extra` lines), then the exit codes."""
    epilog = _environment_epilog(command, f"SENTINEL_{str(command.name).upper()}") + extra
    return f"{epilog}\n\n{EXIT_CODES_HELP}"
