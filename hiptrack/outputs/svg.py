"""Hand-written inline SVG charts (no plotting library): a time plot and small line charts.

Coordinates: data ``(x, y)`` map into a plot box inside a ``width`` x ``height`` viewBox; y grows
upwards in data space. All text goes through :func:`hiptrack.outputs.html.esc`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hiptrack.outputs.html import esc

SIDE_COLORS = {"left": "#2879d0", "right": "#e0701b", "both": "#6a3fb5"}
FAULT_COLOR = "#c62828"


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering ``[lo, hi]`` (steps of 1, 2 or 5 x 10^k)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else [0.0]
    raw = (hi - lo) / max(1, n)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = start
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


@dataclass
class Line:
    """One polyline; ``None``/NaN y values break it."""

    xs: Sequence[float]
    ys: Sequence[float | None]
    color: str = "#1f6feb"
    label: str = ""
    points: bool = False  # draw a dot at each value


@dataclass
class Span:
    """A shaded x-interval (a rep, a hold) with an optional label at its top."""

    x0: float
    x1: float
    color: str = "#1f6feb"
    opacity: float = 0.12
    label: str = ""
    title: str = ""


@dataclass
class Marker:
    """A vertical tick at ``x`` (a fault), with a tooltip."""

    x: float
    color: str = FAULT_COLOR
    title: str = ""


@dataclass
class Chart:
    """Everything one chart shows."""

    lines: list[Line] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    hlines: list[tuple[float, str, str]] = field(default_factory=list)  # (y, color, label)
    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None
    x_label: str = ""
    y_label: str = ""
    x_format: Callable[[float], str] = field(default=lambda v: f"{v:g}")
    x_ticks: Sequence[float] | None = None
    title: str = ""


def _finite(vals: Sequence[float | None]) -> list[float]:
    return [float(v) for v in vals if v is not None and math.isfinite(v)]


def render(chart: Chart, width: int = 900, height: int = 260) -> str:
    """The chart as an ``<svg>`` element string."""
    ml, mr, mt, mb = 56, 16, 22, 40
    pw, ph = width - ml - mr, height - mt - mb
    xs = [x for ln in chart.lines for x in ln.xs] + [s.x0 for s in chart.spans] + [s.x1 for s in chart.spans]
    xs += [m.x for m in chart.markers]
    x0, x1 = chart.x_range or ((min(xs), max(xs)) if xs else (0.0, 1.0))
    if x1 <= x0:
        x0, x1 = x0 - 0.5, x0 + 0.5
    ys = [y for ln in chart.lines for y in _finite(ln.ys)] + [h[0] for h in chart.hlines]
    if chart.y_range:
        y0, y1 = chart.y_range
    elif ys:
        y0, y1 = min(ys), max(ys)
        pad = (y1 - y0) * 0.08 or max(1.0, abs(y1) * 0.1)
        y0, y1 = y0 - pad, y1 + pad
    else:
        y0, y1 = 0.0, 1.0

    def sx(x: float) -> float:
        return ml + (x - x0) / (x1 - x0) * pw

    def sy(y: float) -> float:
        return mt + ph - (y - y0) / (y1 - y0) * ph

    out = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{esc(chart.title or chart.y_label)}">'
    ]
    if chart.title:
        out.append(f"<title>{esc(chart.title)}</title>")
    out.append(f'<rect x="{ml}" y="{mt}" width="{pw}" height="{ph}" fill="#fff" stroke="#d5dae3"/>')
    for s in chart.spans:
        a, b = sx(max(x0, s.x0)), sx(min(x1, s.x1))
        out.append(
            f'<rect x="{a:.1f}" y="{mt}" width="{max(1.0, b - a):.1f}" height="{ph}" fill="{s.color}" '
            f'fill-opacity="{s.opacity}"><title>{esc(s.title or s.label)}</title></rect>'
        )
        if s.label:
            out.append(
                f'<text x="{(a + b) / 2:.1f}" y="{mt + 12}" font-size="10" text-anchor="middle" '
                f'fill="#5b6475">{esc(s.label)}</text>'
            )
    for t in nice_ticks(y0, y1):
        y = sy(t)
        out.append(f'<line x1="{ml}" x2="{ml + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eef0f4"/>')
        out.append(
            f'<text x="{ml - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#5b6475">{t:g}</text>'
        )
    last_label = None
    for t in chart.x_ticks if chart.x_ticks is not None else nice_ticks(x0, x1, 8):
        label = chart.x_format(t)
        if label == last_label:  # e.g. two ticks on the same day
            continue
        last_label = label
        x = sx(t)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{mt + ph}" y2="{mt + ph + 4}" stroke="#5b6475"/>')
        out.append(
            f'<text x="{x:.1f}" y="{mt + ph + 16}" font-size="11" text-anchor="middle" fill="#5b6475">'
            f"{esc(label)}</text>"
        )
    for y, color, label in chart.hlines:
        out.append(
            f'<line x1="{ml}" x2="{ml + pw}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" stroke="{color}" '
            f'stroke-dasharray="5 4"><title>{esc(label)}</title></line>'
        )
        out.append(
            f'<text x="{ml + pw - 4}" y="{sy(y) - 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="{color}">{esc(label)}</text>'
        )
    for ln in chart.lines:
        out.extend(_polyline(ln, sx, sy))
    for m in chart.markers:
        x = sx(m.x)
        out.append(
            f'<g class="fault-marker"><line x1="{x:.1f}" x2="{x:.1f}" y1="{mt}" y2="{mt + ph}" '
            f'stroke="{m.color}" '
            f'stroke-width="1.5"/><path d="M{x - 5:.1f},{mt + ph} l5,-9 l5,9 z" fill="{m.color}"/>'
            f"<title>{esc(m.title)}</title></g>"
        )
    if chart.x_label:
        out.append(
            f'<text x="{ml + pw / 2}" y="{height - 6}" font-size="11" text-anchor="middle" fill="#5b6475">'
            f"{esc(chart.x_label)}</text>"
        )
    if chart.y_label:
        out.append(
            f'<text transform="translate(13 {mt + ph / 2}) rotate(-90)" font-size="11" text-anchor="middle" '
            f'fill="#5b6475">{esc(chart.y_label)}</text>'
        )
    legend = [ln for ln in chart.lines if ln.label]
    for i, ln in enumerate(legend):
        lx = ml + 8 + i * 110
        out.append(f'<rect x="{lx}" y="6" width="12" height="3" fill="{ln.color}"/>')
        out.append(f'<text x="{lx + 16}" y="11" font-size="11" fill="#1d2330">{esc(ln.label)}</text>')
    out.append("</svg>")
    return "".join(out)


def _polyline(ln: Line, sx: Callable[[float], float], sy: Callable[[float], float]) -> list[str]:
    out: list[str] = []
    run: list[str] = []
    for x, y in zip(ln.xs, ln.ys, strict=False):
        if y is None or not math.isfinite(y):
            if len(run) > 1:
                out.append(run_to_svg(run, ln.color))
            run = []
            continue
        run.append(f"{sx(x):.1f},{sy(y):.1f}")
        if ln.points:
            out.append(
                f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3.5" fill="{ln.color}">'
                f"<title>{esc(ln.label)} {y:.3g}</title></circle>"
            )
    if len(run) > 1:
        out.append(run_to_svg(run, ln.color))
    return out


def run_to_svg(points: list[str], color: str) -> str:
    return f'<polyline fill="none" stroke="{color}" stroke-width="1.8" points="{" ".join(points)}"/>'
