"""`hiptrack analyze DIR [--jobs N] [--out-dir OUT]`: analyse every video in a folder.

Each clip runs the same single-video path as ``hiptrack analyze VIDEO`` (so every output option
``analyze`` has also works here), in pools of worker processes started with ``spawn`` that are
replaced every few clips, so memory stays bounded however many clips there are. One clip failing
never stops the others: its one-sentence reason goes into the summary.

* **Which files**: every file in DIR (not sub-folders) whose suffix is a video suffix
  (:data:`hiptrack.video.VIDEO_SUFFIXES`); hidden files (``.name``) are skipped.
* **Which exercise**: ``--exercise`` / ``--spec`` apply to every clip. Without them, each clip's
  exercise is read from ``<stem>.labels.json`` beside it (its ``exercise`` field); a clip with
  neither fails with a message saying so.
* **Outputs** go to OUT (default ``DIR/hiptrack-results``), named after the clip:
  ``<stem>.json`` always, and for the other output options the file name given is ignored and
  ``<stem>`` + the option's own suffix is used (``--track x.npz`` -> ``<stem>.npz``,
  ``--video`` -> ``<stem>.annotated.mp4``, ``--csv`` -> ``<stem>.csv``, ``--report`` ->
  ``<stem>.html``). Names are sanitised so they cannot leave OUT (no path separators, no ``..``,
  no leading dot); clips with the same stem get the suffix added (``a.mp4``, ``a.mov`` ->
  ``a.json``, ``a_mov.json``).
* **Summary**: a table on stdout and ``OUT/batch_summary.json``; exit code 0 when every clip was
  analysed, 1 when some failed, 130 when interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import re
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hiptrack.errors import HiptrackError
from hiptrack.session import check_output_folder, write_atomic
from hiptrack.video import VIDEO_SUFFIXES

log = logging.getLogger(__name__)

SUMMARY_NAME = "batch_summary.json"
SUMMARY_SCHEMA = "hiptrack-batch/1"
DEFAULT_OUT = "hiptrack-results"
TASKS_PER_WORKER = 4  # workers are replaced after about this many clips: native leaks cannot pile up
_MAX_NAME = 120

# Output options of `analyze` that name one file per clip: attribute -> suffix used in batch mode.
# Unknown ``*_out`` Path options (added later) keep the suffix of the name the user gave.
OUTPUT_SUFFIXES = {
    "json": ".json",
    "track": ".npz",
    "video_out": ".annotated.mp4",
    "csv_out": ".csv",
    "report_out": ".html",
}


def add_batch_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("folders (when VIDEO is a folder)")
    g.add_argument("--jobs", "-j", type=int, default=None, metavar="N", help="clips analysed at once")
    g.add_argument(
        "--out-dir",
        type=Path,
        metavar="OUT",
        help=f"where results go, named after each clip (default for a folder: DIR/{DEFAULT_OUT}); "
        "also for one video: its session JSON and the other outputs asked for",
    )


@dataclass
class ClipResult:
    """What happened to one clip (what ``batch_summary.json`` lists)."""

    clip: str
    status: str  # ok | partial | failed
    exercise: str | None = None
    reason: str | None = None
    reps: int = 0
    holds: int = 0
    frames: int = 0
    duration_s: float = 0.0
    wall_s: float = 0.0
    decode_errors: int = 0
    outputs: list[str] = field(default_factory=list)

    @property
    def fps(self) -> float:
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0


# -- names --------------------------------------------------------------------------------------
def safe_name(name: str) -> str:
    """A file name made from untrusted text that stays inside its folder.

    Keeps letters, digits, ``-``, ``_`` and ``.``; everything else (path separators, control
    characters, spaces) becomes ``_``; runs of dots collapse and leading dots/underscores go, so the
    result is never ``.``, ``..``, hidden or empty.
    """
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"[^\w.-]", "_", text)
    text = re.sub(r"\.{2,}", ".", text)
    text = text.lstrip("._-")[:_MAX_NAME].rstrip(".")
    return text or "clip"


def find_videos(folder: Path) -> list[Path]:
    """Video files directly in ``folder`` (by suffix), hidden files skipped, sorted by name."""
    return sorted(
        p
        for p in folder.iterdir()
        if not p.name.startswith(".") and p.suffix.lower() in VIDEO_SUFFIXES and not p.is_dir()
    )


def output_stems(videos: Sequence[Path]) -> dict[Path, str]:
    """A distinct safe stem per video (``a.mp4``, ``a.mov`` -> ``a``, ``a_mov``)."""
    stems: dict[Path, str] = {}
    used: set[str] = set()
    for v in videos:
        base = safe_name(v.stem)
        cand = base if base.lower() not in used else safe_name(f"{v.stem}_{v.suffix.lstrip('.')}")
        n = 2
        while cand.lower() in used:
            cand, n = f"{base}_{n}", n + 1
        used.add(cand.lower())
        stems[v] = cand
    return stems


def inside(folder: Path, path: Path) -> bool:
    return path.resolve().parent == folder.resolve()


# -- one clip (runs in a worker process) --------------------------------------------------------
@dataclass
class ClipJob:
    video: str
    stem: str
    out_dir: str
    args: dict[str, Any]


def prepare_out_dir(out_dir: Path) -> None:
    """Create ``--out-dir`` if its parent exists; a clear error if it cannot be written."""
    if not out_dir.exists() and out_dir.parent.is_dir():
        out_dir.mkdir()
    check_output_folder(out_dir, "--out-dir")


def clip_args(args: argparse.Namespace, video: Path, stem: str, out_dir: Path) -> dict[str, Any]:
    """The arguments of ``analyze VIDEO`` for one clip: outputs redirected to ``out_dir/stem*``."""
    ns = dict(vars(args))
    ns.pop("func", None)
    ns.update(video=str(video), quiet=True, jobs=None, out_dir=None)
    for key, value in vars(args).items():
        if key == "json" or (isinstance(value, Path) and (key in OUTPUT_SUFFIXES or key.endswith("_out"))):
            suffix = OUTPUT_SUFFIXES.get(key) or "".join(Path(str(value)).suffixes[-1:]) or ".out"
            target = out_dir / f"{stem}{suffix}"
            if not inside(out_dir, target):  # cannot happen with safe_name; checked anyway
                raise HiptrackError(f"Refusing to write {target}: it is outside {out_dir}.")
            ns[key] = target
    if not args.exercise and args.spec is None:
        ns["exercise"] = exercise_from_labels(video)
    return ns


def exercise_from_labels(video: Path) -> str | None:
    """The ``exercise`` of ``<stem>.labels.json`` beside ``video``, if that file exists."""
    path = video.with_name(video.stem + ".labels.json")
    if not path.is_file():
        return None
    from hiptrack.evaluate import load_labels

    return load_labels(path).exercise


def analyze_clip(job: ClipJob) -> ClipResult:
    """Analyse one clip with ``hiptrack analyze``'s own code; never raises for a bad clip."""
    from hiptrack.commands import analyze
    from hiptrack.session import load_session
    from hiptrack.video import FrameSource

    name = Path(job.video).name
    ns = argparse.Namespace(**job.args)
    t0 = time.perf_counter()
    try:
        if not ns.exercise and ns.spec is None:
            FrameSource.from_file(job.video).close()  # a broken file says so first
            raise HiptrackError(
                f"No exercise for {name}: pass --exercise ID for the whole folder, or put "
                f'{Path(job.video).stem}.labels.json (with an "exercise" field) beside it.'
            )
        code = analyze.run(ns)
        session = load_session(ns.json)
    except HiptrackError as exc:
        return ClipResult(name, "failed", ns.exercise, str(exc), wall_s=time.perf_counter() - t0)
    except KeyboardInterrupt:
        return ClipResult(name, "failed", ns.exercise, "interrupted", wall_s=time.perf_counter() - t0)
    except Exception as exc:  # a bug: report it for this clip, keep the batch going
        log.exception("analysing %s failed", name)
        reason = f"internal error ({type(exc).__name__}: {exc}); please report it"
        return ClipResult(name, "failed", ns.exercise, reason, wall_s=time.perf_counter() - t0)
    outputs = [str(v) for v in vars(ns).values() if isinstance(v, Path) and v.parent == Path(job.out_dir)]
    return ClipResult(
        name,
        "partial" if code == 130 or session.partial else "ok",
        session.exercise,
        "interrupted: partial results" if session.partial else None,
        reps=len(session.reps),
        holds=len(session.holds),
        frames=session.source.frames,
        duration_s=session.source.duration_s,
        wall_s=time.perf_counter() - t0,
        decode_errors=session.source.decode_errors,
        outputs=sorted(o for o in outputs if Path(o).exists()),
    )


