"""Small inline-SVG chart primitives for the HTML report: a frame with axes and round
ticks, legends, bars, lines and time labels. Text is always escaped; nothing is fetched."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1")
OTHER_COLOR = "#9c9c9c"
X_LABELS = 8  # at most this many time labels on a time axis
TICKS = 5  # about this many y-axis divisions, at round (1/2/5) steps
CHAR_PX = 7.0  # approximate width of one 11px character, for legend and label layout


def e(value: object) -> str:
    return escape(str(value), quote=True)


def nice_step(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above `value`."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value * (1 - 1e-9))


def nice_max(value: float) -> float:
    """An axis top at or above `value` (0..top in TICKS round steps)."""
    return nice_step(value / TICKS) * TICKS if value > 0 else 1.0


def axis(lo: float, hi: float) -> tuple[float, float, list[float]]:
    """Round bounds around [lo, hi] and the ticks between them."""
    if hi <= lo:
        hi = lo + 1.0
    step = nice_step((hi - lo) / TICKS)
    low, high = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    ticks = [low + i * step for i in range(round((high - low) / step) + 1)]
    return low, high, ticks


def tick(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


@dataclass(frozen=True)
class Frame:
    """A chart's size, margins (px) and y domain."""

    width: int = 880
    height: int = 340
    left: int = 70
    right: int = 30
    top: int = 64
    bottom: int = 56
    lo: float = 0.0
    hi: float = 1.0

    @property
    def base(self) -> float:
        return float(self.height - self.bottom)

    @property
    def plot_w(self) -> float:
        return float(self.width - self.left - self.right)

    @property
    def plot_h(self) -> float:
        return float(self.height - self.top - self.bottom)

    def y(self, value: float) -> float:
        return self.base - self.plot_h * (value - self.lo) / (self.hi - self.lo)


def svg(
    frame: Frame,
    chart_id: str,
    title: str,
    x_label: str,
    y_label: str,
    body: Sequence[str],
    ticks: Sequence[float] | None = None,
    tick_text: Callable[[float], str] = tick,
) -> str:
    """Frame, title, axes and y ticks around `body` (drawn in plot coordinates)."""
    f = frame
    grid = []
    for value in ticks or ():
        y = f.y(value)
        grid.append(
            f'<line class="grid" x1="{f.left}" x2="{f.width - f.right}" y1="{y:.1f}" '
            f'y2="{y:.1f}"/><text x="{f.left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{e(tick_text(value))}</text>"
        )
    return "\n".join(
        [
            f'<svg id="{chart_id}" xmlns="http://www.w3.org/2000/svg" width="{f.width}" '
            f'height="{f.height}" viewBox="0 0 {f.width} {f.height}" role="img">',
            f"<title>{e(title)}</title>",
            f'<text class="title" x="{f.left}" y="22">{e(title)}</text>',
            *grid,
            *body,
            f'<line class="axis" x1="{f.left}" x2="{f.width - f.right}" y1="{f.base}" '
            f'y2="{f.base}"/>',
            f'<line class="axis" x1="{f.left}" x2="{f.left}" y1="{f.top}" y2="{f.base}"/>',
            f'<text class="x-label" x="{(f.left + f.width - f.right) / 2}" '
            f'y="{f.height - 8}" text-anchor="middle">{e(x_label)}</text>',
            f'<text class="y-label" transform="translate(16 {(f.top + f.base) / 2}) '
            f'rotate(-90)" text-anchor="middle">{e(y_label)}</text>',
            "</svg>",
        ]
    )


def legend(
    frame: Frame, names: Sequence[str], colors: Sequence[str], dashed: Sequence[str] = ()
) -> list[str]:
    """Swatches in rows under the title, wrapping at the right edge; `dashed` names get a
    dashed line swatch."""
    out: list[str] = []
    x, y = float(frame.left), 32.0
    for name, color in zip(names, colors, strict=True):
        width = 18 + CHAR_PX * len(name) + 12
        if x + width > frame.width - frame.right and x > frame.left:
            x, y = float(frame.left), y + 14
        swatch = (
            f'<line x1="{x:.1f}" x2="{x + 12:.1f}" y1="{y + 5:.1f}" y2="{y + 5:.1f}" '
            f'stroke="{color}" stroke-width="2" stroke-dasharray="4 2"/>'
            if name in dashed
            else f'<rect x="{x:.1f}" y="{y:.1f}" width="10" height="10" fill="{color}"/>'
        )
        out.append(
            f'<g class="legend">{swatch}<text x="{x + 14:.1f}" y="{y + 9:.1f}">{e(name)}</text></g>'
        )
        x += width
    return out


def bar(frame: Frame, x: float, width: float, value: float, color: str, tip: str) -> str:
    y0, y1 = frame.y(max(frame.lo, 0.0)), frame.y(value)
    top, height = min(y0, y1), abs(y0 - y1)
    return (
        f'<rect class="bar" x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" '
        f'height="{height:.1f}" fill="{color}"><title>{e(tip)}</title></rect>'
    )


def lines(
    points: Sequence[tuple[float, float | None]], color: str, tip: str, dash: str = ""
) -> list[str]:
    """Polylines through the points; a None value breaks the line (no data there)."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((x, y))
    out = []
    style = f' stroke-dasharray="{dash}"' if dash else ""
    for run in runs:
        if len(run) == 1:
            x, y = run[0]
            out.append(
                f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}">'
                f"<title>{e(tip)}</title></circle>"
            )
        elif run:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            out.append(
                f'<polyline class="line" fill="none" stroke="{color}" stroke-width="2"{style} '
                f'points="{coords}"><title>{e(tip)}</title></polyline>'
            )
    return out


def x_label(frame: Frame, x: float, text: str) -> str:
    x = min(x, frame.width - frame.right - CHAR_PX * len(text) / 2)  # keep the last inside
    return f'<text x="{x:.1f}" y="{frame.base + 16}" text-anchor="middle">{e(text)}</text>'


def stamp(seconds: float, fmt: str = "%m-%d %H:%M") -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime(fmt)


def time_axis(frame: Frame, t0: float, t1: float) -> tuple[Callable[[float], float], list[str]]:
    """x of an event time between t0 and t1, and up to X_LABELS evenly spaced time labels."""
    span = max(t1 - t0, 1.0)

    def x_of(t: float) -> float:
        return frame.left + frame.plot_w * (t - t0) / span

    fmt = "%m-%d %H:%M" if span > 6 * 3600 else "%H:%M:%S" if span < 600 else "%H:%M"
    labels = [
        x_label(
            frame, x_of(t0 + span * i / (X_LABELS - 1)), stamp(t0 + span * i / (X_LABELS - 1), fmt)
        )
        for i in range(X_LABELS)
    ]
    return x_of, labels
