"""Model bundles: checksums verified, bad files refused with the fix, `hiptrack models` lists."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from hiptrack.cli import main
from hiptrack.modelbuild import write_bundle
from hiptrack.models import ModelError, check_bundle, models_dir, resolve_model
from tests.media import write_video

REPO_MODELS = Path(__file__).resolve().parent.parent / "models"


@pytest.fixture
def model_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private models folder (manifest + lite bundle) that HIPTRACK_MODELS points at."""
    folder = tmp_path / "models"
    folder.mkdir()
    shutil.copy(REPO_MODELS / "MANIFEST.json", folder)
    shutil.copy(REPO_MODELS / "pose_landmarker_lite.task", folder)
    monkeypatch.setenv("HIPTRACK_MODELS", str(folder))
    return folder


def test_bundled_models_verify() -> None:
    for c in ("lite", "full"):
        assert resolve_model(None, c).name == f"pose_landmarker_{c}.task"  # type: ignore[arg-type]


def test_env_var_selects_the_folder(model_copy: Path) -> None:
    assert models_dir() == model_copy
    assert resolve_model(None, "lite") == model_copy / "pose_landmarker_lite.task"


def test_tampered_bundle_is_refused(model_copy: Path) -> None:
    path = model_copy / "pose_landmarker_lite.task"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"Checksum mismatch.*git checkout models/"):
        resolve_model(None, "lite")


def test_tampered_bundle_through_the_cli(
    model_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = model_copy / "pose_landmarker_lite.task"
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    clip = write_video(tmp_path / "clip.mp4", 3)
    assert main(["pose", str(clip), "--model-complexity", "lite"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("hiptrack: error: Checksum mismatch") and err.count("\n") == 1


def test_unlisted_bundle_is_refused(model_copy: Path) -> None:
    (model_copy / "MANIFEST.json").write_text(json.dumps({"bundles": {}}))
    with pytest.raises(ModelError, match="not listed"):
        resolve_model(None, "lite")


def test_unreadable_manifest(model_copy: Path) -> None:
    (model_copy / "MANIFEST.json").write_text("{broken")
    with pytest.raises(ModelError, match=r"Cannot read .*MANIFEST\.json"):
        resolve_model(None, "lite")


def test_missing_heavy_says_how_to_build(model_copy: Path) -> None:
    with pytest.raises(ModelError, match="hiptrack models build heavy"):
        resolve_model(None, "heavy")


def test_non_zip_model_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bogus = tmp_path / "mine.task"
    bogus.write_bytes(b"\x00\x01 definitely not a zip" * 10)
    with pytest.raises(ModelError, match=r"not a MediaPipe \.task bundle"):
        check_bundle(bogus)
    clip = write_video(tmp_path / "clip.mp4", 3)
    assert main(["pose", str(clip), "--model", str(bogus)]) == 2
    err = capsys.readouterr().err
    assert "not a MediaPipe .task bundle" in err and err.count("\n") == 1


def test_zip_without_pose_models_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "hand.task"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("hand_detector.tflite", b"x")
    with pytest.raises(ModelError, match=r"lacks pose_detector\.tflite"):
        check_bundle(other)


def test_missing_model_path(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        resolve_model(tmp_path / "nope.task")


def test_models_command_lists(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "lite   ok" in out and "full   ok" in out
    assert "heavy" in out


def test_models_command_lists_missing(model_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (model_copy / "pose_landmarker_lite.task").unlink()
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "lite   missing" in out and str(model_copy) in out


def test_models_build_rejects_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "build", "huge"]) == 2
    assert "Unknown model 'huge'" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["pose_landmarker_lite.task", "pose_landmarker_full.task"])
def test_bundle_writer_reproduces_the_committed_bytes(tmp_path: Path, name: str) -> None:
    """Re-zipping the committed members gives the committed bytes (fixed dates, alignment)."""
    src = REPO_MODELS / name
    with zipfile.ZipFile(src) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    out = tmp_path / name
    write_bundle(members, out)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    manifest = json.loads((REPO_MODELS / "MANIFEST.json").read_text())
    assert digest == manifest["bundles"][name]["sha256"]
    with zipfile.ZipFile(out) as zf:
        for info in zf.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            data_offset = info.header_offset + 30 + len(info.filename) + len(info.extra)
            assert data_offset % 4 == 0  # mmap-able, as MediaPipe expects
