"""The replay report as one self-contained HTML page: inline SVG charts, no scripts, no
external assets. It draws what a backtest is for: when alerts fired and resolved and when
rollbacks were decided, how each SLO's error budget went over event time, latency
percentiles over time, and canary against baseline per gate with its samples. Only bounded
labels and numbers appear; never prompt or response text."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sentinel.pipeline import Pipeline
from sentinel.report import build_report
from sentinel.svgchart import (
    CHAR_PX,
    OTHER_COLOR,
    PALETTE,
    Frame,
    axis,
    bar,
    e,
    legend,
    lines,
    nice_max,
    stamp,
    svg,
    tick,
    time_axis,
    x_label,
)
from sentinel.track.quantiles import summarize
from sentinel.track.run import RunRecord
from sentinel.track.timeline import Timeline

MAX_POINTS = 120  # time charts merge neighbouring buckets down to this many points
TOP_CATEGORIES = 6  # findings chart: the rest are stacked as "other"
MAX_ALERT_ROWS = 24  # alert timeline rows (series); more are counted in the title
MAX_BUDGET_LINES = 8  # error-budget lines: the series with the least budget left
BUDGET_FLOOR_PERCENT = -100.0  # budget axis bottom: an overspent budget is clipped there
ROW_PX = 20  # one alert timeline row
LABEL_PX = 270  # alert timeline: left margin for the row labels
Z_95 = 1.959964  # two-sided 95 % normal quantile, for Wilson intervals
SEVERITY_COLORS = {"page": "#e15759", "ticket": "#f28e2b"}
ROLLBACK_COLOR = "#6b3fa0"

_STYLE = """
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; max-width: 900px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
p.note { color: #555; margin: 4px 0; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
svg { display: block; margin: 8px 0 20px; background: #fff; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
svg .title { font-size: 14px; font-weight: bold; }
svg .axis { stroke: #555; } svg .grid { stroke: #e4e4e4; }
svg .zero { stroke: #c00; stroke-dasharray: 4 3; }
"""


def render_html(pipeline: Pipeline, run: RunRecord) -> str:
    report = build_report(pipeline, run)
    timeline = run.timeline
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>sentinel replay report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>sentinel replay report</h1>",
        _summary_table(report),
        "<h2>Alerts and rollbacks</h2>",
        _alerts_chart(report, timeline),
        "<h2>Error budgets</h2>",
        _budget_chart(timeline),
        "<h2>Latency</h2>",
        _latency_chart(timeline),
        "<h2>Canary vs baseline</h2>",
        _canary_chart(report.get("canary")),
        "<h2>Cost and findings</h2>",
        _cost_chart(timeline),
        _findings_chart(timeline, [c for c, _ in run.totals.findings.most_common()]),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _num(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _summary_table(report: dict[str, Any]) -> str:
    events, latency = report["events"], report["latency_ms"]
    overall = [
        ("events read", _num(events["read"])),
        ("invalid events", _num(events["invalid"])),
        ("exchanges", _num(report["exchanges"])),
        ("timeouts", _num(report["timeouts"])),
        ("errors", _num(report["errors"])),
        ("latency p50 / p95 / p99 ms", " / ".join(_num(latency[q]) for q in ("p50", "p95", "p99"))),
        ("cost $", _num(report["cost_usd"], 4)),
        ("findings", _num(sum(report["findings"].values()))),
        ("PII leaks", _num(report["pii_leaks"])),
        ("alerts", _num(len(report["alerts"]))),
        ("rollbacks", _num(len(report["rollbacks"]))),
    ]
    rows = "".join(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in overall)
    head = "".join(
        f"<th>{c}</th>"
        for c in ("model", "exchanges", "errors", "p50 ms", "p95 ms", "p99 ms", "cost $")
    )
    models = "".join(
        f"<tr><td>{e(m)}</td><td>{_num(r['exchanges'])}</td><td>{_num(r['errors'])}</td>"
        + "".join(f"<td>{_num(r['latency_ms'][q])}</td>" for q in ("p50", "p95", "p99"))
        + f"<td>{_num(r['cost_usd'], 4)}</td></tr>"
        for m, r in report["by_model"].items()
    )
    return (
        f'<h2>Summary</h2><table id="summary">{rows}</table>'
        f'<table id="summary-models"><tr>{head}</tr>{models}</table>'
    )


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _run_span(timeline: Timeline, times: Sequence[float]) -> tuple[float, float] | None:
    """First and last event time of the run (buckets, alerts, decisions), if any."""
    points = list(times)
    if timeline.buckets:
        points.append(min(timeline.buckets) * timeline.bucket_seconds)
        points.append((max(timeline.buckets) + 1) * timeline.bucket_seconds)
    return (min(points), max(points)) if points else None


def _shorten(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _empty(frame: Frame, chart_id: str, title: str, x: str, y: str, message: str) -> str:
    """A chart that says why it has nothing to draw."""
    body = [
        f'<rect class="empty" x="{frame.left}" y="{frame.top}" width="{frame.plot_w:.0f}" '
        f'height="{frame.plot_h:.0f}" fill="#f7f7f7"/>',
        f'<text x="{frame.left + frame.plot_w / 2:.1f}" y="{frame.top + frame.plot_h / 2:.1f}" '
        f'text-anchor="middle">{e(message)}</text>',
    ]
    return svg(frame, chart_id, title, x, y, body)


def _alerts_chart(report: dict[str, Any], timeline: Timeline) -> str:
    """One row per alert series (name, labels, severity): a bar from fired to resolved
    (to the end of the run, dashed, if still firing); rollback decisions as diamonds."""
    alerts, decisions = report["alerts"], report["rollbacks"]
    times = [_seconds(a["starts_at"]) for a in alerts]
    times += [_seconds(a["ends_at"]) for a in alerts if a["ends_at"]]
    times += [float(d["at"]) for d in decisions]
    span = _run_span(timeline, times)
    title = f"Alerts fired and resolved, rollback decisions ({len(alerts)} alerts, " + (
        f"{len(decisions)} decisions)"
    )
    if span is None or not (alerts or decisions):
        frame = Frame(height=150, left=LABEL_PX)
        return _empty(frame, "chart-alerts", title, "event time (UTC)", "", "no alerts fired")
    rows: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for alert in alerts:
        key = (alert["name"], alert["severity"], *(f"{k}={v}" for k, v in alert["labels"].items()))
        rows.setdefault(key, []).append(alert)
    variants = sorted({str(d["variant"]) for d in decisions})
    shown = list(rows)[: MAX_ALERT_ROWS - len(variants)]
    hidden = len(rows) - len(shown)
    n_rows = len(shown) + len(variants)
    frame = Frame(height=64 + 56 + ROW_PX * n_rows + 8, left=LABEL_PX, lo=0.0, hi=1.0)
    if hidden:
        title += f", {hidden} more series not drawn"
    x_of, labels = time_axis(frame, *span)
    body = legend(
        frame,
        ["page", "ticket", "still firing at the end", "rollback decision"],
        [SEVERITY_COLORS["page"], SEVERITY_COLORS["ticket"], "#555", ROLLBACK_COLOR],
        dashed=["still firing at the end"],
    )
    label_chars = int((LABEL_PX - 12) / CHAR_PX)
    for row, key in enumerate(shown):
        y = frame.top + 4 + row * ROW_PX
        name, severity, *pairs = key
        slo = next((p[4:] for p in pairs if p.startswith("slo=")), None)
        others = " ".join(p.split("=", 1)[1] for p in pairs if not p.startswith("slo="))
        text = f"{'SLO ' + slo if slo else name} {others} · {severity}".replace("  ", " ")
        body.append(
            f'<text x="{LABEL_PX - 8}" y="{y + 13}" text-anchor="end">'
            f"<title>{e(' '.join(key))}</title>{e(_shorten(text, label_chars))}</text>"
        )
        color = SEVERITY_COLORS.get(severity, PALETTE[0])
        for alert in rows[key]:
            start = _seconds(alert["starts_at"])
            end = span[1] if alert["ends_at"] is None else _seconds(alert["ends_at"])
            x0, x1 = x_of(start), max(x_of(end), x_of(start) + 2)
            tip = f"{text}: fired {alert['starts_at']}, " + (
                "still firing at the end"
                if alert["ends_at"] is None
                else f"resolved {alert['ends_at']}"
            )
            dash = ' stroke="#555" stroke-dasharray="4 2"' if alert["ends_at"] is None else ""
            body.append(
                f'<rect class="alert" x="{x0:.1f}" y="{y + 3}" width="{x1 - x0:.1f}" '
                f'height="{ROW_PX - 6}" fill="{color}"{dash}><title>{e(tip)}</title></rect>'
            )
    for i, variant in enumerate(variants):
        row = len(shown) + i
        y_mid = frame.top + 4 + row * ROW_PX + ROW_PX / 2
        body.append(
            f'<text x="{LABEL_PX - 8}" y="{y_mid + 4}" text-anchor="end">'
            f"{e(_shorten(f'rollback {variant}', label_chars))}</text>"
        )
        for d in decisions:
            if str(d["variant"]) != variant:
                continue
            x = x_of(float(d["at"]))
            tip = f"{d['decision']} of {variant}: gate {d['sli']} ({d['trigger']})"
            body.append(
                f'<path class="decision" d="M{x:.1f},{y_mid - 7:.1f} L{x + 6:.1f},{y_mid:.1f} '
                f'L{x:.1f},{y_mid + 7:.1f} L{x - 6:.1f},{y_mid:.1f} Z" fill="{ROLLBACK_COLOR}">'
                f"<title>{e(tip)}</title></path>"
            )
    return svg(frame, "chart-alerts", title, "event time (UTC)", "", [*body, *labels])


def _budget_chart(timeline: Timeline) -> str:
    """Error budget left per SLO series over event time (100 % = untouched, 0 = spent)."""
    title = "Error budget left per SLO series"
    history = timeline.budget_history()
    if not history:
        return _empty(
            Frame(height=200),
            "chart-budget",
            title,
            "event time (UTC)",
            "budget left (%)",
            "no SLO saw an exchange",
        )
    last = history[-1][1]
    names = sorted({n for _, sample in history for n in sample}, key=lambda n: last.get(n, 1.0))
    drawn = names[:MAX_BUDGET_LINES]
    values = [v * 100 for _, sample in history for n, v in sample.items() if n in drawn]
    floor = min(0.0, *values)
    lo, _, ticks = axis(max(floor, BUDGET_FLOOR_PERCENT), 100.0)
    ticks = [t for t in ticks if t <= 100.0]
    frame = Frame(height=360, lo=lo, hi=100.0, top=64 + 14 * math.ceil(len(drawn) / 2))
    notes = []
    if floor < lo:
        notes.append(f"below {lo:,.0f} % drawn at the bottom edge")
    if len(names) > len(drawn):
        notes.append(f"{len(names) - len(drawn)} series with more budget left not drawn")
    note = (
        "Share of each SLO's error budget still unspent, from the exchanges seen so far in its "
        "period (100 % untouched, 0 % spent, dashed red line)"
        + "".join(f"; {n}" for n in notes)
        + "."
    )
    x_of, labels = time_axis(frame, history[0][0], history[-1][0])
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(drawn))]
    body = legend(frame, drawn, colors)
    zero = frame.y(0.0)
    body.append(
        f'<line class="zero" x1="{frame.left}" x2="{frame.width - frame.right}" '
        f'y1="{zero:.1f}" y2="{zero:.1f}"><title>budget spent</title></line>'
    )
    for name, color in zip(drawn, colors, strict=True):
        points = [
            (x_of(t), None if name not in sample else frame.y(max(sample[name] * 100, lo)))
            for t, sample in history
        ]
        final = last.get(name)
        tip = f"{name}: {'-' if final is None else f'{final:.1%}'} left at the end"
        body += lines(points, color, tip)
    return f'<p class="note">{e(note)}</p>' + svg(
        frame,
        "chart-budget",
        title,
        "event time (UTC)",
        "budget left (%)",
        [*body, *labels],
        ticks,
        lambda v: f"{v:,.0f}",
    )


def _latency_chart(timeline: Timeline) -> str:
    """p50, p95 and p99 of latency per time bucket, all models together."""
    series = timeline.series(MAX_POINTS)
    minutes = timeline.display_seconds(MAX_POINTS) / 60
    title = f"Latency percentiles per {minutes:g}-minute bucket (all models)"
    summaries = [(start, summarize(b.latency_ms)) for start, b in series if b.latency_ms]
    if not summaries:
        return _empty(
            Frame(height=200),
            "chart-latency",
            title,
            "event time (UTC)",
            "latency (ms)",
            "no latencies recorded",
        )
    top = nice_max(max(s.p99 or 0.0 for _, s in summaries))
    frame = Frame(hi=top)
    half = timeline.display_seconds(MAX_POINTS) / 2
    x_of, labels = time_axis(frame, series[0][0] + half, series[-1][0] + half)
    quantiles = ("p50", "p95", "p99")
    body = legend(frame, quantiles, PALETTE[:3])
    by_start = dict(summaries)
    for q, color in zip(quantiles, PALETTE[:3], strict=True):
        points = []
        for start, _ in series:
            s = by_start.get(start)
            value = None if s is None else getattr(s, q)
            points.append((x_of(start + half), None if value is None else frame.y(value)))
        body += lines(points, color, f"latency {q}")
    ticks = [top * i / 5 for i in range(6)]
    return svg(
        frame, "chart-latency", title, "event time (UTC)", "latency (ms)", [*body, *labels], ticks
    )


def _wilson(bad: int, total: int) -> tuple[float, float]:
    """Wilson score 95 % interval of bad / total; (0, 1) when total is 0."""
    if total == 0:
        return 0.0, 1.0
    p, z2 = bad / total, Z_95 * Z_95
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = Z_95 * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total)) / (1 + z2 / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def _canary_chart(canary: dict[str, Any] | None) -> str:
    """One panel per gate, each with its own labelled axis: the bad-event rate of baseline
    and canary with its 95 % interval and its samples (bad / total)."""
    title = "Bad-event rate per gate, canary vs baseline (95 % intervals; bad / total)"
    if canary is None or not canary["gates"]:
        return _empty(
            Frame(height=200),
            "chart-canary",
            title,
            "gate",
            "bad-event rate",
            "no canary gates configured (kind: rollback)",
        )
    gates = canary["gates"]
    variants = (canary["baseline_variant"], canary["variant"])
    colors = (PALETTE[0], PALETTE[1])
    frame = Frame(height=360, top=80, bottom=70)
    body = legend(frame, list(variants), list(colors))
    slot = frame.plot_w / len(gates)
    for i, gate in enumerate(gates):
        arms = (gate["baseline"], gate["canary"])
        intervals = [_wilson(a["bad"], a["total"]) for a in arms]
        top = nice_max(
            max(hi for a, (_, hi) in zip(arms, intervals, strict=True) if a["total"])
            if any(a["total"] for a in arms)
            else 0.0
        )
        panel = Frame(height=frame.height, top=frame.top, bottom=frame.bottom, hi=top)
        x0 = frame.left + i * slot
        axis_x = x0 + 44  # room for this panel's tick labels
        for k in range(6):
            value = top * k / 5
            y = panel.y(value)
            body.append(
                f'<line class="grid" x1="{axis_x:.1f}" x2="{x0 + slot - 8:.1f}" y1="{y:.1f}" '
                f'y2="{y:.1f}"/><text x="{axis_x - 4:.1f}" y="{y + 4:.1f}" '
                f'text-anchor="end">{e(_percent(value))}</text>'
            )
        body.append(
            f'<line class="axis" x1="{axis_x:.1f}" x2="{axis_x:.1f}" y1="{panel.top}" '
            f'y2="{panel.base}"/>'
        )
        width = (slot - 60) / 2 * 0.7
        for j, (arm, (lo, hi), color, name) in enumerate(
            zip(arms, intervals, colors, variants, strict=True)
        ):
            cx = axis_x + (slot - 52) * (j + 0.5) / 2
            rate = arm["bad"] / arm["total"] if arm["total"] else 0.0
            tip = f"{gate['name']}: {name} {arm['bad']:,}/{arm['total']:,} = {_percent(rate)}"
            body.append(bar(panel, cx - width / 2, width, rate, color, tip))
            if arm["total"]:
                y_lo, y_hi = panel.y(lo), panel.y(hi)
                body.append(
                    f'<path class="interval" d="M{cx:.1f},{y_lo:.1f} L{cx:.1f},{y_hi:.1f} '
                    f"M{cx - 5:.1f},{y_lo:.1f} L{cx + 5:.1f},{y_lo:.1f} M{cx - 5:.1f},{y_hi:.1f} "
                    f'L{cx + 5:.1f},{y_hi:.1f}" stroke="#222" fill="none"/>'
                )
            body.append(
                f'<text x="{cx:.1f}" y="{panel.base + 14}" text-anchor="middle">'
                f"{e(_samples(arm))}</text>"
            )
        state = "closed" if gate["closed"] else "open"
        p = gate["p_value"]
        note = f"{state}, p={p:.2g}" if p is not None else f"{state}, too few samples"
        centre = axis_x + (slot - 52) / 2
        body.append(
            f'<text x="{centre:.1f}" y="{panel.base + 30}" text-anchor="middle" '
            f'font-weight="bold">{e(gate["name"])}</text>'
            f'<text x="{centre:.1f}" y="{panel.base + 44}" text-anchor="middle">{e(note)}</text>'
        )
    return svg(frame, "chart-canary", title, "", "bad-event rate (each panel its own axis)", body)


def _samples(arm: dict[str, int]) -> str:
    return f"{arm['bad']:,}/{arm['total']:,}"


def _percent(value: float) -> str:
    return f"{value * 100:.3g} %" if value else "0 %"


def _cost_chart(timeline: Timeline) -> str:
    series = timeline.series(MAX_POINTS)
    minutes = timeline.display_seconds(MAX_POINTS) / 60
    title = f"Cost per {minutes:g}-minute bucket"
    top = nice_max(max((b.cost_usd for _, b in series), default=0.0))
    frame = Frame(hi=top)
    body: list[str] = []
    if series:
        half = timeline.display_seconds(MAX_POINTS) / 2
        x_of, labels = time_axis(frame, series[0][0] + half, series[-1][0] + half)
        points = [(x_of(start + half), frame.y(b.cost_usd)) for start, b in series]
        coords = " L".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(
            f'<path class="area" fill="#4e79a7" fill-opacity="0.15" stroke="none" '
            f'd="M{points[0][0]:.1f},{frame.base} L{coords} L{points[-1][0]:.1f},{frame.base} Z"/>'
        )
        body += lines(list(points), "#4e79a7", "cost per bucket")
        body += labels
    ticks = [top * i / 5 for i in range(6)]
    return svg(frame, "chart-cost", title, "event time (UTC)", "cost ($)", body, ticks)


def _findings_chart(timeline: Timeline, categories: Sequence[str]) -> str:
    series = timeline.series(MAX_POINTS)
    shown = list(categories[:TOP_CATEGORIES])
    names = [*shown, "other"] if len(categories) > TOP_CATEGORIES else shown
    colors = [*PALETTE[: len(shown)], OTHER_COLOR][: len(names)]
    top = nice_max(max((sum(b.findings.values()) for _, b in series), default=0))
    frame = Frame(hi=top)
    slot = frame.plot_w / max(len(series), 1)
    body: list[str] = legend(frame, names, colors)
    for i, (start, bucket) in enumerate(series):
        counts = [bucket.findings.get(c, 0) for c in shown]
        if len(names) > len(shown):
            counts.append(sum(bucket.findings.values()) - sum(counts))
        stacked = 0
        for name, color, count in zip(names, colors, counts, strict=True):
            if count:
                y_low, y_high = frame.y(stacked), frame.y(stacked + count)
                when = _hhmm(start)
                body.append(
                    f'<rect class="bar" x="{frame.left + i * slot + slot * 0.1:.1f}" '
                    f'y="{y_high:.1f}" width="{slot * 0.8:.1f}" height="{y_low - y_high:.1f}" '
                    f'fill="{color}"><title>{e(f"{when} {name} {count}")}</title></rect>'
                )
                stacked += count
    if series:
        step = max(1, math.ceil(len(series) / 8))
        body += [
            x_label(frame, frame.left + (i + 0.5) * slot, _hhmm(start))
            for i, (start, _) in enumerate(series)
            if i % step == 0
        ]
    ticks = [top * i / 5 for i in range(6)]
    return svg(
        frame,
        "chart-findings",
        "Findings over time by category",
        "event time (UTC)",
        "findings",
        body,
        ticks,
        tick,
    )


def _hhmm(seconds: float) -> str:
    return stamp(seconds, "%H:%M")
