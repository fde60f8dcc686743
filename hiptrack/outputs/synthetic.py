"""Synthetic sessions, frame states and poses: for tests, demos and trying the report without
a camera. Deterministic; no model, no video needed.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np

from hiptrack.events import FrameState
from hiptrack.landmarks import NUM_LANDMARKS, Landmark
from hiptrack.pose import Pose
from hiptrack.session import Session

L = Landmark


def standing_pose(t_ms: float = 0.0, image_wh: tuple[int, int] = (640, 480), lift: float = 0.0) -> Pose:
    """A front-facing stick figure filling most of the frame; ``lift`` (0-1) raises the left leg."""
    w, h = image_wh
    xy = np.zeros((NUM_LANDMARKS, 2))
    cx, s = w / 2, h / 480.0

    def put(lm: Landmark, x: float, y: float) -> None:
        xy[int(lm)] = (cx + x * s, y * s)

    put(L.NOSE, 0, 60)
    for lm, dx, y in (
        (L.LEFT_EYE_INNER, 5, 55), (L.LEFT_EYE, 9, 55), (L.LEFT_EYE_OUTER, 13, 55),
        (L.LEFT_EAR, 18, 60), (L.MOUTH_LEFT, 6, 72),
    ):  # fmt: skip
        put(lm, dx, y)
        put(Landmark[lm.name.replace("LEFT", "RIGHT")], -dx, y)
    put(L.LEFT_SHOULDER, 45, 120)
    put(L.RIGHT_SHOULDER, -45, 120)
    put(L.LEFT_ELBOW, 55, 190)
    put(L.RIGHT_ELBOW, -55, 190)
    for side, sign in (("LEFT", 1), ("RIGHT", -1)):
        put(Landmark[f"{side}_WRIST"], sign * 60, 255)
        for part, dy in (("PINKY", 265), ("INDEX", 268), ("THUMB", 262)):
            put(Landmark[f"{side}_{part}"], sign * 62, dy)
        put(Landmark[f"{side}_HIP"], sign * 30, 260)
    a = math.radians(45 * lift)
    for side, sign, ang in (("LEFT", 1, a), ("RIGHT", -1, 0.0)):
        hx, hy = sign * 30, 260
        kx, ky = hx + sign * 90 * math.sin(ang), hy + 90 * math.cos(ang)
        put(Landmark[f"{side}_KNEE"], kx, ky)
        put(Landmark[f"{side}_ANKLE"], kx + sign * 90 * math.sin(ang), ky + 90 * math.cos(ang))
        ax, ay = kx + sign * 90 * math.sin(ang), ky + 90 * math.cos(ang)
        put(Landmark[f"{side}_HEEL"], ax - sign * 4, ay + 8)
        put(Landmark[f"{side}_FOOT_INDEX"], ax + sign * 10, ay + 10)
    vis = np.full(NUM_LANDMARKS, 0.95)
    vis[int(L.RIGHT_ANKLE)] = 0.2  # one faded point
    return Pose(
        t_ms=t_ms,
        xy_px=xy,
        z_rel=np.zeros(NUM_LANDMARKS),
        world_m=np.zeros((NUM_LANDMARKS, 3)),
        visibility=vis,
        presence=np.full(NUM_LANDMARKS, 0.99),
        image_wh=image_wh,
    )


def rep_profile(t_s: float, period_s: float = 3.0, rest_deg: float = 10.0, rom_deg: float = 40.0) -> float:
    """A smooth rep every ``period_s``: ``rest_deg`` at rest, ``rest_deg + rom_deg`` at the top."""
    phase = (t_s % period_s) / period_s
    return rest_deg + rom_deg * math.sin(math.pi * phase) ** 2


def demo_frames(
    n_frames: int = 90, fps: float = 30.0, signal: str = "hip_angle_deg", side: str = "left"
) -> list[FrameState]:
    """Frame states of reps every 3 s with a fault in the third second."""
    frames = []
    for i in range(n_frames):
        t = i / fps
        v = rep_profile(t)
        person = not (1.0 <= t < 1.1)  # a short dropout
        top = v > 45
        frames.append(
            FrameState(
                t_s=t,
                person=person,
                state="top" if top else ("rest" if v < 12 else "moving"),
                side=side,
                signals={signal: v, "knee_gap_norm": v / 100} if person else {},
                main_value=v if person else None,
                rep_index=int(t // 3.0) if v >= 12 else None,
                counts={side: int(t // 3.0)},
                hold_elapsed_s=0.4 if top else None,
                hold_target_s=2.0 if top else 0.0,
                active_faults=("pelvis_roll",) if 2.0 <= t < 2.5 else (),
            )
        )
    return frames


def demo_session(
    exercise: str = "clamshell",
    reps_per_side: int = 4,
    sides: tuple[str, ...] = ("left", "right"),
    created: datetime | None = None,
    rom_start: float = 40.0,
    rom_step: float = -1.0,
    hold_s: float = 5.0,
    faults: int = 2,
    source: str = "clip.mp4",
    patient: str | None = None,
) -> Session:
    """A plausible session: reps alternating period 3 s, one fault every other rep up to ``faults``."""
    created = created or datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    reps: list[dict[str, object]] = []
    fevents: list[dict[str, object]] = []
    holds: list[dict[str, object]] = []
    t = 1.0
    for side in sides:
        for k in range(reps_per_side):
            rom = rom_start + rom_step * k
            codes = ["pelvis_roll"] if k % 2 == 1 and len(fevents) < faults else []
            idx = len(reps)
            if exercise == "hip_flexor_stretch":
                holds.append(
                    {"index": len(holds), "side": side, "start_s": t, "end_s": t + hold_s,
                     "duration_s": hold_s, "hold_target_s": 30.0, "peak_value": rom, "faults": codes}
                )  # fmt: skip
            else:
                reps.append(
                    {"index": idx, "side": side, "start_s": t, "peak_s": t + 1.5, "end_s": t + 3.0 + hold_s,
                     "hold_s": hold_s, "hold_target_s": 5.0, "rom": rom, "peak_value": rom + 10,
                     "faults": codes}
                )  # fmt: skip
            for c in codes:
                fevents.append(
                    {
                        "code": c,
                        "t_s": t + 1.0,
                        "side": side,
                        "rep_index": idx,
                        "message": "pelvis rolled back",
                    }
                )
            t += 3.5 + hold_s
    s = Session.model_validate(
        {
            "exercise": exercise,
            "exercise_name": exercise.replace("_", " ").capitalize(),
            "main_signal": "hip_angle_deg",
            "created_utc": created.isoformat(timespec="seconds"),
            "patient": patient,
            "source": {"path": source, "width": 640, "height": 480, "fps": 30.0, "frames": int(t * 30),
                       "duration_s": t},
            "reps": reps,
            "holds": holds,
            "faults": fevents,
            "detection_rate": 0.97,
        }
    )  # fmt: skip
    s.compute_totals()
    return s


def demo_history(n: int = 3, start: datetime | None = None) -> list[Session]:
    """``n`` clamshell sessions a day apart, improving."""
    start = start or datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    return [
        demo_session(
            created=start + timedelta(days=i), reps_per_side=8 + 2 * i, rom_start=35 + 3 * i, faults=3 - i
        )
        for i in range(n)
    ]
