"""The replay report as one self-contained HTML page: inline SVG charts, no scripts, no
external assets. Only bounded labels and numbers appear; never prompt or response text."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any

from sentinel.pipeline import Pipeline
from sentinel.report import build_report
from sentinel.track.quantiles import summarize
from sentinel.track.timeline import Timeline

WIDTH, HEIGHT = 880, 340
LEFT, RIGHT, TOP, BOTTOM = 70, 30, 64, 56  # plot margins in px: room for ticks and labels
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1")
OTHER_COLOR = "#9c9c9c"
TOP_CATEGORIES = 6  # findings chart: the rest are stacked as "other"
X_LABELS = 8  # at most this many time labels on a time axis
TICKS = 5  # y-axis divisions: a 1/2/5 axis top splits into round steps
CHAR_PX = 7.0  # approximate width of one 11px character, for legend and label layout

_STYLE = """
body { font: 14px system-ui, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
svg { display: block; margin: 8px 0 20px; background: #fff; }
svg text { font: 11px system-ui, sans-serif; fill: #333; }
svg .title { font-size: 14px; font-weight: bold; }
svg .axis { stroke: #555; } svg .grid { stroke: #e4e4e4; }
"""


def render_html(pipeline: Pipeline) -> str:
    report = build_report(pipeline)
    timeline = pipeline.timeline
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>sentinel replay report</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>sentinel replay report</h1>",
        _summary_table(report),
        _latency_chart(pipeline),
        _cost_chart(timeline),
        _findings_chart(timeline, [c for c, _ in pipeline.totals.findings.most_common()]),
        _canary_chart(timeline),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


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
    rows = "".join(f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in overall)
    head = "".join(
        f"<th>{c}</th>"
        for c in ("model", "exchanges", "errors", "p50 ms", "p95 ms", "p99 ms", "cost $")
    )
    models = "".join(
        f"<tr><td>{_e(m)}</td><td>{_num(r['exchanges'])}</td><td>{_num(r['errors'])}</td>"
        + "".join(f"<td>{_num(r['latency_ms'][q])}</td>" for q in ("p50", "p95", "p99"))
        + f"<td>{_num(r['cost_usd'], 4)}</td></tr>"
        for m, r in report["by_model"].items()
    )
    return (
        f'<h2>Summary</h2><table id="summary">{rows}</table>'
        f'<table id="summary-models"><tr>{head}</tr>{models}</table>'
    )


def _nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above `value` (axis top)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _svg(
    chart_id: str, title: str, x_label: str, y_label: str, body: Sequence[str], top: float
) -> str:
    """Frame, title, axes and y ticks (0..top) around `body`, drawn in plot coordinates."""
    plot_h, bottom = HEIGHT - TOP - BOTTOM, HEIGHT - BOTTOM
    ticks = []
    for i in range(TICKS + 1):
        value = top * i / TICKS
        y = bottom - plot_h * i / TICKS
        ticks.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_tick(value)}</text>'
        )
    return "\n".join(
        [
            f'<svg id="{chart_id}" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
            f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">',
            f"<title>{_e(title)}</title>",
            f'<text class="title" x="{LEFT}" y="22">{_e(title)}</text>',
            *ticks,
            *body,
            f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{bottom}" y2="{bottom}"/>',
            f'<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{bottom}"/>',
            f'<text class="x-label" x="{(LEFT + WIDTH - RIGHT) / 2}" y="{HEIGHT - 8}" '
            f'text-anchor="middle">{_e(x_label)}</text>',
            f'<text class="y-label" transform="translate(16 {(TOP + bottom) / 2}) rotate(-90)" '
            f'text-anchor="middle">{_e(y_label)}</text>',
            "</svg>",
        ]
    )


def _tick(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _y(value: float, top: float) -> float:
    return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value / top


def _legend(names: Sequence[str], colors: Sequence[str]) -> list[str]:
    """Swatches in rows under the title, wrapping at the right edge."""
    out: list[str] = []
    x, y = float(LEFT), 32.0
    for name, color in zip(names, colors, strict=True):
        width = 18 + CHAR_PX * len(name) + 12
        if x + width > WIDTH - RIGHT and x > LEFT:
            x, y = float(LEFT), y + 14
        out.append(
            f'<rect class="legend" x="{x:.1f}" y="{y:.1f}" width="10" height="10" '
            f'fill="{color}"/><text x="{x + 14:.1f}" y="{y + 9:.1f}">{_e(name)}</text>'
        )
        x += width
    return out


def _bar(x: float, width: float, value: float, top: float, color: str, tip: str) -> str:
    y = _y(value, top)
    return (
        f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
        f'height="{HEIGHT - BOTTOM - y:.1f}" fill="{color}"><title>{_e(tip)}</title></rect>'
    )


def _x_label(x: float, text: str) -> str:
    x = min(x, WIDTH - RIGHT - CHAR_PX * len(text) / 2)  # keep the last label inside
    return f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{_e(text)}</text>'


def _latency_chart(pipeline: Pipeline) -> str:
    quantiles = ("p50", "p95", "p99")
    rows = [
        (model, summarize(totals.latency_ms))
        for model, totals in sorted(pipeline.totals.by_model.items())
    ]
    top = _nice_max(max((s.p99 or 0.0 for _, s in rows), default=0.0))
    body: list[str] = _legend(quantiles, PALETTE[:3])
    slot = (WIDTH - LEFT - RIGHT) / max(len(rows), 1)
    bar_w = slot * 0.8 / len(quantiles)
    for i, (model, summary) in enumerate(rows):
        x0 = LEFT + i * slot + slot * 0.1
        values = (summary.p50, summary.p95, summary.p99)
        for j, (q, value) in enumerate(zip(quantiles, values, strict=True)):
            if value is not None:
                tip = f"{model} {q} {value:,.0f} ms"
                body.append(_bar(x0 + j * bar_w, bar_w, value, top, PALETTE[j], tip))
        body.append(_x_label(LEFT + (i + 0.5) * slot, model))
    return _svg("chart-latency", "Latency by model", "model", "latency (ms)", body, top)


def _time_axis(starts: Sequence[float], x_of: Callable[[int], float]) -> list[str]:
    step = max(1, math.ceil(len(starts) / X_LABELS))
    return [
        _x_label(x_of(i), datetime.fromtimestamp(start, UTC).strftime("%m-%d %H:%M"))
        for i, start in enumerate(starts)
        if i % step == 0
    ]


def _cost_chart(timeline: Timeline) -> str:
    series = timeline.series()
    top = _nice_max(max((b.cost_usd for _, b in series), default=0.0))
    span = max(len(series) - 1, 1)

    def x_of(i: int) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * i / span

    points = [(x_of(i), _y(b.cost_usd, top)) for i, (_, b) in enumerate(series)]
    body: list[str] = []
    if points:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        base = HEIGHT - BOTTOM
        body.append(
            f'<path class="area" fill="#4e79a7" fill-opacity="0.15" stroke="none" '
            f'd="M{points[0][0]:.1f},{base} L{coords.replace(" ", " L")} '
            f'L{points[-1][0]:.1f},{base} Z"/>'
        )
        body.append(
            f'<polyline class="line" fill="none" stroke="#4e79a7" stroke-width="2" '
            f'points="{coords}"/>'
        )
    body += _time_axis([start for start, _ in series], x_of)
    minutes = timeline.bucket_seconds / 60
    return _svg(
        "chart-cost",
        f"Cost per {minutes:g}-minute bucket",
        "event time (UTC)",
        "cost ($)",
        body,
        top,
    )


def _findings_chart(timeline: Timeline, categories: Sequence[str]) -> str:
    series = timeline.series()
    shown = list(categories[:TOP_CATEGORIES])
    names = [*shown, "other"] if len(categories) > TOP_CATEGORIES else shown
    colors = [*PALETTE[: len(shown)], OTHER_COLOR][: len(names)]
    top = _nice_max(max((sum(b.findings.values()) for _, b in series), default=0))
    slot = (WIDTH - LEFT - RIGHT) / max(len(series), 1)
    body: list[str] = _legend(names, colors)
    for i, (start, bucket) in enumerate(series):
        counts = [bucket.findings.get(c, 0) for c in shown]
        if len(names) > len(shown):
            counts.append(sum(bucket.findings.values()) - sum(counts))
        stacked = 0
        for name, color, count in zip(names, colors, counts, strict=True):
            if count:
                y_low, y_high = _y(stacked, top), _y(stacked + count, top)
                stamp = datetime.fromtimestamp(start, UTC).strftime("%H:%M")
                body.append(
                    f'<rect class="bar" x="{LEFT + i * slot + slot * 0.1:.1f}" y="{y_high:.1f}" '
                    f'width="{slot * 0.8:.1f}" height="{y_low - y_high:.1f}" fill="{color}">'
                    f"<title>{_e(f'{stamp} {name} {count}')}</title></rect>"
                )
                stacked += count
    body += _time_axis([s for s, _ in series], lambda i: LEFT + (i + 0.5) * slot)
    return _svg(
        "chart-findings",
        "Findings over time by category",
        "event time (UTC)",
        "findings",
        body,
        top,
    )


def _canary_chart(timeline: Timeline) -> str:
    """One panel per metric, each on its own scale (0..panel max), variants side by side."""
    variants = sorted(timeline.variants.items())
    metrics: list[tuple[str, list[float]]] = [
        ("failed ratio", [v.failed_ratio for _, v in variants]),
        ("flagged ratio", [v.flagged_ratio for _, v in variants]),
        ("hallucination ratio", [v.hallucinated_ratio for _, v in variants]),
        ("mean latency ms", [v.mean_latency_ms or 0.0 for _, v in variants]),
        ("cost per exchange $", [v.cost_per_exchange_usd for _, v in variants]),
    ]
    names = [name for name, _ in variants]
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(names))]
    body: list[str] = _legend(names, colors)
    slot = (WIDTH - LEFT - RIGHT) / len(metrics)
    bar_w = slot * 0.7 / max(len(names), 1)
    for i, (metric, values) in enumerate(metrics):
        panel_top = _nice_max(max(values, default=0.0))
        x0 = LEFT + i * slot + slot * 0.15
        for j, (name, value) in enumerate(zip(names, values, strict=True)):
            tip = f"{name} {metric} {value:.4g}"
            body.append(_bar(x0 + j * bar_w, bar_w, value, panel_top, colors[j], tip))
            body.append(
                f'<text x="{x0 + (j + 0.5) * bar_w:.1f}" y="{_y(value, panel_top) - 4:.1f}" '
                f'text-anchor="middle">{_e(_tick(value))}</text>'
            )
        body.append(_x_label(LEFT + (i + 0.5) * slot, metric))
    return _svg(
        "chart-canary",
        "Canary vs baseline by variant (each metric on its own scale)",
        "metric",
        "value (fraction of panel maximum)",
        body,
        1.0,
    )
