"""One Euro smoothing: responds to steps, removes noise, is frame-rate independent, resets on gaps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiptrack.pose import Pose
from hiptrack.smoothing import OneEuroFilter, PoseSmoother

WH = (640, 480)


def make_pose(t_ms: float, offset_px: float = 0.0, offset_m: float = 0.0) -> Pose:
    base = np.linspace(100, 300, 66).reshape(33, 2)
    world = np.linspace(-0.5, 0.5, 99).reshape(33, 3)
    return Pose(
        t_ms=t_ms,
        xy_px=base + offset_px,
        z_rel=np.zeros(33) + offset_px,
        world_m=world + offset_m,
        visibility=np.full(33, 0.9),
        presence=np.full(33, 0.95),
        image_wh=WH,
    )


def run(signal, fps: float, duration_s: float, **kw) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """Filter a scalar signal(t_s) sampled at ``fps``; return (t_s, output)."""
    f = OneEuroFilter(**kw)
    t = np.arange(0, duration_s, 1 / fps)
    out = np.array([f(np.array([[signal(ti)]]), ti)[0, 0] for ti in t])
    return t, out


def test_step_is_followed_without_overshoot() -> None:
    t, y = run(lambda t: 0.0 if t < 1.0 else 1.0, 30, 2.0, min_cutoff_hz=1.5, beta=2.0)
    after = t >= 1.0
    assert y[~after].max() == 0.0
    assert y[np.searchsorted(t, 1.3)] > 0.9  # within 300 ms
    assert y.max() <= 1.0 + 1e-12
    assert np.all(np.diff(y) >= -1e-12)


def test_noise_is_reduced() -> None:
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 0.01, 300)  # jitter of 1% of the frame height, at rest
    f = OneEuroFilter()  # defaults: 1 Hz at rest
    out = np.array([f(np.array([[0.5 + n]]), i / 30)[0, 0] for i, n in enumerate(noise)])
    assert out[30:].std() < noise[30:].std() / 2.5
    assert abs(out[30:].mean() - 0.5) < 0.002


@pytest.mark.parametrize("beta", [0.0, 2.0])
def test_same_motion_same_curve_at_15_30_60_fps(beta: float) -> None:
    """A rep-like motion (0.4 Hz, plus a fast step) filtered at three frame rates agrees."""

    def motion(t: float) -> float:
        return 0.2 * np.sin(2 * np.pi * 0.4 * t) + (0.1 if t >= 2.0 else 0.0)

    curves = {fps: run(motion, fps, 5.0, min_cutoff_hz=1.0, beta=beta) for fps in (15, 30, 60)}
    t15, y15 = curves[15]
    for fps in (30, 60):
        t, y = curves[fps]
        common = np.isin(np.round(t * 1000), np.round(t15 * 1000))
        away_from_step = np.abs(t[common] - 2.0) > 0.2
        diff = np.abs(y[common] - y15)[away_from_step]
        assert diff.max() < 0.01  # 5% of the motion's amplitude


def test_pose_smoother_smooths_image_and_world() -> None:
    rng = np.random.default_rng(1)
    sm = PoseSmoother()
    raw_xy, out_xy, raw_w, out_w = [], [], [], []
    for i in range(90):
        p = make_pose(i * 1000 / 30, rng.normal(0, 3.0), rng.normal(0, 0.01))
        s = sm.update(p)
        assert s is not None
        assert s.t_ms == p.t_ms and s.visibility is p.visibility
        raw_xy.append(p.xy_px[0, 0])
        out_xy.append(s.xy_px[0, 0])
        raw_w.append(p.world_m[0, 0])
        out_w.append(s.world_m[0, 0])
    assert np.std(out_xy[30:]) < np.std(raw_xy[30:]) / 2
    assert np.std(out_w[30:]) < np.std(raw_w[30:]) / 2


def test_gap_longer_than_max_resets_and_never_blends() -> None:
    sm = PoseSmoother(max_gap_s=0.5)
    for i in range(30):
        sm.update(make_pose(i * 33.3))
    assert sm.update(None) is None
    # 1 s later the person is seen elsewhere: output is the raw pose, not a blend
    far = make_pose(30 * 33.3 + 1000, offset_px=200, offset_m=0.3)
    out = sm.update(far)
    assert out is not None
    np.testing.assert_array_equal(out.xy_px, far.xy_px)
    np.testing.assert_array_equal(out.world_m, far.world_m)
    assert sm.resets == 1


def test_short_gap_is_bridged() -> None:
    sm = PoseSmoother(max_gap_s=0.5)
    for i in range(30):
        sm.update(make_pose(i * 33.3))
    out = sm.update(make_pose(29 * 33.3 + 200, offset_px=50))
    assert out is not None
    assert 0 < out.xy_px[0, 0] - 100 < 50  # moved toward the new place, not jumped
    assert sm.resets == 0


def test_reset_passes_next_pose_through() -> None:
    sm = PoseSmoother()
    sm.update(make_pose(0))
    sm.update(make_pose(33, offset_px=10))
    sm.reset()
    p = make_pose(66, offset_px=40)
    out = sm.update(p)
    assert out is not None
    np.testing.assert_array_equal(out.xy_px, p.xy_px)


def test_repeated_timestamp_returns_previous_output() -> None:
    f = OneEuroFilter()
    f(np.array([[0.0]]), 0.0)
    a = f(np.array([[1.0]]), 0.1)
    b = f(np.array([[5.0]]), 0.1)
    np.testing.assert_array_equal(a, b)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=40),
    st.floats(0.1, 10),
    st.floats(0, 10),
)
def test_output_stays_within_input_range(values: list[float], min_cutoff: float, beta: float) -> None:
    """A low-pass never leaves the range of what it has seen (no overshoot, no NaN)."""
    f = OneEuroFilter(min_cutoff_hz=min_cutoff, beta=beta)
    lo, hi = min(values), max(values)
    for i, v in enumerate(values):
        y = f(np.array([[v]]), i / 30)[0, 0]
        assert np.isfinite(y)
        assert lo - 1e-6 * (1 + abs(lo)) <= y <= hi + 1e-6 * (1 + abs(hi))


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        OneEuroFilter(min_cutoff_hz=0)
