"""Per-frame pose data: the currency between the estimator, smoothing and signals.

A :class:`Pose` holds the 33 BlazePose landmarks of one person in one frame, in two spaces:

* ``xy_px``: image pixels (origin top-left, x right, y down) of the *displayed* (upright) frame;
* ``world_m``: MediaPipe world landmarks, metres, origin at the hip centre, y down.

Heavy dependencies (mediapipe, cv2) are not imported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from hiptrack.landmarks import MIRROR_INDEX, NUM_LANDMARKS, Landmark

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Pose:
    """One person's landmarks in one frame.

    Attributes:
        t_ms: presentation timestamp of the frame, milliseconds from the start of the source.
        xy_px: (33, 2) image coordinates in pixels.
        z_rel: (33,) MediaPipe's relative depth of the image landmarks (same scale as x, in px).
        world_m: (33, 3) world coordinates in metres, origin between the hips.
        visibility: (33,) probability the landmark is visible (not occluded), 0-1.
        presence: (33,) probability the landmark is in the frame, 0-1.
        image_wh: (width, height) of the frame in pixels.
    """

    t_ms: float
    xy_px: FloatArray
    z_rel: FloatArray
    world_m: FloatArray
    visibility: FloatArray
    presence: FloatArray
    image_wh: tuple[int, int]
    extras: dict[str, float] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.xy_px.shape != (NUM_LANDMARKS, 2) or self.world_m.shape != (NUM_LANDMARKS, 3):
            raise ValueError(
                f"Pose needs (33, 2) image and (33, 3) world landmarks, got "
                f"{self.xy_px.shape} and {self.world_m.shape}"
            )

    @property
    def t_s(self) -> float:
        return self.t_ms / 1000.0

    def px(self, lm: Landmark) -> FloatArray:
        """Image position of one landmark, pixels."""
        return self.xy_px[int(lm)]

    def world(self, lm: Landmark) -> FloatArray:
        """World position of one landmark, metres."""
        return self.world_m[int(lm)]

    def mirrored(self) -> Pose:
        """The same pose with every left landmark relabelled right and vice versa."""
        idx = list(MIRROR_INDEX)
        return replace(
            self,
            xy_px=self.xy_px[idx],
            z_rel=self.z_rel[idx],
            world_m=self.world_m[idx],
            visibility=self.visibility[idx],
            presence=self.presence[idx],
        )

    def bbox_px(self, min_visibility: float = 0.3) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) around the landmarks seen with at least ``min_visibility``."""
        ok = self.visibility >= min_visibility
        pts = self.xy_px[ok] if ok.any() else self.xy_px
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)