def _worker_init() -> None:
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


# -- the pool -----------------------------------------------------------------------------------
def _pool(jobs: int) -> ProcessPoolExecutor:
    # Not max_tasks_per_child: on Python 3.11 it can deadlock when workers are replaced
    # (CPython gh-115634); fresh pools per wave of clips bound memory the same way.
    return ProcessPoolExecutor(
        max_workers=jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init
    )


def run_jobs(
    jobs: Sequence[ClipJob], n_jobs: int, on_result: Callable[[ClipResult], None] | None = None
) -> list[ClipResult]:
    """Run every job; a worker that dies (a crash in native code) fails only its own clip.

    Clips run in waves of ``n_jobs * TASKS_PER_WORKER``, each in a fresh pool of spawned
    workers, so no worker lives for more than about ``TASKS_PER_WORKER`` clips. When a worker
    dies the pool is broken and every clip still running in it fails with it; those clips are
    run again one at a time in fresh pools, so the culprit is found and the others still get
    analysed.
    """
    results: dict[str, ClipResult] = {}
    retry: list[ClipJob] = []

    def done(job: ClipJob, res: ClipResult) -> None:
        results[job.video] = res
        if on_result is not None:
            on_result(res)

    wave = max(1, n_jobs * TASKS_PER_WORKER)
    for start in range(0, len(jobs), wave):
        with _pool(n_jobs) as pool:
            chunk = jobs[start : start + wave]
            futures: dict[Future[ClipResult], ClipJob] = {pool.submit(analyze_clip, j): j for j in chunk}
            try:
                for fut in as_completed(futures):
                    try:
                        done(futures[fut], fut.result())
                    except BrokenProcessPool:
                        retry.append(futures[fut])
            except KeyboardInterrupt:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    for job in retry:
        with _pool(1) as pool:
            try:
                done(job, pool.submit(analyze_clip, job).result())
            except BrokenProcessPool:
                reason = "the analysis process crashed on this file (damaged video?)"
                done(job, ClipResult(Path(job.video).name, "failed", job.args.get("exercise"), reason))
    return [results[j.video] for j in jobs if j.video in results]


