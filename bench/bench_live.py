"""Benchmark `hiptrack live` against a bare pose-model loop (a script, not a test).

    python bench/bench_live.py [--clip sample_videos/dev_cs_1.mp4] [--minutes 5] [--repeats 5]

Measures, in one run, with the lite model:

0. the live loop's own per-frame work (engine, coach, overlay), alone on the CPU;
1. bare loop: decode + lite inference on every frame of the clip (frames/s, ms per inference);
2. live loop, file at max pace (every frame, --no-window): frames/s, ratio to the bare loop
   (target >= 0.9);
3. live loop, file at real-time pace: capture -> overlay latency vs one inference (target
   <= 1.2x), frames dropped;
4. long run: the clip looped at real-time pace for --minutes; latency over the first and the
   last 30 s (a backlog would make the end larger than the start).

The live loop shows the picture mirrored, as it does for a camera. ``--repeats N`` repeats 1-3
(interleaved, so drift in the VM's speed hits both loops alike) and prints the spread.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import tempfile
import time
from pathlib import Path

from hiptrack.engine import ExerciseEngine
from hiptrack.estimator import EstimatorOptions, PoseEstimator
from hiptrack.live.coach import Coach, LiveDose, SetupCheck
from hiptrack.live.loop import LiveConfig, LiveResult, NoDisplay, run_exercise
from hiptrack.live.overlay import render
from hiptrack.live.source import LiveSource
from hiptrack.spec import load_builtin
from hiptrack.video import FrameSource

ROOT = Path(__file__).resolve().parent.parent
LITE = EstimatorOptions(complexity="lite")


def bare(clip: Path, passes: int) -> tuple[float, float]:
    """(frames/s, median ms per inference) of decode + inference on every frame."""
    n, infer = 0, []
    with PoseEstimator(LITE) as est:
        t0 = time.perf_counter()
        offset = 0.0
        for _ in range(passes):
            with FrameSource.from_file(clip) as src:
                last = 0.0
                for f in src:
                    a = time.perf_counter()
                    est.detect(f.image_bgr, f.t_ms + offset)
                    infer.append((time.perf_counter() - a) * 1000)
                    n += 1
                    last = f.t_ms
                offset += last + 40
        wall = time.perf_counter() - t0
    return n / wall, statistics.median(infer)


def main_thread_ms(clip: Path, exercise: str) -> tuple[float, float, float]:
    """Median ms per frame of the live loop's own work, alone on the CPU (no model or decoder
    running beside it): (engine + coach, overlay, mirrored overlay). Poses come from one
    lite-model pass; the timed pass decodes the clip again in batches of 60 frames, timed once
    decoded (bounded memory, no decoding during the timing)."""
    spec = load_builtin(exercise)
    with PoseEstimator(LITE) as est, FrameSource.from_file(clip) as src:
        poses = [est.detect(f.image_bgr, f.t_ms) for f in src]
    engine = ExerciseEngine(spec)
    coach = Coach(spec, LiveDose.from_spec(spec, 30.0), SetupCheck(1.0))
    eng_ms, draw_ms, mirror_ms = [], [], []
    with FrameSource.from_file(clip) as src:
        frames = iter(src)
        found = iter(poses)
        while batch := list(itertools.islice(frames, 60)):
            for f, seen in zip(batch, found, strict=False):
                pose = seen[0] if seen else None
                a = time.perf_counter()
                state = engine.update(f.t_ms, pose)
                view = coach.update(pose, state)
                b = time.perf_counter()
                render(f.image_bgr, pose, state, view, spec)
                c = time.perf_counter()
                render(f.image_bgr, pose, state, view, spec, mirror=True, in_place=True)
                d = time.perf_counter()
                eng_ms.append((b - a) * 1000)
                draw_ms.append((c - b) * 1000)
                mirror_ms.append((d - c) * 1000)
    return statistics.median(eng_ms), statistics.median(draw_ms), statistics.median(mirror_ms)


def live(
    clip: Path, exercise: str, pace: float | None, minutes: float | None, out: Path
) -> tuple[LiveResult, int]:
    """The live loop (no window) on ``clip``; the result and the frames the source dropped."""
    spec = load_builtin(exercise)
    loop = minutes is not None
    # mirrored, as `hiptrack live` shows a camera
    config = LiveConfig(out_dir=out, max_s=minutes * 60 if minutes else None, mirror=True)
    with LiveSource.file(clip, pace=pace, loop=loop) as src, PoseEstimator(LITE) as est:
        res = run_exercise(iter(src), src.info, est, spec, config=config, display=NoDisplay())
        dropped = src.frames_dropped
    return res, dropped


def window_ms(res: LiveResult, first: bool, seconds: float = 30.0, fps: float = 30.0) -> float:
    lat = res.stats.latency_ms
    n = max(1, min(len(lat) // 3, int(seconds * fps)))
    part = lat[5 : 5 + n] if first else lat[-n:]
    return statistics.median(part)


def spread(xs: list[float], fmt: str = ".2f") -> str:
    """``median (min-max)`` of repeated measurements."""
    return f"{statistics.median(xs):{fmt}} ({min(xs):{fmt}}-{max(xs):{fmt}})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", type=Path, default=ROOT / "sample_videos" / "dev_cs_1.mp4")
    ap.add_argument("--exercise", default="clamshell")
    ap.add_argument("--minutes", type=float, default=5.0, help="long run length (default: 5)")
    ap.add_argument("--passes", type=int, default=2, help="clip passes for the fps figures")
    ap.add_argument(
        "--repeats",
        type=int,
        default=1,
        help="repeat [1]-[3] this many times, interleaved, and print median (min-max): this VM's "
        "timings vary by +-5%% from run to run",
    )
    args = ap.parse_args()
    out = Path(tempfile.mkdtemp(prefix="hiptrack-bench-"))
    print(f"clip {args.clip.name}, lite model, sessions in {out}")
    eng, draw, mirror = main_thread_ms(args.clip, args.exercise)
    print(
        f"[0] loop's own work per frame, alone: engine + coach {eng:.2f} ms, overlay {draw:.2f} ms "
        f"(mirrored, drawn in place as the live loop does: {mirror:.2f} ms; the image copy "
        f"is included in the first and not in the second)"
    )
    fps_ratio, lat_bare, lat_loop = [], [], []
    for i in range(args.repeats):
        if args.repeats > 1:
            print(f"-- repeat {i + 1}/{args.repeats}")
        f, b, lo = once(args.clip, args.exercise, args.passes, out)
        fps_ratio.append(f)
        lat_bare.append(b)
        lat_loop.append(lo)
    if args.repeats > 1:
        print(
            f"over {args.repeats} repeats, median (min-max): max-pace ratio {spread(fps_ratio)} "
            f"(target >= 0.90); latency {spread(lat_bare)}x one bare inference, "
            f"{spread(lat_loop)}x one in-loop inference (target <= 1.2x)"
        )
    if args.minutes > 0:
        long_run(args.clip, args.exercise, args.minutes, out)


def once(clip: Path, exercise: str, passes: int, out: Path) -> tuple[float, float, float]:
    """[1]-[3]; (max-pace ratio, latency / bare inference, latency / in-loop inference)."""
    # the bare loop runs before and after the live loop; the faster of the two is the reference
    bare_a = bare(clip, passes)
    fast, _ = live(clip, exercise, None, None, out)
    bare_b = bare(clip, passes)
    bare_fps, infer_ms = max(bare_a, bare_b)
    print(
        f"[1] bare lite loop:           {bare_fps:6.1f} frames/s, one inference {infer_ms:5.1f} ms "
        f"(runs before/after: {bare_a[0]:.1f} / {bare_b[0]:.1f} frames/s)"
    )
    print(
        f"[2] live loop, max pace:      {fast.stats.fps:6.1f} frames/s "
        f"= {fast.stats.fps / bare_fps:.2f}x bare "
        f"(target >= 0.90); reps {len(fast.session.reps)}"
    )
    rt, rt_drop = live(clip, exercise, 1.0, None, out)
    lat = rt.stats.latency_ms
    p50, p95 = statistics.median(lat), sorted(lat)[int(0.95 * (len(lat) - 1))]
    rt_infer = statistics.median(rt.stats.infer_ms)
    print(
        f"[3] live loop, real time:     {rt.stats.fps:6.1f} frames/s, {rt_drop} dropped; "
        f"capture->overlay median {p50:.1f} ms, p95 {p95:.1f} ms = {p50 / infer_ms:.2f}x one bare "
        f"inference ({p50 / rt_infer:.2f}x one in-loop inference {rt_infer:.1f} ms; target <= 1.2x); "
        f"reps {len(rt.session.reps)}"
    )
    return fast.stats.fps / bare_fps, p50 / infer_ms, p50 / rt_infer


def long_run(clip: Path, exercise: str, minutes: float, out: Path) -> None:
    """[4]: the clip looped at real-time pace; lag at the end vs the start."""
    long, long_drop = live(clip, exercise, 1.0, minutes, out)
    start, end = window_ms(long, True), window_ms(long, False)
    infer_ms = statistics.median(long.stats.infer_ms)
    n = long.stats.frames
    print(
        f"[4] {minutes:g}-minute real-time run: {n} frames shown, {long_drop} dropped "
        f"({100 * long_drop / max(1, n + long_drop):.1f}%), "
        f"{long.stats.fps:.1f} frames/s; latency median first 30 s {start:.1f} ms, last 30 s {end:.1f} ms "
        f"(end - start {end - start:+.1f} ms: {'no backlog' if end - start < 0.5 * infer_ms else 'BACKLOG'})"
    )


if __name__ == "__main__":
    main()
