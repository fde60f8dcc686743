"""Rebuild hiptrack's MediaPipe Pose Landmarker bundles from registry packages.

Why: current mediapipe (1.x) ships no models and the official ``.task`` bundles cannot be
downloaded everywhere. A ``.task`` bundle is an uncompressed zip holding two TFLite models,
``pose_detector.tflite`` and ``pose_landmarks_detector.tflite``, each carrying TFLite metadata
with its input normalisation. The Apache-2.0 models come from:

* PyPI ``mediapipe==0.10.21``: ``mediapipe/modules/pose_detection/pose_detection.tflite``
  (the detector) and its metadata writer (1.x lacks the writer's compiled module);
* npm ``@mediapipe/pose@0.5.1675469404``: ``pose_landmark_{lite,full,heavy}.tflite``.

The script downloads both packages with pip and npm (registry only), builds a throw-away venv
with ``mediapipe==0.10.21`` to write metadata, zips the pair with fixed timestamps (so the bytes
are reproducible) and records every SHA-256 in ``models/MANIFEST.json``.

Usage::

    python scripts/build_models.py                # lite + full into models/
    hiptrack models build heavy                   # heavy (28 MB, built on demand, not committed)
    python scripts/build_models.py --out DIR lite full heavy
"""

from __future__ import annotations

import argparse
import json
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from hiptrack.models import sha256_file

MEDIAPIPE_WHEEL = "mediapipe==0.10.21"
NPM_POSE = "@mediapipe/pose@0.5.1675469404"
DETECTOR_IN_WHEEL = "mediapipe/modules/pose_detection/pose_detection.tflite"
COMPLEXITIES = ("lite", "full", "heavy")
# Fixed zip timestamp: identical inputs give byte-identical bundles.
_ZIP_DATE = (2023, 2, 3, 0, 0, 0)
_ALIGNMENT = 4  # as mediapipe's AlignZipFile: stored members start 4-byte aligned (mmap)

# Runs inside the mediapipe 0.10.21 venv: add input normalisation metadata to one model.
_WRITE_METADATA = r"""
import sys
from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, writer_utils
src, dst, name, mean, std = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
buf = open(src, "rb").read()
w = metadata_writer.MetadataWriter.create(bytearray(buf))
w.add_general_info(name, "BlazePose model repackaged by hiptrack (Apache-2.0)")
w.add_image_input(norm_mean=[mean], norm_std=[std])
for _ in writer_utils.get_output_tensor_types(buf):
    w.add_feature_output()
model, _meta = w.populate()
open(dst, "wb").write(model)
"""


def run(cmd: list[str], cwd: Path | None = None) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, cwd=cwd, check=True)


def fetch_sources(work: Path) -> tuple[Path, Path, Path]:
    """Download the wheel and the npm tarball; return (venv python, detector, npm package dir)."""
    wheel_dir = work / "wheel"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--only-binary=:all:",
            MEDIAPIPE_WHEEL,
            "-d",
            str(wheel_dir),
        ]
    )
    wheel = next(wheel_dir.glob("mediapipe-*.whl"))
    detector = work / "pose_detection.tflite"
    with zipfile.ZipFile(wheel) as zf:
        detector.write_bytes(zf.read(DETECTOR_IN_WHEEL))
    run(["npm", "pack", "--silent", NPM_POSE], cwd=work)
    tgz = next(work.glob("mediapipe-pose-*.tgz"))
    with tarfile.open(tgz) as tf:
        tf.extractall(work / "npm", filter="data")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    py = venv / "bin" / "python"
    run([str(py), "-m", "pip", "install", "-q", str(wheel)])
    return py, detector, work / "npm" / "package"


def write_metadata(py: Path, src: Path, dst: Path, name: str, mean: float, std: float) -> None:
    subprocess.run(
        [str(py), "-c", _WRITE_METADATA, str(src), str(dst), name, str(mean), str(std)],
        check=True,
        stderr=subprocess.DEVNULL,
    )


def write_bundle(members: dict[str, bytes], out: Path) -> None:
    """Uncompressed zip, fixed timestamps, members aligned like MediaPipe's own bundles."""
    tmp = out.with_suffix(".tmp")
    with tmp.open("wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            # zipalign-style padding record (id 0xD935) in the local header's extra field
            base = raw.tell() + 30 + len(name.encode()) + 4  # local header: 30 bytes + name + extra
            pad = (-base) % _ALIGNMENT
            info.extra = struct.pack("<HH", 0xD935, pad) + b"\x00" * pad
            zf.writestr(info, data)
    tmp.replace(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("complexity", nargs="*", default=["lite", "full"], choices=COMPLEXITIES)
    ap.add_argument("--out", type=Path, default=None, help="default: hiptrack's models folder")
    args = ap.parse_args(argv)
    if args.out is None:
        from hiptrack.models import models_dir

        args.out = models_dir()
    args.out.mkdir(parents=True, exist_ok=True)
    manifest_path = args.out / "MANIFEST.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"bundles": {}}
    with tempfile.TemporaryDirectory(prefix="hiptrack-models-") as tmp:
        work = Path(tmp)
        py, detector_src, npm_dir = fetch_sources(work)
        detector = work / "pose_detector.tflite"
        write_metadata(py, detector_src, detector, "pose_detector", 127.5, 127.5)
        for c in args.complexity:
            landmarks = work / f"pose_landmarks_detector_{c}.tflite"
            npm_src = npm_dir / f"pose_landmark_{c}.tflite"
            write_metadata(py, npm_src, landmarks, f"pose_landmarks_detector_{c}", 0.0, 255.0)
            out = args.out / f"pose_landmarker_{c}.task"
            write_bundle(
                {
                    "pose_detector.tflite": detector.read_bytes(),
                    "pose_landmarks_detector.tflite": landmarks.read_bytes(),
                },
                out,
            )
            manifest["bundles"][out.name] = {
                "sha256": sha256_file(out),
                "bytes": out.stat().st_size,
                "sources": {
                    "pose_detector.tflite": {
                        "package": f"pypi:{MEDIAPIPE_WHEEL}",
                        "path": DETECTOR_IN_WHEEL,
                        "sha256": sha256_file(detector_src),
                    },
                    "pose_landmarks_detector.tflite": {
                        "package": f"npm:{NPM_POSE}",
                        "path": f"pose_landmark_{c}.tflite",
                        "sha256": sha256_file(npm_src),
                    },
                },
                "normalisation": {
                    "pose_detector.tflite": {"mean": 127.5, "std": 127.5},
                    "pose_landmarks_detector.tflite": {"mean": 0.0, "std": 255.0},
                },
                "license": "Apache-2.0",
            }
            print(f"wrote {out} sha256={manifest['bundles'][out.name]['sha256']}")
    manifest["bundles"] = dict(sorted(manifest["bundles"].items()))
    tmp_manifest = manifest_path.with_suffix(".tmp")
    tmp_manifest.write_text(json.dumps(manifest, indent=2) + "\n")
    tmp_manifest.replace(manifest_path)
    shutil.rmtree(args.out / "__pycache__", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
