"""`hiptrack eval PATH...`: score hiptrack against labelled clips (*.labels.json)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from hiptrack.analysis import analyze_track
from hiptrack.commands.common import add_model_options
from hiptrack.commands.pose import record_track
from hiptrack.errors import HiptrackError
from hiptrack.evaluate import ClipScore, clip_row, find_labels, load_labels, score_clip, summarize
from hiptrack.session import check_output_folder, write_atomic
from hiptrack.spec import load_builtin
from hiptrack.track import PoseTrack

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "eval",
        help="score rep counts, timing, holds and faults against labelled clips",
        description="Analyse every labelled clip (*.labels.json beside its video) and print count, "
        "timing, hold and fault accuracy per clip and overall.",
    )
    p.add_argument("paths", nargs="+", help="labels files or folders holding them")
    p.add_argument("--json", type=Path, metavar="OUT", help="write the scores as JSON")
    p.add_argument(
        "--track-cache",
        type=Path,
        metavar="DIR",
        help="reuse/save pose tracks here as <clip>.<model>.npz, or <clip>.<model>.upright.npz "
        "with --no-turned-look (skips the model on reruns)",
    )
    add_model_options(p)
    p.set_defaults(func=run)


def _track_for(media: Path, args: argparse.Namespace) -> PoseTrack:
    tag = args.model.stem if args.model else args.model_complexity
    if not getattr(args, "turned_look", True):
        tag += ".upright"
    cached = args.track_cache / f"{media.stem}.{tag}.npz" if args.track_cache else None
    if cached is not None and cached.exists():
        return PoseTrack.load(cached)
    track, _ = record_track(media, args)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        track.save(cached)
    return track


def evaluate(paths: list[str], args: argparse.Namespace) -> tuple[list[ClipScore], dict[str, object]]:
    scores: list[ClipScore] = []
    for lp in find_labels(paths):
        labels = load_labels(lp)
        media = lp.parent / labels.clip
        try:
            spec = load_builtin(labels.exercise)
            track = _track_for(media, args)
            session = analyze_track(spec, track).session
            scores.append(score_clip(labels, session, spec.fault_codes))
        except HiptrackError as exc:
            sc = ClipScore(
                labels.clip, labels.exercise, labels.view, len(labels.reps or labels.holds), 0, error=str(exc)
            )
            scores.append(sc)
            log.warning("%s: %s", lp, exc)
    return scores, summarize(scores)


def _fmt(x: object, pct: bool = False) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x * 100:.0f}%" if pct else f"{x:.2f}"
    return str(x)


def print_table(scores: list[ClipScore], summary: dict[str, object]) -> None:
    print(
        f"{'clip':38s} {'exercise':24s} {'view':8s} {'true':>4s} {'pred':>4s} {'err':>4s} "
        f"{'start':>6s} {'end':>6s} {'hold':>6s}  faults (tp/fp/fn)"
    )
    for s in scores:
        if s.error:
            print(f"{s.clip:38s} {s.exercise:24s} ERROR: {s.error}")
            continue
        row = clip_row(s)
        faults = " ".join(
            f"{c}:{s.fault_tp[c]}/{s.fault_fp[c]}/{s.fault_fn[c]}"
            for c in s.fault_tp
            if s.fault_tp[c] + s.fault_fp[c] + s.fault_fn[c]
        )
        print(
            f"{s.clip:38s} {s.exercise:24s} {s.view or '-':8s} {s.true_count:4d} {s.pred_count:4d} "
            f"{s.count_error:+4d} {_fmt(row['start_mae_s']):>6s} {_fmt(row['end_mae_s']):>6s} "
            f"{_fmt(row['hold_mae_s']):>6s}  {faults or '-'}"
        )
    sm = summary
    print()
    print(
        f"clips {sm['clips']} (failed {sm['failed']}); count exact {_fmt(sm['exact_rate'], True)}, "
        f"within one {_fmt(sm['within_one_rate'], True)}, MAE/true {_fmt(sm['mae_norm'])}; "
        f"reps where none {sm['reps_where_none']}"
    )
    print(
        f"matched {sm['matched']} of {sm['true_total']} true ({sm['pred_total']} predicted); timing MAE "
        f"start {_fmt(sm['start_mae_s'])} s, peak {_fmt(sm['peak_mae_s'])} s, end {_fmt(sm['end_mae_s'])} s; "
        f"hold MAE {_fmt(sm['hold_mae_s'])} s, within tolerance {_fmt(sm['hold_within_tol_rate'], True)}; "
        f"side accuracy {_fmt(sm['side_accuracy'], True)}"
    )
    print(f"faults: precision {_fmt(sm['fault_precision'])}, recall {_fmt(sm['fault_recall'])}")
    for code, f in sm["faults"].items():  # type: ignore[attr-defined]
        print(
            f"  {code:22s} tp {f['tp']:3d} fp {f['fp']:3d} fn {f['fn']:3d}  precision "
            f"{_fmt(f['precision'])} recall {_fmt(f['recall'])}"
        )


def run(args: argparse.Namespace) -> int:
    if args.json is not None:  # before minutes of analysis, not after
        check_output_folder(args.json.parent, "--json")
    scores, summary = evaluate(args.paths, args)
    if not scores:
        raise HiptrackError("No *.labels.json found in the given paths.")
    print_table(scores, summary)
    if args.json is not None:
        data = {"summary": summary, "clips": [clip_row(s) for s in scores]}
        write_atomic(args.json, json.dumps(data, indent=2) + "\n")
    sys.stdout.flush()
    return 0
