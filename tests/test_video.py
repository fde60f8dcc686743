"""Frame sources: true timestamps, rotation, corrupt frames, hostile files, the camera thread."""

from __future__ import annotations

import threading
import time
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from hiptrack.video import Frame, FrameSource, VideoError, VideoInfo, rotation_cw
from tests.media import BAR_SLOTS, bar_frame, bar_index, corrupt_jpeg_frame, truncate, write_gif, write_video


def read_all(path: Path) -> tuple[FrameSource, list[Frame]]:
    with FrameSource.from_file(path) as src:
        frames = list(src)
    return src, frames


VFR_PTS_MS = [0, 33, 70, 200, 215, 400, 433, 466, 900, 950]


@pytest.mark.parametrize(
    ("name", "kwargs", "expected_ms"),
    [
        (
            "ntsc.mp4",  # 29.97 fps: frame k is shown at k * 1001/30 ms, not k * 33.33 ms
            {"n_frames": 90, "time_base": Fraction(1001, 30000)},
            [k * 1001 / 30 for k in range(90)],
        ),
        (
            "vfr.mp4",  # irregular pts in a 1/30 s time base (frames dropped by a phone)
            {"n_frames": 10, "time_base": Fraction(1, 30), "pts": [0, 1, 2, 5, 6, 10, 11, 12, 20, 21]},
            [p * 1000 / 30 for p in [0, 1, 2, 5, 6, 10, 11, 12, 20, 21]],
        ),
        (
            "vfr.mkv",  # millisecond time base, arbitrary gaps
            {"n_frames": 10, "time_base": Fraction(1, 1000), "pts": VFR_PTS_MS},
            VFR_PTS_MS,
        ),
    ],
)
def test_timestamps_are_presentation_times(
    tmp_path: Path, name: str, kwargs: dict[str, object], expected_ms: list[float]
) -> None:
    path = write_video(tmp_path / name, **kwargs)  # type: ignore[arg-type]
    src, frames = read_all(path)
    assert [f.t_ms for f in frames] == pytest.approx(expected_ms, abs=1e-6)
    assert [bar_index(f.image_bgr) for f in frames] == [i % BAR_SLOTS for i in range(len(expected_ms))]
    assert [f.index for f in frames] == list(range(len(expected_ms)))
    assert src.decode_errors == 0


def test_ntsc_nominal_fps_is_not_truncated(tmp_path: Path) -> None:
    path = write_video(tmp_path / "ntsc.mp4", 30, time_base=Fraction(1001, 30000))
    with FrameSource.from_file(path) as src:
        assert src.info.fps == pytest.approx(30000 / 1001)
        assert src.info.frame_count == 30


def test_gif_per_frame_durations(tmp_path: Path) -> None:
    durations = [100, 50, 200, 30, 100]
    path = write_gif(tmp_path / "anim.gif", durations)
    _, frames = read_all(path)
    assert [f.t_ms for f in frames] == pytest.approx(np.cumsum([0, *durations[:-1]]).tolist())
    assert [bar_index(f.image_bgr) for f in frames] == list(range(5))


@pytest.mark.parametrize(
    ("display_deg", "cw_deg", "red_corner"),
    [
        (90, 270, "bottom-left"),  # display matrix: 90° counter-clockwise
        (-90, 90, "top-right"),  # what an iPhone held upright stores
        (180, 180, "bottom-right"),
    ],
)
def test_rotation_metadata_gives_upright_frames(
    tmp_path: Path, display_deg: int, cw_deg: int, red_corner: str
) -> None:
    path = write_video(tmp_path / "phone.mp4", 5, size_wh=(160, 96), rotation_deg=display_deg)
    src, frames = read_all(path)
    want_hw = (96, 160) if cw_deg == 180 else (160, 96)
    assert frames[0].image_bgr.shape[:2] == want_hw
    assert (src.info.width, src.info.height) == (want_hw[1], want_hw[0])
    assert src.info.rotation_deg == cw_deg
    img = frames[0].image_bgr
    h, w = img.shape[:2]
    corners = {"top-left": (2, 2), "top-right": (2, w - 3), "bottom-left": (h - 3, 2)}
    corners["bottom-right"] = (h - 3, w - 3)
    reds = [name for name, (y, x) in corners.items() if img[y, x, 2] > 200 and img[y, x, 0] < 60]
    assert reds == [red_corner]


