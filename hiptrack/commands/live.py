"""`hiptrack live --exercise ID`: coach an exercise from the webcam, counting as you go."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hiptrack.commands.analyze import print_summary
from hiptrack.commands.common import add_model_options, estimator_options
from hiptrack.spec import builtin_ids, resolve_spec

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
    from hiptrack.estimator import PoseEstimator
    from hiptrack.eventlog import recover_session, session_path_for, unfinished_logs
    from hiptrack.live.source import LiveSource
    from hiptrack.session import save_session

    spec = resolve_spec(args.exercise, args.spec)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for old in unfinished_logs(args.out_dir):
        session = recover_session(old)
        save_session(session, session_path_for(old))
        print(f"recovered an unfinished session: {session_path_for(old)} ({len(session.reps)} reps)")
    source = (
        LiveSource.file(args.video, pace=args.speed if args.speed > 0 else None)
        if args.video is not None
        else LiveSource.camera(args.camera)
    )
    with source, PoseEstimator(estimator_options(args)) as est:
        result = _run_one(args, spec, source, est)
    return _report(result)


def _run_one(args: argparse.Namespace, spec: Any, source: Any, est: Any) -> Any:
    from hiptrack.audio import Beeper
    from hiptrack.live.loop import CvWindow, LiveConfig, NoDisplay, run_exercise
    from hiptrack.session import ModelInfo

    config = LiveConfig(
        out_dir=args.out_dir,
        side=args.side,
        mirror=source.info.is_camera if args.mirror is None else args.mirror,
        rest_s=args.rest,
        check_black=source.info.is_camera,
        frame_hook=_frame_saver(args.save_frames, args.save_every) if args.save_frames else None,
    )
    display = NoDisplay() if args.no_window else CvWindow(f"hiptrack - {spec.name}")
    model = ModelInfo(name=est.model_path.name, complexity=None if args.model else args.model_complexity)
    print(f"{spec.name}: {spec.camera_tip}")
    try:
        return run_exercise(
            iter(source),
            source.info,
            est,
            spec,
            model=model,
            config=config,
            beeper=Beeper(enabled=not args.quiet),
            display=display,
        )
    finally:
        display.close()


def _frame_saver(folder: Path, every: int) -> Any:
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    count = [0]

    def save(rendered: Any, state: Any, view: Any) -> None:
        count[0] += 1
        if count[0] % max(1, every) == 0:
            cv2.imwrite(str(folder / f"frame_{count[0]:06d}.png"), rendered.image)

    return save


def _report(result: Any) -> int:
    print_summary(result.session)
    print(f"session: {result.session_path}\nevents:  {result.events_path}")
    if result.status == "camera_lost":
        print(
            f"hiptrack: error: {result.error} Partial session saved to {result.session_path}.",
            file=sys.stderr,
        )
        return EXIT_PARTIAL
    if result.status == "interrupted":
        return 130
    return 0
