"""The replay report: one JSON object, or a readable table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from sentinel.pipeline import Pipeline
from sentinel.track.run import RunRecord


def build_report(pipeline: Pipeline, run: RunRecord) -> dict[str, Any]:
    """The pipeline's own counts with what its run observer recorded."""
    counts, totals, stats = pipeline.counts, run.totals, pipeline.correlator.stats
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
        "alerts": run.alerts(),
        "rollbacks": run.rollbacks(),
        "canary": run.canary(),
        "by_model": {
            model: per_model.report() for model, per_model in sorted(totals.by_model.items())
        },
    }
    return report


MAX_ROWS = 20  # alerts and rollback decisions listed in the table; JSON has them all
MAX_WIDTH = 100  # columns: the table report fits a 100-column terminal or CI log


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _when(stamp: str | float | None) -> str:
    """`MM-DD HH:MM:SS` (UTC) from an RFC 3339 string or POSIX seconds; `-` for none."""
    if stamp is None:
        return "-"
    if isinstance(stamp, str):
        return f"{stamp[5:10]} {stamp[11:19]}"
    return datetime.fromtimestamp(stamp, UTC).strftime("%m-%d %H:%M:%S")


def _table(title: str, columns: Sequence[str], folded: Sequence[str] = ()) -> Table:
    """A table whose text columns wrap (never cut) and whose numbers stay on one line."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for i, column in enumerate(columns):
        if column in folded:
            table.add_column(column, overflow="fold")
        else:
            table.add_column(column, justify="left" if i == 0 else "right", no_wrap=True)
    return table


def print_table(report: dict[str, Any], console: Console) -> None:
    """The report as text tables that fit 100 columns: nothing is cut, long labels wrap."""
    width = min(console.width, MAX_WIDTH)

    def out(renderable: Any) -> None:
        console.print(renderable, width=width)

    _print_summary(report, out)
    _print_alerts(report["alerts"], out)
    _print_canary(report.get("canary"), out)
    _print_rollbacks(report["rollbacks"], out)


def _print_summary(report: dict[str, Any], out: Callable[[Any], None]) -> None:
    events = report["events"]
    out(
        f"[bold]events[/] read {events['read']:,}  invalid {events['invalid']:,}  "
        f"duplicates {events['duplicates']:,}  feedback {events['feedback']:,}"
    )
    if events["invalid_by_reason"]:
        reasons = ", ".join(f"{k} {v}" for k, v in events["invalid_by_reason"].items())
        out(f"[bold]dead letters[/] {reasons}")
    rows = [*report["by_model"].items(), ("all", report)]
    latency = _table(
        "exchanges and latency by model",
        (
            "model",
            "exchanges",
            "timeouts",
            "errors",
            "retries",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "ttft p95",
        ),
        folded=("model",),
    )
    cost = _table(
        "tokens and cost by model",
        ("model", "input tok", "cached tok", "output tok", "unpriced", "cost $"),
        folded=("model",),
    )
    for model, r in rows:
        ms, tokens = r["latency_ms"], r["tokens"]
        style = "bold" if model == "all" else None
        latency.add_row(
            model,
            f"{r['exchanges']:,}",
            f"{r['timeouts']:,}",
            f"{r['errors']:,}",
            f"{r['retries']:,}",
            _ms(ms["p50"]),
            _ms(ms["p95"]),
            _ms(ms["p99"]),
            _ms(r["ttft_ms"]["p95"]),
            style=style,
        )
        cost.add_row(
            model,
            f"{tokens['input']:,}",
            f"{tokens['cached_input']:,}",
            f"{tokens['output']:,}",
            f"{r.get('unpriced_exchanges', 0):,}",
            f"{r['cost_usd']:,.4f}",
            style=style,
        )
    out(latency)
    out(cost)
    if report["findings"]:
        top = ", ".join(f"{k} {v}" for k, v in list(report["findings"].items())[:12])
        out(f"[bold]findings[/] {top}")
    actions = ", ".join(f"{k} {v}" for k, v in report["actions"].items())
    out(
        f"[bold]verdicts[/] {actions or '-'}  [bold]PII leaks[/] {report['pii_leaks']}  "
        f"[bold]partial scans[/] {report['partial_scans']}"
    )
    feedback = report["feedback"]
    mean = feedback["mean_rating"]
    out(
        f"[bold]feedback[/] ratings mean {'-' if mean is None else f'{mean:.2f}'}  "
        f"escalations {feedback['escalations']}  complaints {feedback['complaints']}  "
        f"[bold]orphan responses[/] {report['orphan_responses']}  "
        f"[bold]unpriced[/] {report['unpriced_exchanges']}"
    )


def _print_alerts(alerts: list[dict[str, Any]], out: Callable[[Any], None]) -> None:
    if not alerts:
        out("[bold]alerts[/] none")
        return
    table = _table(
        f"alerts ({len(alerts)}, event time UTC)",
        ("alert", "severity", "labels", "fired", "resolved"),
        folded=("alert", "labels"),
    )
    for alert in alerts[:MAX_ROWS]:
        labels = " ".join(f"{k}={v}" for k, v in alert["labels"].items())
        ended = alert["ends_at"]
        table.add_row(
            alert["name"],
            alert["severity"],
            labels,
            _when(alert["starts_at"]),
            "firing" if ended is None else _when(ended),
        )
    out(table)
    if len(alerts) > MAX_ROWS:
        out(f"… and {len(alerts) - MAX_ROWS} more (--report json lists every alert)")


def _print_canary(canary: dict[str, Any] | None, out: Callable[[Any], None]) -> None:
    if canary is None:
        return
    state = "open" if canary["open"] else "closed"
    table = _table(
        f"canary {canary['variant']} vs {canary['baseline_variant']}: gate {state}"
        + (" (dry run)" if canary["dry_run"] else ""),
        ("gate", "canary bad/total", "baseline bad/total", "p-value", "state"),
        folded=("gate",),
    )
    for g in canary["gates"]:
        c, b = g["canary"], g["baseline"]
        table.add_row(
            g["name"],
            f"{c['bad']:,}/{c['total']:,}",
            f"{b['bad']:,}/{b['total']:,}",
            "-" if g["p_value"] is None else f"{g['p_value']:.3g}",
            "closed" if g["closed"] else "open" if g["enough_samples"] else "too few samples",
        )
    out(table)


def _print_rollbacks(decisions: list[dict[str, Any]], out: Callable[[Any], None]) -> None:
    if not decisions:
        out("[bold]rollback decisions[/] none")
        return
    table = _table(
        f"rollback decisions ({len(decisions)}, event time UTC)",
        ("at", "variant", "gate", "trigger", "decision", "reason"),
        folded=("variant", "gate", "reason"),
    )
    for d in decisions[:MAX_ROWS]:
        table.add_row(
            _when(float(d["at"])), d["variant"], d["sli"], d["trigger"], d["decision"], d["reason"]
        )
    out(table)
    if len(decisions) > MAX_ROWS:
        out(f"… and {len(decisions) - MAX_ROWS} more (--report json lists them all)")
