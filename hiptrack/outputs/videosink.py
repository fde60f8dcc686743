"""Annotated video: each frame with the overlay, as H.264 MP4 (plays in browsers and on phones).

OpenCV's pip builds cannot encode H.264, so this uses PyAV (libx264, yuv420p). Frame timestamps
come from :attr:`FrameState.t_s`, so variable-frame-rate input keeps its timing. The file is
written to a temporary name and renamed into place by :meth:`VideoSink.close`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hiptrack.events import FrameState
from hiptrack.outputs.atomic import AtomicPath, CommitOnSuccess
from hiptrack.pose import Pose
from hiptrack.session import Session

log = logging.getLogger(__name__)

Annotator = Callable[[npt.NDArray[np.uint8], Pose | None, FrameState], npt.NDArray[np.uint8]]
TIME_BASE = Fraction(1, 90_000)  # MPEG's usual clock: exact for 29.97 and 25 fps


class VideoSink(CommitOnSuccess):
    """Writes every frame it receives, annotated, to an H.264 ``.mp4``.

    Args:
        path: output file; replaced only when :meth:`close` succeeds.
        fps: nominal frame rate (for the encoder's rate control; timing comes from ``t_s``).
        size: ``(width, height)`` of the frames; odd sizes are cropped by one pixel (yuv420p needs
            even sizes), other sizes are resized to it.
        annotator: draws on a copy of each frame, e.g. a ``functools.partial`` of
            :func:`hiptrack.draw.annotate`; ``None`` writes frames as they come.
        crf: x264 quality (18 = visually lossless, 23 default, 28 small).

    Use as a context manager, or call :meth:`close` (success) / :meth:`abort` (failure).
    Frames passed as ``None`` (no image, e.g. a replayed track) are skipped.
    """

    def __init__(
        self,
        path: str | Path,
        fps: float,
        size: tuple[int, int],
        annotator: Annotator | None = None,
        crf: int = 23,
        preset: str = "veryfast",
    ) -> None:
        import av

        self.path = Path(path)
        self.size = (max(2, size[0] - size[0] % 2), max(2, size[1] - size[1] % 2))
        self.annotator = annotator
        self.frames_written = 0
        self._last_pts = -1
        self._out = AtomicPath(self.path, suffix=".mp4")
        rate = Fraction(fps).limit_denominator(1001) if fps and fps > 0 else Fraction(30)
        try:
            self._container: Any = av.open(str(self._out.tmp), mode="w", format="mp4")
            stream: Any = self._container.add_stream("libx264", rate=rate)
            stream.width, stream.height = self.size
            stream.pix_fmt = "yuv420p"
            stream.time_base = TIME_BASE
            stream.codec_context.time_base = TIME_BASE
            stream.options = {"crf": str(crf), "preset": preset, "movflags": "+faststart"}
            self._stream = stream
        except BaseException:
            self._out.discard()
            raise

    def on_frame(self, image_bgr: npt.NDArray[np.uint8] | None, pose: Pose | None, state: FrameState) -> None:
        if image_bgr is None or self._out.done:
            return
        import av

        image = self._fit(image_bgr)
        if self.annotator is not None:
            image = self.annotator(image, pose, state)
        pts = max(round(state.t_s / TIME_BASE), self._last_pts + 1)
        self._last_pts = pts
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
        frame.pts = pts
        frame.time_base = TIME_BASE
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.frames_written += 1

    def _fit(self, image: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        """A copy of ``image`` at ``self.size`` (never the caller's array: we draw on it)."""
        w, h = self.size
        ih, iw = image.shape[:2]
        if (iw, ih) == (w, h):
            return image.copy()
        if iw - w in (0, 1) and ih - h in (0, 1):
            return image[:h, :w].copy()
        import cv2

        return np.asarray(cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA), dtype=np.uint8)

    def close(self, session: Session | None = None) -> None:
        """Flush the encoder and move the file into place (no file if no frame was written)."""
        if self._out.done:
            return
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
            self._container.close()
        except BaseException:
            self.abort()
            raise
        if self.frames_written == 0:
            log.warning("no frames to write: %s not created", self.path)
            self._out.discard()
            return
        self._out.commit()
        log.info("annotated video written: %s (%d frames)", self.path, self.frames_written)

    def abort(self) -> None:
        """Stop without touching ``path`` (an earlier file there stays as it was)."""
        if self._out.done:
            return
        try:
            self._container.close()
        except Exception:  # the encoder may be in any state after a failure
            log.debug("closing the aborted video failed", exc_info=True)
        self._out.discard()
