#!/usr/bin/env python3
"""Benchmark `hiptrack pose` against a bare OpenCV + MediaPipe loop, and check its memory.

What it does (a script, not a test; takes a few minutes on 2 cores)::

    python bench/bench_pose.py [--seconds 10] [--source sample_videos/dev_cs_1.mp4]

1. Makes a 1280x720, 30 fps H.264 clip (``--seconds`` long) by upscaling a sample clip, and one
   ten times longer, in a temporary folder.
2. In this one process, for the lite and full models: frames/s of a bare loop
   (``cv2.VideoCapture.read`` + ``PoseLandmarker.detect_for_video``, num_poses=1) and of hiptrack's
   pipeline (FrameSource + PoseEstimator + PersonSelector, what `hiptrack pose` runs), and their
   ratio (target >= 0.95; > 1 when background decoding overlaps inference).
3. Peak RSS of `hiptrack pose` on the short and the long clip, each in a fresh process, to show
   memory does not grow with the length of the clip (only pose arrays are kept, ~2 KB a frame).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("GLOG_minloglevel", "2")


def make_clip(src: Path, dst: Path, seconds: float, size_wh: tuple[int, int] = (1280, 720)) -> Path:
    """``seconds`` of ``src`` upscaled to ``size_wh`` at 30 fps, looping ``src`` as needed."""
    import av
    import cv2

    frames = []
    with av.open(str(src)) as inp:
        for f in inp.decode(video=0):
            frames.append(f.to_ndarray(format="bgr24"))
    n = round(seconds * 30)
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height = size_wh
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23"}
        for i in range(n):
            k = i % (2 * len(frames) - 2)  # ping-pong so the motion stays continuous
            img = cv2.resize(frames[k if k < len(frames) else 2 * len(frames) - 2 - k], size_wh)
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            frame.pts = i
            frame.time_base = Fraction(1, 30)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return dst


def bare_loop(clip: Path, model: Path) -> tuple[int, float]:
    """The simplest correct loop: OpenCV decode, MediaPipe VIDEO mode, one pose."""
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    opts = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)),
        running_mode=vision.RunningMode.VIDEO,
        num_poses=1,
    )
    with vision.PoseLandmarker.create_from_options(opts) as lm:
        cap = cv2.VideoCapture(str(clip))
        n = 0
        t0 = time.perf_counter()
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            ts = int(cap.get(cv2.CAP_PROP_POS_MSEC))
            lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), ts)
            n += 1
        elapsed = time.perf_counter() - t0
        cap.release()
    return n, elapsed


def hiptrack_loop(clip: Path, complexity: str) -> tuple[int, float]:
    """What `hiptrack pose` runs, without writing the track."""
    from hiptrack.estimator import EstimatorOptions, PoseEstimator
    from hiptrack.pipeline import iter_poses
    from hiptrack.video import FrameSource

    with (
        FrameSource.from_file(clip) as src,
        PoseEstimator(EstimatorOptions(complexity=complexity, num_poses=1)) as est,  # type: ignore[arg-type]
    ):
        n = 0
        t0 = time.perf_counter()
        for _ in iter_poses(src, est):
            n += 1
        elapsed = time.perf_counter() - t0
    return n, elapsed


def peak_rss_mb(clip: Path, complexity: str, out: Path) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of `hiptrack pose CLIP --out` in a fresh process.

    Read from ``VmHWM`` in /proc: ``getrusage``'s ``ru_maxrss`` survives fork+exec on Linux, so a
    child would report this (larger) benchmark process's peak.
    """
    code = (
        "import re, sys; from hiptrack.cli import main; "
        f"rc = main(['pose', {str(clip)!r}, '--model-complexity', {complexity!r}, '--out', {str(out)!r}]); "
        "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1], file=sys.stderr); "
        "sys.exit(rc)"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return int(proc.stderr.strip().splitlines()[-1]) / 1024.0, time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--source", type=Path, default=REPO / "sample_videos" / "dev_cs_1.mp4")
    ap.add_argument("--models", nargs="+", default=["lite", "full"])
    ap.add_argument("--rss-model", default="lite")
    args = ap.parse_args()

    from hiptrack.models import resolve_model

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="hiptrack-bench-") as tmp:
        short = make_clip(args.source, Path(tmp) / "short.mp4", args.seconds)
        print(f"clip: 1280x720, 30 fps, {args.seconds:.0f} s, H.264 ({short.stat().st_size / 1e6:.1f} MB)")
        print(f"{'model':6s} {'bare fps':>9s} {'hiptrack fps':>13s} {'ratio':>6s}")
        for c in args.models:
            model = resolve_model(None, c)  # type: ignore[arg-type]
            bare_loop(short, model)  # warm-up: file cache, XNNPACK set-up
            nb, tb = bare_loop(short, model)
            nh, th = hiptrack_loop(short, c)
            assert nb == nh, (nb, nh)
            print(f"{c:6s} {nb / tb:9.1f} {nh / th:13.1f} {(nh / th) / (nb / tb):6.2f}")
        long = make_clip(args.source, Path(tmp) / "long.mp4", args.seconds * 10)
        print(f"peak RSS of `hiptrack pose --model-complexity {args.rss_model}` (fresh process each):")
        for label, clip in (("short", short), ("10x long", long)):
            rss, secs = peak_rss_mb(clip, args.rss_model, Path(tmp) / f"{label[:4]}.npz")
            frames = round(args.seconds * 30 * (10 if clip is long else 1))
            print(f"  {label:8s} {frames:5d} frames  {rss:7.1f} MB  ({secs:.0f} s)")
    print(f"(this process: peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
