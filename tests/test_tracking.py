"""PersonSelector: keeps following the patient when someone else walks into view."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hiptrack.landmarks import NUM_LANDMARKS
from hiptrack.pose import Pose
from hiptrack.tracking import PersonSelector


def skeleton(cx: float, cy: float, length_px: float, lying: bool, t_ms: float = 0.0) -> Pose:
    """A stick figure: 33 points spread along a line (horizontal when lying), centred at (cx, cy)."""
    s = np.linspace(-0.5, 0.5, NUM_LANDMARKS) * length_px
    jitter = np.linspace(-0.05, 0.05, NUM_LANDMARKS) * length_px
    xy = np.stack([cx + s, cy + jitter], axis=1) if lying else np.stack([cx + jitter, cy + s], axis=1)
    return Pose(
        t_ms=t_ms,
        xy_px=xy,
        z_rel=np.zeros(NUM_LANDMARKS),
        world_m=np.zeros((NUM_LANDMARKS, 3)),
        visibility=np.ones(NUM_LANDMARKS),
        presence=np.ones(NUM_LANDMARKS),
        image_wh=(1280, 720),
    )


def patient(i: int) -> Pose:
    """Lying on the floor, sliding slowly to the right (a clamshell set)."""
    return skeleton(500 + 2 * i, 550, 600, lying=True, t_ms=i * 33.3)


def therapist(i: int, x: float = 800) -> Pose:
    """Standing behind: a taller, larger box than the patient."""
    return skeleton(x - 3 * i, 350, 650, lying=False, t_ms=i * 33.3)


def test_first_frame_takes_the_largest_person() -> None:
    sel = PersonSelector()
    small = skeleton(200, 200, 100, lying=True)
    big = skeleton(600, 400, 500, lying=True)
    assert sel.select([small, big]) is big


@pytest.mark.parametrize("order", ["patient-first", "therapist-first"])
def test_keeps_the_patient_when_a_second_skeleton_appears(order: str) -> None:
    sel = PersonSelector()
    for i in range(20):
        assert sel.select([patient(i)]) is not None
    for i in range(20, 80):
        p, t = patient(i), therapist(i)
        people = [p, t] if order == "patient-first" else [t, p]
        assert sel.select(people) is p, f"switched to the therapist at frame {i}"


def test_keeps_the_patient_across_a_short_loss() -> None:
    sel = PersonSelector()
    for i in range(10):
        sel.select([patient(i)])
    for _ in range(5):
        assert sel.select([]) is None
    p = patient(15)
    assert sel.select([therapist(15), p]) is p


def test_follows_one_person_who_moves_far() -> None:
    """Alone in view, the patient is followed wherever they go (re-positioning the mat), after a
    short hold-off in case the lone far-away pose is a passer-by."""
    sel = PersonSelector(hold_off_s=0.6)
    sel.select([patient(0)])
    frames = [skeleton(1000, 300, 600, lying=True, t_ms=33.3 * i) for i in range(1, 30)]
    chosen = [sel.select([p]) for p in frames]
    assert chosen[0] is None  # not yet: could be someone else
    assert chosen[-1] is frames[-1]
    first = next(i for i, c in enumerate(chosen) if c is not None)
    assert 0.5 <= frames[first].t_ms / 1000.0 - frames[0].t_ms / 1000.0 <= 0.7


def test_reset_starts_over_with_the_largest() -> None:
    sel = PersonSelector()
    sel.select([patient(0)])
    sel.reset()
    t = therapist(0)
    assert sel.select([patient(1), t]) is t  # the therapist's box is larger


def upside_down(p: Pose) -> Pose:
    """The same body with its landmarks laid the other way round (head where the feet are), as
    MediaPipe sometimes guesses a person lying on the floor seen from the feet."""
    return replace(p, xy_px=p.xy_px[::-1].copy())


def test_a_skeleton_laid_upside_down_is_not_the_patient() -> None:
    sel = PersonSelector(hold_off_s=0.6)
    for i in range(10):
        sel.select([patient(i)])
    # single upside-down frames between good ones, and after a short loss: never taken
    for i in range(10, 30):
        p = patient(i)
        got = sel.select([upside_down(p)] if i % 3 else [p])
        assert got is (None if i % 3 else p), f"frame {i}"
    for _ in range(5):
        sel.select([])
    assert sel.select([upside_down(patient(35))]) is None
    assert sel.select([patient(36)]) is not None


def test_a_person_who_lies_down_the_other_way_round_is_followed() -> None:
    """Lying down again with head and feet swapped (a new set on the other side) is the patient
    once the pose stays past the hold-off."""
    sel = PersonSelector(hold_off_s=0.6)
    for i in range(10):
        sel.select([patient(i)])
    frames = [upside_down(patient(i)) for i in range(10, 40)]
    chosen = [sel.select([p]) for p in frames]
    assert chosen[0] is None
    assert chosen[-1] is frames[-1]
