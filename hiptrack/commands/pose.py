"""`hiptrack pose VIDEO --out TRACK.npz`: record a pose track and print a summary."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from hiptrack import __version__
from hiptrack.commands.common import add_model_options, estimator_options, progress
from hiptrack.errors import HiptrackError
from hiptrack.estimator import PoseEstimator
from hiptrack.pipeline import iter_poses
from hiptrack.pose import Pose
from hiptrack.track import PoseTrack
from hiptrack.video import FrameSource


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "pose",
        help="run the pose model on a video and save the pose track",
        description="Run MediaPipe Pose Landmarker on every frame and write a replayable track.",
    )
    p.add_argument("video", help="video file (mp4, mov, avi, webm, gif)")
    p.add_argument("--out", type=Path, help="track file to write (.npz)")
    add_model_options(p)
    p.set_defaults(func=run)


def record_track(video: str | Path, args: argparse.Namespace) -> tuple[PoseTrack, float]:
    """The pose track of ``video`` (raw poses of the followed person) and the frames/s achieved.

    The video is opened (and checked) before the model is loaded, so a bad file fails at once.
    Only pose arrays are kept, never frames.
    """
    rows: list[tuple[float, Pose | None]] = []
    with FrameSource.from_file(video) as src, PoseEstimator(estimator_options(args)) as est:
        t0 = time.perf_counter()
        with progress(src.info.frame_count, Path(video).name) as bar:
            for pf in iter_poses(src, est):
                rows.append((pf.frame.t_ms, pf.pose))
                bar.update(1)
        elapsed = time.perf_counter() - t0
        info = src.info
        meta = {
            "source": str(video),
            "width": info.width,
            "height": info.height,
            "fps": info.fps,
            "rotation_deg": info.rotation_deg,
            "model": est.model_path.name,
            "turned_look": est.options.turned_look,
            "turned_frames": est.turned_frames,
            "decode_errors": src.decode_errors,
            "hiptrack": __version__,
        }
    track = PoseTrack.from_frames(rows, meta)
    return track, len(rows) / elapsed if elapsed > 0 else 0.0


def check_out_path(out: Path | None) -> None:
    """Fail before the (long) pose run when the track could not be written."""
    if out is None:
        return
    if out.is_dir():
        raise HiptrackError(f"--out {out} is a folder. Give a file name such as {out / 'track.npz'}.")
    if not out.parent.is_dir():
        raise HiptrackError(f"Cannot write {out}: the folder {out.parent} does not exist. Create it first.")


def run(args: argparse.Namespace) -> int:
    check_out_path(args.out)
    track, fps = record_track(args.video, args)
    if args.out:
        track.save(args.out)
    dur = (track.t_ms[-1] - track.t_ms[0]) / 1000.0 if len(track) > 1 else 0.0
    print(f"{args.video}: {len(track)} frames, {dur:.2f} s, {track.image_wh[0]}x{track.image_wh[1]}")
    turned = int(track.meta.get("turned_frames", 0))
    print(
        f"person detected in {track.detection_rate * 100:.1f}% of frames"
        + (f" ({turned} of them found in the turned frame)" if turned else "")
        + f"; {fps:.1f} frames/s with {track.meta['model']}"
    )
    if len(track) and not track.found.any():
        print("no person was found: is the whole body in view and lit? Try --model-complexity full.")
    if track.meta.get("decode_errors"):
        print(f"skipped {track.meta['decode_errors']} frames that could not be decoded")
    if args.out:
        print(f"track written to {args.out}")
    return 0
