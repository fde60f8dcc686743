"""Load test for `hiptrack analyze DIR --jobs N` (a script, not a test).

Builds a folder of 40 clips in a temporary directory: the six sample clips (hard links, with
their labels, so each clip's exercise is known) repeated, plus broken files (text named .mp4,
empty, random bytes, truncated mp4). Runs the CLI in a subprocess, samples the resident memory
of the whole process tree (/proc) every 50 ms, and prints throughput, peak RSS and the check of
every result. With ``--long-minutes M`` it also analyses one synthetic clip of M minutes (small
frames, nobody in view) and samples its RSS over time, to show memory stays flat on long input.

    python bench/load_batch.py [--clips 40] [--jobs 2] [--model-complexity lite] [--long-minutes 10]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile_media import SAMPLES, broken_files, write_video  # noqa: E402


def tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, MB."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def run_sampled(cmd: list[str], period_s: float = 0.05) -> tuple[int, float, list[tuple[float, float]], str]:
    """Run ``cmd``; return (exit code, wall s, [(t_s, tree RSS MB)], stdout)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    samples: list[tuple[float, float]] = []
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read() if proc.stdout else ""))
    reader.start()
    while proc.poll() is None:
        samples.append((time.perf_counter() - t0, tree_rss_mb(proc.pid)))
        time.sleep(period_s)
    reader.join()
    return proc.returncode, time.perf_counter() - t0, samples, "".join(out)


def build_folder(folder: Path, n_clips: int) -> tuple[dict[str, int], list[str]]:
    """``n_clips`` files: ~85% good (linked samples with labels), the rest broken."""
    samples = sorted(SAMPLES.glob("*.mp4"))
    broken_dir = folder / "_broken"
    kinds = broken_files(broken_dir)
    n_broken = max(len(kinds), n_clips * 15 // 100)
    expected: dict[str, int] = {}
    for i in range(n_clips - n_broken):
        src = samples[i % len(samples)]
        dst = folder / f"{i:02d}_{src.name}"
        os.link(src, dst)
        labels = json.loads(src.with_name(src.stem + ".labels.json").read_text())
        (folder / f"{dst.stem}.labels.json").write_text(json.dumps(labels))
        expected[dst.name] = len(labels["reps"]) or len(labels["holds"])
    broken = []
    for i in range(n_broken):
        kind, src = list(kinds.items())[i % len(kinds)]
        dst = folder / f"broken_{i:02d}_{kind}{src.suffix}"
        dst.write_bytes(src.read_bytes())
        broken.append(dst.name)
    return expected, broken


def batch(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "clips"
        folder.mkdir()
        expected, broken = build_folder(folder, args.clips)
        out = Path(tmp) / "out"
        cmd = [sys.executable, "-m", "hiptrack", "analyze", str(folder), "--jobs", str(args.jobs)]
        cmd += ["--out-dir", str(out), "--model-complexity", args.model_complexity, "-q"]
        rc, wall_s, samples, _ = run_sampled(cmd)
        summary = json.loads((out / "batch_summary.json").read_text())
        rows = {r["clip"]: r for r in summary["results"]}
        good_ok = sum(rows[c]["status"] == "ok" for c in expected)
        got = {c: rows[c]["reps"] + rows[c]["holds"] for c in expected}
        counts_right = sum(rows[c]["status"] == "ok" and got[c] == n for c, n in expected.items())
        broken_reported = sum(rows[c]["status"] == "failed" and bool(rows[c]["reason"]) for c in broken)
        peak = max(mb for _, mb in samples)
        print(f"clips: {args.clips} ({len(expected)} good, {len(broken)} broken), jobs {args.jobs}")
        print(f"model {args.model_complexity}; exit code {rc}")
        print(f"good analysed {good_ok}/{len(expected)}, count as labelled {counts_right}/{len(expected)}")
        print(f"broken reported {broken_reported}/{len(broken)}")
        fps = summary["frames"] / wall_s
        print(f"wall {wall_s:.1f} s; {summary['frames']} frames; throughput {fps:.1f} frames/s")
        print(f"{summary['clips'] / wall_s * 60:.1f} clips/min; peak RSS of the process tree {peak:.0f} MB")
        wrong = sorted({(c.split("_", 1)[1], got[c], n) for c, n in expected.items() if got[c] != n})
        if wrong:
            print("counts differing from the labels (clip, got, labelled):", wrong)


def long_clip(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fps = 15
        n = int(args.long_minutes * 60 * fps)
        video = write_video(Path(tmp) / "long.mp4", n, fps=fps, size_wh=(320, 240))
        cmd = [sys.executable, "-m", "hiptrack", "analyze", str(video), "-e", "clamshell", "-q"]
        cmd += ["--model-complexity", args.model_complexity, "--json", str(Path(tmp) / "s.json")]
        rc, wall_s, samples, _ = run_sampled(cmd, 0.5)
        session = json.loads((Path(tmp) / "s.json").read_text())
        quarter = [
            max(mb for t, mb in samples if q * wall_s / 4 <= t < (q + 1) * wall_s / 4) for q in range(4)
        ]
        print(
            f"long clip: {args.long_minutes} min, {session['source']['frames']} frames, exit {rc}, "
            f"{wall_s:.0f} s ({session['source']['frames'] / wall_s:.0f} frames/s)"
        )
        print("peak RSS per quarter of the run (MB): " + ", ".join(f"{q:.0f}" for q in quarter))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clips", type=int, default=40)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--model-complexity", default="lite", choices=("lite", "full", "heavy"))
    p.add_argument("--long-minutes", type=float, default=0.0)
    args = p.parse_args()
    if args.clips:
        batch(args)
    if args.long_minutes:
        long_clip(args)


if __name__ == "__main__":
    main()
