"""Frame sources: a video file or a webcam behind one iterable, context-managed type.

* Files are decoded with PyAV (FFmpeg). Each frame carries its true presentation timestamp
  (``pts × time_base`` from the start of the stream), so variable frame rate clips, 29.97 fps
  (``1001/30000``) clips and animated GIFs with per-frame durations are timed exactly. Phone
  rotation metadata (the display matrix) is applied, so frames come out upright. A packet that
  cannot be decoded, or a frame the decoder flags as corrupt, is skipped and counted in
  :attr:`FrameSource.decode_errors`; reading goes on. Decoding runs in a background thread a few
  frames ahead, so it overlaps with pose inference. Why not OpenCV for files: it cannot report
  skipped corrupt frames, and it stops reading a Matroska file at the first damaged cluster.
* Webcams are read with OpenCV. Frames are timestamped at capture (monotonic clock). A background
  thread keeps only the newest frame: a slow consumer skips frames instead of building a backlog,
  so latency never exceeds about one inference.

Files are checked when opened, not halfway through: a missing, empty, text, truncated or
undecodable file raises :class:`VideoError` with the fix, before any model is loaded.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from hiptrack.closing import Closing
from hiptrack.errors import HiptrackError

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".gif", ".mpg", ".mpeg", ".wmv")
#: A file is refused as truncated when less than this share of its indexed frames is on disk.
MIN_COMPLETE_FRACTION = 0.98
#: Consecutive undecodable packets after which a file is given up as unreadable.
MAX_CONSECUTIVE_ERRORS = 200
_FALLBACK_FPS = 30.0
_THREAD_TYPE = "AUTO"  # slice and frame threads: overlaps decoding with inference best


class VideoError(HiptrackError):
    """A video cannot be opened or read; the message says how to fix it."""


@dataclass(frozen=True)
class Frame:
    """One decoded frame: upright BGR pixels and when it was shown."""

    image_bgr: npt.NDArray[np.uint8]
    t_ms: float  # presentation time, ms from the start of the source; strictly increasing
    index: int  # 0-based count of frames delivered (skipped corrupt frames are not counted)


@dataclass(frozen=True)
class VideoInfo:
    """What is known about a source before reading it."""

    source: str
    width: int  # of the upright frames handed out (after rotation)
    height: int
    fps: float  # nominal; timestamps, not this, drive all timing
    frame_count: int  # container's estimate; 0 when unknown (webcams, Matroska, some GIFs)
    rotation_deg: int  # clockwise turn applied to the stored frames to make them upright
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
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(512)
    except OSError as exc:
        raise VideoError(f"Cannot read {path} ({exc.strerror}). Check its permissions.") from exc
    if size == 0:
        raise VideoError(f"{path} is empty (0 bytes). Record or copy the video again.")
    if _looks_like_text(head):
        raise VideoError(
            f"{path} is a text file, not a video. Pass a video file (mp4, mov, avi, webm or gif)."
        )


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch.isprintable() or ch in "\r\n\t" for ch in text)


class _Reader(Protocol):
    decode_errors: int

    def frames(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...


class Capture(Protocol):
    """The part of ``cv2.VideoCapture`` a camera reader uses (tests pass a fake)."""

    def read(self) -> tuple[bool, Any]: ...

    def release(self) -> None: ...


# -- files (PyAV) ------------------------------------------------------------------------------
class _FileReader:
    """Decode one video stream with PyAV: true timestamps, rotation applied, bad frames skipped."""

    def __init__(self, path: Path) -> None:
        import av

        self.path = path
        self.decode_errors = 0
        try:
            self._container: Any = av.open(str(path), metadata_errors="ignore")
        except (av.error.FFmpegError, UnicodeDecodeError) as exc:
            raise VideoError(
                f"Cannot read {path} as a video: the file is damaged, incomplete (an interrupted "
                "copy?) or not a video. Re-export it as mp4 (H.264) or copy it again."
            ) from exc
        if not self._container.streams.video:
            self._container.close()
            raise VideoError(f"{path} has no video track. Pass a video file, not an audio or image file.")
        self._stream: Any = self._container.streams.video[0]
        self._stream.thread_type = _THREAD_TYPE
        self.time_base: Fraction = self._stream.time_base or Fraction(1, 1000)
        self.start_pts: int | None = self._stream.start_time
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.fps = float(rate) if rate else 0.0
        self.frame_count = max(0, int(self._stream.frames or 0))
        self.rotation_deg = 0  # clockwise, from the first frame's display matrix
        self._check_complete()
        self._gen = self._decode()
        self.first = next(self._gen, None)
        if self.first is None:
            self.close()
            raise VideoError(
                f"{path} has no frames that can be decoded: the file is damaged or incomplete. "
                "Re-export or copy the video again."
            )

    def _check_complete(self) -> None:
        """Refuse a file whose index points past its end (a copy or recording cut short)."""
        try:
            entries = [(int(e.pos), int(e.size)) for e in self._stream.index_entries]
        except (AttributeError, TypeError):  # older PyAV: no index access, skip the check
            return
        if not entries or any(size <= 0 for _, size in entries):
            return
        size = self.path.stat().st_size
        present = sum(1 for pos, n in entries if pos + n <= size)
        if present < MIN_COMPLETE_FRACTION * len(entries):
            self.close()
            raise VideoError(
                f"{self.path} is incomplete: only {present} of its {len(entries)} frames are in the "
                "file (an interrupted copy or recording). Copy or export the video again."
            )

    def _packets(self) -> Iterator[Any]:
        """Demuxed packets; a damaged stretch of the container is skipped, not fatal."""
        import av

        consecutive = 0
        while True:
            try:
                for packet in self._container.demux(self._stream):
                    consecutive = 0
                    yield packet
                return
            except av.error.EOFError:
                return
            except av.error.FFmpegError as exc:
                self.decode_errors += 1
                consecutive += 1
                log.debug("demux error in %s: %s", self.path, exc)
                if consecutive > MAX_CONSECUTIVE_ERRORS:
                    return

    def _decode(self) -> Iterator[Frame]:
        import av

        k = {90: 3, 180: 2, 270: 1}  # clockwise degrees -> np.rot90 quarter turns (counter-clockwise)
        last_t = -np.inf
        step_ms = 1000.0 / (self.fps if self.fps > 0 else _FALLBACK_FPS)
        index = 0
        consecutive = 0
        for packet in self._packets():
            try:
                decoded = packet.decode()
            except av.error.FFmpegError as exc:
                self.decode_errors += 1
                consecutive += 1
                log.debug("skipped an undecodable packet in %s: %s", self.path, exc)
                if consecutive > MAX_CONSECUTIVE_ERRORS:
                    return
                continue
            consecutive = 0
            for frame in decoded:
                if frame.is_corrupt:
                    self.decode_errors += 1
                    continue
                t_ms = self._t_ms(frame.pts)
                if t_ms is None or t_ms <= last_t:  # missing/duplicated pts: keep time increasing
                    t_ms = last_t + step_ms if np.isfinite(last_t) else 0.0
                last_t = t_ms
                image = frame.to_ndarray(format="bgr24")
                if index == 0:
                    self.rotation_deg = rotation_cw(frame.rotation)
                turn = k.get(rotation_cw(frame.rotation), 0)
                if turn:
                    image = np.ascontiguousarray(np.rot90(image, turn))
                yield Frame(image_bgr=image, t_ms=t_ms, index=index)
                index += 1

    def _t_ms(self, pts: int | None) -> float | None:
        if pts is None:
            return None
        if self.start_pts is None:
            self.start_pts = pts
        return float((pts - self.start_pts) * self.time_base * 1000)

    def frames(self) -> Iterator[Frame]:
        first, self.first = self.first, None
        if first is None:
            raise RuntimeError("a file FrameSource can be iterated only once")
        yield first
        yield from self._gen

    def close(self) -> None:
        self._container.close()


def rotation_cw(display_rotation_deg: float | int | None) -> int:
    """Clockwise turn (0/90/180/270) that makes a frame upright, from FFmpeg's display rotation.

    FFmpeg (``frame.rotation``, the display matrix) counts degrees counter-clockwise.
    """
    return round(-float(display_rotation_deg or 0) / 90.0) % 4 * 90


# -- cameras (OpenCV) --------------------------------------------------------------------------
class _CameraReader:
    """Newest frame wins: a thread reads continuously and keeps only the latest frame."""

    def __init__(self, cap: Capture, source: str, max_misses: int = 50) -> None:
        self._cap = cap
        self._source = source
        self._max_misses = max_misses
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.decode_errors = 0
        self.dropped = 0  # frames overwritten before the consumer took them

    def frames(self) -> Iterator[Frame]:
        latest: list[Frame | None] = [None]
        cond = threading.Condition()
        failed = threading.Event()
        t0 = time.monotonic()

        def grab() -> None:
            index = 0
            misses = 0
            while not self._stop.is_set():
                ok, image = self._cap.read()
                t_ms = (time.monotonic() - t0) * 1000.0
                if not ok or image is None:
                    misses += 1
                    self.decode_errors += 1
                    if misses > self._max_misses:
                        failed.set()
                        with cond:
                            cond.notify_all()
                        return
                    time.sleep(0.02)
                    continue
                misses = 0
                with cond:
                    if latest[0] is not None and latest[0].index > taken[0]:
                        self.dropped += 1
                    latest[0] = Frame(image_bgr=image, t_ms=t_ms, index=index)
                    cond.notify_all()
                index += 1

        taken = [-1]
        self._thread = threading.Thread(target=grab, name="hiptrack-camera", daemon=True)
        self._thread.start()
        while not self._stop.is_set():
            with cond:
                cond.wait_for(
                    lambda: failed.is_set() or (latest[0] is not None and latest[0].index > taken[0]),
                    timeout=1.0,
                )
                frame = latest[0]
                if frame is not None and frame.index > taken[0]:
                    taken[0] = frame.index
                else:
                    frame = None
            if frame is not None:
                yield frame
            elif failed.is_set():
                raise VideoError(
                    f"{self._source} stopped delivering frames (unplugged or taken by another "
                    "program). Reconnect it and start again."
                )

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self._cap.release()


# -- the public type ---------------------------------------------------------------------------
class FrameSource(Closing):
    """Frames from a video file or a webcam. Iterate (once) inside ``with``::

    with FrameSource.open("clip.mp4") as src:
        for frame in src:
            ...
    """

    def __init__(self, reader: _Reader, info: VideoInfo, *, prefetch: int = 8) -> None:
        self._reader = reader
        self.info = info
        self._prefetch = prefetch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.frames_read = 0

    @property
    def decode_errors(self) -> int:
        """Packets or frames that could not be decoded and were skipped."""
        return self._reader.decode_errors

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def open(cls, source: str | Path | int) -> FrameSource:
        """A webcam for an int (or a digit string), else a file."""
        if isinstance(source, int) or (isinstance(source, str) and source.isdigit()):
            return cls.from_camera(int(source))
        return cls.from_file(Path(source))

    @classmethod
    def from_file(cls, path: str | Path, *, prefetch: int = 8) -> FrameSource:
        path = Path(path)
        check_video_path(path)
        reader = _FileReader(path)
        assert reader.first is not None
        h, w = reader.first.image_bgr.shape[:2]
        info = VideoInfo(
            source=str(path),
            width=w,
            height=h,
            fps=reader.fps,
            frame_count=reader.frame_count,
            rotation_deg=reader.rotation_deg,
            is_camera=False,
        )
        return cls(reader, info, prefetch=prefetch)

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
        return cls(_CameraReader(cap, info.source), info)

    @classmethod
    def from_capture(cls, cap: Capture, info: VideoInfo) -> FrameSource:
        """A live source from any object with ``read()``/``release()`` (tests, custom cameras)."""
        return cls(_CameraReader(cap, info.source), info)

    # -- context manager ----------------------------------------------------------------------
    def close(self) -> None:
        """Stop the background thread and release the file or camera (idempotent)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            if self._thread.is_alive():  # never close a container a decoder thread still uses
                log.warning("%s: decoder thread did not stop; leaving it to exit", self.info.source)
                return
            self._thread = None
        self._reader.close()

    # -- iteration ----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Frame]:
        frames = self._reader.frames() if self.info.is_camera else self._prefetched()
        for frame in frames:
            self.frames_read += 1
            yield frame

    def _prefetched(self) -> Iterator[Frame]:
        """The reader's frames, decoded ``prefetch`` frames ahead in a background thread."""
        q: queue.Queue[Frame | BaseException | None] = queue.Queue(maxsize=self._prefetch)

        def put(item: Frame | BaseException | None) -> bool:
            while not self._stop.is_set():
                try:
                    q.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        def produce() -> None:
            frames = self._reader.frames()
            try:
                for frame in frames:
                    if not put(frame):
                        return
            except BaseException as exc:  # handed to the consumer, re-raised there
                put(exc)
            finally:
                # finish the decoder's generator here, in this thread, before close() (which
                # joins this thread) closes the container: finalised later, after the
                # container is gone, PyAV crashes (seen after Ctrl-C mid-analysis)
                close = getattr(frames, "close", None)
                if close is not None:
                    close()
            put(None)

        self._thread = threading.Thread(target=produce, name="hiptrack-decode", daemon=True)
        self._thread.start()
        while True:
            item = q.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
        if self.decode_errors:
            log.warning("%s: skipped %d undecodable frames or packets", self.info.source, self.decode_errors)
