"""MediaPipe Pose Landmarker (Tasks API, VIDEO mode) behind a small, closable interface.

This is the only module that imports mediapipe. Use it as a context manager: mediapipe 1.x
prints a traceback at interpreter exit for a landmarker that was never closed.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hiptrack.closing import Closing
from hiptrack.interrupts import deferred_sigint
from hiptrack.landmarks import NUM_LANDMARKS
from hiptrack.models import Complexity, ModelError, resolve_model
from hiptrack.pose import Pose

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EstimatorOptions:
    """Options for :class:`PoseEstimator`; thresholds are MediaPipe's own (0-1)."""

    model: str | Path | None = None
    complexity: Complexity = "full"
    num_poses: int = 1  # 2: follow the patient among several people, at half the speed
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5


class PoseEstimator(Closing):
    """Frames in, :class:`Pose` lists out, with timestamps forced strictly increasing."""

    def __init__(self, options: EstimatorOptions | None = None) -> None:
        self.options = options or EstimatorOptions()
        self.model_path = resolve_model(self.options.model, self.options.complexity)
        from mediapipe.tasks.python import BaseOptions, vision

        opts = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=self.options.num_poses,
            min_pose_detection_confidence=self.options.min_detection_confidence,
            min_pose_presence_confidence=self.options.min_presence_confidence,
            min_tracking_confidence=self.options.min_tracking_confidence,
        )
        try:
            with deferred_sigint(), quiet_stderr():  # never a half-built landmarker
                self._landmarker: Any = vision.PoseLandmarker.create_from_options(opts)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(
                f"MediaPipe could not load {self.model_path} ({exc}). Pass a pose_landmarker_*.task "
                "bundle with --model, or use a bundled one with --model-complexity."
            ) from exc
        self._last_ts_ms = -1
        self._first = True

    def close(self) -> None:
        if self._landmarker is not None:
            with deferred_sigint(), quiet_stderr():
                self._landmarker.close()
            self._landmarker = None

    def detect(self, image_bgr: npt.NDArray[np.uint8], t_ms: float) -> list[Pose]:
        """Every person found in one BGR frame (possibly none)."""
        import cv2
        import mediapipe as mp

        if self._landmarker is None:
            raise RuntimeError("PoseEstimator is closed")
        ts = max(round(t_ms), self._last_ts_ms + 1)
        self._last_ts_ms = ts
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)  # 10x faster than a NumPy channel flip
        with deferred_sigint():  # Ctrl-C mid-constructor leaves an mp.Image that fails in __del__
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
            if self._first:
                self._first = False
                with quiet_stderr():  # LiteRT logs its set-up on the first call
                    result = self._landmarker.detect_for_video(image, ts)
            else:
                result = self._landmarker.detect_for_video(image, ts)
        h, w = image_bgr.shape[:2]
        return [
            _to_pose(img_lms, world_lms, t_ms, (w, h))
            for img_lms, world_lms in zip(result.pose_landmarks, result.pose_world_landmarks, strict=False)
        ]


@contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence C++ logging (LiteRT/glog write straight to fd 2) unless logging is verbose."""
    if log.isEnabledFor(logging.INFO):
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _to_pose(img_lms: Any, world_lms: Any, t_ms: float, image_wh: tuple[int, int]) -> Pose:
    w, h = image_wh
    arr = np.array(
        [(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0) for p in img_lms], dtype=np.float64
    )
    world = np.array([(p.x, p.y, p.z) for p in world_lms], dtype=np.float64)
    if arr.shape[0] != NUM_LANDMARKS:
        raise ModelError(
            f"The model returned {arr.shape[0]} landmarks, not 33: pass a Pose Landmarker bundle."
        )
    return Pose(
        t_ms=t_ms,
        xy_px=arr[:, :2] * np.array([w, h], dtype=np.float64),
        z_rel=arr[:, 2] * w,
        world_m=world,
        visibility=arr[:, 3],
        presence=arr[:, 4],
        image_wh=image_wh,
    )
