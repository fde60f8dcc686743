"""`hiptrack pose`: hostile inputs give one sentence and a non-zero exit; real runs write tracks."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from hiptrack.cli import main
from hiptrack.commands.pose import record_track
from hiptrack.track import PoseTrack
from tests.media import SAMPLE_VIDEOS, cut_clip, truncate, write_video

REPO = Path(__file__).resolve().parent.parent


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


HOSTILE = {
    "missing": (lambda d: d / "missing.mp4", "No such file"),
    "folder": (lambda d: d, "is a folder"),
    "empty": (lambda d: _write(d / "empty.mp4", b""), "is empty"),
    "text renamed .mp4": (lambda d: _write(d / "notes.mp4", b"session notes\n" * 50), "text file"),
    "random bytes": (lambda d: _write(d / "noise.mp4", np.random.default_rng(2).bytes(4096)), "Cannot read"),
    "truncated, moov at end": (
        lambda d: truncate(write_video(d / "a.mp4", 90), d / "half.mp4"),
        "Cannot read",
    ),
    "truncated, faststart": (
        lambda d: truncate(write_video(d / "a.mp4", 90, faststart=True), d / "half.mp4"),
        "incomplete",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_gives_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    make, needle = HOSTILE[case]
    path = make(tmp_path)
    assert main(["pose", str(path), "--out", str(tmp_path / "t.npz")]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("hiptrack: error: ") and needle in lines[0]
    assert lines[0].rstrip().endswith(".")  # a sentence that ends with what to do
    assert "Traceback" not in captured.err
    assert not (tmp_path / "t.npz").exists()


def test_out_folder_missing_fails_before_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clip = write_video(tmp_path / "clip.mp4", 3)
    assert main(["pose", str(clip), "--out", str(tmp_path / "no" / "t.npz")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_hostile_file_in_a_real_process(tmp_path: Path) -> None:
    bad = truncate(write_video(tmp_path / "a.mp4", 90), tmp_path / "half.mp4")
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-m", "hiptrack", "pose", str(bad)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("hiptrack: error: Cannot read")


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = SAMPLE_VIDEOS / "dev_cs_1.mp4"
    if not src.exists():
        pytest.skip("sample clip missing")
    return cut_clip(src, tmp_path_factory.mktemp("clip") / "cs.mp4", 30)


@pytest.mark.slow
def test_pose_writes_a_track_that_replays(
    short_clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cs.npz"
    assert main(["pose", str(short_clip), "--out", str(out), "--model-complexity", "lite"]) == 0
    stdout = capsys.readouterr().out
    assert "30 frames" in stdout and "640x480" in stdout and f"track written to {out}" in stdout
    track = PoseTrack.load(out)
    assert len(track) == 30
    assert track.detection_rate > 0.9
    assert track.meta["model"] == "pose_landmarker_lite.task"
    assert track.meta["decode_errors"] == 0
    np.testing.assert_allclose(track.t_ms, np.arange(30) * 1000 / 30)


@pytest.mark.slow
def test_recorded_track_round_trips_within_float32(short_clip: Path, tmp_path: Path) -> None:
    args = argparse.Namespace(model=None, model_complexity="lite", num_poses=1)
    track, fps = record_track(short_clip, args)
    assert fps > 0
    loaded = PoseTrack.load(track.save(tmp_path / "t.npz"))
    assert len(loaded) == len(track)
    for (t0, p0), (t1, p1) in zip(track, loaded, strict=True):
        assert t0 == t1
        assert (p0 is None) == (p1 is None)
        if p0 is not None and p1 is not None:
            for name in ("xy_px", "z_rel", "world_m", "visibility", "presence"):
                a, b = getattr(p0, name), getattr(p1, name)
                np.testing.assert_array_equal(b, a.astype(np.float32).astype(np.float64))


PRONE_MISSED = REPO / "tests" / "data" / "prone_missed_upright.jpg"


@pytest.mark.slow
@pytest.mark.skipif(not PRONE_MISSED.exists(), reason="test frame missing")
def test_pose_reports_frames_found_by_the_turned_look(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A prone body that MediaPipe's detector misses upright: `hiptrack pose` finds it in the
    turned frame, says so, and records it in the track; --no-turned-look does not."""
    import cv2

    image = cv2.imread(str(PRONE_MISSED))
    h, w = image.shape[:2]
    video = write_video(tmp_path / "prone.mp4", 6, size_wh=(w, h), frames=[image] * 6)
    out = tmp_path / "t.npz"
    assert main(["pose", str(video), "--out", str(out), "--model-complexity", "lite"]) == 0
    said = capsys.readouterr().out
    track = PoseTrack.load(out)
    assert track.meta["turned_look"] is True
    assert track.meta["turned_frames"] == int(track.found.sum()) >= 5
    assert f"({track.meta['turned_frames']} of them found in the turned frame)" in said
    plain = tmp_path / "u.npz"
    args = ["pose", str(video), "--out", str(plain), "--model-complexity", "lite", "--no-turned-look"]
    assert main(args) == 0
    assert "turned frame" not in capsys.readouterr().out
    untracked = PoseTrack.load(plain)
    assert untracked.meta["turned_frames"] == 0 and not untracked.found.any()
