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


PRONE_MISSED = Path(__file__).parent / "data" / "prone_missed_upright.jpg"  # rendered, 640x480


@pytest.mark.parametrize("turn", ["cw", "ccw", "180"])
def test_turned_points_map_back_to_the_frame(turn: str) -> None:
    """The mapping back agrees with cv2.rotate itself: a marked pixel, turned and found again,
    lands where it was, and image axes (so world x and y) turn back with it."""
    import cv2

    from hiptrack.estimator import _to_pose, _turns

    w, h = 64, 48
    code, back = _turns()[turn]
    for x0, y0 in [(5, 7), (50, 40), (63, 0)]:
        img = np.zeros((h, w), np.uint8)
        img[y0, x0] = 255
        turned = cv2.rotate(img, code)
        v, u = np.unravel_index(int(np.argmax(turned)), turned.shape)
        th, tw = turned.shape
        # pixel centres, normalised to the turned frame as MediaPipe reports them
        x, y = back((u + 0.5) / tw, (v + 0.5) / th)
        assert (x * w, y * h) == pytest.approx((x0 + 0.5, y0 + 0.5))

    class P:  # the fields _to_pose reads from a MediaPipe landmark
        def __init__(self, x: float, y: float, z: float) -> None:
            self.x, self.y, self.z, self.visibility, self.presence = x, y, z, 0.9, 0.9

    # a point right of the turned centre, world x pointing right in the turned frame
    img_lms = [P(0.75, 0.5, 0.1)] * 33
    world_lms = [P(0.2, 0.0, 0.3)] * 33
    tw = h if turn != "180" else w
    pose = _to_pose(img_lms, world_lms, 0.0, (w, h), turn=(tw, back))
    bx, by = back(0.75, 0.5)
    assert pose.xy_px[0] == pytest.approx((bx * w, by * h))
    centre = np.array(back(0.5, 0.5)) * [w, h]
    step = (pose.xy_px[0] - centre) / np.linalg.norm(pose.xy_px[0] - centre)
    assert pose.world_m[0, :2] / 0.2 == pytest.approx(step)  # same direction as in the image
    assert pose.world_m[0, 2] == pytest.approx(0.3)
    assert pose.z_rel[0] == pytest.approx(0.1 * tw)


@pytest.mark.slow
@pytest.mark.skipif(not PRONE_MISSED.exists(), reason="test frame missing")
def test_a_person_missed_upright_is_found_in_the_turned_frame() -> None:
    """A prone body seen from the side, which MediaPipe's detector misses in the frame as it
    is, is found by the turned look and mapped back onto the body."""
    import cv2

    image = cv2.imread(str(PRONE_MISSED))
    h, w = image.shape[:2]
    with PoseEstimator(EstimatorOptions(complexity="lite", turned_look=False)) as plain:
        assert all(plain.detect(image, t) == [] for t in (0.0, 40.0))
    with lite() as est:
        found = [est.detect(image, t) for t in (0.0, 40.0, 80.0)]
    assert all(len(poses) == 1 for poses in found)
    for (p,) in found:
        body = p.xy_px[11:]
        assert np.all((body > -0.1 * w) & (body < [1.1 * w, 1.1 * h]))
        x = {
            lm: (p.px(getattr(L, f"LEFT_{lm}"))[0] + p.px(getattr(L, f"RIGHT_{lm}"))[0]) / 2
            for lm in ("SHOULDER", "HIP", "ANKLE")
        }
        # lying along the image x axis, hips between shoulders and ankles, in front of the camera
        assert min(x["SHOULDER"], x["ANKLE"]) < x["HIP"] < max(x["SHOULDER"], x["ANKLE"])
        assert abs(x["SHOULDER"] - x["ANKLE"]) > 0.3 * w
        hip_gap_m = np.linalg.norm(p.world(L.LEFT_HIP) - p.world(L.RIGHT_HIP))
        assert 0.1 < hip_gap_m < 0.5
        # world axes follow the frame's: shoulders and ankles lie apart along world x too
        d_img = p.px(L.LEFT_ANKLE)[0] - p.px(L.LEFT_SHOULDER)[0]
        d_world = p.world(L.LEFT_ANKLE)[0] - p.world(L.LEFT_SHOULDER)[0]
        assert np.sign(d_img) == np.sign(d_world) and abs(d_world) > 0.5


@pytest.mark.slow
def test_turned_look_waits_longer_while_nobody_is_there() -> None:
    """An empty view costs a turned look at most every 0.25 s, then 0.5 s, ... up to 2 s."""
    image = np.full((240, 320, 3), 128, np.uint8)
    with lite() as est:
        assert est._turned is not None
        looks = []
        real = est._turned._open

        def counting_open():  # type: ignore[no-untyped-def]
            looks.append(t)
            return real()

        est._turned._open = counting_open  # type: ignore[method-assign]
        for t in np.arange(0.0, 8000.0, 40.0):
            assert est.detect(image, float(t)) == []
    gaps = np.diff(looks)
    assert looks[0] == 0.0
    assert list(gaps[:4]) == pytest.approx([280.0, 520.0, 1000.0, 2000.0], abs=40.0)
    assert np.all(gaps[3:] <= 2040.0)


def test_turned_look_is_on_unless_turned_off() -> None:
    import argparse

    from hiptrack.commands.common import add_model_options, estimator_options

    p = argparse.ArgumentParser()
    add_model_options(p)
    assert estimator_options(p.parse_args([])).turned_look is True
    assert estimator_options(p.parse_args(["--no-turned-look"])).turned_look is False
    assert EstimatorOptions().turned_look is True
