"""Follow one person when several are in view (a therapist kneeling behind the patient).

The patient is the person found first with the largest body box; after that, the candidate
nearest the previous patient pose (hip centre, normalised by body size) is kept. Pure NumPy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hiptrack.geometry import norm
from hiptrack.landmarks import Landmark
from hiptrack.pose import Pose

_CORE = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]


def _box_area(p: Pose) -> float:
    x0, y0, x1, y1 = p.bbox_px()
    return max(x1 - x0, 1.0) * max(y1 - y0, 1.0)


def _axis_deg(p: Pose) -> float:
    """Direction of the trunk (shoulders -> hips) in the image, 0-360 deg."""
    xy = p.xy_px
    d = (xy[int(Landmark.LEFT_HIP)] + xy[int(Landmark.RIGHT_HIP)]) / 2 - (
        xy[int(Landmark.LEFT_SHOULDER)] + xy[int(Landmark.RIGHT_SHOULDER)]
    ) / 2
    return float(np.degrees(np.arctan2(d[1], d[0]))) % 360.0


def _centre(p: Pose) -> np.ndarray:
    return np.asarray(p.xy_px[[int(i) for i in _CORE]].mean(axis=0))


class PersonSelector:
    """Pick the patient among the poses of each frame, keeping identity over time.

    ``max_jump`` is how far (in body-box diagonals) the patient may move between two frames
    where they are seen; a larger jump, a body suddenly turned by more than 45 deg (head and feet
    swapped included), or a box of a very different size means someone else. When the only pose
    found is someone else (the model found the passer-by instead of the patient), nobody is
    reported for up to ``hold_off_s``; a pose that stays longer is taken as the patient having
    moved.
    """

    def __init__(self, max_jump: float = 0.6, hold_off_s: float = 0.6) -> None:
        self.max_jump = max_jump
        self.hold_off_s = hold_off_s
        self._last: Pose | None = None
        self._far_since_ms: float | None = None

    def reset(self) -> None:
        self._last = None
        self._far_since_ms = None

    @staticmethod
    def _unlike(last: Pose, cand: Pose) -> bool:
        """A body turned by more than 45 deg or a box of a very different size in one step is
        someone else (a therapist standing where the patient lies), or not a body at all: seen
        from the feet, MediaPipe now and then lays a skeleton upside down over a person lying on
        the floor (head at the feet, an ankle a trunk's length above the hips), which a 180 deg
        turn of the trunk gives away."""
        turn = abs(_axis_deg(cand) - _axis_deg(last))
        ratio = _box_area(cand) / max(_box_area(last), 1.0)
        return min(turn, 360.0 - turn) > 45.0 or not 0.4 < ratio < 2.5

    def select(self, poses: Sequence[Pose]) -> Pose | None:
        if not poses:
            return None
        if self._last is None:
            chosen = max(poses, key=_box_area)
        else:
            last = self._last
            x0, y0, x1, y1 = last.bbox_px()
            diag = max(float(np.hypot(x1 - x0, y1 - y0)), 1.0)
            dists = [norm(_centre(p) - _centre(last)) / diag for p in poses]
            best = int(np.argmin(dists))
            if dists[best] <= self.max_jump and not self._unlike(last, poses[best]):
                chosen = poses[best]
            elif len(poses) > 1:
                chosen = max(poses, key=_box_area)
            else:
                t = poses[0].t_ms
                if self._far_since_ms is None:
                    self._far_since_ms = t
                if t - self._far_since_ms < self.hold_off_s * 1000.0:
                    return None  # probably someone else: wait before following them
                chosen = poses[0]
        self._far_since_ms = None
        self._last = chosen
        return chosen
