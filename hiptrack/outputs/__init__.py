"""What people see: annotated video, per-frame CSV, the therapist's HTML report, progress pages.

The three calls ``hiptrack analyze`` makes (in this order)::

    from hiptrack import outputs

    outputs.add_output_options(parser)                         # when building the parser
    sinks = outputs.open_sinks(args, src.info, spec.signal_names, spec=spec)  # before frame 1
    for frame, pose, state in ...:                             # every analysed frame
        for sink in sinks:
            sink.on_frame(frame.image_bgr, pose, state)
    outputs.close_sinks(sinks, session, ok=True)               # or ok=False on an exception
    written = outputs.finish_outputs(args, session, video_path, frames, track)

Sinks write to temporary files and rename them into place on ``close``; ``close_sinks(...,
ok=False)`` (or ``sink.abort()``) leaves any earlier output untouched. Modules:

* :mod:`~hiptrack.outputs.videosink` - :class:`VideoSink` (H.264 MP4 via PyAV)
* :mod:`~hiptrack.outputs.csvsink` - :class:`CsvSink` (one row per frame)
* :mod:`~hiptrack.outputs.report` - the self-contained HTML report
* :mod:`~hiptrack.outputs.thumbnails` - JPEG thumbnails with skeleton and optional face blur
* :mod:`~hiptrack.outputs.history` - progress over many sessions
"""

from __future__ import annotations

import argparse
import functools
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hiptrack.errors import HiptrackError
from hiptrack.events import FrameState, Sink
from hiptrack.outputs.csvsink import CsvSink
from hiptrack.outputs.videosink import VideoSink
from hiptrack.prescription import Prescription, load_prescription
from hiptrack.session import Session
from hiptrack.spec import ExerciseSpec
from hiptrack.track import PoseTrack
from hiptrack.video import VideoInfo

log = logging.getLogger(__name__)

