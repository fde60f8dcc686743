"""MediaPipe Pose Landmarker (Tasks API, VIDEO mode) behind a small, closable interface.

This is the only module that imports mediapipe. Use it as a context manager: mediapipe 1.x
prints a traceback at interpreter exit for a landmarker that was never closed.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache
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
    # when the tracker finds nobody, look again with the frame turned (see TurnedLook)
    turned_look: bool = True


def _create_landmarker(model_path: Path, options: EstimatorOptions, video: bool) -> Any:
    """A MediaPipe PoseLandmarker in VIDEO mode (tracking from frame to frame) or IMAGE mode."""
    from mediapipe.tasks.python import BaseOptions, vision

    opts = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path)),
        running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
        num_poses=options.num_poses,
        min_pose_detection_confidence=options.min_detection_confidence,
        min_pose_presence_confidence=options.min_presence_confidence,
        min_tracking_confidence=options.min_tracking_confidence,
    )
    try:
        with deferred_sigint(), quiet_stderr():  # never a half-built landmarker
            return vision.PoseLandmarker.create_from_options(opts)
    except (RuntimeError, ValueError) as exc:
        raise ModelError(
            f"MediaPipe could not load {model_path} ({exc}). Pass a pose_landmarker_*.task "
            "bundle with --model, or use a bundled one with --model-complexity."
        ) from exc


class PoseEstimator(Closing):
    """Frames in, :class:`Pose` lists out, with timestamps forced strictly increasing. Where
    the tracker finds nobody, a :class:`TurnedLook` looks again (``turned_look``)."""

    def __init__(self, options: EstimatorOptions | None = None) -> None:
        self.options = options or EstimatorOptions()
        self.model_path = resolve_model(self.options.model, self.options.complexity)
        self._landmarker: Any = _create_landmarker(self.model_path, self.options, video=True)
        self._last_ts_ms = -1
        self._first = True
        self._turned = TurnedLook(self.model_path, self.options) if self.options.turned_look else None
        self.turned_frames = 0  # frames where only the turned look found someone

    def close(self) -> None:
        if self._turned is not None:
            self._turned.close()
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
        poses = [
            _to_pose(img_lms, world_lms, t_ms, (w, h))
            for img_lms, world_lms in zip(result.pose_landmarks, result.pose_world_landmarks, strict=False)
        ]
        if not poses and self._turned is not None:
            poses = self._turned.look(rgb, t_ms)
            self.turned_frames += bool(poses)
        return poses


Turn = tuple[int, Callable[[Any, Any], tuple[Any, Any]]]


@cache
def _turns() -> dict[str, Turn]:
    """Each turn: its cv2.rotate code and, for a point found in the turned frame at normalised
    (u, v), the same point in the frame as (x / w, y / h)."""
    import cv2

    return {
        "cw": (cv2.ROTATE_90_CLOCKWISE, lambda u, v: (v, 1.0 - u)),
        "ccw": (cv2.ROTATE_90_COUNTERCLOCKWISE, lambda u, v: (1.0 - v, u)),
        "180": (cv2.ROTATE_180, lambda u, v: (1.0 - u, 1.0 - v)),
    }


class TurnedLook(Closing):
    """A second look, with the frame turned, for frames where the tracker finds nobody.

    MediaPipe's person detector misses many people lying on the floor, and keeps missing them
    frame after frame, yet finds them once the frame is turned by 90 or 180 deg (on rendered
    floor exercises: a prone person seen from the side, missed for the first 1.8 s, is found in
    every one of those frames turned 90 deg counter-clockwise). The landmarks are mapped back
    into the frame, so nothing downstream knows. Each turn is tried in order, the last one that
    worked first; when none finds anyone (an empty room), the next look waits, from 0.25 s up
    to 2 s, so an empty view costs little.
    """

    _WAIT_MIN_MS = 250.0
    _WAIT_MAX_MS = 2000.0

    def __init__(self, model_path: Path, options: EstimatorOptions) -> None:
        self._model_path = model_path
        self._options = options
        self._landmarker: Any = None  # made on first need: most videos never need it
        self._order = list(_turns())
        self._wait_ms = 0.0
        self._next_ms = -float("inf")
        self._closed = False
        self._first = True

    def close(self) -> None:
        self._closed = True
        if self._landmarker is not None:
            with deferred_sigint(), quiet_stderr():
                self._landmarker.close()
            self._landmarker = None

    def _open(self) -> Any:
        if self._landmarker is None:
            self._landmarker = _create_landmarker(self._model_path, self._options, video=False)
        return self._landmarker

    def look(self, rgb: npt.NDArray[Any], t_ms: float) -> list[Pose]:
        """The people found in the RGB frame turned each way in turn (possibly none)."""
        import cv2
        import mediapipe as mp

        if self._closed or t_ms < self._next_ms:
            return []
        landmarker = self._open()
        h, w = rgb.shape[:2]
        for name in self._order:
            code, back = _turns()[name]
            turned = np.ascontiguousarray(cv2.rotate(rgb, code))
            with deferred_sigint(), quiet_stderr() if self._first else nullcontext():
                self._first = False  # MediaPipe warns about the ROI on its first image
                result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=turned))
            if result.pose_landmarks:
                self._order.remove(name)
                self._order.insert(0, name)
                self._wait_ms, self._next_ms = 0.0, -float("inf")
                return [
                    _to_pose(img, world, t_ms, (w, h), turn=(turned.shape[1], back))
                    for img, world in zip(result.pose_landmarks, result.pose_world_landmarks, strict=False)
                ]
        self._wait_ms = min(max(2.0 * self._wait_ms, self._WAIT_MIN_MS), self._WAIT_MAX_MS)
        self._next_ms = t_ms + self._wait_ms
        return []


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


def _to_pose(
    img_lms: Any,
    world_lms: Any,
    t_ms: float,
    image_wh: tuple[int, int],
    turn: Turn | None = None,
) -> Pose:
    """A Pose in frame pixels; ``turn`` = (turned frame's width, its mapping back) for a pose
    found in a turned frame (see TurnedLook)."""
    w, h = image_wh
    arr = np.array(
        [(p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0) for p in img_lms], dtype=np.float64
    )
    world = np.array([(p.x, p.y, p.z) for p in world_lms], dtype=np.float64)
    if arr.shape[0] != NUM_LANDMARKS:
        raise ModelError(
            f"The model returned {arr.shape[0]} landmarks, not 33: pass a Pose Landmarker bundle."
        )
    z_scale = float(w)
    if turn is not None:
        z_scale, back = turn  # depth is scaled like the turned frame's x
        arr[:, 0], arr[:, 1] = back(arr[:, 0].copy(), arr[:, 1].copy())
        # world x and y follow the image axes: map the unit vectors as points about the centre
        (ux, uy), (vx, vy) = (np.subtract(back(a, b), back(0.0, 0.0)) for a, b in ((1.0, 0.0), (0.0, 1.0)))
        x, y = world[:, 0].copy(), world[:, 1].copy()
        world[:, 0], world[:, 1] = ux * x + vx * y, uy * x + vy * y
    return Pose(
        t_ms=t_ms,
        xy_px=arr[:, :2] * np.array([w, h], dtype=np.float64),
        z_rel=arr[:, 2] * z_scale,
        world_m=world,
        visibility=arr[:, 3],
        presence=arr[:, 4],
        image_wh=image_wh,
    )
