"""The therapist's report: ONE self-contained HTML file for one or more sessions.

No network at all: CSS inline, plots as inline SVG (:mod:`hiptrack.outputs.svg`), thumbnails as
``data:`` JPEGs, a CSP meta tag that blocks any load. It prints cleanly to PDF (print CSS: one
session per page, tables and figures kept whole). Every user-supplied string (patient name,
notes, file names, exercise names from user spec files, fault codes) is HTML-escaped.

Per session: header (patient, date, exercise, side, source), prescribed dose vs done, per side
reps / holds / range of motion (mean, best, trend) / faults, a per-rep table, a plot of the main
signal over time with rep bands, hold spans and fault markers, and thumbnails.
"""

from __future__ import annotations

import csv
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from hiptrack import __version__
from hiptrack.events import FrameState
from hiptrack.outputs import svg
from hiptrack.outputs.csvsink import parse_signal_header, unit_of
from hiptrack.outputs.html import data_uri, esc, fault_chips, fmt, page, table
from hiptrack.outputs.stats import SideSummary, summarize
from hiptrack.prescription import Adherence, Prescription, adherence
from hiptrack.session import Session, write_atomic

log = logging.getLogger(__name__)

MAX_PLOT_POINTS = 1500


@dataclass(frozen=True)
class Series:
    """The main signal over time, for the plot. ``values`` is NaN where there was no person."""

    t_s: npt.NDArray[np.float64]
    values: npt.NDArray[np.float64]
    name: str = ""
    unit: str = ""

    @classmethod
    def from_frames(cls, frames: Sequence[FrameState], signal: str | None = None) -> Series | None:
        """From the engine's frame states: ``signals[signal]`` or, without a name, ``main_value``."""
        if not frames:
            return None
        t = np.array([f.t_s for f in frames], dtype=np.float64)
        vals = [f.signals.get(signal) if signal else f.main_value for f in frames]
        v = np.array([np.nan if x is None else x for x in vals], dtype=np.float64)
        return cls(t, v, signal or "", unit_of(signal) if signal else "")

    @classmethod
    def from_csv(cls, path: str | Path, signal: str | None = None) -> Series | None:
        """From a per-frame CSV written by :class:`~hiptrack.outputs.csvsink.CsvSink`
        (``signal``: column name without unit; default: the first signal column)."""
        with Path(path).open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        if len(rows) < 2:
            return None
        header = rows[0]
        from hiptrack.outputs.csvsink import BASE_COLUMNS

        cols = {parse_signal_header(h)[0]: (i, parse_signal_header(h)[1]) for i, h in enumerate(header)}
        names = [parse_signal_header(h)[0] for h in header[len(BASE_COLUMNS) :]]
        name = signal or (names[0] if names else None)
        if name is None or name not in cols:
            return None
        i, unit = cols[name]
        t = np.array([float(r[0]) for r in rows[1:]], dtype=np.float64)
        v = np.array([float(r[i]) if r[i] else np.nan for r in rows[1:]], dtype=np.float64)
        return cls(t, v, name, unit)

    def decimated(self, max_points: int = MAX_PLOT_POINTS) -> Series:
        """At most about ``max_points`` points, keeping each bucket's min and max (peaks stay)."""
        n = len(self.t_s)
        if n <= max_points:
            return self
        buckets = max(1, max_points // 2)
        idx: list[int] = []
        for chunk in np.array_split(np.arange(n), buckets):
            v = self.values[chunk]
            if np.all(np.isnan(v)):
                idx.append(int(chunk[0]))
                continue
            lo, hi = int(chunk[np.nanargmin(v)]), int(chunk[np.nanargmax(v)])
            idx.extend(sorted({lo, hi}))
        sel = np.array(idx)
        return Series(self.t_s[sel], self.values[sel], self.name, self.unit)


@dataclass(frozen=True)
class Thumbnail:
    """A small JPEG of one moment (a rep at its peak, a fault), skeleton already drawn."""

    t_s: float
    jpeg: bytes
    caption: str
    kind: Literal["rep", "hold", "fault"] = "rep"


@dataclass
class SessionReport:
    """One session and the optional extras that make its report richer."""

    session: Session
    series: Series | None = None
    thumbnails: list[Thumbnail] = field(default_factory=list)


def _when(iso: str) -> str:
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _exercise_title(s: Session) -> str:
    return s.exercise_name or s.exercise.replace("_", " ").capitalize()


def _sides_text(s: Session) -> str:
    sides = sorted({r.side for r in s.reps} | {h.side for h in s.holds})
    return ", ".join(sides) if sides else (s.side_requested if s.side_requested != "auto" else "–")


def _header(s: Session, patient: str | None) -> str:
    name = patient if patient is not None else s.patient
    src = Path(s.source.path).name if s.source.path else "–"
    bits = [
        f"<b>Patient</b> {esc(name)}" if name else "",
        f"<b>Date</b> {esc(_when(s.created_utc))}",
        f"<b>Side</b> {esc(_sides_text(s))}",
        f'<b>Source</b> <span title="{esc(s.source.path)}">{esc(src)}</span>',
        f"<b>Length</b> {s.source.duration_s:.1f} s" if s.source.duration_s else "",
        f"<b>Person seen</b> {s.detection_rate * 100:.0f}% of frames" if s.detection_rate else "",
    ]
    out = f'<p class="meta">{" · ".join(b for b in bits if b)}</p>'
    if s.partial:
        out += '<p class="warn">This session was interrupted: data up to then.</p>'
    for w in s.warnings:
        out += f'<p class="warn">{esc(w)}</p>'
    return out


def _cards(summaries: Sequence[SideSummary]) -> str:
    cards = []
    for sm in summaries:
        count = f"{sm.reps} reps" if sm.reps else f"{sm.holds} holds"
        cards.append(
            f'<div class="card"><div class="k">{esc(sm.side)}</div><div class="v">{esc(count)}</div>'
            f'<div class="k">ROM {fmt(sm.rom_mean, 1, sm.unit)} · {sm.fault_total} faults</div></div>'
        )
    return f'<div class="cards">{"".join(cards)}</div>' if cards else ""


def _adherence_html(rows: Sequence[Adherence], notes: str) -> str:
    if not rows:
        return ""
    body = [
        (
            esc(a.side),
            esc(a.target),
            str(a.required),
            f"{a.done}" + (f" (+{a.holds_short} short hold)" if a.holds_short else ""),
            f'<span class="{"ok" if a.met else "bad"}">{a.ratio * 100:.0f}%</span>',
        )
        for a in rows
    ]
    out = "<h3>Prescribed vs done</h3>" + table(
        ["Side", "Prescribed", "Needed", "Done", "Adherence"], body, text_cols=(0, 1)
    )
    if notes:
        out += f'<p class="notes">{esc(notes)}</p>'
    return out


def _summary_table(summaries: Sequence[SideSummary]) -> str:
    rows = []
    for sm in summaries:
        tr = sm.trend
        trend = "–"
        if tr.slope_per_rep is not None:
            pct = tr.change_pct
            trend = (
                f"{tr.slope_per_rep:+.2f} {esc(sm.unit)}/rep; first {tr.first:.1f} → last {tr.last:.1f}"
                + (f" ({pct:+.0f}%)" if pct is not None else "")
            )
        rows.append(
            (
                esc(sm.side),
                str(sm.reps),
                str(sm.holds),
                fmt(sm.hold_s_total, 1, "s"),
                fmt(sm.hold_s_mean, 1, "s"),
                fmt(sm.rom_mean, 1, sm.unit),
                fmt(sm.rom_best, 1, sm.unit),
                trend,
                fault_chips(f"{c} ×{n}" for c, n in sorted(sm.faults.items())),
            )
        )
    return table(
        ["Side", "Reps", "Holds", "Hold total", "Hold mean", "ROM mean", "ROM best", "ROM trend", "Faults"],
        rows,
        text_cols=(0, 7, 8),
    )


def _rep_tables(s: Session) -> str:
    out = ""
    if s.reps:
        rows = [
            (
                str(r.index + 1),
                esc(r.side),
                f"{r.start_s:.2f}",
                f"{r.peak_s:.2f}",
                f"{r.end_s:.2f}",
                f"{r.hold_s:.1f}" + (f" / {r.hold_target_s:g}" if r.hold_target_s else ""),
                fmt(r.rom, 1, r.unit),
                fmt(r.peak_value, 1, r.unit),
                fault_chips(r.faults),
            )
            for r in s.reps
        ]
        out += "<h3>Repetitions</h3>" + table(
            ["#", "Side", "Start s", "Peak s", "End s", "Hold s", "ROM", "Peak", "Faults"],
            rows,
            text_cols=(1, 8),
            cls="reps",
        )
    if s.holds:
        hold_rows = [
            (
                str(h.index + 1),
                esc(h.side),
                f"{h.start_s:.2f}",
                f"{h.end_s:.2f}",
                f"{h.duration_s:.1f}" + (f" / {h.hold_target_s:g}" if h.hold_target_s else ""),
                fmt(h.peak_value, 1, h.unit),
                fault_chips(h.faults),
            )
            for h in s.holds
        ]
        out += "<h3>Holds</h3>" + table(
            ["#", "Side", "Start s", "End s", "Duration s", "Peak", "Faults"],
            hold_rows,
            text_cols=(1, 6),
            cls="holds",
        )
    return out


def signal_chart(s: Session, series: Series | None) -> svg.Chart:
    """The time plot: main signal, rep bands (by side), hold spans, fault markers."""
    chart = svg.Chart(x_label="time (s)")
    unit = series.unit if series and series.unit else (s.reps[0].unit if s.reps else "deg")
    name = (series.name if series and series.name else s.main_signal) or "main signal"
    chart.y_label = f"{name} ({unit})" if unit else name
    if series is not None and len(series.t_s):
        d = series.decimated()
        chart.lines.append(svg.Line(list(d.t_s), [float(v) for v in d.values], "#1d2330", name))
    elif s.reps or s.holds:  # no per-frame data: the peaks alone
        pts = sorted(
            [(r.peak_s, r.peak_value) for r in s.reps]
            + [((h.start_s + h.end_s) / 2, h.peak_value) for h in s.holds]
        )
        chart.lines.append(
            svg.Line([p[0] for p in pts], [p[1] for p in pts], "#1d2330", "peak value", points=True)
        )
    for r in s.reps:
        color = svg.SIDE_COLORS.get(r.side, "#1f6feb")
        chart.spans.append(
            svg.Span(
                r.start_s,
                r.end_s,
                color,
                0.12,
                f"#{r.index + 1}",
                f"rep {r.index + 1} ({r.side}): ROM {r.rom:.1f} {r.unit}",
            )
        )
        if r.hold_s > 0:
            chart.spans.append(
                svg.Span(
                    r.peak_s - r.hold_s / 2,
                    r.peak_s + r.hold_s / 2,
                    color,
                    0.28,
                    "",
                    f"hold {r.hold_s:.1f} s",
                )
            )
    for h in s.holds:
        color = svg.SIDE_COLORS.get(h.side, "#1f6feb")
        chart.spans.append(
            svg.Span(
                h.start_s,
                h.end_s,
                color,
                0.22,
                f"hold {h.index + 1}",
                f"hold {h.duration_s:.1f} s ({h.side})",
            )
        )
    for f in s.faults:
        chart.markers.append(
            svg.Marker(f.t_s, title=f"{f.code} at {f.t_s:.1f} s" + (f": {f.message}" if f.message else ""))
        )
    end = s.source.duration_s or max([0.0] + [r.end_s for r in s.reps] + [h.end_s for h in s.holds])
    if series is not None and len(series.t_s):
        end = max(end, float(series.t_s[-1]))
    chart.x_range = (0.0, max(end, 1.0))
    return chart


def _thumbs(thumbs: Sequence[Thumbnail]) -> str:
    if not thumbs:
        return ""
    figs = "".join(
        f'<figure class="thumb-{esc(t.kind)}"><img alt="{esc(t.caption)}" src="{data_uri(t.jpeg)}">'
        f"<figcaption>{esc(t.caption)}</figcaption></figure>"
        for t in thumbs
    )
    return f'<h3>Pictures</h3><div class="thumbs">{figs}</div>'


def _session_html(item: SessionReport, patient: str | None, prescription: Prescription | None) -> str:
    s = item.session
    summaries = summarize(s)
    out = [f'<section class="session" data-exercise="{esc(s.exercise)}">']
    out.append(f"<h2>{esc(_exercise_title(s))}</h2>")
    out.append(_header(s, patient))
    out.append(_cards(summaries))
    if prescription is not None:
        dose = prescription.dose(s.exercise)
        if dose is None:
            out.append(f'<p class="warn">Not in the prescription ({esc(prescription.title)}).</p>')
        else:
            out.append(_adherence_html(adherence(prescription, [s]), dose.notes))
    if summaries:
        out.append("<h3>Summary per side</h3>" + _summary_table(summaries))
    else:
        out.append("<p>No repetitions or holds were counted.</p>")
    out.append(
        f'<figure class="plot">{svg.render(signal_chart(s, item.series))}<figcaption>'
        "Shaded bands: repetitions (blue left, orange right, purple both); darker: time held at the "
        "top; red triangles: faults (hover for details).</figcaption></figure>"
    )
    out.append(_rep_tables(s))
    out.append(_thumbs(item.thumbnails))
    out.append("</section>")
    return "\n".join(x for x in out if x)


def render_report(
    items: Sequence[Session | SessionReport],
    *,
    patient: str | None = None,
    prescription: Prescription | None = None,
    notes: str | None = None,
    title: str = "Hip exercise report",
) -> str:
    """The report as an HTML string.

    Args:
        items: sessions (bare, or wrapped in :class:`SessionReport` with series/thumbnails).
        patient: shown in the header; overrides each session's ``patient``.
        prescription: adds "prescribed vs done" per session.
        notes: free text (e.g. the therapist's), shown under the header.
    """
    reports = [i if isinstance(i, SessionReport) else SessionReport(i) for i in items]
    name = (
        patient
        if patient is not None
        else next((r.session.patient for r in reports if r.session.patient), None)
    )
    dates = sorted(_when(r.session.created_utc) for r in reports)
    head = [f"<header><h1>{esc(title)}</h1>", '<p class="meta">']
    if name:
        head.append(f'<b>Patient</b> <span class="patient">{esc(name)}</span> · ')
    if dates:
        head.append(
            f"<b>Date</b> {esc(dates[0])}" + (f" – {esc(dates[-1])}" if dates[-1] != dates[0] else "")
        )
    head.append(f" · {len(reports)} session{'s' if len(reports) != 1 else ''}")
    if prescription is not None:
        head.append(f" · <b>Programme</b> {esc(prescription.title)}")
    head.append("</p>")
    if notes:
        head.append(f'<p class="notes">{esc(notes)}</p>')
    head.append("</header>")
    body = "".join(head) + "\n".join(_session_html(r, name, prescription) for r in reports)
    body += (
        f"<footer>Made by hiptrack {esc(__version__)} on {datetime.now(UTC):%Y-%m-%d %H:%M UTC} from "
        "video with a pose model. Measurements are estimates from a single camera, not a diagnosis.</footer>"
    )
    return page(f"{title} – {name}" if name else title, body, f"hiptrack {__version__}")


def write_report(path: str | Path, items: Sequence[Session | SessionReport], **kwargs: object) -> Path:
    """Render (see :func:`render_report` for the options) and write atomically."""
    html = render_report(items, **kwargs)  # type: ignore[arg-type]
    out = write_atomic(path, html)
    log.info("report written: %s (%d kB)", out, math.ceil(len(html) / 1024))
    return out
