"""`hiptrack analyze VIDEO --exercise ID`: count, time and judge one recorded session."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hiptrack import outputs
from hiptrack.analysis import Analysis, analyze_track, analyze_video
from hiptrack.batch import add_batch_options
from hiptrack.commands.common import add_model_options, estimator_options, progress
from hiptrack.errors import HiptrackError
from hiptrack.session import Session, check_output_folder, output_error, save_session
from hiptrack.spec import builtin_ids, resolve_spec
from hiptrack.track import PoseTrack


def add_exercise_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exercise", "-e", metavar="ID", help=f"exercise to analyse: {', '.join(builtin_ids())}")
    p.add_argument("--spec", type=Path, metavar="FILE", help="your own exercise spec (TOML/YAML)")
    p.add_argument(
        "--side", choices=("auto", "left", "right"), default="auto", help="working side (default: detected)"
    )


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "analyze",
        help="count reps, time holds and flag form faults in a recorded video",
        description="Analyse a recorded exercise video: reps and holds per side, range of motion "
        "per rep and form faults with timestamps.",
    )
    p.add_argument("video", help="video file (mp4, mov, avi, webm, gif), or a folder of them")
    add_exercise_options(p)
    p.add_argument("--json", type=Path, metavar="OUT", help="write the session JSON here")
    p.add_argument("--track", type=Path, metavar="OUT.npz", help="also save the pose track")
    p.add_argument(
        "--from-track",
        type=Path,
        metavar="TRACK.npz",
        help="replay a recorded pose track instead of running the model on VIDEO",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar or table")
    outputs.add_output_options(p)
    add_model_options(p)
    add_batch_options(p)
    p.set_defaults(func=run)


def _into_out_dir(args: argparse.Namespace) -> argparse.Namespace:
    """One video with ``--out-dir``: results go there as for a folder of clips, named after the
    clip (the session JSON always, and each other output asked for)."""
    from hiptrack.batch import clip_args, output_stems, prepare_out_dir

    video, out_dir = Path(args.video), Path(args.out_dir)
    prepare_out_dir(out_dir)
    ns = clip_args(args, video, output_stems([video])[video], out_dir)
    ns.update(quiet=args.quiet, exercise=args.exercise)
    return argparse.Namespace(**ns)


def run(args: argparse.Namespace) -> int:
    if Path(args.video).is_dir() and args.from_track is None:
        from hiptrack.batch import run_batch

        return run_batch(args)
    if args.out_dir is not None:
        args = _into_out_dir(args)
    spec = resolve_spec(args.exercise, args.spec)
    for out, option in ((args.json, "--json"), (args.track, "--track")):
        if out is not None:
            check_output_folder(out.parent, option)

    def sinks(info: object) -> list[Any]:
        return outputs.open_sinks(args, info, spec.signal_names, spec=spec)  # type: ignore[arg-type]

    if args.from_track is not None:
        wants_frames = args.video_out is not None or args.csv_out is not None
        if wants_frames and not Path(args.video).is_file():
            raise HiptrackError(
                f"--video and --csv need the clip's frames, but {args.video} is not a file. "
                "Pass the video the track was recorded from."
            )
        analysis = analyze_track(
            spec,
            PoseTrack.load(args.from_track),
            side=args.side,
            video=args.video if wants_frames else None,
            sinks_factory=sinks if wants_frames else None,
        )
    else:
        show = not args.quiet and sys.stderr.isatty()
        analysis = analyze_video(
            args.video,
            spec,
            estimator_options(args),
            side=args.side,
            sinks_factory=sinks,
            progress=lambda total: progress(total, Path(args.video).name, enabled=show),
        )
    write_outputs(args, analysis)
    outputs.finish_outputs(args, analysis.session, Path(args.video), analysis.frames, analysis.track)
    if not args.quiet:
        print_summary(analysis.session)
    return 130 if analysis.session.partial else 0


def write_outputs(args: argparse.Namespace, analysis: Analysis) -> None:
    if args.json is not None:
        save_session(analysis.session, args.json, "--json")
    if args.track is not None and analysis.track is not None:
        try:
            analysis.track.save(args.track)
        except OSError as exc:
            raise output_error(exc, args.track, "--track") from exc


def print_summary(s: Session) -> None:
    kind = "holds" if s.holds and not s.reps else "reps"
    print(
        f"{s.exercise_name or s.exercise} — {Path(s.source.path).name}"
        f"{' (PARTIAL: interrupted)' if s.partial else ''}"
    )
    print(
        f"  {s.source.duration_s:.1f} s, person seen in {s.detection_rate * 100:.0f}% of frames"
        f"{f', position: {s.orientation}' if s.orientation else ''}"
    )
    print(
        f"  {'side':6s} {'reps':>5s} {'holds':>6s} {'hold s':>7s} {'ROM mean':>9s} {'ROM best':>9s}  faults"
    )
    for side, t in sorted(s.totals.items()):
        faults = ", ".join(f"{c} x{n}" for c, n in sorted(t.faults.items())) or "-"
        rom_mean = f"{t.rom_mean:.1f}" if t.rom_mean is not None else "-"
        rom_best = f"{t.rom_best:.1f}" if t.rom_best is not None else "-"
        cols = f"{t.reps:5d} {t.holds:6d} {t.hold_s_total:7.1f} {rom_mean:>9s} {rom_best:>9s}"
        print(f"  {side:6s} {cols}  {faults}")
    if not s.totals:
        print(f"  no {kind} counted")
    for w in s.warnings:
        print(f"  warning: {w}")
