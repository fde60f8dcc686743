"""Small vector helpers for joint angles. Angles are in degrees.

Conventions: image points are (x right, y down) pixels; "up" in the image is -y. World points
are MediaPipe world metres (x right, y down, z away from the camera, origin between the hips).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

Vec = npt.NDArray[np.float64]


def norm(v: Vec) -> float:
    """Length of a 2-D or 3-D vector (NaN if any coordinate is NaN); ``np.linalg.norm`` costs
    several times more for vectors this small, and the engine takes ~30 lengths per frame."""
    return math.sqrt(float(v @ v))


def cross3(u: Vec, v: Vec) -> Vec:
    """Cross product of two 3-D vectors; ``np.cross`` costs ~20-50 us on vectors this small."""
    return np.array([u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]])


def angle_between(u: Vec, v: Vec) -> float:
    """Unsigned angle between two vectors, 0-180 deg (NaN if either has zero length)."""
    nu, nv = norm(u), norm(v)
    if nu < 1e-9 or nv < 1e-9:
        return float("nan")
    c = float(np.dot(u, v)) / (nu * nv)
    return float(np.degrees(np.arccos(np.clip(c, -1.0, 1.0))))


def joint_angle(a: Vec, vertex: Vec, b: Vec) -> float:
    """Angle a-vertex-b at ``vertex``, 0-180 deg (180 = straight)."""
    return angle_between(a - vertex, b - vertex)


def signed_angle_2d(u: Vec, v: Vec) -> float:
    """Angle from ``u`` to ``v`` in the image plane, -180..180 deg, positive counter-clockwise
    as seen on screen (i.e. turning toward image-up from image-right)."""
    cross = float(u[0] * v[1] - u[1] * v[0])
    dot = float(u[0] * v[0] + u[1] * v[1])
    return -float(np.degrees(np.arctan2(cross, dot)))


def elevation_deg(u: Vec, reference: Vec) -> float:
    """Angle of 2-D vector ``u`` away from the line of ``reference``, positive when ``u`` points
    more toward image-up than ``reference`` does (0 = aligned with the reference)."""
    a = float(np.degrees(np.arctan2(-u[1], u[0])))
    b = float(np.degrees(np.arctan2(-reference[1], reference[0])))
    d = (a - b + 180.0) % 360.0 - 180.0
    # measure upward deviation irrespective of which way along the line the body points
    return d if reference[0] >= 0 else -d


def image_steepness(u: Vec) -> float:
    """|sin| of a 2-D image vector's angle from the horizontal: 0 = horizontal, 1 = vertical
    (NaN for a zero vector)."""
    n = norm(u)
    return abs(float(u[1])) / n if n > 1e-9 else float("nan")


def tilt_from_vertical_deg(u: Vec) -> float:
    """Unsigned angle of a 2-D image vector from the vertical, 0-90 deg."""
    a = abs(float(np.degrees(np.arctan2(abs(u[0]), abs(u[1])))))
    return a
