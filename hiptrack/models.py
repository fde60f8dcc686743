"""Find and verify pose model bundles.

Bundled models live in the repository's ``models/`` folder (override with ``HIPTRACK_MODELS``),
listed with their SHA-256 in ``models/MANIFEST.json``. A bundle whose checksum does not match is
refused: a corrupted or half-downloaded model gives silently wrong landmarks.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Literal

from hiptrack.errors import HiptrackError

Complexity = Literal["lite", "full", "heavy"]
COMPLEXITIES: tuple[Complexity, ...] = ("lite", "full", "heavy")
_BUNDLE_MEMBERS = {"pose_detector.tflite", "pose_landmarks_detector.tflite"}


class ModelError(HiptrackError):
    """A model bundle is missing, corrupted or not a pose landmarker bundle."""


def models_dir() -> Path:
    env = os.environ.get("HIPTRACK_MODELS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "models"


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _manifest(folder: Path) -> dict[str, dict[str, object]]:
    path = folder / "MANIFEST.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"Cannot read {path} ({exc}). Rebuild it with `python scripts/build_models.py`."
        ) from exc
    bundles = data.get("bundles", {}) if isinstance(data, dict) else {}
    return bundles if isinstance(bundles, dict) else {}


def check_bundle(path: Path) -> None:
    """Fail with a clear message unless ``path`` looks like a Pose Landmarker ``.task`` bundle."""
    if not path.is_file():
        raise ModelError(f"Model file not found: {path}. Pass an existing pose_landmarker_*.task file.")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelError(
            f"{path} is not a MediaPipe .task bundle ({exc}). Use a pose_landmarker_*.task file."
        ) from exc
    missing = _BUNDLE_MEMBERS - names
    if missing:
        raise ModelError(
            f"{path} is not a Pose Landmarker bundle: it lacks {', '.join(sorted(missing))}. "
            "Use a pose_landmarker_*.task file."
        )


def resolve_model(model: str | Path | None = None, complexity: Complexity = "full") -> Path:
    """Path of the model to load: ``model`` if given (a user's own bundle), else the bundled one.

    Bundled models are verified against the manifest's SHA-256.
    """
    if model is not None:
        path = Path(model).expanduser()
        check_bundle(path)
        return path
    if complexity not in COMPLEXITIES:
        raise ModelError(f"Unknown model complexity {complexity!r}: choose lite, full or heavy.")
    folder = models_dir()
    name = f"pose_landmarker_{complexity}.task"
    path = folder / name
    if not path.exists():
        hint = (
            "Build it with `hiptrack models build heavy` (needs pip and npm registry access)."
            if complexity == "heavy"
            else "Rebuild it with `python scripts/build_models.py`, or pass --model PATH."
        )
        raise ModelError(f"Model {name} is not in {folder}. {hint}")
    entry = _manifest(folder).get(name)
    if entry is None:
        raise ModelError(
            f"{path} is not listed in {folder / 'MANIFEST.json'}, so it cannot be verified. "
            "Rebuild it with `python scripts/build_models.py`, or pass it explicitly with --model."
        )
    actual = sha256_file(path)
    if actual != entry.get("sha256"):
        raise ModelError(
            f"Checksum mismatch for {path}: expected {entry.get('sha256')}, got {actual}. The file is "
            "corrupted or was replaced; restore it with `git checkout models/` or rebuild it with "
            "`python scripts/build_models.py`."
        )
    check_bundle(path)
    return path
