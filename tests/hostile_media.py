"""Hostile and odd media, made with PyAV/NumPy in temporary folders (never committed).

Shared by the hostile-input tests, the batch tests and ``bench/``. Frames are small grey images
with a moving bar unless real frames (e.g. from a sample clip) are passed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tests import media
from tests.media import bar_frame, truncate

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
Image = npt.NDArray[np.uint8]


def write_video(
    path: Path,
    n_frames: int = 10,
    *,
    fps: int = 30,
    pts: Sequence[int] | None = None,
    time_base: Fraction | None = None,
    size_wh: tuple[int, int] = (160, 96),
    codec: str = "libx264",
    rotation_deg: int | None = None,
    frames: Sequence[Image] | None = None,
) -> Path:
    """Encode frames (bar frames by default); ``pts`` in ``time_base`` units (default 1/fps)."""
    if frames is not None:
        frames = [np.ascontiguousarray(f) for f in frames]
        n_frames, size_wh = len(frames), (frames[0].shape[1], frames[0].shape[0])
    return media.write_video(
        path,
        n_frames,
        time_base=time_base or Fraction(1, fps),
        rate=Fraction(fps),
        pts=pts,
        size_wh=size_wh,
        codec=codec,
        rotation_deg=rotation_deg,
        frames=frames,
    )


def read_frames(path: Path, limit: int | None = None, step: int = 1) -> list[Image]:
    """Decoded BGR frames of a clip (every ``step``-th, at most ``limit``)."""
    import av

    frames: list[Image] = []
    with av.open(str(path)) as inp:
        for i, frame in enumerate(inp.decode(video=0)):
            if i % step == 0:
                frames.append(frame.to_ndarray(format="bgr24"))
            if limit is not None and len(frames) >= limit:
                break
    return frames


def write_gif(path: Path, n_frames: int = 12, duration_ms: int = 100) -> Path:
    from PIL import Image as PILImage

    images = [PILImage.fromarray(bar_frame(i)[:, :, ::-1].copy()) for i in range(n_frames)]
    images[0].save(path, save_all=True, append_images=images[1:], duration=duration_ms, loop=0)
    return path


def corrupt_mjpeg(path: Path, frame_indices: Sequence[int], seed: int = 0) -> Path:
    """Overwrite the entropy-coded data of some JPEG frames of an MJPEG file with noise."""
    data = bytearray(path.read_bytes())
    starts = [i for i in range(len(data) - 2) if data[i : i + 3] == b"\xff\xd8\xff"]
    rng = np.random.default_rng(seed)
    for k in frame_indices:
        at, end = starts[k] + 2, starts[k + 1] - 16
        data[at:end] = rng.integers(0, 256, end - at, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    return path


def broken_files(folder: Path) -> dict[str, Path]:
    """One of each broken file a folder of clips can hold, by kind."""
    folder.mkdir(parents=True, exist_ok=True)
    text = folder / "notes.mp4"
    text.write_text("this is not a video\n")
    empty = folder / "empty.mp4"
    empty.write_bytes(b"")
    noise = folder / "noise.mov"
    noise.write_bytes(np.random.default_rng(1).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    trunc = truncate(SAMPLES / "dev_rcs_1.mp4", folder / "truncated.mp4", 0.4)
    return {"text": text, "empty": empty, "noise": noise, "truncated": trunc}


def write_labels(path: Path, exercise: str, clip: str) -> Path:
    path.write_text(json.dumps({"schema": "hiptrack-labels/1", "clip": clip, "exercise": exercise}))
    return path


def cached_track(clip: str, model: str = "lite") -> Path:
    """Record ``sample_videos/<clip>`` once with the real model and cache the pose track.

    The cache (in the system temp folder) is keyed by the clip's size and mtime, so every test
    module can ask for it and the model runs once per machine, not once per test.
    """
    import os
    import subprocess
    import sys
    import tempfile

    video = SAMPLES / clip
    st = video.stat()
    folder = Path(tempfile.gettempdir()) / "hiptrack-test-tracks"
    folder.mkdir(exist_ok=True)
    path = folder / f"{video.stem}.{model}.{st.st_size}.{int(st.st_mtime)}.npz"
    if not path.exists():
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        cmd = [sys.executable, "-m", "hiptrack", "pose", str(video), "--out", str(path)]
        subprocess.run([*cmd, "--model-complexity", model], check=True, env=env, capture_output=True)
    return path
