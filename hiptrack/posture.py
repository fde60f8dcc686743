"""Body position from landmarks: side-lying, supine, prone, half-kneeling, standing.

World-landmark rules (MediaPipe world axes follow the camera, so a roughly level camera is
assumed; world y points down):

* upright when the trunk (hips->shoulders) is within 35 deg of vertical; then ``standing``
  when both knees are straight (>150 deg, image), else ``half_kneeling``;
* lying when it is more than 50 deg from vertical; then, in order: ``prone`` when a shin points
  at the ceiling (an ankle 15 cm or more above its knee) and the hips are side by side (a bent
  knee face down; a camera looking down tilts that hip line but puts its lower end nearer), or
  when a shin points at the ceiling above a level thigh while the other knee is straight,
  whatever the hip line (seen from the side MediaPipe can read a prone body's hips as
  stacked); ``supine`` when both knees are 8 cm or more above the hips (bent knees pointing at
  the ceiling, the bridge start); ``side_lying`` when the hip line is mostly vertical (hips
  stacked) unless both knees are above their hips in the image (then plain ``lying``: a high
  camera beside someone on their back); ``prone`` or ``supine`` when the hip line is mostly
  horizontal (by the knee height); plain ``lying`` in between;
* between the two, ``side_lying`` when the body is seen end-on (from the feet or the head: the
  trunk points mostly at the camera and the hips and shoulders are stacked in the image), where
  MediaPipe's depth makes a lying trunk look half-raised; ``unknown`` otherwise (in
  transition, between upright and lying).

The fine classes are least certain for supine vs side-lying seen obliquely; exercise logic gates
counting on the coarse class (lying / upright) and reports a mismatch only when another fine
class clearly dominates.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from hiptrack.geometry import image_steepness, joint_angle, norm
from hiptrack.landmarks import LEGS
from hiptrack.landmarks import Landmark as L
from hiptrack.pose import Pose
from hiptrack.votes import WindowVotes

Posture = Literal["side_lying", "supine", "prone", "lying", "half_kneeling", "standing", "unknown"]
POSTURES: tuple[str, ...] = ("side_lying", "supine", "prone", "half_kneeling", "standing")
LABELS = {
    "side_lying": "lying on one side",
    "supine": "lying on the back",
    "prone": "lying face down",
    "lying": "lying down",
    "half_kneeling": "half-kneeling",
    "standing": "standing",
    "unknown": "in an unclear position",
}


# side-lying seen end-on: trunk depth share (|z| / length) and image verticality of the hip and
# shoulder lines. Measured on rendered clips: from the feet 0.68-0.74 and 0.97-0.99; a
# half-kneel leaning at the camera 0.46-0.65 but 0.00-0.33; seen from the side 0.37 and 0.9.
_END_ON_DEPTH = 0.55
_STACKED_IN_IMAGE = 0.7

# one knee bent face down: its shin within 37 deg of vertical, its thigh within 30 deg of
# level, the other knee straighter than 140 deg
_SHIN_UPRIGHT = 0.8
_THIGH_LEVEL = 0.5
_KNEE_STRAIGHT = 140.0

_THIGHS = tuple((hip, knee) for hip, knee, _ in LEGS)
_SHINS = tuple((knee, ankle) for _, knee, ankle in LEGS)


def classify(pose: Pose) -> Posture:
    w = pose.world_m
    trunk = (w[L.LEFT_SHOULDER] + w[L.RIGHT_SHOULDER]) / 2 - (w[L.LEFT_HIP] + w[L.RIGHT_HIP]) / 2
    n = norm(trunk)
    if n < 1e-6:
        return "unknown"
    tilt = float(np.degrees(np.arccos(np.clip(-trunk[1] / n, -1.0, 1.0))))  # 0 = upright
    if tilt < 35:
        xy = pose.xy_px
        knees = [
            joint_angle(xy[L.LEFT_HIP], xy[L.LEFT_KNEE], xy[L.LEFT_ANKLE]),
            joint_angle(xy[L.RIGHT_HIP], xy[L.RIGHT_KNEE], xy[L.RIGHT_ANKLE]),
        ]
        return "standing" if min(knees) > 150 else "half_kneeling"
    if tilt < 50:
        return "side_lying" if _side_lying_end_on(pose, trunk / n) else "unknown"
    # lying: knees above the hips (world y points down) -> on the back with knees bent. Both
    # knees must be clearly up: one raised knee is a prone hip extension or a leg lift, and
    # seen from behind, a side-lying body's lower knee can look a few cm up.
    hip_y = (w[L.LEFT_HIP][1] + w[L.RIGHT_HIP][1]) / 2
    knee_mean = float(hip_y - (w[L.LEFT_KNEE][1] + w[L.RIGHT_KNEE][1]) / 2)
    knee_min = float(hip_y - max(w[L.LEFT_KNEE][1], w[L.RIGHT_KNEE][1]))
    hip_line = w[L.LEFT_HIP] - w[L.RIGHT_HIP]
    stacked = abs(float(hip_line[1])) / max(norm(hip_line), 1e-6)
    # a shin pointing at the ceiling (ankle well above its knee) with the hips side by side is
    # a bent knee lying face down; on the back, bent knees keep the feet on the floor
    shin_up = max(float(w[knee][1] - w[ankle][1]) for knee, ankle in _SHINS)
    # A camera looking down from the side tilts a level hip line toward the image vertical
    # (40 deg down reads it 0.64 stacked), but then the hip lower in the image is the nearer
    # one; truly stacked hips seen from above are the other way round (the top hip is both
    # higher in the image and nearer). The sign of the depth difference is trustworthy where
    # its size is not.
    level_but_tilted = stacked < 0.8 and float(hip_line[1] * hip_line[2]) < 0.0
    if (stacked < 0.5 or level_but_tilted) and shin_up > 0.15:
        return "prone"
    if _knee_bent_face_down(w):
        return "prone"
    if knee_mean > 0.08 and knee_min > 0.08:
        return "supine"
    knee_h = knee_mean
    if stacked > 0.5:
        # A camera looking down on someone on their back from the side tilts the hip line into
        # the image vertical, as on a side-lying body. The bent knees tell them apart: on the
        # side the lower knee rests beside the lower hip, on the back both point up.
        return "lying" if _knees_up_in_image(pose) else "side_lying"
    if stacked < 0.25:
        return "prone" if knee_h < 0.04 else "supine"
    return "lying"


def _knee_bent_face_down(w: np.ndarray) -> bool:
    """One knee bent face down, the other leg straight: a shin pointing at the ceiling above a
    level thigh, whatever the hip line says. Seen from the side
    MediaPipe can read a prone body's hip line as stacked (0.6-0.8), as on a side-lying one.
    Side-lying exercises keep the bottom knee bent, and their top shin is not upright over a
    level thigh. Over 225 rendered and real clips (every third frame) it holds on 2-100 % of
    the frames of each prone clip, on 1 % of one side-lying clip's and on none of any other."""
    for (hip, knee, ankle), (o_hip, o_knee, o_ankle) in (LEGS, LEGS[::-1]):
        shin = w[ankle] - w[knee]
        if -float(shin[1]) < _SHIN_UPRIGHT * norm(shin):  # world y points down
            continue  # (most frames: checked first, as this runs on every lying frame)
        thigh = w[knee] - w[hip]
        if abs(float(thigh[1])) <= _THIGH_LEVEL * norm(thigh) and (
            joint_angle(w[o_hip], w[o_knee], w[o_ankle]) >= _KNEE_STRAIGHT
        ):
            return True
    return False


