"""`hiptrack analyze` end to end, through the real model (slow) and through a replayed track."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hiptrack.cli import main
from hiptrack.evaluate import load_labels

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
TRACKS = ROOT / "tests" / "data" / "tracks"


def test_replayed_track_writes_the_stable_session_json(tmp_path: Path, capsys) -> None:
    out = tmp_path / "s.json"
    rc = main(
        [
            "analyze",
            str(SAMPLES / "dev_rcs_1.mp4"),
            "-e",
            "reverse_clamshell",
            "--from-track",
            str(TRACKS / "dev_rcs_1.full.npz"),
            "--json",
            str(out),
        ]
    )
    assert rc == 0
    data = json.loads(out.read_text())
    assert data["schema"] == "hiptrack-session/1"
    assert len(data["reps"]) == 5
    for rep in data["reps"]:
        assert {"side", "start_s", "peak_s", "end_s", "hold_s", "faults", "rom"} <= rep.keys()
        assert rep["side"] == "left"
    assert isinstance(data["holds"], list) and isinstance(data["faults"], list)
    assert data["totals"]["left"]["reps"] == 5
    table = capsys.readouterr().out
    assert "left" in table and "5" in table


def test_one_video_with_out_dir_puts_its_results_there(tmp_path: Path) -> None:
    out_dir = tmp_path / "results"  # created, as for a folder of clips
    argv = ["analyze", str(SAMPLES / "dev_rcs_1.mp4"), "-e", "reverse_clamshell", "-q"]
    argv += ["--from-track", str(TRACKS / "dev_rcs_1.full.npz"), "--out-dir", str(out_dir)]
    assert main([*argv, "--csv", "anything.csv"]) == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["dev_rcs_1.csv", "dev_rcs_1.json"]
    assert len(json.loads((out_dir / "dev_rcs_1.json").read_text())["reps"]) == 5


def test_stretch_gives_holds_and_no_reps(tmp_path: Path) -> None:
    out = tmp_path / "s.json"
    main(
        [
            "analyze",
            str(SAMPLES / "dev_hfs_1.mp4"),
            "-e",
            "hip_flexor_stretch",
            "--from-track",
            str(TRACKS / "dev_hfs_1.full.npz"),
            "--json",
            str(out),
            "-q",
        ]
    )
    data = json.loads(out.read_text())
    assert data["reps"] == []
    assert len(data["holds"]) == 2
    assert all(h["side"] == "left" and h["end_s"] > h["start_s"] for h in data["holds"])


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["analyze", "x.mp4", "-e", "plank"], "Unknown exercise 'plank'"),
        (["analyze", "missing.mp4", "-e", "bridge"], "No such file"),
        (["validate", "nope.toml"], "No such file"),
    ],
)
def test_bad_input_is_one_clear_sentence(argv: list[str], fragment: str, capsys) -> None:
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc != 0
    assert fragment in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_invalid_spec_names_the_field(tmp_path: Path, capsys) -> None:
    spec = (ROOT / "hiptrack" / "specs" / "clamshell.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(spec.replace("start_delta = 6.0", "start_delta = -1"))
    assert main(["validate", str(bad)]) == 2
    assert "main.start_delta" in capsys.readouterr().err


@pytest.mark.slow
def test_real_model_counts_a_sample_clip(tmp_path: Path) -> None:
    """Through the real model and a subprocess: the count and timing match the labels."""
    out = tmp_path / "s.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "hiptrack",
            "analyze",
            str(SAMPLES / "dev_cs_1.mp4"),
            "-e",
            "clamshell",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    data = json.loads(out.read_text())
    labels = load_labels(SAMPLES / "dev_cs_1.labels.json")
    assert len(data["reps"]) == len(labels.reps)
    for got, want in zip(data["reps"], labels.reps, strict=True):
        assert abs(got["peak_s"] - want.peak_s) < 0.5
        assert got["side"] == labels.side
