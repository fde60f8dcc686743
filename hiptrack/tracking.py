"""Follow one person when several are in view (a therapist kneeling behind the patient).

The patient is the person found first with the largest body box; after that, the candidate
nearest the previous patient pose (hip centre, normalised by body size) is kept. Pure NumPy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hiptrack.landmarks import Landmark
from hiptrack.pose import Pose

_CORE = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP, Landmark.RIGHT_HIP]


def _box_area(p: Pose) -> float:
    x0, y0, x1, y1 = p.bbox_px()
    return max(x1 - x0, 1.0) * max(y1 - y0, 1.0)


def _centre(p: Pose) -> np.ndarray:
    return np.asarray(p.xy_px[[int(i) for i in _CORE]].mean(axis=0))


class PersonSelector:
    """Pick the patient among the poses of each frame, keeping identity over time.

    ``max_jump`` is how far (in body-box diagonals) the patient may move between two frames
    where they are seen; a larger jump means someone else.
    """

    def __init__(self, max_jump: float = 0.6) -> None:
        self.max_jump = max_jump
        self._last: Pose | None = None

    def reset(self) -> None:
        self._last = None

    def select(self, poses: Sequence[Pose]) -> Pose | None:
        if not poses:
            return None
        if self._last is None:
            chosen = max(poses, key=_box_area)
        else:
            last = self._last
            x0, y0, x1, y1 = last.bbox_px()
            diag = max(float(np.hypot(x1 - x0, y1 - y0)), 1.0)
            dists = [float(np.linalg.norm(_centre(p) - _centre(last))) / diag for p in poses]
            best = int(np.argmin(dists))
            if dists[best] > self.max_jump and len(poses) > 1:
                chosen = max(poses, key=_box_area)
            else:
                chosen = poses[best]
        self._last = chosen
        return chosen
