"""VideoSink: H.264 MP4 that decodes with the right frame count, duration and timing; atomic."""

from __future__ import annotations

import functools
from pathlib import Path

import av
import numpy as np
import pytest

from hiptrack.draw import annotate
from hiptrack.events import FrameState
from hiptrack.outputs import VideoSink
from hiptrack.outputs.synthetic import demo_frames, standing_pose


def decode(path: Path) -> tuple[str, int, list[float], tuple[int, int], float]:
    with av.open(str(path)) as c:
        st = c.streams.video[0]
        times = [float(f.time) for f in c.decode(st)]
        dur = float(c.duration) / av.time_base if c.duration else 0.0
        return st.codec_context.name, len(times), times, (st.width, st.height), dur


def frames_img(n: int, w: int, h: int) -> list[np.ndarray]:
    return [np.full((h, w, 3), (i * 3) % 255, np.uint8) for i in range(n)]


def test_annotated_video_decodes_with_expected_frames_and_duration(tmp_path: Path) -> None:
    out = tmp_path / "annotated.mp4"
    states = demo_frames(90, fps=30.0)
    pose = standing_pose()
    ann = functools.partial(annotate, exercise="clamshell", main_signal="hip_angle_deg")
    with VideoSink(out, 30.0, (640, 480), annotator=ann) as sink:
        for st, img in zip(states, frames_img(90, 640, 480), strict=True):
            sink.on_frame(img, pose if st.person else None, st)
    codec, n, times, size, dur = decode(out)
    assert (codec, n, size) == ("h264", 90, (640, 480))
    assert dur == pytest.approx(3.0, abs=0.04)
    assert times[1] == pytest.approx(1 / 30, abs=1e-3)
    assert not list(tmp_path.glob(".*"))  # no temp files left


def test_variable_frame_rate_keeps_timing(tmp_path: Path) -> None:
    out = tmp_path / "vfr.mp4"
    ts = [0.0, 0.033, 0.066, 0.2, 0.5, 0.533, 1.0]
    with VideoSink(out, 30.0, (320, 240)) as sink:
        for t, img in zip(ts, frames_img(len(ts), 320, 240), strict=True):
            sink.on_frame(img, None, FrameState(t_s=t, person=False, state="no_person"))
    _, n, times, _, _ = decode(out)
    assert n == len(ts)
    assert times == pytest.approx(ts, abs=2e-3)


def test_odd_size_is_made_even_and_other_sizes_resized(tmp_path: Path) -> None:
    out = tmp_path / "odd.mp4"
    with VideoSink(out, 25.0, (321, 241)) as sink:
        st = FrameState(t_s=0.0, person=False, state="rest")
        sink.on_frame(np.zeros((241, 321, 3), np.uint8), None, st)
        sink.on_frame(
            np.zeros((100, 50, 3), np.uint8), None, FrameState(t_s=0.04, person=False, state="rest")
        )
    _, n, _, size, _ = decode(out)
    assert (n, size) == (2, (320, 240))


def test_caller_image_is_not_drawn_on(tmp_path: Path) -> None:
    img = np.zeros((240, 320, 3), np.uint8)
    ann = functools.partial(annotate, exercise="clamshell")
    with VideoSink(tmp_path / "a.mp4", 30.0, (320, 240), annotator=ann) as sink:
        sink.on_frame(img, None, FrameState(t_s=0.0, person=False, state="no_person"))
    assert not img.any()


def test_interrupted_write_keeps_the_earlier_file(tmp_path: Path) -> None:
    out = tmp_path / "v.mp4"
    out.write_bytes(b"earlier video")

    def boom(*_: object) -> np.ndarray:
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError), VideoSink(out, 30.0, (64, 48), annotator=boom) as sink:
        sink.on_frame(np.zeros((48, 64, 3), np.uint8), None, FrameState(t_s=0.0, person=False, state="rest"))
    assert out.read_bytes() == b"earlier video"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4"]


def test_no_frames_no_file(tmp_path: Path) -> None:
    sink = VideoSink(tmp_path / "none.mp4", 30.0, (64, 48))
    sink.on_frame(None, None, FrameState(t_s=0.0, person=False, state="rest"))
    sink.close()
    assert list(tmp_path.iterdir()) == []
