"""`hiptrack analyze DIR --jobs 2`: good clips analysed right, broken ones reported, a summary."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hiptrack.cli import main
from tests.hostile_media import SAMPLES, broken_files


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("clips")
    for stem in ("dev_rcs_1", "dev_abd_2"):  # exercises come from the labels beside them
        shutil.copy(SAMPLES / f"{stem}.mp4", d)
        shutil.copy(SAMPLES / f"{stem}.labels.json", d)
    broken_files(d)  # notes.mp4 (text), empty.mp4, noise.mov, truncated.mp4
    (d / ".hidden.mp4").write_bytes(b"skipped")
    (d / "readme.txt").write_text("not a video suffix: skipped")
    (d / "sub.mp4").mkdir()  # a folder with a video suffix: skipped
    return d


@pytest.fixture(scope="module")
def run(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("out")
    (out / "empty.json").write_text("earlier result\n")  # a failed clip must not destroy it
    argv = ["analyze", str(folder), "--jobs", "2", "--out-dir", str(out), "--model-complexity", "lite"]
    rc = main([*argv, "--csv", "ignored_name.csv", "-q"])
    return rc, out


def test_exit_code_and_summary(run: tuple[int, Path]) -> None:
    rc, out = run
    assert rc == 1  # some failed
    summary = json.loads((out / "batch_summary.json").read_text())
    assert summary["clips"] == 6 and summary["ok"] == 2 and summary["failed"] == 4
    assert summary["jobs"] == 2 and summary["frames_per_s"] > 0 and summary["not_run"] == []
    rows = {r["clip"]: r for r in summary["results"]}
    assert set(rows) == {
        "dev_abd_2.mp4",
        "dev_rcs_1.mp4",
        "empty.mp4",
        "noise.mov",
        "notes.mp4",
        "truncated.mp4",
    }


def test_good_clips_analysed_correctly(run: tuple[int, Path]) -> None:
    _, out = run
    rows = {r["clip"]: r for r in json.loads((out / "batch_summary.json").read_text())["results"]}
    for clip, exercise, reps in [
        ("dev_rcs_1.mp4", "reverse_clamshell", 5),
        ("dev_abd_2.mp4", "sidelying_hip_abduction", 4),
    ]:
        row = rows[clip]
        assert row["status"] == "ok" and row["exercise"] == exercise and row["reps"] == reps, row
        session = json.loads((out / clip.replace(".mp4", ".json")).read_text())
        assert len(session["reps"]) == reps and session["exercise"] == exercise
        assert (out / clip.replace(".mp4", ".csv")).is_file()  # other output options pass through


@pytest.mark.parametrize(
    ("clip", "reason"),
    [
        ("notes.mp4", "text file"),
        ("empty.mp4", "empty (0 bytes)"),
        ("noise.mov", "Cannot read"),
        ("truncated.mp4", "Cannot read"),
    ],
)
def test_broken_clips_reported_with_one_sentence(run: tuple[int, Path], clip: str, reason: str) -> None:
    _, out = run
    rows = {r["clip"]: r for r in json.loads((out / "batch_summary.json").read_text())["results"]}
    assert rows[clip]["status"] == "failed" and reason in rows[clip]["reason"]
    assert "\n" not in rows[clip]["reason"]


def test_failed_clip_leaves_earlier_output_and_no_temp_files(run: tuple[int, Path]) -> None:
    _, out = run
    assert (out / "empty.json").read_text() == "earlier result\n"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_table_printed(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without labels or --exercise every clip fails fast (no model), and the table says why."""
    d = tmp_path / "clips"
    d.mkdir()
    broken_files(d)
    shutil.copy(SAMPLES / "dev_rcs_1.mp4", d / "unlabelled.mp4")
    assert main(["analyze", str(d), "--jobs", "1"]) == 1
    text = capsys.readouterr().out
    assert "unlabelled.mp4  failed" in text and "No exercise for unlabelled.mp4" in text
    assert "0 ok, 0 partial, 5 failed of 5 clips" in text
    assert (d / "hiptrack-results" / "batch_summary.json").is_file()


def test_bad_out_dir(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["analyze", str(folder), "-e", "clamshell", "--out-dir", str(blocker)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