def _side_lying_end_on(pose: Pose, trunk_dir: np.ndarray) -> bool:
    """Side-lying seen from the feet or the head, where world depth misleads the tilt.

    Looking along the body, MediaPipe underestimates the trunk's depth and reads it 40-50 deg
    from vertical, as it reads a leaning half-kneel. Two things no upright body shows together
    tell them apart: the trunk points mostly at the camera, and the hips and the shoulders are
    stacked in the image. An upright body shows stacked hips only from the side, where the hip
    line, not the trunk, points at the camera.
    """
    if abs(float(trunk_dir[2])) < _END_ON_DEPTH:
        return False
    xy = pose.xy_px
    return all(
        image_steepness(xy[a] - xy[b]) >= _STACKED_IN_IMAGE
        for a, b in ((L.LEFT_HIP, L.RIGHT_HIP), (L.LEFT_SHOULDER, L.RIGHT_SHOULDER))
    )


def _knees_up_in_image(pose: Pose) -> bool:
    """Both knees above their hips in the image (image y points down)."""
    xy = pose.xy_px
    return all(xy[hip][1] > xy[knee][1] for hip, knee in _THIGHS)


def coarse(posture: str) -> str:
    """``lying``, ``upright`` or ``unknown``."""
    if posture in ("side_lying", "supine", "prone", "lying"):
        return "lying"
    if posture in ("half_kneeling", "standing"):
        return "upright"
    return "unknown"


class PostureTracker:
    """Majority vote of :func:`classify` over the last ``window_s`` seconds."""

    def __init__(self, window_s: float = 1.5) -> None:
        self.window_s = window_s
        self._votes: WindowVotes[Posture] = WindowVotes(window_s)

    def reset(self) -> None:
        self._votes.clear()

    def update(self, t_s: float, pose: Pose | None) -> Posture:
        if pose is not None:
            self._votes.add(t_s, classify(pose))
        self._votes.expire(t_s)
        return self.current() or "unknown"

    def current(self) -> Posture | None:
        """The posture voted for now (None before any pose was seen in the window)."""
        won = self._votes.winner()
        return won[0] if won else None
