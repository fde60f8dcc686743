"""Accuracy gate: replay pose tracks recorded once from sample_videos/ and score them.

Fails when accuracy gets worse than the stored baseline (tests/data/eval_baseline.json).
After a deliberate improvement, refresh the baseline with::

    HIPTRACK_UPDATE_BASELINE=1 python -m pytest tests/test_accuracy_gate.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hiptrack.analysis import analyze_track
from hiptrack.evaluate import find_labels, load_labels, score_clip, summarize
from hiptrack.spec import load_builtin
from hiptrack.track import PoseTrack

ROOT = Path(__file__).resolve().parent.parent
TRACKS = ROOT / "tests" / "data" / "tracks"
BASELINE = ROOT / "tests" / "data" / "eval_baseline.json"
LABELS = find_labels([ROOT / "sample_videos"])

# metric -> (direction, slack): "max" means higher is better
GATES = {
    "exact_rate": ("max", 0.0),
    "within_one_rate": ("max", 0.0),
    "mae_norm": ("min", 1e-9),
    "start_mae_s": ("min", 0.05),
    "end_mae_s": ("min", 0.05),
    "peak_mae_s": ("min", 0.05),
    "hold_mae_s": ("min", 0.05),
    "side_accuracy": ("max", 0.0),
    "fault_precision": ("max", 0.0),
    "fault_recall": ("max", 0.0),
}


def _score(path: Path):
    labels = load_labels(path)
    spec = load_builtin(labels.exercise)
    track = PoseTrack.load(TRACKS / f"{Path(labels.clip).stem}.full.npz")
    return score_clip(labels, analyze_track(spec, track).session, spec.fault_codes)


@pytest.mark.parametrize("labels_path", LABELS, ids=[p.name.split(".")[0] for p in LABELS])
def test_count_is_exact_on_each_sample_clip(labels_path: Path) -> None:
    s = _score(labels_path)
    assert s.pred_count == s.true_count
    assert all(abs(e) <= s.hold_tolerance_s for e in s.hold_err_s), s.hold_err_s


def test_accuracy_not_worse_than_baseline() -> None:
    summary = summarize([_score(p) for p in LABELS])
    if os.environ.get("HIPTRACK_UPDATE_BASELINE"):
        BASELINE.write_text(json.dumps({k: summary[k] for k in GATES}, indent=2) + "\n")
    baseline = json.loads(BASELINE.read_text())
    worse = []
    for key, (direction, slack) in GATES.items():
        got, ref = summary[key], baseline.get(key)
        if ref is None or got is None:
            continue
        if (direction == "max" and got < ref - slack) or (direction == "min" and got > ref + slack):
            worse.append(f"{key}: {got:.3f} vs baseline {ref:.3f}")
    assert not worse, "accuracy got worse: " + "; ".join(worse)
