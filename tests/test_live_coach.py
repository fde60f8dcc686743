"""Live coach (setup go/no-go, sets, rest, side switch, cues) and the live frame source; no model."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest
from synthetic import clamshell_points, make_pose

from hiptrack.events import Event, FrameState
from hiptrack.live.coach import Coach, CueThrottle, LiveDose, SetupCheck, body_in_view
from hiptrack.live.source import BlackFrameCheck, CameraError, LiveSource
from hiptrack.session import Rep
from hiptrack.spec import load_builtin
from hiptrack.video import Frame, VideoInfo


def _state(t: float, reps: int, side: str = "left", in_position: bool = True, **kw: object) -> FrameState:
    return FrameState(
        t_s=t, person=True, state="rest", side=side, in_position=in_position, counts={side: reps}, **kw
    )  # type: ignore[arg-type]


def _rep_event(t: float, i: int) -> Event:
    return Event(
        "rep",
        t,
        Rep(index=i, side="left", start_s=t - 2, peak_s=t - 1, end_s=t, hold_s=1, rom=40, peak_value=40),
    )


@pytest.mark.parametrize(
    ("times", "candidates", "expected"),
    [
        ([0.0, 1.0, 2.9], [["a"], ["a", "b"], ["b"]], ["a", "a", "a"]),  # one at a time, shown 3 s
        ([0.0, 3.1, 4.7], [["a"], ["b"], ["b"]], ["a", None, "b"]),  # a quiet gap between cues
        ([0.0, 5.0, 11.0], [["a"], ["a"], ["a"]], ["a", None, "a"]),  # the same cue not within 10 s
    ],
)
def test_cue_throttle(times: list[float], candidates: list[list[str]], expected: list[str | None]) -> None:
    th = CueThrottle(show_s=3.0, gap_s=1.5, repeat_s=10.0)
    assert [th.update(t, c) for t, c in zip(times, candidates, strict=True)] == expected


def test_setup_go_needs_whole_body_and_position_for_one_second() -> None:
    pose = make_pose(clamshell_points(0.0), t_ms=0.0)
    check = SetupCheck(go_hold_s=1.0)
    assert not check.update(None, _state(0.0, 0)).person
    assert not check.update(pose, _state(0.1, 0, in_position=False)).go
    assert check.update(pose, _state(0.2, 0)).go and not check.update(pose, _state(0.7, 0)).ready
    assert check.update(pose, _state(1.25, 0)).ready


def test_body_out_of_frame_is_named() -> None:
    pose = make_pose(clamshell_points(0.0), t_ms=0.0)
    xy = pose.xy_px.copy()
    xy[:, 0] += pose.image_wh[0] * 0.3  # slide right: the feet leave the frame
    from dataclasses import replace

    missing = body_in_view(replace(pose, xy_px=xy))
    assert "knees" in missing or "ankles" in missing
    assert body_in_view(pose) == ()


def test_coach_sets_rest_and_switch_side() -> None:
    spec = load_builtin("clamshell")
    dose = LiveDose(sides=("first", "second"), sets=2, reps=2, reps_min=2, rest_s=30.0)
    coach = Coach(spec, dose, SetupCheck(go_hold_s=0.0))
    pose = make_pose(clamshell_points(0.0), t_ms=0.0)
    assert coach.update(pose, _state(0.0, 0)).phase == "active"
    coach.update(pose, _state(5.0, 1, events=(_rep_event(5.0, 0),)))
    v = coach.update(pose, _state(10.0, 2, events=(_rep_event(10.0, 1),)))
    assert v.phase == "rest" and "rest 30 s" in v.prompt and "set_done" in v.sounds and "rep" in v.sounds
    assert coach.update(pose, _state(39.0, 2)).rest_left_s == pytest.approx(1.0)
    v = coach.update(pose, _state(40.5, 2))
    assert (v.phase, v.set_no, v.reps_in_set) == ("active", 1, 0)
    coach.update(pose, _state(45.0, 4))
    v = coach.update(pose, _state(76.0, 4))  # rest over, next is the other side
    assert v.phase == "switch" and "other side" in v.prompt
    v = coach.update(pose, _state(80.0, 4, side="right"))  # the engine sees the other side
    assert (v.phase, v.side_no, v.set_no) == ("active", 1, 0)


def test_coach_keys_reset_set_and_switch_side() -> None:
    spec = load_builtin("clamshell")
    coach = Coach(spec, LiveDose(sets=1, reps=5), SetupCheck(go_hold_s=0.0))
    pose = make_pose(clamshell_points(0.0), t_ms=0.0)
    coach.update(pose, _state(0.0, 0))
    assert coach.update(pose, _state(1.0, 3)).reps_in_set == 3
    coach.reset_set(1.5)
    assert coach.update(pose, _state(2.0, 3)).reps_in_set == 0
    coach.switch_side(2.5)
    assert coach.update(pose, _state(3.0, 3)).side_no == 1


def test_hold_done_sound_once_per_hold() -> None:
    spec = load_builtin("clamshell")
    coach = Coach(spec, LiveDose(), SetupCheck(go_hold_s=0.0))
    sounds = []
    for t, el in [(0.0, None), (1.0, 4.0), (2.0, 5.1), (3.0, 6.0), (4.0, None)]:
        st = _state(t, 0, hold_elapsed_s=el, hold_target_s=5.0)
        sounds += coach.update(None, st).sounds
    assert sounds == ["hold_done"]


def test_black_frames_for_two_seconds_name_the_fix() -> None:
    check = BlackFrameCheck("camera:0")
    dark = np.zeros((48, 64, 3), np.uint8)
    check.update(0.0, dark)
    check.update(1.5, dark)
    check.update(1.6, np.full_like(dark, 120))  # light again: starts over
    check.update(3.0, dark)
    with pytest.raises(CameraError, match="privacy shutter"):
        check.update(5.1, dark)


def _frames(n: int, fps: float = 50.0) -> Iterator[Frame]:
    img = np.full((8, 8, 3), 100, np.uint8)
    for i in range(n):
        yield Frame(image_bgr=img, t_ms=i * 1000.0 / fps, index=i)


def _info(camera: bool = False) -> VideoInfo:
    return VideoInfo("fake", 8, 8, 50.0, 0, 0, camera)


def test_paced_source_keeps_file_timestamps_and_drops_like_a_camera() -> None:
    with LiveSource(lambda: _frames(50), _info(), pace=1.0) as src:
        t0 = time.monotonic()
        got = []
        for lf in src:
            got.append(lf.frame.t_ms)
            time.sleep(0.045)  # a consumer slower than the 50 fps clip
        wall = time.monotonic() - t0
    assert 0.9 < wall < 1.6  # real time: the 1 s clip takes about 1 s
    assert got == sorted(got) and all(t in [i * 20.0 for i in range(50)] for t in got)
    assert 10 < len(got) < 40 and src.frames_dropped > 10


def test_unpaced_source_gives_every_frame() -> None:
    with LiveSource(lambda: _frames(30), _info(), pace=None) as src:
        assert [lf.frame.index for lf in src] == list(range(30))


def test_camera_without_a_picture_says_busy() -> None:
    def nothing() -> Iterator[Frame]:
        time.sleep(0.3)
        return
        yield

    src = LiveSource(nothing, _info(camera=True), stall_timeout_s=0.2)
    with src, pytest.raises(CameraError, match="in use by another program"):
        list(src)


def test_mirrored_overlay_is_the_overlay_of_the_flipped_frame() -> None:
    """A webcam view is shown mirrored: the picture flips and the skeleton follows the body."""
    from hiptrack.live.overlay import mirror_pose, render

    spec = load_builtin("clamshell")
    coach = Coach(spec, LiveDose(), SetupCheck(go_hold_s=0.0))
    pose = make_pose(clamshell_points(0.0), t_ms=0.0)
    state = _state(0.0, 0)
    view = coach.update(pose, state)
    frame = np.random.default_rng(0).integers(0, 256, (pose.image_wh[1], pose.image_wh[0], 3), dtype=np.uint8)
    got = render(frame, pose, state, view, spec, mirror=True)
    want = render(np.ascontiguousarray(frame[:, ::-1]), mirror_pose(pose), state, view, spec)
    assert np.array_equal(got.image, want.image) and got.lines == want.lines
    assert not np.shares_memory(got.image, frame)


@pytest.mark.parametrize("mirror", [False, True])
def test_overlay_drawn_in_place_is_the_same_picture(mirror: bool) -> None:
    """The live loop draws on the frame itself (no copy per frame); the picture is the same."""
    from hiptrack.live.overlay import render

    spec = load_builtin("clamshell")
    pose = make_pose(clamshell_points(0.0), t_ms=0.0)
    state = _state(0.0, 2)
    view = Coach(spec, LiveDose(), SetupCheck(go_hold_s=0.0)).update(pose, state)
    frame = np.random.default_rng(1).integers(0, 256, (pose.image_wh[1], pose.image_wh[0], 3), dtype=np.uint8)
    want = render(frame, pose, state, view, spec, mirror=mirror)
    work = frame.copy()
    got = render(work, pose, state, view, spec, mirror=mirror, in_place=True)
    assert got.image is work and np.array_equal(got.image, want.image) and got.lines == want.lines
