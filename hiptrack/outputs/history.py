"""Progress over time: every session in a folder, per exercise and side, as one HTML page.

For each exercise and side, sessions in ``created_utc`` order give: reps (or holds), mean range
of motion, mean hold time, faults per rep and, with a prescription, adherence. Each measure is
an inline SVG line chart (left and right as separate lines) and the numbers are in a table.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import ValidationError

from hiptrack import __version__
from hiptrack.outputs import svg
from hiptrack.outputs.html import esc, fmt, page, table
from hiptrack.outputs.stats import SideSummary, summarize
from hiptrack.prescription import Prescription, adherence
from hiptrack.session import SESSION_SCHEMA, Session, load_session, write_atomic

log = logging.getLogger(__name__)


def load_sessions(folder: str | Path) -> tuple[list[Session], list[tuple[Path, str]]]:
    """Every session file (``*.json``) in ``folder``, oldest first, and the files skipped (why).

    Non-session JSON (a labels file, a settings file) is skipped with a warning, never fatal.
    """
    sessions: list[tuple[datetime, Session]] = []
    skipped: list[tuple[Path, str]] = []
    for path in sorted(Path(folder).glob("*.json")):
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict) or raw.get("schema") != SESSION_SCHEMA:
                found = raw.get("schema") if isinstance(raw, dict) else type(raw).__name__
                raise ValueError(f"not a {SESSION_SCHEMA} file (schema {found!r})")
            s = load_session(path)
        except (OSError, ValueError, ValidationError) as exc:
            reason = str(exc).splitlines()[0]
            log.warning("skipping %s: %s", path.name, reason)
            skipped.append((path, reason))
            continue
        sessions.append((_created(s), s))
    sessions.sort(key=lambda p: p[0])
    return [s for _, s in sessions], skipped


def _created(s: Session) -> datetime:
    try:
        dt = datetime.fromisoformat(s.created_utc)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Point:
    """One session's numbers for one exercise and side."""

    when: datetime
    summary: SideSummary
    adherence_pct: float | None
    source: str


def collect(
    sessions: Sequence[Session], prescription: Prescription | None = None
) -> dict[str, dict[str, list[Point]]]:
    """exercise -> side -> points in time order."""
    out: dict[str, dict[str, list[Point]]] = {}
    for s in sessions:
        adh = {a.side: a.ratio * 100 for a in adherence(prescription, [s])} if prescription else {}
        for sm in summarize(s):
            pct = adh.get(sm.side, adh.get("both"))
            out.setdefault(s.exercise, {}).setdefault(sm.side, []).append(
                Point(_created(s), sm, pct, Path(s.source.path).name)
            )
    return out


MEASURES: tuple[tuple[str, str], ...] = (
    ("count", "reps / holds"),
    ("rom", "ROM mean"),
    ("hold", "mean hold (s)"),
    ("faults", "faults per rep"),
    ("adherence", "adherence (%)"),
)


def _value(p: Point, measure: str) -> float | None:
    sm = p.summary
    return {
        "count": float(sm.reps or sm.holds),
        "rom": sm.rom_mean,
        "hold": sm.hold_s_mean,
        "faults": sm.faults_per_rep,
        "adherence": p.adherence_pct,
    }[measure]


def _chart(by_side: dict[str, list[Point]], measure: str, label: str, t0: datetime) -> str | None:
    chart = svg.Chart(y_label=label, title=label)
    for side, pts in by_side.items():
        ys = [_value(p, measure) for p in pts]
        if all(y is None for y in ys):
            continue
        xs = [(p.when - t0).total_seconds() / 86400.0 for p in pts]
        chart.lines.append(svg.Line(xs, ys, svg.SIDE_COLORS.get(side, "#1f6feb"), side, points=True))
    if not chart.lines:
        return None
    xs_all = [x for ln in chart.lines for x in ln.xs]
    span = max(xs_all) - min(xs_all)
    if span < 1e-6:
        chart.x_range = (min(xs_all) - 0.5, max(xs_all) + 0.5)
    if measure == "adherence":
        chart.y_range = (0.0, 105.0)
        chart.hlines.append((100.0, "#2e7d32", "prescribed"))
    elif measure in ("count", "faults"):
        top = max((y for ln in chart.lines for y in ln.ys if y is not None), default=1.0)
        chart.y_range = (0.0, max(1.0, top * 1.15))

    chart.x_format = lambda x: (t0 + timedelta(days=x)).strftime("%m-%d")
    chart.x_label = "date"
    return svg.render(chart, width=440, height=200)


