"""Make small test videos with PyAV, in temporary folders (never committed).

Every frame shows a white bar whose horizontal position encodes the frame index, so a test can
check which frame it got (:func:`bar_index`) even after re-encoding.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt

BAR_SLOTS = 16  # distinct bar positions: frame index modulo this is recoverable


def bar_frame(index: int, width: int = 160, height: int = 96) -> npt.NDArray[np.uint8]:
    """A grey BGR frame with a white vertical bar in slot ``index % BAR_SLOTS``."""
    img = np.full((height, width, 3), 40, dtype=np.uint8)
    slot_w = width / BAR_SLOTS
    x0 = int((index % BAR_SLOTS) * slot_w)
    img[:, x0 : max(x0 + 1, int(x0 + slot_w)), :] = 255
    img[: height // 4, : width // 4] = (0, 0, 255)  # a red top-left corner shows orientation
    return img


def bar_index(image_bgr: npt.NDArray[np.uint8]) -> int:
    """Recover ``index % BAR_SLOTS`` from a frame made by :func:`bar_frame` (any size)."""
    h, w = image_bgr.shape[:2]
    column = image_bgr[h // 2 :, :, :].mean(axis=(0, 2))
    bright = np.flatnonzero(column > 150)
    x = float(bright.mean()) if bright.size else 0.0
    return int(x / (w / BAR_SLOTS))


def write_video(
    path: Path,
    n_frames: int,
    *,
    time_base: Fraction = Fraction(1, 30),
    pts: Sequence[int] | None = None,
    rate: Fraction | None = None,
    size_wh: tuple[int, int] = (160, 96),
    codec: str = "libx264",
    faststart: bool = False,
    rotation_deg: int | None = None,
    frames: Sequence[npt.NDArray[np.uint8]] | None = None,
) -> Path:
    """Encode ``n_frames`` bar frames; ``pts`` (in ``time_base`` units) defaults to 0, 1, 2, ...

    ``rotation_deg`` writes a display matrix (what phones store for portrait video).
    ``faststart`` moves the moov atom to the front, as streaming-friendly exports do.
    """
    import av

    pts = list(range(n_frames)) if pts is None else list(pts)
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as out:
        stream = out.add_stream(codec, rate=rate or Fraction(1, 1) / time_base)
        stream.width, stream.height = size_wh
        stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
        stream.time_base = time_base
        stream.codec_context.time_base = time_base
        if codec == "libx264":
            stream.options = {"preset": "ultrafast", "bf": "0"}
        if rotation_deg is not None:
            stream.set_display_rotation(rotation_deg)
        for i in range(n_frames):
            img = frames[i] if frames is not None else bar_frame(i, *size_wh)
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            frame.pts = pts[i]
            frame.time_base = time_base
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def write_gif(path: Path, durations_ms: Sequence[int], size_wh: tuple[int, int] = (160, 96)) -> Path:
    """An animated GIF whose frame ``i`` is shown for ``durations_ms[i]`` (multiples of 10 ms)."""
    from PIL import Image

    images = [Image.fromarray(bar_frame(i, *size_wh)[:, :, ::-1].copy()) for i in range(len(durations_ms))]
    images[0].save(
        path, save_all=True, append_images=images[1:], duration=list(durations_ms), loop=0, optimize=False
    )
    return path


def truncate(src: Path, dst: Path, fraction: float = 0.5) -> Path:
    """Copy the first ``fraction`` of ``src``'s bytes: what an interrupted copy leaves behind."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def corrupt_jpeg_frame(path: Path, frame_index: int, seed: int = 0) -> Path:
    """Replace the ``frame_index``-th JPEG of an MJPEG file (all but its start marker) by noise."""
    data = bytearray(path.read_bytes())
    starts = [i for i in range(len(data) - 2) if data[i : i + 3] == b"\xff\xd8\xff"]
    at, end = starts[frame_index] + 2, starts[frame_index + 1] - 16
    data[at:end] = np.random.default_rng(seed).integers(0, 256, end - at, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    return path


SAMPLE_VIDEOS = Path(__file__).resolve().parent.parent / "sample_videos"


def cut_clip(src: Path, dst: Path, n_frames: int, fps: int = 30) -> Path:
    """The first ``n_frames`` of ``src`` re-encoded as an H.264 mp4 at ``fps`` (a short test clip)."""
    import av

    frames = []
    with av.open(str(src)) as inp:
        for frame in inp.decode(video=0):
            frames.append(frame.to_ndarray(format="bgr24"))
            if len(frames) == n_frames:
                break
    h, w = frames[0].shape[:2]
    return write_video(dst, len(frames), time_base=Fraction(1, fps), size_wh=(w, h), frames=frames)