# -- the command --------------------------------------------------------------------------------
def run_batch(args: argparse.Namespace) -> int:
    folder = Path(args.video)
    out_dir: Path = args.out_dir or folder / DEFAULT_OUT
    n_jobs = args.jobs if args.jobs is not None else min(2, os.cpu_count() or 1)
    if n_jobs < 1:
        raise HiptrackError(f"--jobs must be at least 1 (got {n_jobs}).")
    if getattr(args, "from_track", None) is not None:
        raise HiptrackError("--from-track replays one clip; it cannot be used with a folder.")
    if args.exercise or args.spec is not None:  # fail once, not once per clip
        from hiptrack.spec import resolve_spec

        resolve_spec(args.exercise, args.spec)
    videos = find_videos(folder)
    if not videos:
        raise HiptrackError(
            f"No videos in {folder} (looked for {', '.join(VIDEO_SUFFIXES)}). Pass a folder of clips."
        )
    prepare_out_dir(out_dir)
    stems = output_stems(videos)
    jobs: list[ClipJob] = []
    early: list[ClipResult] = []
    for v in videos:
        try:
            jobs.append(ClipJob(str(v), stems[v], str(out_dir), clip_args(args, v, stems[v], out_dir)))
        except HiptrackError as exc:
            early.append(ClipResult(v.name, "failed", None, str(exc)))
    n_jobs = min(n_jobs, max(1, len(jobs)))
    total = len(videos)
    quiet = bool(getattr(args, "quiet", False))
    seen = [len(early)]

    def report(res: ClipResult) -> None:
        seen[0] += 1
        if not quiet:
            what = res.reason if res.status == "failed" else f"{res.reps} reps, {res.holds} holds"
            print(f"[{seen[0]}/{total}] {res.status:7s} {res.clip}: {what}", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    interrupted = False
    try:
        results = early + run_jobs(jobs, n_jobs, report)
    except KeyboardInterrupt:
        interrupted = True
        results = early
    wall_s = time.perf_counter() - t0
    summary = summarize(results, videos, wall_s, n_jobs, interrupted)
    write_atomic(out_dir / SUMMARY_NAME, json.dumps(summary, indent=2) + "\n")
    print_table(summary, out_dir)
    if interrupted:
        return 130
    return 0 if summary["failed"] == 0 else 1


def summarize(
    results: Sequence[ClipResult], videos: Sequence[Path], wall_s: float, n_jobs: int, interrupted: bool
) -> dict[str, Any]:
    order = {v.name: i for i, v in enumerate(videos)}
    rows = sorted(results, key=lambda r: order.get(r.clip, len(order)))
    frames = sum(r.frames for r in rows)
    done = {r.clip for r in rows}
    return {
        "schema": SUMMARY_SCHEMA,
        "clips": len(videos),
        "ok": sum(r.status == "ok" for r in rows),
        "partial": sum(r.status == "partial" for r in rows),
        "failed": sum(r.status == "failed" for r in rows),
        "not_run": [v.name for v in videos if v.name not in done],
        "interrupted": interrupted,
        "jobs": n_jobs,
        "wall_s": round(wall_s, 3),
        "frames": frames,
        "frames_per_s": round(frames / wall_s, 2) if wall_s > 0 else 0.0,
        "results": [{**asdict(r), "wall_s": round(r.wall_s, 3), "fps": round(r.fps, 2)} for r in rows],
    }


def print_table(summary: dict[str, Any], out_dir: Path) -> None:
    rows = summary["results"]
    width = max([len(r["clip"]) for r in rows] + [4])
    print(f"{'clip':{width}s}  {'status':7s} {'exercise':24s} {'reps':>5s} {'holds':>5s} {'fps':>6s}  note")
    for r in rows:
        note = r["reason"] or (f"{r['decode_errors']} bad frames skipped" if r["decode_errors"] else "")
        print(
            f"{r['clip']:{width}s}  {r['status']:7s} {(r['exercise'] or '-'):24s} "
            f"{r['reps']:5d} {r['holds']:5d} {r['fps']:6.1f}  {note}"
        )
    print(
        f"{summary['ok']} ok, {summary['partial']} partial, {summary['failed']} failed of "
        f"{summary['clips']} clips in {summary['wall_s']:.1f} s ({summary['frames_per_s']:.1f} frames/s, "
        f"{summary['jobs']} jobs); summary in {out_dir / SUMMARY_NAME}"
    )
    if summary["not_run"]:
        print(f"not analysed (interrupted): {', '.join(summary['not_run'])}")
