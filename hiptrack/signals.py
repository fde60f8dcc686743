"""Named measurements of a pose: the numbers exercise specs count, time and judge.

Each signal is a small registered function ``Pose -> float`` (NaN when it cannot be measured)
with a unit. Conventions, for every signal below:

* image ("2-D") signals use pixel coordinates of the upright frame; "up" is image -y. They are
  what the camera sees and the most stable MediaPipe output on the floor.
* world ("3-D") signals use MediaPipe world metres; depth is noisy, so they are used where the
  quantity is a rotation about the camera's line of sight (trunk roll) or needs true 3-D angles.
* Signals never trust MediaPipe's left/right labels, which swap in side-lying and supine views:
  they are symmetric in the two legs (distances, angles between legs) or take the leg that is
  *doing* the movement (the higher ankle, the more elevated thigh).

============================ ===== ===============================================================
signal                       unit  meaning (0 = ...)
============================ ===== ===============================================================
knee_gap_norm                ratio knee-to-knee image distance / mean thigh length (0 = touching)
ankle_gap_norm               ratio ankle-to-ankle image distance / mean shank length
knee_opening_deg             deg   knee_gap_norm as the opening angle of two thigh-long segments
knee_opening_scaled_deg      deg   the same from the knee gap in metres (image gap over the body's
                                   image scale) over the world thigh length: oblique views do
                                   not inflate it (clamshell)
foot_opening_deg             deg   ankle_gap_norm as an opening angle
feet_opening_deg             deg   the same from the smallest of the ankle, heel and toe gaps: a
                                   foot lifted off the other (clamshell feet_apart), not an ankle
                                   MediaPipe drags up the shin
thigh_split_deg              deg   angle between the two thighs, image (0 = parallel)
thigh_split_3d_deg           deg   the same, world
thigh_split_best_deg         deg   the larger of the image and the world angle (hip flexor
                                   stretch: front views overlap the thighs in the image)
stretch_depth_deg            deg   thigh_split_best_deg + 0.75 x trunk_tilt_deg: how far into the
                                   stretch, by a lunge or by a forward lean (hip flexor stretch)
abduction_deg                deg   elevation of the more lifted leg (hip->ankle) above the trunk
                                   line (shoulders->hips); 0 = leg continues the trunk line
top_leg_abduction_deg        deg   the same for the top leg: from the higher hip to the higher
                                   of the lifted lower leg's knee and ankle (lower-leg labels
                                   swap from behind; a bent knee drops the ankle)
top_leg_knee_2d_deg          deg   knee angle of the top leg, image (180 = straight)
top_knee_rise_deg            deg   top knee's height above the top hip (image vertical, metres
                                   over the thigh length) as an angle (clamshell)
top_shank_elevation_deg      deg   elevation of the top shank (knees' midpoint -> higher ankle)
                                   above the horizontal, world (positive = foot above the knees;
                                   reverse clamshell; needs no left/right labels)
hip_extension_deg            deg   elevation of the more lifted thigh above the trunk line
bent_thigh_elevation_deg     deg   elevation of the bent leg's thigh above the trunk line, image
                                   (of the clearly higher thigh when one is 20 deg above the other)
bent_thigh_trunk_3d_deg      deg   angle between the trunk line and the bent leg's thigh, world
bent_knee_deg                deg   knee angle of the more bent leg, world (180 = straight)
straight_knee_deg            deg   knee angle of the straighter leg, world
bridge_shk_deg               deg   shoulder-hip-knee angle, mean of both sides, image
                                   (180 = shoulders, hips and knees in one line)
shoulder_roll_deg            deg   shoulder line direction about the trunk axis, world, modulo
                                   180 (its change = trunk rotation)
hip_roll_deg                 deg   the same for the hip line
pelvis_twist_deg             deg   hip line minus shoulder line roll (0 = pelvis square to trunk)
trunk_tilt_deg               deg   trunk (hips->shoulders) angle from the camera's vertical,
                                   world (0 = upright)
trunk_horizontal_deg         deg   trunk angle from the image horizontal (0 = lying)
trunk_lean_2d_deg            deg   trunk angle from the image vertical (0 = upright)
trunk_depth_ratio            ratio how much the trunk points at the camera (1 = camera at the
                                   feet or head)
body_image_tallness          ratio height / (height + width) of the image box around shoulders,
                                   hips, lower knee and lower ankle; a body on the floor looks
                                   taller than wide (> 0.5) only seen end-on (0 = across)
face_away_m                  m     nose behind the ears' midpoint, world depth (> 0 filmed from
                                   behind)
============================ ===== ===============================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hiptrack.geometry import Vec, angle_between, cross3, elevation_deg, joint_angle, norm
from hiptrack.landmarks import LEGS
from hiptrack.landmarks import Landmark as L
from hiptrack.pose import Pose

SignalFn = Callable[[Pose], float]


@dataclass(frozen=True)
class Signal:
    name: str
    unit: str
    fn: SignalFn
    description: str


SIGNALS: dict[str, Signal] = {}


def signal(unit: str, description: str) -> Callable[[SignalFn], SignalFn]:
    """Register ``fn`` as the signal named after it."""

    def deco(fn: SignalFn) -> SignalFn:
        SIGNALS[fn.__name__] = Signal(fn.__name__, unit, fn, description)
        return fn

    return deco


def compute(pose: Pose, names: list[str] | tuple[str, ...]) -> dict[str, float]:
    """The named signals of one pose."""
    return {n: float(SIGNALS[n].fn(pose)) for n in names}


# -- helpers ------------------------------------------------------------------------------------
def _p(pose: Pose, lm: L) -> Vec:
    return pose.xy_px[int(lm)]


def _w(pose: Pose, lm: L) -> Vec:
    return pose.world_m[int(lm)]


def _mid(pose: Pose, a: L, b: L, world: bool = False) -> Vec:
    get = _w if world else _p
    return (get(pose, a) + get(pose, b)) / 2.0


def _trunk_2d(pose: Pose) -> Vec:
    """Shoulders -> hips, image pixels."""
    return _mid(pose, L.LEFT_HIP, L.RIGHT_HIP) - _mid(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)


def _mean_len(pose: Pose, a: tuple[L, L], b: tuple[L, L]) -> float:
    la = norm(_p(pose, a[0]) - _p(pose, a[1]))
    lb = norm(_p(pose, b[0]) - _p(pose, b[1]))
    return max((la + lb) / 2.0, 1e-6)


def _leg_elevations(pose: Pose, distal: int) -> list[float]:
    """Elevation above the trunk line of hip->knee (distal=1) or hip->ankle (distal=2), per leg."""
    trunk = _trunk_2d(pose)
    return [elevation_deg(_p(pose, leg[distal]) - _p(pose, leg[0]), trunk) for leg in LEGS]


def _roll_deg(pose: Pose, a: L, b: L) -> float:
    """Direction of the a-b line about the trunk axis, world, modulo 180 deg."""
    axis = _mid(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, True) - _mid(pose, L.LEFT_HIP, L.RIGHT_HIP, True)
    n = norm(axis)
    if n < 1e-6:
        return float("nan")
    axis = axis / n
    line = _w(pose, a) - _w(pose, b)
    line = line - np.dot(line, axis) * axis
    # reference direction in the plane: camera depth (z) made perpendicular to the axis
    ref = np.array([0.0, 0.0, 1.0]) - axis[2] * axis
    if norm(ref) < 1e-6:
        ref = np.array([1.0, 0.0, 0.0]) - axis[0] * axis
    ref = ref / norm(ref)
    ref2 = cross3(axis, ref)
    ang = float(np.degrees(np.arctan2(np.dot(line, ref2), np.dot(line, ref))))
    return ang % 180.0


# -- signals ------------------------------------------------------------------------------------
@signal("ratio", "knee-to-knee distance / mean thigh length (0 = knees touch)")
def knee_gap_norm(pose: Pose) -> float:
    gap = norm(_p(pose, L.LEFT_KNEE) - _p(pose, L.RIGHT_KNEE))
    return gap / _mean_len(pose, (L.LEFT_HIP, L.LEFT_KNEE), (L.RIGHT_HIP, L.RIGHT_KNEE))


@signal("ratio", "ankle-to-ankle distance / mean shank length (0 = feet touch)")
def ankle_gap_norm(pose: Pose) -> float:
    gap = norm(_p(pose, L.LEFT_ANKLE) - _p(pose, L.RIGHT_ANKLE))
    return gap / _mean_len(pose, (L.LEFT_KNEE, L.LEFT_ANKLE), (L.RIGHT_KNEE, L.RIGHT_ANKLE))


_SCALE_SEGMENTS = (
    (L.LEFT_HIP, L.LEFT_KNEE),
    (L.RIGHT_HIP, L.RIGHT_KNEE),
    (L.LEFT_KNEE, L.LEFT_ANKLE),
    (L.RIGHT_KNEE, L.RIGHT_ANKLE),
    (L.LEFT_SHOULDER, L.LEFT_HIP),
    (L.RIGHT_SHOULDER, L.RIGHT_HIP),
    (L.LEFT_SHOULDER, L.LEFT_ELBOW),
    (L.RIGHT_SHOULDER, L.RIGHT_ELBOW),
)


_SCALE_PAIRS = tuple((int(a), int(b)) for a, b in _SCALE_SEGMENTS)


def px_per_m(pose: Pose) -> float:
    """Image scale near the body: the largest pixels-per-metre ratio over the long segments
    (the segment most parallel to the image is the least foreshortened); 0 if none is known."""
    # plain floats: for 8 segments this is 2-3x faster than NumPy, and it runs for every frame
    world, image = pose.world_m.tolist(), pose.xy_px.tolist()
    best = 0.0
    for a, b in _SCALE_PAIRS:
        metres = math.dist(world[a], world[b])
        if metres > 0.05:  # False for NaN
            ratio = math.dist(image[a], image[b]) / metres
            if ratio > best:  # False for NaN
                best = ratio
    return best


def _gap_over(pose: Pose, a: L, b: L, seg: tuple[tuple[L, L], tuple[L, L]]) -> float:
    """Image distance a-b in metres (via px_per_m) / the mean world length of two segments."""
    scale = px_per_m(pose)
    length = (
        norm(_w(pose, seg[0][0]) - _w(pose, seg[0][1])) + norm(_w(pose, seg[1][0]) - _w(pose, seg[1][1]))
    ) / 2
    if scale <= 0 or length < 1e-3:
        return float("nan")
    return norm(_p(pose, a) - _p(pose, b)) / scale / length


def _chord_deg(ratio: float) -> float:
    """Opening angle of two equal segments whose tips are ``ratio`` segment-lengths apart."""
    return float(np.degrees(2.0 * np.arcsin(np.clip(ratio / 2.0, 0.0, 1.0))))


@signal("deg", "knee opening: knee gap turned into the angle of two thigh-long segments")
def knee_opening_deg(pose: Pose) -> float:
    return _chord_deg(knee_gap_norm(pose))


@signal("deg", "foot opening: ankle gap turned into the angle of two shank-long segments")
def foot_opening_deg(pose: Pose) -> float:
    return _chord_deg(ankle_gap_norm(pose))


@signal(
    "deg",
    "whole-foot opening: the smallest of the ankle, heel and toe gaps turned into the angle of "
    "two shank-long segments (0 = feet together)",
)
def feet_opening_deg(pose: Pose) -> float:
    shank = _mean_len(pose, (L.LEFT_KNEE, L.LEFT_ANKLE), (L.RIGHT_KNEE, L.RIGHT_ANKLE))
    gap = min(
        norm(_p(pose, a) - _p(pose, b))
        for a, b in (
            (L.LEFT_ANKLE, L.RIGHT_ANKLE),
            (L.LEFT_HEEL, L.RIGHT_HEEL),
            (L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX),
        )
    )
    return _chord_deg(gap / shank)


@signal(
    "deg",
    "knee opening from the knee gap in metres (image gap / body scale) over the "
    "world thigh length, as an angle; less inflated by oblique views than knee_opening_deg",
)
def knee_opening_scaled_deg(pose: Pose) -> float:
    thighs = ((L.LEFT_HIP, L.LEFT_KNEE), (L.RIGHT_HIP, L.RIGHT_KNEE))
    return _chord_deg(_gap_over(pose, L.LEFT_KNEE, L.RIGHT_KNEE, thighs))


@signal("deg", "angle between the two thighs, 3-D (0 = parallel)")
def thigh_split_3d_deg(pose: Pose) -> float:
    (hl, kl, _), (hr, kr, _) = LEGS
    return angle_between(_w(pose, kl) - _w(pose, hl), _w(pose, kr) - _w(pose, hr))


@signal(
    "deg",
    "thigh split as the camera best sees it: the larger of the image and the 3-D angle "
    "(the image angle from the side, the 3-D angle from the front, where the thighs overlap)",
)
def thigh_split_best_deg(pose: Pose) -> float:
    # the larger of the two: a switch at a fixed image angle made the signal jump by the gap
    # between them (20 deg from the front) whenever a lunge carried the image angle across it
    return max(thigh_split_deg(pose), thigh_split_3d_deg(pose))


# A forward lean instead of a lunge (the trunk_lean fault) is still a stretch held, but the
# thighs barely move: MediaPipe reads the lean's split change as 0-5 deg while the trunk tilts by
# 8-27 deg. The weight was chosen on 38 rendered stretch clips: 1.0 counts 2 more holds exactly
# but times them worse (a clean lunge also tilts the trunk a few degrees); 0.5 misses more leans.
_LEAN_WEIGHT = 0.75


@signal(
    "deg",
    "how far the body has gone into the stretch: thigh_split_best_deg plus 0.75 x "
    "trunk_tilt_deg (a forward lean instead of a lunge still moves into the stretch)",
)
def stretch_depth_deg(pose: Pose) -> float:
    return thigh_split_best_deg(pose) + _LEAN_WEIGHT * trunk_tilt_deg(pose)


@signal("deg", "angle between the two thighs (0 = parallel)")
def thigh_split_deg(pose: Pose) -> float:
    (hl, kl, _), (hr, kr, _) = LEGS
    return angle_between(_p(pose, kl) - _p(pose, hl), _p(pose, kr) - _p(pose, hr))


@signal("deg", "elevation of the more lifted leg (hip->ankle) above the trunk line")
def abduction_deg(pose: Pose) -> float:
    return max(_leg_elevations(pose, 2))


@signal("deg", "elevation of the more lifted thigh (hip->knee) above the trunk line")
def hip_extension_deg(pose: Pose) -> float:
    return max(_leg_elevations(pose, 1))


def _knee_angles(pose: Pose) -> list[float]:
    return [joint_angle(_w(pose, h), _w(pose, k), _w(pose, a)) for h, k, a in LEGS]


@signal("deg", "knee angle of the more bent leg, 3-D (180 = straight)")
def bent_knee_deg(pose: Pose) -> float:
    return min(_knee_angles(pose))


@signal("deg", "knee angle of the straighter leg, 3-D (180 = straight)")
def straight_knee_deg(pose: Pose) -> float:
    return max(_knee_angles(pose))


_LIFTED_GAP_DEG = 20.0


@signal(
    "deg",
    "elevation of the bent leg's thigh above the trunk line, 2-D (the clearly higher thigh when "
    "one thigh is 20 deg or more above the other)",
)
def bent_thigh_elevation_deg(pose: Pose) -> float:
    elev = _leg_elevations(pose, 1)
    if abs(elev[0] - elev[1]) > _LIFTED_GAP_DEG:
        # one thigh clearly lifted: that is the working leg, even when its knee straightens
        # (MediaPipe reads the resting straight knee at ~160 deg, so "the more bent knee" flips)
        return max(elev)
    return elev[int(np.argmin(_knee_angles(pose)))]


@signal("deg", "angle between the trunk line and the bent leg's thigh, 3-D (0 = in line)")
def bent_thigh_trunk_3d_deg(pose: Pose) -> float:
    i = int(np.argmin(_knee_angles(pose)))
    hip, knee, _ = LEGS[i]
    trunk = _mid(pose, L.LEFT_HIP, L.RIGHT_HIP, True) - _mid(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, True)
    return angle_between(trunk, _w(pose, knee) - _w(pose, hip))


def _top_leg(pose: Pose) -> int:
    """Index into LEGS of the upper leg of a side-lying body: the one whose hip is higher in
    the image (hips stay stacked, so this holds whatever the legs do)."""
    return 0 if _p(pose, L.LEFT_HIP)[1] < _p(pose, L.RIGHT_HIP)[1] else 1


@signal(
    "deg",
    "elevation of the top leg above the trunk line, 2-D: from the higher hip to the higher of the "
    "lifted lower leg's knee and ankle; side-lying",
)
def top_leg_abduction_deg(pose: Pose) -> float:
    hip, trunk, (_, knee, ankle) = _top_hip_and_lifted_leg(pose)
    return max(elevation_deg(_p(pose, ankle) - hip, trunk), elevation_deg(_p(pose, knee) - hip, trunk))


def _top_hip_and_lifted_leg(pose: Pose) -> tuple[Vec, Vec, tuple[L, L, L]]:
    """The top hip (image), the trunk line (image) and the leg (from LEGS) whose ankle is the
    higher above the trunk line seen from the top hip. Only its knee and ankle are used: seen
    from behind MediaPipe swaps the lower legs' labels from frame to frame while the hips keep
    theirs, so the top hip's own label names the bottom foot half the time, while the lifted
    foot is always the higher one."""
    hip = _p(pose, LEGS[_top_leg(pose)][0])
    trunk = _trunk_2d(pose)
    e = [elevation_deg(_p(pose, leg[2]) - hip, trunk) for leg in LEGS]
    return hip, trunk, LEGS[0 if e[0] >= e[1] else 1]


@signal(
    "deg",
    "elevation of the top shank (knees' midpoint -> the higher ankle) above the horizontal, "
    "world (0 = shank level, positive = foot above the knees); reverse clamshell",
)
def top_shank_elevation_deg(pose: Pose) -> float:
    # The knees stay together and the top foot is the higher one, so no left/right label is
    # needed: seen from behind, MediaPipe swaps the lower legs' labels from frame to frame
    # while the hips keep theirs, and a shank taken from the top hip's label then flips
    # between the two feet.
    left, right = _w(pose, L.LEFT_ANKLE), _w(pose, L.RIGHT_ANKLE)
    ankle = left if left[1] < right[1] else right  # world y points down
    shank = ankle - _mid(pose, L.LEFT_KNEE, L.RIGHT_KNEE, world=True)
    n = norm(shank)
    return float(np.degrees(np.arcsin(np.clip(-shank[1] / n, -1.0, 1.0)))) if n > 1e-9 else float("nan")


@signal(
    "deg",
    "top knee's height above the top hip along the image vertical, in metres (via the body's "
    "image scale) over the world thigh length, as an angle; 0 = knee level with the hip, "
    "+ = above; side-lying",
)
def top_knee_rise_deg(pose: Pose) -> float:
    # a clamshell lifts the top knee toward the ceiling. Unlike the knee gap this needs only the
    # top leg: MediaPipe can lose the hidden bottom leg for seconds (seen drawn into the hands
    # in front of the pelvis, reading as a wide-open knee at rest). Unlike the knee's distance
    # from the hip-ankle line, it still sees the knee when the top foot lifts too (feet_apart).
    hip, knee, _ = LEGS[_top_leg(pose)]
    scale = px_per_m(pose)
    thigh = norm(_w(pose, knee) - _w(pose, hip))
    if scale <= 0 or thigh < 1e-3:
        return float("nan")
    rise = float(_p(pose, hip)[1] - _p(pose, knee)[1]) / scale / thigh
    return float(np.degrees(np.arcsin(np.clip(rise, -1.0, 1.0))))


@signal(
    "deg",
    "height of the higher ankle above the mid-hip along the image vertical, over the trunk's "
    "image length, given in degrees as if that ratio were radians (1 trunk length = 57.3), so "
    "it shares the spec's degree thresholds; 0 = ankle level with the hips; prone, for cameras "
    "that look along the body, and a reverse clamshell's hold",
)
def raised_ankle_rise_deg(pose: Pose) -> float:
    # Prone, seen obliquely, MediaPipe often puts the bent leg's hidden knee on the other thigh,
    # so the thigh's own elevation is noise. The raised foot stays visible: a thigh lift turns
    # the bent leg about the hip and raises it. Needs no knee and no left/right label, and the
    # trunk, foreshortened by the same view, is a steadier yardstick than the world lengths.
    hip = _mid(pose, L.LEFT_HIP, L.RIGHT_HIP)
    trunk = norm(_trunk_2d(pose))
    if trunk < 1e-6:
        return float("nan")
    top = min(float(_p(pose, L.LEFT_ANKLE)[1]), float(_p(pose, L.RIGHT_ANKLE)[1]))
    return math.degrees((float(hip[1]) - top) / trunk)


@signal("deg", "knee angle of the top leg (higher hip, lifted lower leg), 2-D (180 = straight)")
def top_leg_knee_2d_deg(pose: Pose) -> float:
    hip, _, (_, knee, ankle) = _top_hip_and_lifted_leg(pose)
    return joint_angle(hip, _p(pose, knee), _p(pose, ankle))


@signal("deg", "shoulder-hip-knee angle, mean of both sides (180 = straight line)")
def bridge_shk_deg(pose: Pose) -> float:
    left = joint_angle(_p(pose, L.LEFT_SHOULDER), _p(pose, L.LEFT_HIP), _p(pose, L.LEFT_KNEE))
    right = joint_angle(_p(pose, L.RIGHT_SHOULDER), _p(pose, L.RIGHT_HIP), _p(pose, L.RIGHT_KNEE))
    return (left + right) / 2.0


@signal("deg", "shoulder line direction about the trunk axis, 3-D, modulo 180")
def shoulder_roll_deg(pose: Pose) -> float:
    return _roll_deg(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)


@signal("deg", "hip line direction about the trunk axis, 3-D, modulo 180")
def hip_roll_deg(pose: Pose) -> float:
    return _roll_deg(pose, L.LEFT_HIP, L.RIGHT_HIP)


@signal("deg", "hip line minus shoulder line roll, 3-D (0 = pelvis square to the trunk)")
def pelvis_twist_deg(pose: Pose) -> float:
    d = hip_roll_deg(pose) - shoulder_roll_deg(pose)
    return (d + 90.0) % 180.0 - 90.0


@signal(
    "ratio",
    "how much the trunk points at the camera: |depth part| / length, 3-D (0 = trunk "
    "across the view, 1 = camera at the feet or head)",
)
def trunk_depth_ratio(pose: Pose) -> float:
    trunk = _mid(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, True) - _mid(pose, L.LEFT_HIP, L.RIGHT_HIP, True)
    n = norm(trunk)
    return abs(float(trunk[2])) / n if n > 1e-9 else float("nan")


@signal(
    "m",
    "how far the nose is behind the ears' midpoint, world depth (about -0.1 facing the camera, "
    "+0.1 filmed from behind)",
)
def face_away_m(pose: Pose) -> float:
    # MediaPipe knows the back of a head: on rendered side-lying clips the clip median reads
    # -0.12 to -0.05 m from the front and obliquely, +0.09 to +0.13 from behind
    return float(_w(pose, L.NOSE)[2] - _mid(pose, L.LEFT_EAR, L.RIGHT_EAR, True)[2])


@signal("deg", "trunk angle from the camera's vertical, 3-D (0 = upright)")
def trunk_tilt_deg(pose: Pose) -> float:
    trunk = _mid(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, True) - _mid(pose, L.LEFT_HIP, L.RIGHT_HIP, True)
    return angle_between(trunk, np.array([0.0, -1.0, 0.0]))


@signal(
    "deg",
    "elevation of the trunk (shoulders -> hips) above the horizontal, world (0 = lying "
    "flat, positive = hips above the shoulders, as at the top of a bridge)",
)
def trunk_elevation_deg(pose: Pose) -> float:
    trunk = _mid(pose, L.LEFT_HIP, L.RIGHT_HIP, True) - _mid(pose, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, True)
    n = norm(trunk)
    return float(np.degrees(np.arcsin(np.clip(-trunk[1] / n, -1.0, 1.0)))) if n > 1e-9 else float("nan")


@signal("deg", "trunk angle from the image horizontal, 2-D (0 = lying, 90 = upright)")
def trunk_horizontal_deg(pose: Pose) -> float:
    t = _trunk_2d(pose)
    return float(np.degrees(np.arctan2(abs(t[1]), abs(t[0]) + 1e-9)))


_TRUNK_CORNERS = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
_KNEES_ANKLES = ((L.LEFT_KNEE, L.RIGHT_KNEE), (L.LEFT_ANKLE, L.RIGHT_ANKLE))


@signal(
    "ratio",
    "how tall the lying body looks in the image: height / (height + width) of the box around "
    "the shoulders, the hips, the lower knee and the lower ankle. It is over 0.5 (taller than "
    "wide) only when the camera looks along the body, from the feet or the head; 0 = seen across",
)
def body_image_tallness(pose: Pose) -> float:
    # Unlike the trunk's own steepness, this does not hang on a trunk line that the view
    # foreshortens to a few pixels. The lower knee and ankle (in the image) are the bottom
    # leg's, on the floor: a lifted top leg would make a body seen across look tall.
    xy = pose.xy_px
    lower = [a if xy[a, 1] > xy[b, 1] else b for a, b in _KNEES_ANKLES]
    pts = xy[[*_TRUNK_CORNERS, *lower]]
    w, h = (pts.max(axis=0) - pts.min(axis=0)).tolist()
    return h / (w + h) if w + h > 1e-6 else float("nan")


@signal("deg", "trunk angle from the image vertical, 2-D (0 = upright)")
def trunk_lean_2d_deg(pose: Pose) -> float:
    return 90.0 - trunk_horizontal_deg(pose)
