"""Frame sources: a video file or a webcam behind one iterable, context-managed type.

* Files: frames carry their true presentation timestamps (``CAP_PROP_POS_MSEC``), so variable
  frame rate and 29.97 fps clips are timed exactly; phone rotation metadata is applied by OpenCV
  (``CAP_PROP_ORIENTATION_AUTO``). Decoding runs in a background thread, a few frames ahead, so it
  overlaps with pose inference.
* Webcams: frames are timestamped at capture (monotonic clock). A background thread keeps only
  the newest frame: a slow consumer skips frames instead of building a backlog, so latency never
  exceeds about one inference.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np
import numpy.typing as npt

from hiptrack.errors import HiptrackError

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".gif", ".mpg", ".mpeg", ".wmv")


class VideoError(HiptrackError):
    """A video cannot be opened or read; the message says how to fix it."""


@dataclass(frozen=True)
class Frame:
    """One decoded frame: upright BGR pixels and when it was shown."""

    image_bgr: npt.NDArray[np.uint8]
    t_ms: float
    index: int


@dataclass(frozen=True)
class VideoInfo:
    source: str
    width: int
    height: int
    fps: float  # nominal; timestamps, not this, drive all timing
    frame_count: int  # container's estimate; 0 when unknown (webcams, some GIFs)
    rotation_deg: int
    is_camera: bool

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps > 0 and self.frame_count > 0 else 0.0


def check_video_path(path: Path) -> None:
    """Raise :class:`VideoError` with the fix for paths that cannot be a video."""
    if not path.exists():
        raise VideoError(f"No such file: {path}. Check the path and try again.")
    if path.is_dir():
        raise VideoError(f"{path} is a folder, not a video. Pass a video file such as clip.mp4.")
    if path.stat().st_size == 0:
        raise VideoError(f"{path} is empty (0 bytes). Record or copy the video again.")
    with path.open("rb") as f:
        head = f.read(512)
    if head and _looks_like_text(head):
        raise VideoError(
            f"{path} is a text file, not a video. Pass a video file (mp4, mov, avi, webm or gif)."
        )


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in text)


class FrameSource:
    """Frames from a video file or a webcam. Iterate inside ``with``::

    with FrameSource.open("clip.mp4") as src:
        for frame in src:
            ...
    """

    def __init__(self, cap: object, info: VideoInfo, *, prefetch: int = 8) -> None:
        self._cap = cap
        self.info = info
        self._prefetch = prefetch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames_read = 0
        self.decode_errors = 0

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def open(cls, source: str | Path | int, **kwargs: object) -> FrameSource:
        """A webcam for an int (or a digit string), else a file."""
        if isinstance(source, int) or (isinstance(source, str) and source.isdigit()):
            return cls.from_camera(int(source), **kwargs)  # type: ignore[arg-type]
        return cls.from_file(Path(source))

    @classmethod
    def from_file(cls, path: str | Path) -> FrameSource:
        import cv2

        path = Path(path)
        check_video_path(path)
        cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            cap = cv2.VideoCapture(str(path))
        if not cap.isOpened():
            raise VideoError(
                f"Cannot read {path} as a video: the file is damaged, incomplete or in a format "
                "OpenCV does not support. Re-export it as mp4 (H.264) and try again."
            )
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
        rotation = int(cap.get(cv2.CAP_PROP_ORIENTATION_META) or 0)
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if rotation % 180 == 90:  # reported size is the stored one; frames come out upright
            width, height = height, width
        info = VideoInfo(
            source=str(path),
            width=width,
            height=height,
            fps=float(cap.get(cv2.CAP_PROP_FPS) or 0.0),
            frame_count=max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)),
            rotation_deg=rotation,
            is_camera=False,
        )
        return cls(cap, info)

    @classmethod
    def from_camera(
        cls, index: int = 0, width: int = 1280, height: int = 720, fps: float = 30.0
    ) -> FrameSource:
        import cv2

        cap = cv2.VideoCapture(index)
        if not cap.isOpened():
            raise VideoError(
                f"Cannot open camera {index}: it is missing, busy in another program, or access "
                "was denied. Close other apps using the camera, or try --camera 1."
            )
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        cap.set(cv2.CAP_PROP_FPS, fps)
        info = VideoInfo(
            source=f"camera:{index}",
            width=int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
            fps=float(cap.get(cv2.CAP_PROP_FPS) or fps),
            frame_count=0,
            rotation_deg=0,
            is_camera=True,
        )
        return cls(cap, info, prefetch=1)

    # -- context manager ----------------------------------------------------------------------
    def __enter__(self) -> FrameSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        release = getattr(self._cap, "release", None)
        if release is not None:
            release()

    # -- iteration ----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Frame]:
        if self.info.is_camera:
            return self._iter_camera()
        return self._iter_file()

    def _read_file_frames(self) -> Iterator[Frame]:
        import cv2

        cap = self._cap
        last_t = -1.0
        index = 0
        misses = 0
        while not self._stop.is_set():
            ok = cap.grab()  # type: ignore[attr-defined]
            if not ok:
                # a corrupt packet can fail one grab; stop after a run of failures
                misses += 1
                total = self.info.frame_count
                if total and index + misses < total and misses < 30:
                    self.decode_errors += 1
                    continue
                break
            ok, image = cap.retrieve()  # type: ignore[attr-defined]
            if not ok or image is None:
                self.decode_errors += 1
                continue
            misses = 0
            t_ms = float(cap.get(cv2.CAP_PROP_POS_MSEC))  # type: ignore[attr-defined]
            if not np.isfinite(t_ms) or t_ms <= last_t:
                # missing/duplicated timestamp: keep time strictly increasing
                fps = self.info.fps if self.info.fps > 0 else 30.0
                t_ms = last_t + 1000.0 / fps if last_t >= 0 else 0.0
            last_t = t_ms
            yield Frame(image_bgr=image, t_ms=t_ms, index=index)
            index += 1

    def _iter_file(self) -> Iterator[Frame]:
        q: queue.Queue[Frame | BaseException | None] = queue.Queue(maxsize=self._prefetch)

        def produce() -> None:
            try:
                for frame in self._read_file_frames():
                    while not self._stop.is_set():
                        try:
                            q.put(frame, timeout=0.1)
                            break
                        except queue.Full:
                            continue
            except BaseException as exc:  # handed to the consumer, re-raised there
                q.put(exc)
            finally:
                q.put(None)

        self._thread = threading.Thread(target=produce, name="hiptrack-decode", daemon=True)
        self._thread.start()
        while True:
            item = q.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            self.frames_read += 1
            yield item
        if self.frames_read == 0:
            raise VideoError(
                f"{self.info.source} has no frames that can be decoded: the file is damaged or "
                "incomplete. Re-export or copy the video again."
            )

    def _iter_camera(self) -> Iterator[Frame]:
        latest: list[Frame | None] = [None]
        cond = threading.Condition()
        failed = threading.Event()
        t0 = time.monotonic()

        def grab() -> None:
            index = 0
            misses = 0
            while not self._stop.is_set():
                ok, image = self._cap.read()  # type: ignore[attr-defined]
                t_ms = (time.monotonic() - t0) * 1000.0
                if not ok or image is None:
                    misses += 1
                    if misses > 50:
                        failed.set()
                        with cond:
                            cond.notify_all()
                        return
                    time.sleep(0.02)
                    continue
                misses = 0
                with cond:
                    latest[0] = Frame(image_bgr=image, t_ms=t_ms, index=index)
                    cond.notify_all()
                index += 1

        self._thread = threading.Thread(target=grab, name="hiptrack-camera", daemon=True)
        self._thread.start()
        last_index = -1
        while not self._stop.is_set():
            seen = last_index
            with cond:
                cond.wait_for(
                    lambda: failed.is_set() or (latest[0] is not None and latest[0].index != seen),  # noqa: B023
                    timeout=1.0,
                )
                frame = latest[0]
            if failed.is_set():
                raise VideoError(
                    f"{self.info.source} stopped delivering frames (unplugged or taken by another "
                    "program). Reconnect it and start again; the session so far is saved."
                )
            if frame is None or frame.index == last_index:
                continue
            last_index = frame.index
            self.frames_read += 1
            yield frame
