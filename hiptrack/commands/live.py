"""`hiptrack live --exercise ID`: coach an exercise from the webcam, counting as you go."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hiptrack.commands.analyze import print_summary
from hiptrack.commands.common import add_model_options, estimator_options
from hiptrack.errors import HiptrackError
from hiptrack.eventlog import recover_session, session_path_for, unfinished_logs
from hiptrack.events import FrameState
from hiptrack.live.coach import CoachView, LiveDose
from hiptrack.prescription import load_prescription
from hiptrack.session import ModelInfo, save_session
from hiptrack.spec import ExerciseSpec, builtin_ids, resolve_spec

if TYPE_CHECKING:  # the live loop imports OpenCV: loaded only when `live` runs
    from hiptrack.estimator import PoseEstimator
    from hiptrack.live.loop import LiveResult
    from hiptrack.live.overlay import Rendered
    from hiptrack.live.source import LiveSource

EXIT_PARTIAL = 3  # the run stopped early (camera lost); the partial session was written


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "live",
        help="coach an exercise live from the webcam (or a video played in real time)",
        description="Live coaching: mirrored camera view with skeleton, rep count against the target, "
        "hold countdown, rest timer, side-switch prompt and one form cue at a time. A setup guide "
        "shows where to put the camera and gives GO when the whole body is in view and in the start "
        "position. Keys: q/Esc quit, space/p pause, s switch side, r reset set. Every event is "
        "written to <out-dir>/<time>_<exercise>.events.jsonl as it happens; the session JSON is "
        "written at the end, also after Ctrl-C or a lost camera.",
    )
    p.add_argument("--exercise", "-e", metavar="ID", help=f"exercise: {', '.join(builtin_ids())}")
    p.add_argument("--spec", type=Path, metavar="FILE", help="your own exercise spec (TOML/YAML)")
    p.add_argument(
        "--side", choices=("auto", "left", "right"), default="auto", help="working side (default: detected)"
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--camera", type=int, default=0, metavar="N", help="webcam number (default: 0)")
    src.add_argument(
        "--video", type=Path, metavar="FILE", help="play this video at real-time pace instead of a camera"
    )
    p.add_argument("--speed", type=float, default=1.0, help="--video playback speed (default: 1 = real time)")
    p.add_argument("--no-window", action="store_true", help="run the same loop without showing a window")
    p.add_argument(
        "--mirror",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show the picture mirrored (default: on for a camera, off for --video)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no sounds")
    p.add_argument(
        "--prescription",
        type=Path,
        metavar="FILE",
        help="the dose (sides, sets, reps, hold) from a prescription",
    )
    p.add_argument(
        "--routine",
        action="store_true",
        help="walk through every exercise of --prescription in order (n: next)",
    )
    p.add_argument("--rest", type=float, default=30.0, metavar="S", help="rest between sets (default: 30 s)")
    p.add_argument(
        "--out-dir",
        type=Path,
        default=Path("sessions"),
        metavar="DIR",
        help="where sessions go (default: sessions/)",
    )
    p.add_argument("--save-frames", type=Path, metavar="DIR", help="also save every Nth overlay frame as PNG")
    p.add_argument("--save-every", type=int, default=30, metavar="N", help="with --save-frames (default: 30)")
    add_model_options(p, default_complexity="lite")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")  # OpenCV's camera probing is noisy
    from hiptrack.estimator import PoseEstimator
    from hiptrack.live.source import LiveSource

    items = _exercises(args)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    _recover_leftovers(args.out_dir)
    source = (
        LiveSource.file(args.video, pace=args.speed if args.speed > 0 else None)
        if args.video is not None
        else LiveSource.camera(args.camera)
    )
    with source, PoseEstimator(estimator_options(args)) as est:
        results = _run(args, items, source, est)
    return _report(args, results)


def _exercises(args: argparse.Namespace) -> list[tuple[ExerciseSpec, LiveDose]]:
    """(spec, dose) for each exercise to coach: one, or the whole prescription with --routine."""
    prescription = load_prescription(args.prescription) if args.prescription else None
    if args.routine:
        if prescription is None:
            raise HiptrackError("--routine walks through a prescription: pass it with --prescription FILE.")
        return [
            (resolve_spec(ex), LiveDose.from_prescription(d, args.rest))
            for ex, d in prescription.exercises.items()
        ]
    spec = resolve_spec(args.exercise, args.spec)
    if prescription is None:
        return [(spec, LiveDose.from_spec(spec, args.rest))]
    dose = prescription.dose(spec.id)
    if dose is None:
        raise HiptrackError(
            f"{args.prescription} has no dose for {spec.id} (it lists {', '.join(prescription.exercises)}). "
            "Pick one of those with --exercise, or add it to the prescription."
        )
    return [(spec, LiveDose.from_prescription(dose, args.rest))]


def _recover_leftovers(out_dir: Path) -> None:
    """Sessions of runs that were killed (no session JSON beside the event log) are rebuilt."""
    for old in unfinished_logs(out_dir):
        session = recover_session(old)
        save_session(session, session_path_for(old))
        print(f"recovered an unfinished session: {session_path_for(old)} ({len(session.reps)} reps)")


def _run(
    args: argparse.Namespace,
    items: list[tuple[ExerciseSpec, LiveDose]],
    source: LiveSource,
    est: PoseEstimator,
) -> list[LiveResult]:
    from hiptrack.audio import Beeper
    from hiptrack.live.loop import CvWindow, Display, LiveConfig, NoDisplay, run_exercise, run_routine

    config = LiveConfig(
        out_dir=args.out_dir,
        side=args.side,
        mirror=source.info.is_camera if args.mirror is None else args.mirror,
        rest_s=args.rest,
        check_black=source.info.is_camera,
        frame_hook=_frame_saver(args.save_frames, args.save_every) if args.save_frames else None,
    )
    display: Display = NoDisplay() if args.no_window else CvWindow("hiptrack live")
    model = ModelInfo(name=est.model_path.name, complexity=None if args.model else args.model_complexity)
    beeper = Beeper(enabled=not args.quiet)
    for spec, _ in items[:1]:
        print(f"{spec.name}: {spec.camera_tip}")
    try:
        if args.routine:
            return run_routine(
                iter(source),
                source.info,
                est,
                items,
                model=model,
                config=config,
                beeper=beeper,
                display=display,
            )
        spec, dose = items[0]
        return [
            run_exercise(
                iter(source),
                source.info,
                est,
                spec,
                dose=dose,
                model=model,
                config=config,
                beeper=beeper,
                display=display,
            )
        ]
    finally:
        display.close()


def _frame_saver(folder: Path, every: int) -> Callable[[Rendered, FrameState, CoachView], None]:
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    count = [0]

    def save(rendered: Rendered, state: FrameState, view: CoachView) -> None:
        count[0] += 1
        if count[0] % max(1, every) == 0:
            cv2.imwrite(str(folder / f"frame_{count[0]:06d}.png"), rendered.image)

    return save


def _report(args: argparse.Namespace, results: list[LiveResult]) -> int:
    from hiptrack.outputs.report import write_report

    for res in results:
        print_summary(res.session)
        print(f"  session: {res.session_path}\n  events:  {res.events_path}")
    if results:
        html = results[0].session_path.with_suffix(".html")
        if args.routine:
            html = html.with_name(html.stem.split("_")[0] + "_routine.html")
        prescription = load_prescription(args.prescription) if args.prescription else None
        write_report(html, [r.session for r in results], prescription=prescription)
        print(f"report:    {html}")
    last = results[-1] if results else None
    if last is not None and last.status == "camera_lost":
        print(f"hiptrack: error: {last.error} Partial session saved to {last.session_path}.", file=sys.stderr)
        return EXIT_PARTIAL
    if last is not None and last.status == "interrupted":
        return 130
    return 0
