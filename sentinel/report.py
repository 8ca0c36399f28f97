"""The replay report: one JSON object, or a readable table."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from sentinel.pipeline import Pipeline


def build_report(pipeline: Pipeline) -> dict[str, Any]:
    counts, totals, stats = pipeline.counts, pipeline.totals, pipeline.correlator.stats
    report: dict[str, Any] = {
        "events": {
            "read": counts.read,
            "invalid": sum(counts.invalid.values()),
            "invalid_by_reason": dict(sorted(counts.invalid.items())),
            "duplicates": counts.duplicates,
            "feedback": counts.feedback,
        },
        **totals.overall.report(),
        "orphan_responses": stats.orphans,
        "late_events": stats.late,
        "evicted_requests": stats.evicted,
        "feedback": totals.feedback.report(),
        "findings": dict(totals.findings.most_common()),
        "actions": dict(sorted(totals.actions.items())),
        "pii_leaks": totals.leaks,
        "partial_scans": totals.partial_scans,
        "failed_filters": dict(totals.failed_filters),
        "alerts": pipeline.monitor.book.report() if pipeline.monitor else [],
        "rollbacks": (
            pipeline.monitor.rollback.history()
            if pipeline.monitor and pipeline.monitor.rollback
            else []
        ),
        "by_model": {
            model: per_model.report() for model, per_model in sorted(totals.by_model.items())
        },
    }
    return report


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def print_table(report: dict[str, Any], console: Console) -> None:
    events = report["events"]
    console.print(
        f"[bold]events[/] read {events['read']:,}  invalid {events['invalid']:,}  "
        f"duplicates {events['duplicates']:,}  feedback {events['feedback']:,}"
    )
    if events["invalid_by_reason"]:
        reasons = ", ".join(f"{k} {v}" for k, v in events["invalid_by_reason"].items())
        console.print(f"[bold]dead letters[/] {reasons}")
    table = Table(title="exchanges by model", title_justify="left")
    for column in (
        "model",
        "exchanges",
        "timeouts",
        "errors",
        "retries",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "ttft p95",
        "input tok",
        "cached tok",
        "output tok",
        "cost $",
    ):
        table.add_column(column, justify="left" if column == "model" else "right")
    rows = [*report["by_model"].items(), ("all", report)]
    for model, r in rows:
        latency, tokens = r["latency_ms"], r["tokens"]
        table.add_row(
            model,
            f"{r['exchanges']:,}",
            f"{r['timeouts']:,}",
            f"{r['errors']:,}",
            f"{r['retries']:,}",
            _ms(latency["p50"]),
            _ms(latency["p95"]),
            _ms(latency["p99"]),
            _ms(r["ttft_ms"]["p95"]),
            f"{tokens['input']:,}",
            f"{tokens['cached_input']:,}",
            f"{tokens['output']:,}",
            f"{r['cost_usd']:,.4f}",
            style="bold" if model == "all" else None,
        )
    console.print(table)
    if report["findings"]:
        top = ", ".join(f"{k} {v}" for k, v in list(report["findings"].items())[:12])
        console.print(f"[bold]findings[/] {top}")
    actions = ", ".join(f"{k} {v}" for k, v in report["actions"].items())
    console.print(
        f"[bold]verdicts[/] {actions or '-'}  [bold]PII leaks[/] {report['pii_leaks']}  "
        f"[bold]partial scans[/] {report['partial_scans']}"
    )
    feedback = report["feedback"]
    mean = feedback["mean_rating"]
    console.print(
        f"[bold]feedback[/] ratings mean {'-' if mean is None else f'{mean:.2f}'}  "
        f"escalations {feedback['escalations']}  complaints {feedback['complaints']}  "
        f"[bold]orphan responses[/] {report['orphan_responses']}  "
        f"[bold]unpriced[/] {report['unpriced_exchanges']}"
    )
