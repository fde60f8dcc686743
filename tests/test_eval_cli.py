"""`hiptrack eval` end to end on a bundled clip, with its recorded track as the track cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hiptrack.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
TRACKS = ROOT / "tests" / "data" / "tracks"


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    folder = tmp_path / "cache"
    folder.mkdir()
    shutil.copy(TRACKS / "dev_rcs_1.full.npz", folder / "dev_rcs_1.full.npz")
    return folder


def test_scores_a_labelled_clip_and_writes_json(tmp_path: Path, cache: Path, capsys) -> None:
    out = tmp_path / "eval.json"
    labels = SAMPLES / "dev_rcs_1.labels.json"
    assert main(["eval", str(labels), "--track-cache", str(cache), "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert "dev_rcs_1.mp4" in table and "count exact 100%" in table
    data = json.loads(out.read_text())
    assert data["summary"]["clips"] == 1
    assert data["summary"]["exact_rate"] == 1.0
    row = data["clips"][0]
    assert row["true_count"] == row["pred_count"] == 5
    # every matched rep's signed errors, consistent with the clip's mean absolute errors
    errs = row["errors"]
    assert all(len(errs[k]) == row["matched"] == 5 for k in ("start_s", "peak_s", "end_s", "hold_s"))
    assert sum(abs(e) for e in errs["hold_s"]) / 5 == pytest.approx(row["hold_mae_s"], abs=1e-3)
    out_of_tol = sum(abs(e) > row["hold_tolerance_s"] for e in errs["hold_s"])
    assert row["holds_out_of_tolerance"] == out_of_tol


def test_a_missing_json_folder_fails_before_any_analysis(tmp_path: Path, cache: Path, capsys) -> None:
    out = tmp_path / "no_such_folder" / "eval.json"
    rc = main(
        ["eval", str(SAMPLES / "dev_rcs_1.labels.json"), "--track-cache", str(cache), "--json", str(out)]
    )
    captured = capsys.readouterr()
    assert rc != 0
    assert "does not exist" in captured.err and "--json" in captured.err
    assert "dev_rcs_1.mp4" not in captured.out  # nothing was analysed first
