"""People problems, replayed from a recorded pose track (no model in the loop, so fast).

The track is dev_abd_2 (side-lying hip abduction, 4 labelled reps on the right side) recorded
once with the lite model; each test edits it: nobody, the patient leaving mid-rep, a second
person walking through, the feet cut off at the frame edge.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import pytest

from hiptrack.analysis import Image, analyze_track, run_engine
from hiptrack.landmarks import Landmark as L
from hiptrack.pose import Pose
from hiptrack.session import Session, SourceInfo
from hiptrack.spec import load_builtin
from hiptrack.track import PoseTrack
from hiptrack.tracking import PersonSelector
from tests.hostile_media import cached_track

SPEC = load_builtin("sidelying_hip_abduction")
LABELLED_S = [(1.246, 3.943), (5.138, 7.355), (8.617, 11.23), (12.425, 15.089)]
SOURCE = SourceInfo(path="dev_abd_2.mp4")
FEET = [L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]


@pytest.fixture(scope="module")
def track() -> PoseTrack:
    t = PoseTrack.load(cached_track("dev_abd_2.mp4"))
    assert t.found.all()
    return t


def edited(t: PoseTrack) -> PoseTrack:
    return dataclasses.replace(
        t,
        found=t.found.copy(),
        xy_px=t.xy_px.copy(),
        world_m=t.world_m.copy(),
        visibility=t.visibility.copy(),
        presence=t.presence.copy(),
    )


def rep_spans(s: Session) -> list[tuple[float, float]]:
    return [(r.start_s, r.end_s) for r in s.reps]


def assert_matches_labels(s: Session, skip: tuple[int, ...] = ()) -> None:
    """Reps are the labelled ones, minus ``skip``, each within 0.3 s at both ends."""
    want = [span for i, span in enumerate(LABELLED_S) if i not in skip]
    got = rep_spans(s)
    assert len(got) == len(want), got
    for (a0, a1), (b0, b1) in zip(got, want, strict=True):
        assert abs(a0 - b0) < 0.3 and abs(a1 - b1) < 0.3, (got, want)
    assert {r.side for r in s.reps} <= {"right"}


def test_baseline_counts_the_labelled_reps(track: PoseTrack) -> None:
    assert_matches_labels(analyze_track(SPEC, track).session)


def test_nobody_in_the_video(track: PoseTrack) -> None:
    t = edited(track)
    t.found[:] = False
    s = analyze_track(SPEC, t).session
    assert s.reps == [] and s.detection_rate == 0.0 and s.totals == {}
    assert any("No person was found" in w and "hiptrack setup" in w for w in s.warnings)
    assert s.time_without_person_s == pytest.approx(track.t_ms[-1] / 1000 - track.t_ms[0] / 1000, abs=0.1)


def _leave(track: PoseTrack, t0_s: float, t1_s: float) -> PoseTrack:
    t = edited(track)
    gone = (t.t_ms >= t0_s * 1000) & (t.t_ms < t1_s * 1000)
    t.found[gone] = False
    t.xy_px[gone] = np.nan
    t.world_m[gone] = np.nan
    return t


def test_person_leaving_mid_rep_loses_only_that_rep(track: PoseTrack) -> None:
    """Out of frame for 1.5 s in the middle of rep 2 (longer than the 1 s a gap is bridged)."""
    s = analyze_track(SPEC, _leave(track, 5.5, 7.0)).session
    assert_matches_labels(s, skip=(1,))
    assert s.time_without_person_s == pytest.approx(1.5, abs=0.1)


def test_short_dropout_mid_rep_is_bridged(track: PoseTrack) -> None:
    """The model missing the person for 0.3 s (motion blur) does not cost a rep."""
    assert_matches_labels(analyze_track(SPEC, _leave(track, 6.0, 6.3)).session)


def test_person_leaving_between_reps_changes_nothing(track: PoseTrack) -> None:
    assert_matches_labels(analyze_track(SPEC, _leave(track, 7.6, 8.4)).session)


def passerby(p: Pose, t_s: float, t0_s: float = 4.0, t1_s: float = 8.0) -> Pose:
    """A standing person, larger than the patient (nearer the camera), walking across."""
    w, h = p.image_wh
    rel = p.xy_px - np.nanmean(p.xy_px, axis=0)
    standing = np.stack([rel[:, 1], -rel[:, 0]], axis=1) * 1.4
    x = -200 + (w + 400) * (t_s - t0_s) / (t1_s - t0_s)
    return dataclasses.replace(p, xy_px=standing + np.array([x, h / 2]))


def _walk_through(track: PoseTrack, mode: str) -> Iterator[tuple[float, Pose | None, Image | None]]:
    sel = PersonSelector()
    for i in range(len(track)):
        t_ms, p = float(track.t_ms[i]), track.pose(i)
        t_s = t_ms / 1000
        assert p is not None
        cands = [p]
        if 4.0 <= t_s < 8.0:
            other = passerby(p, t_s)
            if mode == "both seen":  # --num-poses 2: the model returns both people
                cands = [other, p] if i % 2 else [p, other]
            elif 6.0 <= t_s < 6.4:  # --num-poses 1: the model locks on the other person
                cands = [other]
        yield t_ms, sel.select(cands), None


def test_second_person_walking_through_with_two_poses(track: PoseTrack) -> None:
    engine, *_ = run_engine(SPEC, _walk_through(track, "both seen"))
    assert_matches_labels(engine.session(SOURCE))


def test_second_person_taking_the_only_pose_mid_rep(track: PoseTrack) -> None:
    engine, *_ = run_engine(SPEC, _walk_through(track, "one seen"))
    assert_matches_labels(engine.session(SOURCE))


def test_feet_cut_off_at_the_frame_edge(track: PoseTrack) -> None:
    """Ankles, heels and toes pinned to a frame edge with low visibility (camera too close)."""
    t = edited(track)
    idx = [int(f) for f in FEET]
    xs = t.xy_px[:, idx, 0]
    right_edge = float(np.nanpercentile(xs, 30))  # the feet point left in this clip: cut there
    t.xy_px[:, idx, 0] = np.maximum(xs, right_edge)
    t.visibility[:, idx] = 0.05
    t.presence[:, idx] = 0.1
    s = analyze_track(SPEC, t).session
    assert_matches_labels(s)
