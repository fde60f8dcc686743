"""PoseEstimator with the real bundled model (slow-marked, but quick and in the default run)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hiptrack.estimator import EstimatorOptions, PoseEstimator
from hiptrack.landmarks import Landmark as L
from hiptrack.models import ModelError
from hiptrack.video import FrameSource
from tests.media import SAMPLE_VIDEOS

CLAMSHELL = SAMPLE_VIDEOS / "dev_cs_1.mp4"  # side-lying, seen from the front, 640x480


def lite() -> PoseEstimator:
    return PoseEstimator(EstimatorOptions(complexity="lite"))


@pytest.mark.slow
@pytest.mark.skipif(not CLAMSHELL.exists(), reason="sample clip missing")
def test_side_lying_clip_gives_plausible_landmarks() -> None:
    with FrameSource.from_file(CLAMSHELL) as src, lite() as est:
        results = []
        for frame in src:
            results.append((frame, est.detect(frame.image_bgr, frame.t_ms)))
            if len(results) == 12:
                break
    w, h = 640, 480
    assert sum(len(poses) == 1 for _, poses in results) >= 11
    for frame, poses in results:
        for p in poses:
            assert p.t_ms == frame.t_ms
            assert p.image_wh == (w, h)
            for conf in (p.visibility, p.presence):
                assert np.all((conf >= 0) & (conf <= 1))
            assert np.all(np.abs(p.world_m) < 2.0)  # metres, origin between the hips
            body = p.xy_px[11:]  # face points may be off-frame; the body is in view
            assert np.all((body > -0.1 * w) & (body < [1.1 * w, 1.1 * h]))
            # lying along the image x axis: hips between shoulders and ankles
            x = {
                lm: (p.px(getattr(L, f"LEFT_{lm}"))[0] + p.px(getattr(L, f"RIGHT_{lm}"))[0]) / 2
                for lm in ("SHOULDER", "HIP", "ANKLE")
            }
            assert min(x["SHOULDER"], x["ANKLE"]) < x["HIP"] < max(x["SHOULDER"], x["ANKLE"])
            hip_gap_m = np.linalg.norm(p.world(L.LEFT_HIP) - p.world(L.RIGHT_HIP))
            assert 0.1 < hip_gap_m < 0.5


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["blank", "noise"])
def test_no_person_gives_empty_list(kind: str) -> None:
    rng = np.random.default_rng(0)
    image = (
        np.full((480, 640, 3), 128, np.uint8)
        if kind == "blank"
        else rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)
    )
    with lite() as est:
        for i in range(3):
            assert est.detect(image, i * 33.3) == []


@pytest.mark.slow
def test_timestamps_are_forced_strictly_increasing() -> None:
    """MediaPipe's VIDEO mode refuses a timestamp that does not increase; we never send one."""
    image = np.full((240, 320, 3), 90, np.uint8)
    with lite() as est:
        sent = []
        for t in [0.0, 0.0, 0.4, -5.0, 10.0, 10.2, 9.0]:
            est.detect(image, t)
            sent.append(est._last_ts_ms)
        assert np.all(np.diff(sent) > 0)


@pytest.mark.slow
def test_closed_estimator_refuses_frames() -> None:
    est = lite()
    est.close()
    est.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        est.detect(np.zeros((8, 8, 3), np.uint8), 0.0)


def test_bad_model_file_is_a_model_error(tmp_path: Path) -> None:
    bogus = tmp_path / "pose.task"
    bogus.write_text("not a model")
    with pytest.raises(ModelError, match=r"not a MediaPipe \.task bundle"):
        PoseEstimator(EstimatorOptions(model=bogus))