def _exercise_html(exercise: str, by_side: dict[str, list[Point]], prescription: Prescription | None) -> str:
    t0 = min(p.when for pts in by_side.values() for p in pts)
    out = [
        f'<section class="exercise" data-exercise="{esc(exercise)}">'
        f"<h2>{esc(exercise.replace('_', ' ').capitalize())}</h2>"
    ]
    dose = prescription.dose(exercise) if prescription else None
    if dose is not None:
        out.append(
            f'<p class="meta"><b>Prescribed</b> {esc(dose.reps)} reps × {esc(dose.sets)} set(s)'
            + (f", hold {esc(dose.hold_s)} s" if dose.hold_s else "")
            + f" · sides {esc(', '.join(dose.sides))}</p>"
        )
    charts = [c for m, label in MEASURES if (c := _chart(by_side, m, label, t0))]
    out.append('<div class="charts">' + "".join(f"<figure>{c}</figure>" for c in charts) + "</div>")
    rows = []
    for side, pts in by_side.items():
        for p in pts:
            sm = p.summary
            rows.append(
                (
                    esc(p.when.strftime("%Y-%m-%d %H:%M")),
                    esc(side),
                    str(sm.reps),
                    str(sm.holds),
                    fmt(sm.rom_mean, 1, sm.unit),
                    fmt(sm.rom_best, 1, sm.unit),
                    fmt(sm.hold_s_mean, 1, "s"),
                    fmt(sm.faults_per_rep, 2),
                    fmt(p.adherence_pct, 0, "%") if p.adherence_pct is not None else "–",
                    esc(p.source),
                )
            )
    rows.sort(key=lambda r: (r[0], r[1]))
    out.append(
        table(
            [
                "Date (UTC)",
                "Side",
                "Reps",
                "Holds",
                "ROM mean",
                "ROM best",
                "Hold mean",
                "Faults/rep",
                "Adherence",
                "Source",
            ],
            rows,
            text_cols=(0, 1, 9),
        )
    )
    out.append("</section>")
    return "\n".join(out)


def render_history(
    sessions: Sequence[Session],
    *,
    prescription: Prescription | None = None,
    patient: str | None = None,
    skipped: Sequence[tuple[Path, str]] = (),
    title: str = "Hip exercise progress",
) -> str:
    """The progress page as an HTML string (sessions in any order; sorted by ``created_utc``)."""
    sessions = sorted(sessions, key=_created)
    name = patient if patient is not None else next((s.patient for s in sessions if s.patient), None)
    head = [f'<header><h1>{esc(title)}</h1><p class="meta">']
    if name:
        head.append(f'<b>Patient</b> <span class="patient">{esc(name)}</span> · ')
    if sessions:
        head.append(
            f"<b>From</b> {_created(sessions[0]):%Y-%m-%d} <b>to</b> {_created(sessions[-1]):%Y-%m-%d} · "
        )
    head.append(f"{len(sessions)} session{'s' if len(sessions) != 1 else ''}")
    if prescription is not None:
        head.append(f" · <b>Programme</b> {esc(prescription.title)}")
    head.append("</p></header>")
    body = "".join(head)
    data = collect(sessions, prescription)
    if not data:
        body += "<p>No sessions found.</p>"
    body += "\n".join(_exercise_html(ex, by_side, prescription) for ex, by_side in sorted(data.items()))
    if skipped:
        items = "".join(f"<li>{esc(p.name)}: {esc(why)}</li>" for p, why in skipped)
        body += f'<h2>Files skipped</h2><ul class="warn">{items}</ul>'
    body += (
        f"<footer>Made by hiptrack {esc(__version__)} on {datetime.now(UTC):%Y-%m-%d %H:%M UTC}. "
        "Measurements are estimates from video, not a diagnosis.</footer>"
    )
    return page(f"{title} – {name}" if name else title, body, f"hiptrack {__version__}")


def write_history(path: str | Path, sessions: Sequence[Session], **kwargs: object) -> Path:
    """Render (see :func:`render_history`) and write atomically."""
    return write_atomic(path, render_history(sessions, **kwargs))  # type: ignore[arg-type]
