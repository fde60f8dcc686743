"""Live frame sources: a webcam, or a video file played at real-time pace standing in for one.

:class:`LiveSource` wraps any iterable of :class:`~hiptrack.video.Frame` with a producer thread
that keeps only the newest frame (a slow consumer skips frames instead of building a backlog,
exactly like a camera). For a file it sleeps until each frame is due (``pace`` 1.0 = real time),
so frames are dropped the way a camera would drop them when inference is slower than the clip;
timestamps stay the file's own, so counting matches ``hiptrack analyze`` on the same file.

Each :class:`LiveFrame` carries ``captured_s`` (``time.monotonic()`` when the frame was captured,
or became due), from which the loop measures capture-to-display latency.

Camera trouble becomes one :class:`CameraError` sentence naming the fix: no picture at start
(busy in another program), pictures that stop (unplugged), only black frames (shutter closed).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hiptrack.closing import Closing
from hiptrack.video import Frame, FrameSource, VideoError, VideoInfo

log = logging.getLogger(__name__)


class CameraError(VideoError):
    """The camera cannot be used; the message names the fix."""


@dataclass(frozen=True)
class LiveFrame:
    frame: Frame
    captured_s: float  # time.monotonic() at capture (camera) or when due (paced file)


def mean_brightness(image_bgr: npt.NDArray[np.uint8]) -> float:
    """Mean pixel value (0-255) on a sparse grid: cheap enough for every frame."""
    return float(image_bgr[::16, ::16].mean())


class BlackFrameCheck:
    """Raises :class:`CameraError` once frames stay darker than ``min_brightness`` for ``max_dark_s``."""

    def __init__(self, source_name: str, min_brightness: float = 8.0, max_dark_s: float = 2.0) -> None:
        self.source_name = source_name
        self.min_brightness = min_brightness
        self.max_dark_s = max_dark_s
        self._dark_since: float | None = None

    def update(self, t_s: float, image_bgr: npt.NDArray[np.uint8]) -> None:
        if mean_brightness(image_bgr) >= self.min_brightness:
            self._dark_since = None
            return
        if self._dark_since is None:
            self._dark_since = t_s
        elif t_s - self._dark_since >= self.max_dark_s:
            raise CameraError(
                f"{self.source_name} sends only black frames: open the privacy shutter or uncover "
                "the lens, turn on a light, or pick another camera with --camera 1."
            )


class LiveSource(Closing):
    """Newest-frame-wins frames from a camera or a paced file; iterate once inside ``with``.

    Args:
        frames_factory: returns a fresh iterable of frames (called again to loop a file).
        info: the source's :class:`VideoInfo`.
        pace: for files, playback speed relative to real time (1.0 = real time); ``None`` hands
            every frame over as fast as the consumer takes it (no drops; benchmarks, tests).
        loop: start the file again at its end (timestamps keep increasing); long benchmarks.
        stall_timeout_s: no new frame for this long means the camera is gone.
        closer: called on :meth:`close` (releases the camera / file).
    """

    def __init__(
        self,
        frames_factory: Callable[[], Iterable[Frame]],
        info: VideoInfo,
        *,
        pace: float | None = 1.0,
        loop: bool = False,
        stall_timeout_s: float = 5.0,
        closer: Callable[[], None] | None = None,
    ) -> None:
        self._factory = frames_factory
        self.info = info
        self.pace = pace
        self.loop = loop
        self.stall_timeout_s = stall_timeout_s
        self._closer = closer
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self._latest: LiveFrame | None = None
        self._error: BaseException | None = None
        self._done = False
        self._thread: threading.Thread | None = None
        self.frames_produced = 0
        self.frames_delivered = 0

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def camera(cls, index: int = 0, width: int = 1280, height: int = 720) -> LiveSource:
        """A webcam (newest frame wins, timestamps at capture)."""
        try:
            src = FrameSource.from_camera(index, width=width, height=height)
        except VideoError as exc:
            raise CameraError(str(exc)) from exc
        return cls(lambda: src, src.info, pace=None, closer=src.close)

    @classmethod
    def file(cls, path: str | Path, pace: float | None = 1.0, loop: bool = False) -> LiveSource:
        """A video file standing in for a camera, played at ``pace`` x real time."""
        first = FrameSource.from_file(path)  # checks the path, gives the info
        opened: list[FrameSource] = [first]
        calls = [0]

        def frames() -> Iterable[Frame]:
            calls[0] += 1
            if calls[0] > 1:  # looping: open the file again, release the finished one
                opened[-1].close()
                opened.append(FrameSource.from_file(path))
            return opened[-1]

        def close() -> None:
            for s in opened:
                s.close()

        return cls(frames, first.info, pace=pace, loop=loop, closer=close)

    @property
    def frames_dropped(self) -> int:
        """Frames the consumer never saw because a newer one replaced them."""
        return max(0, self.frames_produced - self.frames_delivered - (1 if self._latest else 0))

    # -- context manager ----------------------------------------------------------------------
    def close(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._closer is not None:
            self._closer()
        if self._thread is not None:
            self._thread.join(timeout=3.0)

    # -- iteration ----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[LiveFrame]:
        if self.pace is None and not self.info.is_camera:
            return self._iter_direct()
        return self._iter_latest()

    def _iter_direct(self) -> Iterator[LiveFrame]:
        offset_ms = 0.0
        while not self._stop.is_set():
            last = None
            for frame in self._factory():
                last = frame
                self.frames_produced += 1
                self.frames_delivered += 1
                yield LiveFrame(_shift(frame, offset_ms), time.monotonic())
            if not self.loop or last is None:
                return
            offset_ms += last.t_ms + _frame_ms(self.info)

    def _publish(self, lf: LiveFrame) -> None:
        with self._cond:
            self._latest = lf
            self.frames_produced += 1
            self._cond.notify_all()

    def _produce(self) -> None:
        try:
            if self.info.is_camera:
                self._produce_camera()
            else:
                self._produce_paced()
        except BaseException as exc:  # handed to the consumer and re-raised there
            with self._cond:
                self._error = exc
        finally:
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def _produce_camera(self) -> None:
        t_start = time.monotonic()  # the camera thread starts its clock on the first read
        for frame in self._factory():
            if self._stop.is_set():
                return
            self._publish(LiveFrame(frame, t_start + frame.t_ms / 1000.0))

    def _produce_paced(self) -> None:
        pace = self.pace or 1.0
        wall0: float | None = None
        t0_ms = 0.0
        offset_ms = 0.0
        while not self._stop.is_set():
            last: Frame | None = None
            for frame in self._factory():
                if self._stop.is_set():
                    return
                last = frame
                frame = _shift(frame, offset_ms)
                if wall0 is None:
                    wall0, t0_ms = time.monotonic(), frame.t_ms
                due = wall0 + (frame.t_ms - t0_ms) / 1000.0 / pace
                delay = due - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    return
                self._publish(LiveFrame(frame, time.monotonic()))
            if not self.loop or last is None:
                return
            offset_ms += last.t_ms + _frame_ms(self.info)

    def _iter_latest(self) -> Iterator[LiveFrame]:
        self._thread = threading.Thread(target=self._produce, name="hiptrack-live-source", daemon=True)
        self._thread.start()
        last_seen = time.monotonic()
        while not self._stop.is_set():
            with self._cond:
                self._cond.wait_for(
                    lambda: self._stop.is_set() or self._done or self._latest is not None, timeout=0.5
                )
                lf, self._latest = self._latest, None
                error, done = self._error, self._done
            if lf is not None:
                last_seen = time.monotonic()
                self.frames_delivered += 1
                yield lf
                continue
            if error is not None:
                raise self._camera_error(error)
            if done and not self.info.is_camera:
                return
            if done or (self.info.is_camera and time.monotonic() - last_seen > self.stall_timeout_s):
                # a camera's frames never end by themselves
                raise self._camera_error(None)

    def _camera_error(self, error: BaseException | None) -> BaseException:
        if not self.info.is_camera:
            return error or VideoError(f"{self.info.source} stopped delivering frames.")
        if self.frames_delivered == 0:
            return CameraError(
                f"{self.info.source} opened but sends no picture: it is probably in use by another "
                "program (a video call, another hiptrack). Close that program, or try --camera 1."
            )
        if isinstance(error, VideoError):
            return error
        if error is not None:
            return error
        return CameraError(
            f"{self.info.source} stopped delivering frames (unplugged or taken by another program). "
            "Reconnect it and start again; the session so far is saved."
        )


def _frame_ms(info: VideoInfo) -> float:
    return 1000.0 / info.fps if info.fps > 0 else 1000.0 / 30.0


def _shift(frame: Frame, offset_ms: float) -> Frame:
    if offset_ms == 0.0:
        return frame
    return Frame(image_bgr=frame.image_bgr, t_ms=frame.t_ms + offset_ms, index=frame.index)
