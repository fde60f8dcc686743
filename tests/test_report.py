"""The HTML report: content, escaping, no network, atomic writes, thumbnails, the command."""

from __future__ import annotations

import os
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from hiptrack import session as session_mod
from hiptrack.cli import main
from hiptrack.outputs.report import Series, SessionReport, Thumbnail, render_report, write_report
from hiptrack.outputs.stats import rom_trend
from hiptrack.outputs.synthetic import demo_frames, demo_session, standing_pose
from hiptrack.outputs.thumbnails import grab_thumbnails, render_thumbnail, session_thumbnails
from hiptrack.prescription import load_sample
from hiptrack.session import save_session
from hiptrack.track import PoseTrack

XSS = "<script>alert(1)</script>"
SAMPLE = Path(__file__).resolve().parent.parent / "sample_videos" / "dev_cs_1.mp4"


def external_urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href|url)\s*[=(]\s*["']?\s*(?:https?:)?//""", html, re.I)


@pytest.mark.parametrize(
    ("roms", "slope", "first", "last"),
    [
        ([], None, None, None),
        ([40.0], None, 40.0, 40.0),
        ([40, 38, 36], -2.0, 40, 36),
        ([30, 31, 35, 36], 2.2, 30, 36),
    ],
)
def test_rom_trend(roms: list[float], slope: float | None, first: float | None, last: float | None) -> None:
    t = rom_trend(roms)
    assert (t.first, t.last) == (first, last)
    assert t.slope_per_rep == (None if slope is None else pytest.approx(slope))


def test_report_content() -> None:
    s = demo_session(reps_per_side=4, rom_start=40, rom_step=-1)
    html = render_report(
        [SessionReport(s, Series.from_frames(demo_frames(), "hip_angle_deg"))],
        patient="Ann Example",
        prescription=load_sample(),
    )
    assert "Ann Example" in html and "Clamshell" in html and "clip.mp4" in html
    assert "10-15 reps x 1 set, hold 5 s" in html  # prescribed dose
    assert "40%" in html  # 4 of 10 reps per side
    assert "38.5 deg" in html and "40.0 deg" in html  # ROM mean / best
    assert "-1.00 deg/rep" in html and "first 40.0 → last 37.0" in html
    assert "pelvis_roll ×2" in html
    assert html.count("<tr>") >= 8 + 2  # per-rep rows + per-side rows
    assert "<svg" in html and "<polyline" in html and 'class="fault-marker"' in html
    assert "@media print" in html


def test_report_without_series_plots_peaks_and_handles_empty_sessions() -> None:
    s = demo_session(reps_per_side=0, sides=("left",))
    html = render_report([s, demo_session("hip_flexor_stretch", reps_per_side=2, hold_s=30)])
    assert "No repetitions or holds were counted" in html
    assert "Holds</h3>" in html and "30.0 / 30" in html


def test_every_user_string_is_escaped() -> None:
    s = demo_session(source=f"/videos/{XSS}.mp4", patient=XSS)
    s.exercise_name = XSS
    s.warnings = [XSS]
    s.faults[0].code = XSS
    s.reps[1].faults = [XSS]
    thumb = Thumbnail(1.0, b"\xff\xd8\xff", XSS, "rep")
    html = render_report([SessionReport(s, thumbnails=[thumb])], notes=XSS, prescription=load_sample())
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_no_network_by_construction() -> None:
    html = render_report([demo_session()], prescription=load_sample())
    assert "default-src 'none'; img-src data:; style-src 'unsafe-inline'" in html
    assert external_urls(html) == []
    assert "http://" not in html and "https://" not in html
    assert "<link" not in html and "<script" not in html and "@import" not in html


def test_interrupted_report_write_keeps_the_earlier_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report.html"
    out.write_text("earlier report")

    def fail(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(session_mod.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_report(out, [demo_session()])
    assert out.read_text() == "earlier report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_series_decimation_keeps_peaks() -> None:
    t = np.linspace(0, 600, 18000)
    v = np.sin(t)
    v[9000] = 5.0
    d = Series(t, v, "x_deg", "deg").decimated(1000)
    assert len(d.t_s) <= 1000 and d.values.max() == 5.0


def _track_for(times_s: list[float], wh: tuple[int, int] = (640, 480)) -> PoseTrack:
    return PoseTrack.from_frames(
        [(t * 1000, standing_pose(t * 1000, wh)) for t in times_s], {"width": wh[0], "height": wh[1]}
    )


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample clip missing")
def test_thumbnails_from_the_sample_clip() -> None:
    times = [3.235, 0.5, 8.2, 99.0]  # out of order, and one past the end
    track = _track_for([0.5, 3.2333, 8.2])
    jpegs = grab_thumbnails(SAMPLE, times, track, width=200)
    assert jpegs[3] is None
    imgs = [cv2.imdecode(np.frombuffer(j, np.uint8), cv2.IMREAD_COLOR) for j in jpegs[:3] if j]
    assert len(imgs) == 3 and all(i.shape[1] == 200 and i.shape[0] > 60 for i in imgs)
    assert grab_thumbnails(SAMPLE, [0.5], track, blur_faces=True)[0]


def test_thumbnail_blurs_the_face_only() -> None:
    noise = np.random.default_rng(0).integers(0, 255, (480, 640, 3), dtype=np.uint8)
    pose = standing_pose()
    b, p = (
        cv2.imdecode(
            np.frombuffer(
                render_thumbnail(noise, pose, width=640, blur_faces=blur, quality=95, crop_to_person=False),
                np.uint8,
            ),
            1,
        )
        for blur in (True, False)
    )
    head = (slice(45, 75), slice(305, 335))  # around the synthetic pose's nose (320, 60)
    assert b[head].std() < p[head].std() / 2
    assert np.abs(b[440:].astype(int) - p[440:].astype(int)).mean() < 1


@pytest.mark.skipif(not SAMPLE.exists(), reason="sample clip missing")
def test_session_thumbnails_and_report_images_are_data_uris() -> None:
    s = demo_session(reps_per_side=1, sides=("left",), faults=0)
    thumbs = session_thumbnails(s, SAMPLE, _track_for([2.5]), blur_faces=True)
    assert [t.kind for t in thumbs] == ["rep"]
    html = render_report([SessionReport(s, thumbnails=thumbs)])
    assert 'src="data:image/jpeg;base64,' in html and external_urls(html) == []


def test_report_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = save_session(demo_session(source=str(tmp_path / "missing.mp4")), tmp_path / "a.json")
    b = save_session(demo_session("bridge", sides=("both",)), tmp_path / "b.json")
    out = tmp_path / "r.html"
    rc = main(
        [
            "report",
            str(a),
            str(b),
            "--out",
            str(out),
            "--patient",
            XSS,
            "--prescription",
            str(load_sample_path()),
        ]
    )
    assert rc == 0
    html = out.read_text()
    assert "&lt;script&gt;" in html and "Bridge" in html and "Clamshell" in html
    assert "report written" in capsys.readouterr().out
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]


def test_report_command_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.json").write_text('{"hello": 1}')
    assert main(["report", str(tmp_path / "x.json"), "--out", str(tmp_path / "r.html")]) == 2
    assert "not a hiptrack session file" in capsys.readouterr().err
    bad = tmp_path / "p.toml"
    bad.write_text("[exercises.clamshell]\nreps = 0\n")
    s = save_session(demo_session(), tmp_path / "s.json")
    assert main(["report", str(s), "--out", str(tmp_path / "r.html"), "--prescription", str(bad)]) == 2
    assert "exercises.clamshell.reps: must be >= 1" in capsys.readouterr().err


def load_sample_path() -> Path:
    from hiptrack.prescription import SAMPLE_PATH

    return SAMPLE_PATH
