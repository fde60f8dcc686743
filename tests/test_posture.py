"""Body position from landmarks, on bodies built in world metres and seen by a pitched camera.

World axes as MediaPipe's: x right, y down, z away from the camera. A camera pitched down by
``pitch`` sees a world point (x, y, z) at (x, y cos - z sin, y sin + z cos).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hiptrack.landmarks import Landmark as L
from hiptrack.pose import Pose
from hiptrack.posture import classify

PX_PER_M = 400.0
TRUNK = np.array([0.5, 0.0, 0.0])
SHIN = np.array([0.2, 0.0, 0.0])


def body(
    hips: tuple[tuple[float, float, float], tuple[float, float, float]],
    knees: tuple,
    pitch_deg: float = 0.0,
    right_shin_up: bool = False,
) -> Pose:
    """Shoulders 0.5 m along +x from the hips (same left/right offsets); ankles 0.2 m past the
    knees, or the right one 0.3 m above its knee (``right_shin_up``)."""
    (lh, rh), (lk, rk) = (np.array(hips[0]), np.array(hips[1])), (np.array(knees[0]), np.array(knees[1]))
    pts = {lm: (lh + rh) / 2 for lm in L}
    pts.update({L.LEFT_HIP: lh, L.RIGHT_HIP: rh, L.LEFT_KNEE: lk, L.RIGHT_KNEE: rk})
    pts[L.LEFT_SHOULDER] = lh + TRUNK
    pts[L.RIGHT_SHOULDER] = rh + TRUNK
    pts[L.LEFT_ANKLE] = lk - SHIN
    pts[L.RIGHT_ANKLE] = rk + np.array([0.0, -0.3, 0.0]) if right_shin_up else rk - SHIN
    a = math.radians(pitch_deg)
    rot = np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])
    world = np.array([rot @ pts[lm] for lm in L])
    world -= (world[L.LEFT_HIP] + world[L.RIGHT_HIP]) / 2
    xy = world[:, :2] * PX_PER_M + [320.0, 240.0]
    return Pose(
        t_ms=0.0,
        xy_px=xy,
        z_rel=world[:, 2],
        world_m=world,
        visibility=np.ones(33),
        presence=np.ones(33),
        image_wh=(640, 480),
    )


# on the side, facing the camera: hips stacked, hips flexed so the knees come towards the camera
SIDE_LYING = (((0.0, -0.1, 0.0), (0.0, 0.1, 0.0)), ((-0.3, -0.1, -0.3), (-0.3, 0.1, -0.3)))
# on the back seen from the side, knees bent up
SUPINE = (((0.0, 0.0, -0.1), (0.0, 0.0, 0.1)), ((-0.25, -0.3, -0.1), (-0.25, -0.3, 0.1)))
# on the back, but the knees seen only 12 cm up (MediaPipe flattens them from a high camera)
SUPINE_FLAT_KNEES = (((0.0, 0.0, -0.1), (0.0, 0.0, 0.1)), ((-0.3, -0.12, -0.1), (-0.3, -0.12, 0.1)))
# on the side seen from behind, as MediaPipe reports it: hips only partly stacked, the top knee
# 20 cm up, the lower one 4 cm
SIDE_FROM_BEHIND = (((0.0, -0.04, 0.1), (0.0, 0.04, -0.1)), ((0.3, -0.2, 0.2), (0.3, -0.04, 0.0)))
PRONE = (((0.0, 0.0, -0.1), (0.0, 0.0, 0.1)), ((-0.45, 0.0, -0.1), (-0.45, 0.0, 0.1)))
# face down, the right knee bent with the shin pointing at the ceiling; MediaPipe puts the knees
# ~6 cm up, which alone reads as knees raised on the back
PRONE_BENT_KNEE = (((0.0, 0.0, -0.1), (0.0, 0.0, 0.1)), ((-0.45, -0.06, -0.1), (-0.4, -0.06, 0.1)))


@pytest.mark.parametrize(
    ("shape", "pitch", "expected"),
    [
        (SIDE_LYING, 0, "side_lying"),
        (SIDE_LYING, 30, "side_lying"),
        (SUPINE, 0, "supine"),
        (SUPINE, 45, "supine"),
        (PRONE, 0, "prone"),
        # not on the back: one knee only a little up
        (SIDE_FROM_BEHIND, 0, "lying"),
        # hips look stacked (the pitch turns the hip line towards the image vertical), but
        # both knees are above their hips in the image: not called side-lying
        (SUPINE_FLAT_KNEES, 60, "lying"),
    ],
)
def test_lying_positions(shape: tuple, pitch: float, expected: str) -> None:
    assert classify(body(*shape, pitch_deg=pitch)) == expected


def test_a_shin_pointing_up_is_face_down() -> None:
    assert classify(body(*PRONE_BENT_KNEE)) == "supine"  # the knees alone look raised
    assert classify(body(*PRONE_BENT_KNEE, right_shin_up=True)) == "prone"


@pytest.mark.parametrize("pitch", [0, 20, 40])
def test_face_down_with_a_shin_up_from_a_camera_looking_down(pitch: float) -> None:
    # the pitch turns the level hip line toward the image vertical (40 deg: 0.64 of it), with
    # the lower-looking hip nearer the camera
    assert classify(body(*PRONE_BENT_KNEE, pitch_deg=pitch, right_shin_up=True)) == "prone"


@pytest.mark.parametrize("pitch", [0, 30, 45])
def test_on_the_side_with_the_top_shin_up_is_not_face_down(pitch: float) -> None:
    # a reverse clamshell at its top seen from above: the hip line looks as tilted as a face
    # down one at 40 deg, but its upper end (the top hip) is the nearer one
    assert classify(body(*SIDE_LYING, pitch_deg=pitch, right_shin_up=True)) == "side_lying"


def _trunk_only(hip_offset: tuple[float, float, float], trunk: tuple[float, float, float]) -> Pose:
    """Hips at +-``hip_offset`` from their centre, shoulders the same +-offset from the hips plus
    ``trunk``; legs folded under the hips (as MediaPipe reads a body seen end-on: kneeling)."""
    off, tr = np.array(hip_offset), np.array(trunk)
    pts = {lm: np.zeros(3) for lm in L}
    pts.update({L.LEFT_HIP: off, L.RIGHT_HIP: -off, L.LEFT_SHOULDER: off + tr, L.RIGHT_SHOULDER: -off + tr})
    knee, ankle = np.array([0.0, 0.3, -0.2]), np.array([0.0, 0.4, 0.1])
    pts.update({L.LEFT_KNEE: off + knee, L.RIGHT_KNEE: -off + knee})
    pts.update({L.LEFT_ANKLE: off + ankle, L.RIGHT_ANKLE: -off + ankle})
    world = np.array([pts[lm] for lm in L])
    xy = world[:, :2] * PX_PER_M + [320.0, 240.0]
    ones = np.ones(33)
    return Pose(0.0, xy, world[:, 2], world, ones, ones, (640, 480))


def test_on_the_side_seen_from_the_feet_is_side_lying_though_the_trunk_looks_half_raised() -> None:
    # MediaPipe shortens the trunk's depth there: it reads 45 deg from vertical, most of it
    # pointing away from the camera, with the hips and shoulders stacked in the image
    assert classify(_trunk_only((0.0, 0.12, 0.0), (0.0, -0.35, 0.35))) == "side_lying"
    # the same tilt is a half-kneel leaning at the camera when the hips are side by side ...
    assert classify(_trunk_only((0.12, 0.0, 0.0), (0.0, -0.35, -0.35))) == "unknown"
    # ... or leaning across the view, seen from the side (the hip line points at the camera and
    # a high camera stacks it in the image)
    assert classify(_trunk_only((0.0, 0.03, 0.1), (0.35, -0.35, 0.0))) == "unknown"


# face down seen from the side, as MediaPipe reported it on a rendered clip: the hip line 0.8
# stacked (it points mostly down, not at the camera), the right knee bent with the shin at the
# ceiling, the left leg straight
PRONE_HIPS_LOOK_STACKED = (
    ((0.0, -0.06, -0.04), (0.0, 0.06, 0.04)),
    ((-0.45, -0.06, -0.04), (-0.45, 0.06, 0.04)),
)


def test_face_down_with_a_bent_knee_though_the_hips_look_stacked() -> None:
    assert classify(body(*PRONE_HIPS_LOOK_STACKED)) == "side_lying"  # legs straight: no cue
    assert classify(body(*PRONE_HIPS_LOOK_STACKED, right_shin_up=True)) == "prone"


def test_on_the_side_with_the_top_shin_up_and_the_bottom_knee_bent_is_not_face_down() -> None:
    # a reverse clamshell read with its top shin straight up over a level thigh: the bottom
    # knee stays bent, so it is not a prone hip extension
    assert classify(body(*SIDE_LYING, right_shin_up=True)) == "side_lying"
