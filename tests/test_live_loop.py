"""The live loop end to end: same counts as `analyze`, nothing lost, the overlay shows the count."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from hiptrack.analysis import analyze_track, analyze_video
from hiptrack.draw import DrawStyle, put_text
from hiptrack.estimator import EstimatorOptions, PoseEstimator
from hiptrack.eventlog import recover_session
from hiptrack.live.coach import CoachView
from hiptrack.live.loop import LiveConfig, NoDisplay, run_exercise
from hiptrack.live.overlay import Rendered
from hiptrack.live.source import LiveFrame, LiveSource
from hiptrack.pose import Pose
from hiptrack.session import load_session
from hiptrack.spec import load_builtin
from hiptrack.track import PoseTrack
from hiptrack.video import Frame, VideoError, VideoInfo

ROOT = Path(__file__).resolve().parent.parent
CLIP = ROOT / "sample_videos" / "dev_cs_1.mp4"
TRACK = ROOT / "tests" / "data" / "tracks" / "dev_cs_1.full.npz"
LITE = EstimatorOptions(complexity="lite")


class ReplayDetector:
    """Stands in for the pose model: the recorded pose of the frame with this timestamp."""

    def __init__(self, track: PoseTrack) -> None:
        self.track = track

    def detect(self, image_bgr: np.ndarray, t_ms: float) -> list[Pose]:
        i = int(np.argmin(np.abs(self.track.t_ms - t_ms)))
        pose = self.track.pose(i)
        return [] if pose is None else [pose]


def camera_frames(track: PoseTrack, fail_at_s: float, error: BaseException) -> Iterator[LiveFrame]:
    """A fake camera (grey frames at the track's timestamps) that fails at ``fail_at_s``."""
    w, h = track.image_wh
    img = np.full((h, w, 3), 110, np.uint8)
    for i, t_ms in enumerate(track.t_ms):
        if t_ms / 1000.0 >= fail_at_s:
            raise error
        yield LiveFrame(Frame(image_bgr=img, t_ms=float(t_ms), index=i), 0.0)


def text_score(image: np.ndarray, text: str, color: tuple[int, int, int]) -> float:
    """Best match (1.0 = pixel-exact) of ``text``, drawn as the HUD draws it, in the top-left quarter.

    The template is drawn on the HUD panel's own background colour, so anti-aliased edges match too.
    """
    style = DrawStyle.for_image(image)
    bg = image[style.pad_px + 2, style.pad_px + 2].copy()
    canvas = np.empty((120, 600, 3), np.uint8)
    canvas[:] = bg
    put_text(canvas, text, (5, 80), style, color, outline=False)
    ys, xs = np.nonzero(np.any(canvas != bg, axis=2))
    templ = canvas[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = image.shape[:2]
    return float(cv2.matchTemplate(image[: h // 2, : w // 2], templ, cv2.TM_CCOEFF_NORMED).max())


@pytest.fixture(scope="module")
def analyzed() -> object:
    return analyze_video(CLIP, load_builtin("clamshell"), LITE).session


@pytest.mark.slow
def test_real_time_file_matches_analyze_and_overlay_shows_count_and_hold(
    analyzed: object, tmp_path: Path
) -> None:
    from hiptrack.session import Session

    assert isinstance(analyzed, Session)
    saved: dict[str, Path] = {}

    def keep(shown: Rendered, state: object, view: CoachView) -> None:
        # the countdown ("Hold 3.2 s"), not a cue banner such as "Hold the top for 5 s"
        hold = next((t for t in shown.lines if re.fullmatch(r"Hold \d+\.\d s", t)), None)
        if hold and view.reps_in_set >= 1 and "hold" not in saved:
            saved["hold"] = tmp_path / "hold.png"
            saved["hold_text"] = Path(hold)
            saved["count_text"] = Path(f"Reps {view.reps_in_set}/{view.reps_target}")
            cv2.imwrite(str(saved["hold"]), shown.image)

    config = LiveConfig(out_dir=tmp_path, frame_hook=keep)
    with LiveSource.file(CLIP, pace=1.0) as src, PoseEstimator(LITE) as est:
        res = run_exercise(iter(src), src.info, est, load_builtin("clamshell"), config=config)
        dropped = src.frames_dropped
    live = res.session
    assert res.status == "complete" and not live.partial
    assert len(live.reps) == len(analyzed.reps) == 3
    tol = 0.0 if dropped == 0 else 0.15  # a dropped frame can move an edge by a frame or two
    for a, b in zip(live.reps, analyzed.reps, strict=True):
        assert a.side == b.side
        for key in ("start_s", "peak_s", "end_s", "hold_s"):
            assert abs(getattr(a, key) - getattr(b, key)) <= tol + 1e-9, (key, a, b)
    assert live.holds == analyzed.holds
    assert load_session(res.session_path).reps == live.reps
    # the saved overlay frame shows the rep count and the hold countdown
    image = cv2.imread(str(saved["hold"]))
    assert text_score(image, str(saved["count_text"]), (255, 255, 255)) > 0.9
    assert text_score(image, str(saved["hold_text"]), (0, 200, 255)) > 0.9
    assert text_score(image, "Reps 9/99", (255, 255, 255)) < text_score(
        image, str(saved["count_text"]), (255, 255, 255)
    )


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (VideoError("camera:0 stopped delivering frames."), "camera_lost"),
        (KeyboardInterrupt(), "interrupted"),
    ],
)
def test_camera_lost_mid_set_keeps_every_rep_before_it(
    tmp_path: Path, error: BaseException, status: str
) -> None:
    spec = load_builtin("clamshell")
    track = PoseTrack.load(TRACK)
    full = analyze_track(spec, track).session
    fail_at = (full.reps[1].end_s + full.reps[2].end_s) / 2  # in the middle of the third rep
    info = VideoInfo("camera:0", *track.image_wh, 30.0, 0, 0, True)
    res = run_exercise(
        camera_frames(track, fail_at, error),
        info,
        ReplayDetector(track),
        spec,
        config=LiveConfig(out_dir=tmp_path),
    )
    assert res.status == status and res.partial
    on_disk = load_session(res.session_path)
    assert on_disk.partial
    assert on_disk.reps == full.reps[:2]
    assert recover_session(res.events_path).reps == full.reps[:2]


def test_crash_writes_the_session_then_raises(tmp_path: Path) -> None:
    spec = load_builtin("clamshell")
    track = PoseTrack.load(TRACK)
    info = VideoInfo("camera:0", *track.image_wh, 30.0, 0, 0, True)
    with pytest.raises(RuntimeError, match="boom"):
        run_exercise(
            camera_frames(track, 10.5, RuntimeError("boom")),
            info,
            ReplayDetector(track),
            spec,
            config=LiveConfig(out_dir=tmp_path),
        )
    (session_file,) = [p for p in tmp_path.glob("*.json")]
    assert load_session(session_file).partial and len(load_session(session_file).reps) == 2


def test_keys_quit_and_pause(tmp_path: Path) -> None:
    spec = load_builtin("clamshell")
    track = PoseTrack.load(TRACK)
    info = VideoInfo("camera:0", *track.image_wh, 30.0, 0, 0, True)
    display = NoDisplay(keys={10: " ", 40: " ", 100: "q"})
    res = run_exercise(
        camera_frames(track, 99.0, RuntimeError()),
        info,
        ReplayDetector(track),
        spec,
        config=LiveConfig(out_dir=tmp_path),
        display=display,
    )
    assert res.status == "quit" and not res.partial
    # paused from the key at frame 10 to the key at frame 40; the model runs a frame or two
    # ahead of the display (detect_ahead), so on a loaded machine either edge can move by that
    assert res.stats.frames == 100 and 28 <= res.stats.paused_frames <= 32
    notes = [line for line in res.events_path.read_text().splitlines() if '"note"' in line]
    assert any('"pause"' in n for n in notes) and any('"resume"' in n for n in notes)
