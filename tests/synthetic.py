"""Synthetic landmark sequences with exactly known reps, holds and timing.

A side-lying clamshell body is laid out in image pixels (head to the image left, facing the
camera); the top knee rotates up about the top hip by the opening angle. World landmarks are
the same layout in metres (y down), so posture and side rules see a person lying on one side.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from hiptrack.landmarks import Landmark as L
from hiptrack.pose import Pose

PX_PER_M = 400.0


def _rot(v: np.ndarray, deg: float) -> np.ndarray:
    """Rotate an image vector toward image-up by ``deg``."""
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([c * v[0] + s * v[1], -s * v[0] + c * v[1]])


def clamshell_points(opening_deg: float, top: str = "right") -> dict[L, np.ndarray]:
    """Image points (px) of a side-lying clamshell with the top knee opened by ``opening_deg``."""
    bottom = "left" if top == "right" else "right"
    P: dict[L, np.ndarray] = {}

    def put(side: str, part: str, xy: tuple[float, float]) -> None:
        P[L[f"{side.upper()}_{part}"]] = np.array(xy, dtype=float)

    put(bottom, "SHOULDER", (200, 300))
    put(top, "SHOULDER", (200, 240))
    put(bottom, "HIP", (400, 300))
    put(top, "HIP", (400, 250))
    put(bottom, "KNEE", (520, 330))
    put(bottom, "ANKLE", (450, 390))
    # top thigh: from the top hip to where the knee rests on the bottom knee, rotated up
    rest_knee = np.array([520.0, 300.0])
    hip_t = P[L[f"{top.upper()}_HIP"]]
    P[L[f"{top.upper()}_KNEE"]] = hip_t + _rot(rest_knee - hip_t, opening_deg)
    put(top, "ANKLE", (450, 370))
    for side in ("left", "right"):
        ank = P[L[f"{side.upper()}_ANKLE"]]
        put(side, "HEEL", (ank[0] - 15, ank[1] + 5))
        put(side, "FOOT_INDEX", (ank[0] + 10, ank[1] + 15))
        sh = P[L[f"{side.upper()}_SHOULDER"]]
        put(side, "ELBOW", (sh[0] + 60, sh[1] + 40))
        put(side, "WRIST", (sh[0] + 120, sh[1] + 50))
        for part in ("PINKY", "INDEX", "THUMB"):
            put(side, part, (sh[0] + 130, sh[1] + 55))
        put(side, "EAR", (140, sh[1] - 10))
        put(side, "EYE", (120, sh[1] - 20))
        put(side, "EYE_INNER", (118, sh[1] - 18))
        put(side, "EYE_OUTER", (122, sh[1] - 22))
    P[L.NOSE] = np.array([110.0, 260.0])
    P[L.MOUTH_LEFT] = np.array([112.0, 275.0])
    P[L.MOUTH_RIGHT] = np.array([112.0, 265.0])
    return P


def make_pose(
    points: dict[L, np.ndarray],
    t_ms: float,
    noise_px: float = 0.0,
    rng: np.random.Generator | None = None,
    swap: bool = False,
    shift_px: tuple[float, float] = (0.0, 0.0),
    image_wh: tuple[int, int] = (640, 480),
) -> Pose:
    xy = np.array([points[lm] for lm in L], dtype=float) + np.array(shift_px)
    if noise_px and rng is not None:
        xy = xy + rng.normal(0.0, noise_px, xy.shape)
    hip_mid = (xy[L.LEFT_HIP] + xy[L.RIGHT_HIP]) / 2
    world = np.zeros((33, 3))
    world[:, :2] = (xy - hip_mid) / PX_PER_M
    pose = Pose(
        t_ms=t_ms,
        xy_px=xy,
        z_rel=np.zeros(33),
        world_m=world,
        visibility=np.ones(33),
        presence=np.ones(33),
        image_wh=image_wh,
    )
    return pose.mirrored() if swap else pose


@dataclass(frozen=True)
class PlannedRep:
    start_s: float
    up_s: float
    hold_s: float
    down_s: float
    amp: float

    @property
    def peak_s(self) -> float:
        return self.start_s + self.up_s + self.hold_s / 2

    @property
    def end_s(self) -> float:
        return self.start_s + self.up_s + self.hold_s + self.down_s


def plan(
    n: int,
    amp: float = 40.0,
    up_s: float = 1.0,
    hold_s: float = 0.0,
    down_s: float = 1.2,
    rest_s: float = 1.0,
    lead_s: float = 2.0,
) -> list[PlannedRep]:
    reps, t = [], lead_s
    for _ in range(n):
        reps.append(PlannedRep(t, up_s, hold_s, down_s, amp))
        t += up_s + hold_s + down_s + rest_s
    return reps


def curve(t_s: float, reps: list[PlannedRep]) -> float:
    """Opening angle at time t: cosine ramps up and down, flat holds, 0 at rest."""
    for r in reps:
        if r.start_s <= t_s <= r.end_s:
            u = t_s - r.start_s
            if u < r.up_s:
                return r.amp * (1 - math.cos(math.pi * u / r.up_s)) / 2
            u -= r.up_s
            if u <= r.hold_s:
                return r.amp
            u -= r.hold_s
            return r.amp * (1 + math.cos(math.pi * u / r.down_s)) / 2
    return 0.0


def sequence(
    reps: list[PlannedRep],
    fps: float,
    tail_s: float = 2.0,
    top: str = "right",
    noise_px: float = 0.0,
    seed: int = 0,
    swap_rate: float = 0.0,
    drop: tuple[float, float] | None = None,
) -> Iterator[tuple[float, Pose | None]]:
    """(t_ms, pose) at ``fps`` over the planned reps; ``drop`` = (from_s, to_s) with no person."""
    rng = np.random.default_rng(seed)
    total = (reps[-1].end_s if reps else 0.0) + tail_s
    n = int(total * fps) + 1
    for i in range(n):
        t = i / fps
        if drop is not None and drop[0] <= t < drop[1]:
            yield t * 1000.0, None
            continue
        pts = clamshell_points(curve(t, reps), top=top)
        yield t * 1000.0, make_pose(pts, t * 1000.0, noise_px, rng, swap=bool(rng.random() < swap_rate))