def test_rotation_matches_opencv_orientation_handling(tmp_path: Path) -> None:
    """OpenCV's CAP_PROP_ORIENTATION_AUTO (used for cameras and by other tools) agrees with us."""
    import cv2

    path = write_video(tmp_path / "phone.mp4", 3, size_wh=(160, 96), rotation_deg=-90)
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    ok, cv_img = cap.read()
    cv_meta = int(cap.get(cv2.CAP_PROP_ORIENTATION_META))
    cap.release()
    assert ok
    src, frames = read_all(path)
    assert src.info.rotation_deg == cv_meta
    assert frames[0].image_bgr.shape == cv_img.shape
    assert np.abs(frames[0].image_bgr.astype(int) - cv_img.astype(int)).mean() < 3.0


@pytest.mark.parametrize(
    ("display", "cw"), [(0, 0), (90, 270), (-90, 90), (180, 180), (-180, 180), (None, 0)]
)
def test_rotation_cw(display: float | None, cw: int) -> None:
    assert rotation_cw(display) == cw


def test_corrupt_frame_mid_stream_is_skipped_and_counted(tmp_path: Path) -> None:
    path = write_video(tmp_path / "mjpeg.avi", 60, codec="mjpeg")
    corrupt_jpeg_frame(path, 30)
    src, frames = read_all(path)
    assert src.decode_errors >= 1
    assert 50 <= len(frames) < 60
    got = [bar_index(f.image_bgr) for f in frames]
    assert got[:30] == [i % BAR_SLOTS for i in range(30)]
    assert got[-1] == 59 % BAR_SLOTS  # reading went on to the end
    assert frames[-1].t_ms == pytest.approx(59 * 1000 / 30)
    assert np.all(np.diff([f.t_ms for f in frames]) > 0)


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda d: d / "missing.mp4", "No such file"),
        (lambda d: d, "is a folder"),
        (lambda d: _write(d / "empty.mp4", b""), "is empty"),
        (lambda d: _write(d / "notes.mp4", b"patient notes\nline two\n" * 20), "text file"),
        (lambda d: _write(d / "noise.mp4", np.random.default_rng(1).bytes(5000)), "Cannot read"),
        (lambda d: truncate(write_video(d / "a.mp4", 90), d / "cut.mp4"), "Cannot read"),
        (
            lambda d: truncate(write_video(d / "a.mp4", 90, faststart=True), d / "cut.mp4"),
            "incomplete",
        ),
    ],
    ids=["missing", "folder", "empty", "text", "noise", "truncated-moov-at-end", "truncated-faststart"],
)
def test_hostile_files_raise_video_error_at_open(tmp_path: Path, make, needle: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(VideoError, match=needle) as exc_info:
        FrameSource.from_file(make(tmp_path))
    assert "\n" not in str(exc_info.value)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_early_close_stops_the_decoder_thread(tmp_path: Path) -> None:
    path = write_video(tmp_path / "long.mp4", 300)
    with FrameSource.from_file(path, prefetch=2) as src:
        for frame in src:
            if frame.index == 3:
                break
    assert src._thread is None  # joined
    assert not [t for t in threading.enumerate() if t.name == "hiptrack-decode"]


def test_a_file_source_iterates_once(tmp_path: Path) -> None:
    path = write_video(tmp_path / "a.mp4", 5)
    with FrameSource.from_file(path) as src:
        assert len(list(src)) == 5
        with pytest.raises(RuntimeError, match="once"):
            list(src)


class FakeCamera:
    """Delivers ``n`` bar frames at ``fps`` then fails, like an unplugged webcam."""

    def __init__(self, n: int, fps: float = 200.0) -> None:
        self.n, self.period_s, self.i = n, 1.0 / fps, 0
        self.released = False

    def read(self) -> tuple[bool, np.ndarray | None]:
        time.sleep(self.period_s)
        if self.i >= self.n:
            return False, None
        self.i += 1
        return True, bar_frame(self.i - 1)

    def release(self) -> None:
        self.released = True


def camera_info() -> VideoInfo:
    return VideoInfo("camera:fake", 160, 96, 200.0, 0, 0, True)


def test_camera_newest_frame_wins_and_unplug_is_reported() -> None:
    cam = FakeCamera(n=120)
    got: list[Frame] = []
    with (
        FrameSource.from_capture(cam, camera_info()) as src,
        pytest.raises(VideoError, match="stopped delivering frames"),
    ):
        for frame in src:
            got.append(frame)
            time.sleep(0.03)  # a slow consumer (inference) must not build a backlog
    assert cam.released
    idx = [f.index for f in got]
    assert idx == sorted(set(idx))
    assert len(got) < 60  # frames were skipped, not queued
    assert idx[-1] >= 110  # and the consumer kept up with the newest frame
    assert np.all(np.diff([f.t_ms for f in got]) > 0)


def test_camera_close_while_streaming() -> None:
    cam = FakeCamera(n=10_000)
    with FrameSource.from_capture(cam, camera_info()) as src:
        for frame in src:
            if frame.index > 5:
                break
    assert cam.released
