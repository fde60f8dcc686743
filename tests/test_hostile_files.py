"""Hostile and odd video files through `hiptrack analyze` with the real (lite) model.

Broken files must end in one clear sentence and a non-zero exit, with nothing written; odd but
valid files (one frame, 4K, 60/120 fps, variable frame rate, rotated, GIF, corrupt frames in the
middle) must be analysed with the right frame count and timing.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import hiptrack.video
from hiptrack.analysis import analyze_track, analyze_video
from hiptrack.cli import main
from hiptrack.estimator import EstimatorOptions
from hiptrack.spec import load_builtin
from hiptrack.track import PoseTrack
from tests.hostile_media import (
    SAMPLES,
    cached_track,
    corrupt_mjpeg,
    read_frames,
    truncate,
    write_gif,
    write_video,
)

# main's first reader (OpenCV) miscounts decode errors on VFR and reports the stored size of
# rotated clips; the PyAV reader (branch `found`, which adds rotation_cw) gets both right.
OPENCV_READER = not hasattr(hiptrack.video, "rotation_cw")
opencv_bug = pytest.mark.xfail(OPENCV_READER, reason="OpenCV reader bug, fixed by the PyAV reader")
LITE = ["--model-complexity", "lite"]


def analyze(video: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, object] | None]:
    out = tmp_path / "session.json"
    rc = main(["analyze", str(video), "-e", "clamshell", "--json", str(out), "-q", *LITE, *extra])
    return rc, json.loads(out.read_text()) if out.exists() else None


# -- broken files: one sentence, non-zero exit, nothing written ---------------------------------
def _missing(d: Path) -> Path:
    return d / "nope.mp4"


def _empty_dir(d: Path) -> Path:
    (d / "folder").mkdir()
    return d / "folder"


def _zero(d: Path) -> Path:
    (d / "zero.mp4").write_bytes(b"")
    return d / "zero.mp4"


def _text(d: Path) -> Path:
    (d / "notes.mp4").write_text("shopping list\nmilk\n")
    return d / "notes.mp4"


def _noise(d: Path) -> Path:
    (d / "noise.mov").write_bytes(np.random.default_rng(0).integers(0, 256, 40_000, np.uint8).tobytes())
    return d / "noise.mov"


def _truncated(d: Path) -> Path:
    return truncate(SAMPLES / "dev_rcs_1.mp4", d / "cut.mp4", 0.4)


BROKEN: list[tuple[str, Callable[[Path], Path], str]] = [
    ("missing", _missing, "No such file"),
    ("empty folder", _empty_dir, "No videos in"),
    ("zero bytes", _zero, "empty (0 bytes)"),
    ("text named .mp4", _text, "text file"),
    ("random bytes", _noise, "Cannot read"),
    ("truncated mp4", _truncated, "Cannot read"),
]


@pytest.mark.parametrize(("kind", "make", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_is_one_clear_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str, make: Callable[[Path], Path], message: str
) -> None:
    video = make(tmp_path)
    rc, session = analyze(video, tmp_path)
    err = capsys.readouterr().err
    assert rc != 0
    assert session is None
    assert err.startswith("hiptrack: error: ") and message in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_folder_given_to_single_video_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pose", str(tmp_path), *LITE]) != 0
    assert "is a folder, not a video" in capsys.readouterr().err


# -- odd but valid files -------------------------------------------------------------------------
VFR_MS = [0, 33, 70, 200, 215, 400, 433, 466, 900, 950]


def _corrupt(d: Path) -> Path:
    return corrupt_mjpeg(write_video(d / "mj.avi", 30, codec="mjpeg"), [10, 11, 12])


ODD: list[tuple[str, Callable[[Path], Path], dict[str, float], object]] = [
    ("one frame", lambda d: write_video(d / "one.mp4", 1), {"frames": 1, "duration_s": 0.0}, None),
    ("4K", lambda d: write_video(d / "4k.mp4", 3, size_wh=(3840, 2160)), {"frames": 3, "width": 3840}, None),
    ("60 fps", lambda d: write_video(d / "60.mp4", 60, fps=60), {"frames": 60, "duration_s": 0.983}, None),
    ("120 fps", lambda d: write_video(d / "b.mp4", 120, fps=120), {"frames": 120, "duration_s": 0.992}, None),
    (
        "variable frame rate",
        lambda d: write_video(d / "vfr.mkv", 10, time_base=Fraction(1, 1000), pts=VFR_MS),
        {"frames": 10, "duration_s": 0.95, "decode_errors": 0},
        opencv_bug,
    ),
    (
        "portrait, rotation metadata",
        lambda d: write_video(d / "rot.mp4", 5, size_wh=(160, 96), rotation_deg=90),
        {"frames": 5, "width": 96, "height": 160},
        opencv_bug,
    ),
    ("animated GIF", lambda d: write_gif(d / "a.gif", 12, 100), {"frames": 12, "duration_s": 1.1}, None),
    ("corrupt frames in the middle", _corrupt, {"frames": 27, "decode_errors": 3}, opencv_bug),
]


@pytest.mark.parametrize(
    ("kind", "make", "expected"),
    [pytest.param(k, m, e, marks=[mark] if mark else [], id=k) for k, m, e, mark in ODD],
)
def test_odd_file_is_analysed(
    tmp_path: Path, kind: str, make: Callable[[Path], Path], expected: dict[str, float]
) -> None:
    rc, session = analyze(make(tmp_path), tmp_path)
    assert rc == 0 and session is not None
    source = session["source"]
    assert isinstance(source, dict)
    for key, value in expected.items():
        assert source[key] == pytest.approx(value, abs=0.002), key
    assert session["reps"] == []
    assert any("No person" in w for w in session["warnings"])  # type: ignore[attr-defined]


def test_corrupt_frames_are_skipped_counted_and_reported(tmp_path: Path) -> None:
    rc, session = analyze(_corrupt(tmp_path), tmp_path)
    assert rc == 0 and session is not None
    source = session["source"]
    assert isinstance(source, dict)
    assert 3 <= source["decode_errors"] <= 5  # the three noisy frames (the OpenCV reader says 5)
    assert source["frames"] == 27  # every other frame, including those after the damage
    assert any("could not be decoded" in w for w in session["warnings"])  # type: ignore[attr-defined]


def test_portrait_phone_clip_counts_like_the_upright_one(tmp_path: Path) -> None:
    """A sample clip stored sideways with a display rotation (as phones record portrait).

    The first 9 s of dev_abd_2 (two labelled reps), each frame stored turned 90 degrees clockwise
    with a display matrix that turns it back.
    """
    clip = read_frames(SAMPLES / "dev_abd_2.mp4", limit=135)
    frames = [np.ascontiguousarray(np.rot90(f, k=-1)) for f in clip]
    video = write_video(tmp_path / "phone.mp4", fps=15, frames=frames, rotation_deg=90)
    out = tmp_path / "s.json"
    rc = main(["analyze", str(video), "-e", "sidelying_hip_abduction", "--json", str(out), "-q", *LITE])
    session = json.loads(out.read_text())
    assert rc == 0
    assert [r["side"] for r in session["reps"]] == ["right", "right"]  # as labelled
    assert session["source"]["rotation_deg"] in (90, 270)


# -- frame rates through the engine (recorded poses re-timed) -----------------------------------
def _resample(track: PoseTrack, fps: float) -> PoseTrack:
    """The same motion sampled at ``fps``: landmarks linearly interpolated between frames."""
    t_new = np.arange(track.t_ms[0], track.t_ms[-1], 1000.0 / fps)

    def interp(a: np.ndarray) -> np.ndarray:
        flat = a.reshape(len(track), -1)
        cols = [np.interp(t_new, track.t_ms, flat[:, k]) for k in range(flat.shape[1])]
        return np.stack(cols, axis=1).reshape((len(t_new), *a.shape[1:]))

    found = np.ones(len(t_new), dtype=bool)
    return PoseTrack(
        t_new,
        found,
        interp(track.xy_px),
        interp(track.z_rel),
        interp(track.world_m),
        interp(track.visibility),
        interp(track.presence),
        {**track.meta, "fps": fps},
    )


@pytest.mark.parametrize("fps", [15, 24, 60, 120])
def test_frame_rate_does_not_change_counts_or_timing(fps: int) -> None:
    track = PoseTrack.load(cached_track("dev_abd_2.mp4"))
    assert track.found.all()
    spec = load_builtin("sidelying_hip_abduction")
    base = analyze_track(spec, track).session
    other = analyze_track(spec, _resample(track, fps)).session
    assert len(base.reps) == 4
    assert len(other.reps) == len(base.reps)
    for a, b in zip(base.reps, other.reps, strict=True):
        assert abs(a.start_s - b.start_s) < 0.25 and abs(a.end_s - b.end_s) < 0.25


# -- long inputs: frames are not retained --------------------------------------------------------
def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise AssertionError(field)


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_long_clip_does_not_keep_frames(tmp_path: Path) -> None:
    """200 frames of 1280x720 (550 MB decoded) through the whole analysis: RSS must not grow
    with them. Python objects kept per frame are checked with tracemalloc (a few KB at most).
    The ten-minute figure is in ``bench/load_batch.py``.
    """
    n = 200
    video = write_video(tmp_path / "long.mp4", n, fps=10, size_wh=(1280, 720))
    spec = load_builtin("clamshell")
    opts = EstimatorOptions(complexity="lite")
    analyze_video(write_video(tmp_path / "warm.mp4", 2), spec, opts)  # model and codec warm
    before = _rss_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to now
    tracemalloc.start()
    try:
        analysis = analyze_video(video, spec, opts)
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    grown = _rss_mb("VmHWM") - before
    assert analysis.session.source.frames == n
    assert analysis.session.source.duration_s == pytest.approx(19.9, abs=0.01)
    assert grown < 150, f"peak RSS grew {grown:.0f} MB over {n} frames: frames are being kept"
    assert kept / n < 8_000, f"{kept / n:.0f} bytes kept per frame"
