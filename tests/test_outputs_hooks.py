"""The three calls `hiptrack analyze` makes: options, sinks, finishing outputs."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import av
import numpy as np
import pytest

from hiptrack import outputs
from hiptrack.errors import HiptrackError
from hiptrack.outputs.synthetic import demo_frames, demo_session, standing_pose
from hiptrack.prescription import SAMPLE_PATH
from hiptrack.track import PoseTrack
from hiptrack.video import VideoInfo

SAMPLE = Path(__file__).resolve().parent.parent / "sample_videos" / "dev_cs_1.mp4"
INFO = VideoInfo(
    source=str(SAMPLE), width=640, height=480, fps=30.0, frame_count=90, rotation_deg=0, is_camera=False
)


def parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--exercise", default="clamshell")
    outputs.add_output_options(p)
    return p.parse_args(list(argv))


def test_options_default_to_nothing() -> None:
    args = parse()
    assert (args.video_out, args.csv_out, args.report_out, args.patient, args.prescription) == (None,) * 5
    assert args.blur_faces is False
    assert outputs.open_sinks(args, INFO, ["hip_angle_deg"]) == []
    assert outputs.finish_outputs(args, demo_session(), None, [], None) == []


def test_full_run_writes_video_csv_and_report(tmp_path: Path) -> None:
    v, c, r = tmp_path / "a.mp4", tmp_path / "a.csv", tmp_path / "a.html"
    args = parse(
        "--video", str(v), "--csv", str(c), "--report", str(r), "--patient", "Ann",
        "--prescription", str(SAMPLE_PATH), "--blur-faces",
    )  # fmt: skip
    sinks = outputs.open_sinks(args, INFO, ["hip_angle_deg", "knee_gap_norm"], main_signal="hip_angle_deg")
    frames = demo_frames(90)
    poses = []
    for st in frames:
        pose = standing_pose(st.t_s * 1000, lift=(st.main_value or 0) / 50) if st.person else None
        poses.append((st.t_s * 1000, pose))
        for sink in sinks:
            sink.on_frame(np.full((480, 640, 3), 90, np.uint8), pose, st)
    session = demo_session(reps_per_side=1, sides=("left",), source=str(SAMPLE), patient="Ann")
    outputs.close_sinks(sinks, session, ok=True)
    track = PoseTrack.from_frames(poses, {"width": 640, "height": 480})
    written = outputs.finish_outputs(args, session, SAMPLE, frames, track)
    assert written == [r]
    with av.open(str(v)) as cont:
        assert sum(1 for _ in cont.decode(video=0)) == 90
    with c.open(newline="") as f:
        assert len(list(csv.reader(f))) == 91
    html = r.read_text()
    assert "Ann" in html and "data:image/jpeg;base64," in html and "<polyline" in html
    assert "1 / 10" not in html and "10-15 reps" in html


def test_failed_run_leaves_nothing(tmp_path: Path) -> None:
    args = parse("--video", str(tmp_path / "a.mp4"), "--csv", str(tmp_path / "a.csv"))
    sinks = outputs.open_sinks(args, INFO, ["hip_angle_deg"])
    for st in demo_frames(5):
        for sink in sinks:
            sink.on_frame(np.zeros((480, 640, 3), np.uint8), None, st)
    outputs.close_sinks(sinks, None, ok=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (("--video", "/nonexistent/dir/a.mp4"), "does not exist"),
        (("--csv", "{tmp}"), "is a folder"),
        (("--video", str(SAMPLE)), "is the input video"),
        (("--prescription", "{tmp}/missing.toml"), "Cannot read prescription"),
    ],
)
def test_bad_paths_fail_before_analysis(tmp_path: Path, argv: tuple[str, str], match: str) -> None:
    args = parse(*(a.replace("{tmp}", str(tmp_path)) for a in argv))
    with pytest.raises(HiptrackError, match=match):
        outputs.open_sinks(args, INFO, [])
