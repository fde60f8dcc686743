"""`hiptrack report SESSION.json... --out report.html`: the therapist's report from session files.

Pictures of each rep and fault are added when the session's source video exists and its pose
track is found (``--track``, or ``SESSION.track.npz`` / ``SESSION.npz`` beside the session file);
without a track the report has no pictures (the pose model is not re-run). The signal plot uses
the per-frame CSV (``--series``, or ``SESSION.csv`` beside it) when there is one, else the rep
peaks.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hiptrack.errors import HiptrackError
from hiptrack.session import Session, load_session
from hiptrack.track import PoseTrack

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "report",
        help="write a self-contained HTML report from session files",
        description="Build one HTML file (no network, prints to PDF) from one or more sessions.",
    )
    p.add_argument("sessions", nargs="+", type=Path, metavar="SESSION.json")
    p.add_argument("--out", type=Path, required=True, metavar="report.html", help="HTML file to write")
    p.add_argument("--patient", metavar="NAME", help="patient name (default: the sessions' own)")
    p.add_argument("--prescription", type=Path, metavar="FILE", help="doses to compare with (.toml/.yaml)")
    p.add_argument("--notes", metavar="TEXT", help="free text shown under the header")
    p.add_argument("--blur-faces", action="store_true", help="blur faces in every picture")
    p.add_argument(
        "--track",
        type=Path,
        action="append",
        default=[],
        metavar="TRACK.npz",
        help="pose track for pictures, one per session in order (default: found beside the session)",
    )
    p.add_argument(
        "--series",
        type=Path,
        action="append",
        default=[],
        metavar="FRAMES.csv",
        help="per-frame CSV for the plot, one per session in order (default: SESSION.csv beside it)",
    )
    p.add_argument("--no-pictures", action="store_true", help="leave out the thumbnails")
    p.set_defaults(func=run)


def read_session(path: Path) -> Session:
    """A session file, or a :class:`HiptrackError` that says what is wrong with it."""
    if not path.is_file():
        raise HiptrackError(f"No such session file: {path}. Check the path.")
    try:
        return load_session(path)
    except (ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise HiptrackError(
            f"{path} is not a hiptrack session file ({first}). Pass the .json that "
            "`hiptrack analyze --json` wrote."
        ) from exc


def _beside(path: Path, suffixes: tuple[str, ...]) -> Path | None:
    for suffix in suffixes:
        cand = path.with_suffix(suffix)
        if cand.is_file():
            return cand
    return None


def _pick(explicit: list[Path], i: int, session_path: Path, suffixes: tuple[str, ...]) -> Path | None:
    if i < len(explicit):
        return explicit[i]
    return _beside(session_path, suffixes)


def run(args: argparse.Namespace) -> int:
    from hiptrack.outputs.report import Series, SessionReport, write_report
    from hiptrack.prescription import load_prescription

    prescription = load_prescription(args.prescription) if args.prescription else None
    if not args.out.parent.exists():
        raise HiptrackError(f"Cannot write {args.out}: the folder {args.out.parent} does not exist.")
    items: list[SessionReport] = []
    pictures = 0
    for i, path in enumerate(args.sessions):
        session = read_session(path)
        item = SessionReport(session)
        series_path = _pick(args.series, i, path, (".csv",))
        if series_path is not None:
            try:
                item.series = Series.from_csv(series_path, session.main_signal or None)
            except (OSError, ValueError, IndexError) as exc:
                log.warning("cannot read %s for the plot (%s); plotting rep peaks", series_path, exc)
        track_path = _pick(args.track, i, path, (".track.npz", ".npz"))
        video = Path(session.source.path)
        if not args.no_pictures and track_path is not None and video.is_file():
            from hiptrack.outputs.thumbnails import session_thumbnails

            item.thumbnails = session_thumbnails(
                session, video, PoseTrack.load(track_path), blur_faces=args.blur_faces
            )
            pictures += len(item.thumbnails)
        elif not args.no_pictures:
            why = "video not found" if not video.is_file() else "no pose track (pass --track)"
            print(f"{path.name}: no pictures ({why})")
        items.append(item)
    write_report(args.out, items, patient=args.patient, prescription=prescription, notes=args.notes)
    print(f"report written to {args.out} ({len(items)} session(s), {pictures} picture(s))")
    return 0
