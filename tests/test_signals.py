"""Signals that must not depend on MediaPipe's left/right labels where those are unreliable."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import clamshell_points, make_pose

from hiptrack.landmarks import Landmark as L
from hiptrack.pose import Pose
from hiptrack.signals import bent_thigh_elevation_deg as thigh
from hiptrack.signals import (
    feet_opening_deg,
    foot_opening_deg,
    knee_opening_scaled_deg,
    raised_ankle_rise_deg,
    stretch_depth_deg,
    thigh_split_best_deg,
    top_knee_rise_deg,
    top_leg_abduction_deg,
    top_leg_knee_2d_deg,
    top_shank_elevation_deg,
)

_LOWER = ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX")


def _reverse_clamshell(foot_up_px: float, swap_lower_legs: bool):
    """Side-lying, knees together (right leg on top); the top foot raised by ``foot_up_px``."""
    points = clamshell_points(0.0, top="right")
    for part in ("ANKLE", "HEEL", "FOOT_INDEX"):
        points[L[f"RIGHT_{part}"]] = points[L[f"RIGHT_{part}"]] + np.array([0.0, -foot_up_px])
    if swap_lower_legs:  # seen from behind: the lower legs' labels swap, the hips' do not
        for part in _LOWER:
            a, b = L[f"LEFT_{part}"], L[f"RIGHT_{part}"]
            points[a], points[b] = points[b], points[a]
    return make_pose(points, 0.0)


@pytest.mark.parametrize("foot_up_px", [0.0, 40.0, 90.0])
def test_top_shank_elevation_ignores_swapped_lower_leg_labels(foot_up_px: float) -> None:
    straight = top_shank_elevation_deg(_reverse_clamshell(foot_up_px, swap_lower_legs=False))
    swapped = top_shank_elevation_deg(_reverse_clamshell(foot_up_px, swap_lower_legs=True))
    assert swapped == pytest.approx(straight)


def test_top_shank_elevation_rises_with_the_top_foot() -> None:
    values = [top_shank_elevation_deg(_reverse_clamshell(up, False)) for up in (0.0, 40.0, 90.0)]
    assert values[0] < values[1] < values[2]
    assert values[2] - values[0] > 20.0


def _thighs(image_split_deg: float, world_split_deg: float) -> Pose:
    """Hips at the origin; thighs separated by the given angles in the image and in the world."""

    def spread(deg: float, length: float) -> tuple[np.ndarray, np.ndarray]:
        a = np.radians(deg / 2)
        return length * np.array([np.sin(a), np.cos(a)]), length * np.array([-np.sin(a), np.cos(a)])

    xy = np.full((33, 2), 300.0)
    world = np.zeros((33, 3))
    (li, ri), (lw, rw) = spread(image_split_deg, 100.0), spread(world_split_deg, 0.4)
    xy[L.LEFT_KNEE], xy[L.RIGHT_KNEE] = xy[L.LEFT_HIP] + li, xy[L.RIGHT_HIP] + ri
    world[L.LEFT_KNEE, :2], world[L.RIGHT_KNEE, :2] = lw, rw
    ones = np.ones(33)
    return Pose(0.0, xy, np.zeros(33), world, ones, ones, (640, 480))


def test_thigh_split_best_is_continuous_when_the_image_angle_crosses_45_deg() -> None:
    # seen from the front the image angle reads ~20 deg less than the 3-D one; a lunge carries
    # the image angle from 40 to 47 deg while the 3-D angle goes from 60 to 68 deg
    values = [thigh_split_best_deg(_thighs(40 + 7 * f, 60 + 8 * f)) for f in np.linspace(0, 1, 15)]
    assert np.all(np.diff(values) > 0)  # rises with the lunge, no jump down at 45 deg
    assert values[-1] - values[0] == pytest.approx(8.0, abs=0.01)
    # from the side both read alike, and the larger one is used
    assert thigh_split_best_deg(_thighs(120, 115)) == pytest.approx(120.0, abs=0.01)


def _half_kneel(split_deg: float, lean_deg: float) -> Pose:
    """Thighs ``split_deg`` apart (the world angle 5 deg less), the trunk ``lean_deg`` forward."""
    pose = _thighs(split_deg, split_deg - 5)
    a = np.radians(lean_deg)
    pose.world_m[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]] = (0.5 * np.sin(a), -0.5 * np.cos(a), 0.0)
    return pose


def test_stretch_depth_grows_with_a_forward_lean_as_with_a_lunge() -> None:
    assert stretch_depth_deg(_half_kneel(120, 0)) == pytest.approx(120.0, abs=0.01)
    # leaning 20 deg instead of lunging: the thighs as they were
    assert stretch_depth_deg(_half_kneel(120, 20)) == pytest.approx(135.0, abs=0.01)
    # lunging 15 deg with the trunk upright
    assert stretch_depth_deg(_half_kneel(135, 0)) == pytest.approx(135.0, abs=0.01)


def _prone(resting_knee_deg: float, lifted_thigh_deg: float, lifted_knee_deg: float) -> Pose:
    """Face down seen from the side (head to the left): one leg resting on the floor, bent
    ``180 - resting_knee_deg`` at the knee, the other thigh lifted by ``lifted_thigh_deg``."""
    xy = np.full((33, 2), 300.0)
    xy[L.LEFT_SHOULDER] = xy[L.RIGHT_SHOULDER] = (100.0, 300.0)

    def leg(hip: L, knee: L, ankle: L, thigh_deg: float, knee_deg: float) -> None:
        a = np.radians(thigh_deg)
        xy[knee] = xy[hip] + 200.0 * np.array([np.cos(a), -np.sin(a)])
        b = a + np.radians(180.0 - knee_deg)  # the shank turns further up
        xy[ankle] = xy[knee] + 200.0 * np.array([np.cos(b), -np.sin(b)])

    leg(L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, 0.0, resting_knee_deg)
    leg(L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, lifted_thigh_deg, lifted_knee_deg)
    world = np.zeros((33, 3))
    world[:, :2] = (xy - xy[L.LEFT_HIP]) / 400.0
    ones = np.ones(33)
    return Pose(0.0, xy, np.zeros(33), world, ones, ones, (640, 480))


def test_the_lifted_thigh_is_measured_even_when_its_knee_straightens() -> None:
    # the working knee bent at 90 deg: the bent leg is the lifted one
    assert thigh(_prone(175.0, 15.0, 90.0)) == pytest.approx(15.0, abs=0.5)
    # lifted 40 deg with the knee straightening to 170 deg while the resting knee reads 160
    assert thigh(_prone(160.0, 40.0, 170.0)) == pytest.approx(40.0, abs=0.5)


def test_the_raised_ankle_rise_follows_the_lift_and_needs_no_knee() -> None:
    # trunk 200 px; knee bent 90 deg: the ankle sits 200 (sin a + cos a) px above the hips
    lifted = [raised_ankle_rise_deg(_prone(175.0, a, 90.0)) for a in (0.0, 10.0, 20.0)]
    for a, value in zip((0.0, 10.0, 20.0), lifted, strict=True):
        expected = np.degrees(np.sin(np.radians(a)) + np.cos(np.radians(a)))
        assert value == pytest.approx(expected, abs=0.01)
    assert lifted[0] < lifted[1] < lifted[2]
    # seen obliquely MediaPipe can put the hidden bent knee on the other thigh: no change
    pose = _prone(175.0, 10.0, 90.0)
    pose.xy_px[L.RIGHT_KNEE] = pose.xy_px[L.LEFT_KNEE]
    assert raised_ankle_rise_deg(pose) == pytest.approx(lifted[1])
    # nor do the legs' labels matter
    swapped = _prone(175.0, 10.0, 90.0)
    for part in ("HIP", "KNEE", "ANKLE"):
        a, b = L[f"LEFT_{part}"], L[f"RIGHT_{part}"]
        swapped.xy_px[[a, b]] = swapped.xy_px[[b, a]]
    assert raised_ankle_rise_deg(swapped) == pytest.approx(lifted[1])


def _clamshell(opening_deg: float, bottom_leg_lost: bool) -> Pose:
    """Clamshell, right leg on top; with ``bottom_leg_lost`` MediaPipe has drawn the hidden
    bottom leg into the hands in front of the pelvis (its hip still below the top hip)."""
    points = clamshell_points(opening_deg, top="right")
    if bottom_leg_lost:
        points[L.LEFT_HIP] = np.array([405.0, 290.0])
        points[L.LEFT_KNEE] = np.array([420.0, 350.0])
        points[L.LEFT_ANKLE] = np.array([470.0, 300.0])
    return make_pose(points, 0.0)


@pytest.mark.parametrize("opening", [0.0, 20.0, 45.0])
def test_top_knee_rise_follows_the_top_knee_alone(opening: float) -> None:
    rest = top_knee_rise_deg(_clamshell(0.0, bottom_leg_lost=False))
    # the synthetic top knee turns about the top hip in the image: the rise is the opening
    assert top_knee_rise_deg(_clamshell(opening, False)) - rest == pytest.approx(opening, abs=0.01)
    lost = top_knee_rise_deg(_clamshell(opening, bottom_leg_lost=True))
    assert lost == pytest.approx(top_knee_rise_deg(_clamshell(opening, False)), abs=0.01)


def test_a_lost_bottom_leg_fools_the_knee_gap_but_not_the_knee_rise() -> None:
    gap_rest = knee_opening_scaled_deg(_clamshell(0.0, bottom_leg_lost=True))
    assert gap_rest > 20.0  # reads as a knee already well open at rest
    assert top_knee_rise_deg(_clamshell(0.0, True)) == pytest.approx(
        top_knee_rise_deg(_clamshell(0.0, False)), abs=0.01
    )


def _abduction(lift_deg: float, knee_bend_deg: float = 0.0, swap_lower_legs: bool = False) -> Pose:
    """Side-lying (right leg on top), the top leg lifted ``lift_deg`` above the trunk line,
    its knee bent ``knee_bend_deg`` (the shank dropping back toward the floor)."""
    points = clamshell_points(0.0, top="right")
    hip = points[L.RIGHT_HIP]
    trunk = hip - (points[L.RIGHT_SHOULDER] + points[L.LEFT_SHOULDER]) / 2
    trunk = trunk / np.linalg.norm(trunk)

    def up(v: np.ndarray, deg: float) -> np.ndarray:  # rotate toward image-up
        a = np.radians(deg)
        return np.array([v[0] * np.cos(a) + v[1] * np.sin(a), -v[0] * np.sin(a) + v[1] * np.cos(a)])

    thigh = up(trunk, lift_deg) * 160.0
    points[L.RIGHT_KNEE] = hip + thigh
    points[L.RIGHT_ANKLE] = points[L.RIGHT_KNEE] + up(thigh / 160.0, -knee_bend_deg) * 150.0
    if swap_lower_legs:  # seen from behind: the lower legs' labels swap, the hips' do not
        for part in _LOWER:
            a, b = L[f"LEFT_{part}"], L[f"RIGHT_{part}"]
            points[a], points[b] = points[b], points[a]
    return make_pose(points, 0.0)


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("lift", [0.0, 30.0, 60.0])
def test_top_leg_abduction_ignores_swapped_lower_leg_labels(lift: float, swap: bool) -> None:
    trunk_line = top_leg_abduction_deg(_abduction(lift, swap_lower_legs=swap))
    assert trunk_line == pytest.approx(top_leg_abduction_deg(_abduction(lift)), abs=0.5)
    assert top_leg_abduction_deg(_abduction(30.0, swap_lower_legs=swap)) - top_leg_abduction_deg(
        _abduction(0.0, swap_lower_legs=swap)
    ) == pytest.approx(30.0, abs=0.5)


def test_a_bent_top_knee_does_not_hide_the_lift() -> None:
    # the bent knee drops the ankle: the thigh still shows the leg's lift
    straight = top_leg_abduction_deg(_abduction(35.0))
    bent = top_leg_abduction_deg(_abduction(35.0, knee_bend_deg=45.0))
    assert bent == pytest.approx(straight, abs=0.5)
    assert top_leg_knee_2d_deg(_abduction(35.0, knee_bend_deg=45.0, swap_lower_legs=True)) == pytest.approx(
        135.0, abs=0.5
    )


def _clamshell_feet(ankle_up_px: float, heel_up_px: float, toe_up_px: float) -> Pose:
    """Side-lying (right leg on top), the top foot's ankle, heel and toe raised by these amounts."""
    points = clamshell_points(30.0, top="right")
    for part, up in (("ANKLE", ankle_up_px), ("HEEL", heel_up_px), ("FOOT_INDEX", toe_up_px)):
        points[L[f"RIGHT_{part}"]] = points[L[f"RIGHT_{part}"]] + np.array([0.0, -up])
    return make_pose(points, 0.0)


def test_feet_opening_ignores_an_ankle_dragged_up_the_shin() -> None:
    # from the front MediaPipe can move the top ankle up with the opening knee while the heel
    # and toes stay on the bottom foot: the ankle gap opens, the feet have not
    together = _clamshell_feet(0.0, 0.0, 0.0)
    dragged = _clamshell_feet(60.0, 0.0, 0.0)
    assert foot_opening_deg(dragged) - foot_opening_deg(together) > 20.0
    # (only the shank length, the yardstick, changes with the dragged ankle)
    assert feet_opening_deg(dragged) == pytest.approx(feet_opening_deg(together), abs=3.0)


def test_feet_opening_follows_a_lifted_foot() -> None:
    together = _clamshell_feet(0.0, 0.0, 0.0)
    lifted = _clamshell_feet(60.0, 55.0, 65.0)
    assert feet_opening_deg(lifted) - feet_opening_deg(together) > 20.0