__all__ = [
    "CsvSink",
    "VideoSink",
    "add_output_options",
    "close_sinks",
    "finish_outputs",
    "open_sinks",
]


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--video``, ``--csv``, ``--report``, ``--patient``, ``--prescription``,
    ``--blur-faces`` (an "outputs" argument group) to ``parser``.

    Resulting attributes: ``args.video_out``, ``args.csv_out``, ``args.report_out`` (Path or
    None), ``args.patient`` (str or None), ``args.prescription`` (Path or None),
    ``args.blur_faces`` (bool).
    """
    g = parser.add_argument_group("outputs")
    g.add_argument(
        "--video",
        dest="video_out",
        type=Path,
        metavar="OUT.mp4",
        help="write the annotated video (H.264 MP4: plays in browsers and on phones)",
    )
    g.add_argument(
        "--csv",
        dest="csv_out",
        type=Path,
        metavar="OUT.csv",
        help="write one row per frame: time, state, counts, faults, every signal",
    )
    g.add_argument(
        "--report",
        dest="report_out",
        type=Path,
        metavar="OUT.html",
        help="write the therapist's report (one self-contained HTML file, prints to PDF)",
    )
    g.add_argument("--patient", metavar="NAME", help="patient name shown in the report")
    g.add_argument(
        "--prescription",
        type=Path,
        metavar="FILE",
        help="prescribed doses (.toml or .yaml) to compare with what was done; "
        "see hiptrack/data/prescription_sample.toml",
    )
    g.add_argument(
        "--blur-faces",
        action="store_true",
        help="blur the face in the annotated video and in report pictures",
    )


def _check_out(path: Path | None, what: str, source: str | None) -> None:
    if path is None:
        return
    if path.is_dir():
        raise HiptrackError(
            f"--{what} {path} is a folder; give a file name such as {path / ('out.' + what)}."
        )
    if not path.parent.exists():
        raise HiptrackError(f"Cannot write {path}: the folder {path.parent} does not exist. Create it first.")
    if source and Path(source).exists() and path.exists() and path.resolve() == Path(source).resolve():
        raise HiptrackError(
            f"--{what} {path} is the input video; choose another name so it is not overwritten."
        )


def prescription_from_args(args: argparse.Namespace) -> Prescription | None:
    """The ``--prescription`` file loaded (raises :class:`PrescriptionError` with the field)."""
    path = getattr(args, "prescription", None)
    return load_prescription(path) if path else None


def _target_reps(prescription: Prescription | None, exercise: str | None) -> dict[str, int] | None:
    dose = prescription.dose(exercise) if prescription and exercise else None
    if dose is None:
        return None
    return {side: dose.reps_min_total(side) for side in dose.sides}


def open_sinks(
    args: argparse.Namespace,
    video_info: VideoInfo,
    signal_names: Sequence[str],
    *,
    exercise: str | None = None,
    exercise_name: str = "",
    main_signal: str | None = None,
    fault_messages: dict[str, str] | None = None,
    spec: ExerciseSpec | None = None,
) -> list[Sink]:
    """The sinks the output options ask for: a :class:`VideoSink` for ``--video``, a
    :class:`CsvSink` for ``--csv`` (possibly none). Checks the paths and the prescription now,
    so a typo fails before a long analysis.

    Args:
        args: parsed arguments (see :func:`add_output_options`).
        video_info: the source's size and nominal fps (``FrameSource.info``).
        signal_names: the exercise's signals, CSV column order.
        exercise: exercise id (default ``args.exercise``): picks the overlay geometry and the
            prescribed target shown in the HUD.
        main_signal: the signal drawn on the body (default: ``FrameState.main_value``).
        fault_messages: fault code -> cue text for the banner.
        spec: the exercise spec; fills ``exercise``, ``exercise_name``, ``main_signal`` and
            ``fault_messages`` (the spec's cues) when they are not given.
    """
    if spec is not None:
        exercise = exercise or spec.id
        exercise_name = exercise_name or spec.name
        main_signal = main_signal or spec.main.signal
        fault_messages = fault_messages or {c: spec.cue(c) for c in spec.fault_codes}
    exercise = exercise or getattr(args, "exercise", None)
    video_out: Path | None = getattr(args, "video_out", None)
    csv_out: Path | None = getattr(args, "csv_out", None)
    _check_out(video_out, "video", video_info.source)
    _check_out(csv_out, "csv", video_info.source)
    _check_out(getattr(args, "report_out", None), "report", video_info.source)
    prescription = prescription_from_args(args)
    sinks: list[Sink] = []
    if video_out is not None:
        from hiptrack.draw import DrawStyle, annotate

        size = (video_info.width, video_info.height)
        annotator = functools.partial(
            annotate,
            exercise=exercise,
            exercise_name=exercise_name,
            main_signal=main_signal,
            target_reps=_target_reps(prescription, exercise),
            fault_messages=fault_messages,
            blur_faces=bool(getattr(args, "blur_faces", False)),
            style=DrawStyle.for_image(size),
        )
        sinks.append(VideoSink(video_out, video_info.fps, size, annotator=annotator))
    if csv_out is not None:
        try:
            sinks.append(CsvSink(csv_out, signal_names))
        except BaseException:
            close_sinks(sinks, None, ok=False)
            raise
    return sinks


def close_sinks(sinks: Sequence[Sink], session: Session | None, ok: bool = True) -> None:
    """Close every sink (``ok``) or abort those that can (after an error: earlier files stay)."""
    for sink in sinks:
        try:
            if ok and session is not None:
                sink.close(session)
            elif hasattr(sink, "abort"):
                sink.abort()
        except Exception:
            log.exception("closing %s failed", type(sink).__name__)
            if ok:
                raise


def finish_outputs(
    args: argparse.Namespace,
    session: Session,
    video_path: str | Path | None,
    frames: Sequence[FrameState],
    track_or_none: PoseTrack | None,
) -> list[Path]:
    """After the analysis: write ``--report`` (with the signal plot from ``frames`` and, when
    ``video_path`` exists and ``track_or_none`` is given, thumbnails of every rep and fault).

    Returns the files written (empty when no report was asked for). The sinks from
    :func:`open_sinks` are closed separately (:func:`close_sinks`).
    """
    report_out: Path | None = getattr(args, "report_out", None)
    if report_out is None:
        return []
    from hiptrack.outputs.report import Series, SessionReport, write_report

    signal = session.main_signal if frames and session.main_signal in frames[0].signals else None
    item = SessionReport(session, Series.from_frames(frames, signal))
    blur = bool(getattr(args, "blur_faces", False))
    if video_path is not None and Path(video_path).is_file() and track_or_none is not None:
        from hiptrack.outputs.thumbnails import session_thumbnails

        item.thumbnails = session_thumbnails(session, video_path, track_or_none, blur_faces=blur)
    kwargs: dict[str, Any] = {
        "patient": getattr(args, "patient", None),
        "prescription": prescription_from_args(args),
    }
    return [write_report(report_out, [item], **kwargs)]
