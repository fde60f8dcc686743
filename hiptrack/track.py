"""Pose tracks on disk: record the model's output once, replay it without the model.

Format ``hiptrack-track/1`` is a NumPy ``.npz`` (no pickle) with, for F frames:

============== ============ ===============================================================
array          shape        meaning
============== ============ ===============================================================
``t_ms``       (F,)         frame presentation time, ms from the start of the source
``found``      (F,) bool    a person was seen in that frame
``xy_px``      (F, 33, 2)   image landmarks, pixels (NaN where not found)
``z_rel``      (F, 33)      MediaPipe relative depth of the image landmarks, pixels
``world_m``    (F, 33, 3)   world landmarks, metres, origin between the hips
``visibility`` (F, 33)      0-1
``presence``   (F, 33)      0-1
``meta``       ()           JSON string: format, source, width, height, fps, model, ...
============== ============ ===============================================================

Landmark arrays are stored as float32 (ample for pixels and millimetres; halves the file),
``t_ms`` as float64 so timestamps stay exact. Rows where ``found`` is false hold NaN landmarks
and zero confidences. The track holds the *raw* model output of the selected person: smoothing
is applied on replay, so its parameters can change without re-running the model. A reader
refuses a file whose ``format`` is not ``hiptrack-track/1`` or whose arrays disagree in shape.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hiptrack.errors import HiptrackError
from hiptrack.landmarks import NUM_LANDMARKS
from hiptrack.pose import Pose
from hiptrack.session import file_mode

TRACK_FORMAT = "hiptrack-track/1"


class TrackError(HiptrackError):
    """A track file cannot be read."""


@dataclass
class PoseTrack:
    """A whole clip's poses as arrays (see the module docstring for the layout)."""

    t_ms: npt.NDArray[np.float64]
    found: npt.NDArray[np.bool_]
    xy_px: npt.NDArray[np.float64]
    z_rel: npt.NDArray[np.float64]
    world_m: npt.NDArray[np.float64]
    visibility: npt.NDArray[np.float64]
    presence: npt.NDArray[np.float64]
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.t_ms.shape[0])

    @property
    def image_wh(self) -> tuple[int, int]:
        return int(self.meta.get("width", 0)), int(self.meta.get("height", 0))

    @property
    def detection_rate(self) -> float:
        return float(self.found.mean()) if len(self) else 0.0

    @classmethod
    def from_frames(
        cls, frames: Iterable[tuple[float, Pose | None]], meta: dict[str, Any] | None = None
    ) -> PoseTrack:
        rows = list(frames)
        n = len(rows)
        nan = np.full
        t = np.array([r[0] for r in rows], dtype=np.float64)
        found = np.array([r[1] is not None for r in rows], dtype=bool)
        xy = nan((n, NUM_LANDMARKS, 2), np.nan)
        z = nan((n, NUM_LANDMARKS), np.nan)
        world = nan((n, NUM_LANDMARKS, 3), np.nan)
        vis = np.zeros((n, NUM_LANDMARKS))
        pres = np.zeros((n, NUM_LANDMARKS))
        for i, (_, p) in enumerate(rows):
            if p is None:
                continue
            xy[i], z[i], world[i], vis[i], pres[i] = p.xy_px, p.z_rel, p.world_m, p.visibility, p.presence
        return cls(t, found, xy, z, world, vis, pres, dict(meta or {}))

    def pose(self, i: int) -> Pose | None:
        if not self.found[i]:
            return None
        return Pose(
            t_ms=float(self.t_ms[i]),
            xy_px=self.xy_px[i],
            z_rel=self.z_rel[i],
            world_m=self.world_m[i],
            visibility=self.visibility[i],
            presence=self.presence[i],
            image_wh=self.image_wh,
        )

    def __iter__(self) -> Iterator[tuple[float, Pose | None]]:
        """Replay: ``(t_ms, pose or None)`` per frame, as the live estimator would give them."""
        for i in range(len(self)):
            yield float(self.t_ms[i]), self.pose(i)

    def save(self, path: str | Path) -> Path:
        """Write atomically (a temporary file renamed into place)."""
        path = Path(path)
        meta = {**self.meta, "format": TRACK_FORMAT}
        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".npz")
        except OSError as exc:
            raise TrackError(
                f"Cannot write {path} ({exc.strerror}). Check that the folder exists and is writable."
            ) from exc
        try:
            with os.fdopen(fd, "wb") as f:
                os.fchmod(f.fileno(), file_mode(path))
                np.savez_compressed(
                    f,
                    t_ms=self.t_ms,
                    found=self.found,
                    xy_px=self.xy_px.astype(np.float32),
                    z_rel=self.z_rel.astype(np.float32),
                    world_m=self.world_m.astype(np.float32),
                    visibility=self.visibility.astype(np.float32),
                    presence=self.presence.astype(np.float32),
                    meta=np.array(json.dumps(meta)),
                )
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path

    @classmethod
    def load(cls, path: str | Path) -> PoseTrack:
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                if not isinstance(meta, dict):
                    raise ValueError("meta is not a JSON object")
                fmt = meta.get("format")
                if isinstance(fmt, str) and fmt.startswith("hiptrack-track/") and fmt != TRACK_FORMAT:
                    raise TrackError(
                        f"{path} is a {fmt} track, which this hiptrack ({TRACK_FORMAT}) cannot read. "
                        "Upgrade hiptrack, or record the track again with `hiptrack pose VIDEO --out T.npz`."
                    )
                if fmt != TRACK_FORMAT:
                    raise TrackError(
                        f"{path} is not a {TRACK_FORMAT} track (format {meta.get('format')!r}). "
                        "Record it again with `hiptrack pose VIDEO --out TRACK.npz`."
                    )
                arrays = {
                    k: np.asarray(data[k], dtype=np.float64)
                    for k in ("t_ms", "xy_px", "z_rel", "world_m", "visibility", "presence")
                }
                found = np.asarray(data["found"], dtype=bool)
        except TrackError:
            raise
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise TrackError(
                f"Cannot read pose track {path} ({reason}). Record it again with "
                "`hiptrack pose VIDEO --out TRACK.npz`."
            ) from exc
        _check_shapes(path, found, arrays)
        return cls(found=found, meta=meta, **arrays)


def _check_shapes(
    path: Path, found: npt.NDArray[np.bool_], arrays: dict[str, npt.NDArray[np.float64]]
) -> None:
    """Refuse arrays that do not describe the same F frames of 33 landmarks."""
    n = found.shape[0] if found.ndim == 1 else -1
    expected = {
        "t_ms": (n,),
        "xy_px": (n, NUM_LANDMARKS, 2),
        "z_rel": (n, NUM_LANDMARKS),
        "world_m": (n, NUM_LANDMARKS, 3),
        "visibility": (n, NUM_LANDMARKS),
        "presence": (n, NUM_LANDMARKS),
    }
    for name, shape in expected.items():
        if n < 0 or arrays[name].shape != shape:
            raise TrackError(
                f"{path} is not a valid pose track: {name} has shape {arrays[name].shape}, expected "
                f"{shape}. Record it again with `hiptrack pose VIDEO --out TRACK.npz`."
            )
