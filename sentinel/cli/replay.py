"""`sentinel replay`: the pipeline over a file, a report of what it saw."""

from __future__ import annotations

import json
import sys
import threading
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click
from prometheus_client import CollectorRegistry
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from sentinel.cli.options import (
    EXIT_IO,
    bundled_sample,
    command_epilog,
    load_rules_or_exit,
    pipeline_options,
    pipeline_settings,
)
from sentinel.errors import SinkError, SourceError
from sentinel.health import Health
from sentinel.html_report import render_html
from sentinel.input_check import check_input, read_head
from sentinel.io.files import FileSource, JsonlSink
from sentinel.io.records import Sink
from sentinel.io.routing import RoutingSink
from sentinel.report import build_report, print_table
from sentinel.rules.loader import RuleSet
from sentinel.runner import Runner
from sentinel.telemetry.logs import configure_logging
from sentinel.wiring import assemble, build_services

PROGRESS_MIN_BYTES = 8 * 1024 * 1024  # show a progress bar for inputs larger than this


@click.command()
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
    rules = load_rules_or_exit(options["rules_dir"])
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
        assembly = assemble(
            rules,
            pipeline_settings(
                options, "all" if verdicts else "off", scan_time_budget=scan_time_budget
            ),
            registry,
            sink,
            build_services(rules, registry, live=False),
            otlp_topics={path: "otlp_json"} if otlp_encoding else None,
        )
        progress = _progress(path)
        with progress or nullcontext():
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
    run = assembly.run
    assert run is not None  # assembled with the run recorded
    if html_path:
        try:
            Path(html_path).write_text(render_html(assembly.pipeline, run), encoding="utf-8")
        except OSError as exc:
            click.echo(f"error: could not write {html_path}: {exc}", err=True)
            sys.exit(EXIT_IO)
    report = build_report(assembly.pipeline, run)
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


replay.epilog = command_epilog(replay)
