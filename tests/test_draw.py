"""Overlay drawing: pure functions on BGR images, sized for 480p..4K."""

from __future__ import annotations

import numpy as np
import pytest

from hiptrack.draw import (
    DrawStyle,
    annotate,
    blur_face,
    draw_angle,
    draw_fault_banner,
    draw_skeleton,
    hud_lines,
)
from hiptrack.events import FrameState
from hiptrack.landmarks import Landmark
from hiptrack.outputs.synthetic import standing_pose


def blank(w: int = 640, h: int = 480) -> np.ndarray:
    return np.zeros((h, w, 3), np.uint8)


@pytest.mark.parametrize(
    ("w", "h", "lo", "hi"), [(640, 480, 0.6, 0.7), (1280, 720, 1.0, 1.0), (3840, 2160, 3.0, 3.0)]
)
def test_style_scales_with_frame(w: int, h: int, lo: float, hi: float) -> None:
    s = DrawStyle.for_image((w, h))
    assert lo <= s.scale <= hi
    assert DrawStyle.for_image(blank(w, h)).scale == s.scale


def test_skeleton_draws_on_the_body_and_fades_unsure_points() -> None:
    pose = standing_pose()
    img = draw_skeleton(blank(), pose)
    hip = pose.px(Landmark.LEFT_HIP).astype(int)
    assert img[hip[1] - 3 : hip[1] + 4, hip[0] - 3 : hip[0] + 4].any()
    assert not img[5:40, 5:40].any()  # nothing far from the body
    ank = pose.px(Landmark.RIGHT_ANKLE).astype(int)  # visibility 0.2: drawn, but grey-ish
    patch = img[ank[1] - 2 : ank[1] + 3, ank[0] - 2 : ank[0] + 3].reshape(-1, 3).astype(int)
    bright = patch[patch.sum(axis=1) > 0]
    assert len(bright) and np.ptp(bright.mean(axis=0)) < 120


def test_angle_arc_is_drawn_at_the_vertex_with_its_label() -> None:
    img = draw_angle(blank(), (400, 240), (300, 240), (300, 140), 90.0, "hip")
    # the filled arc is in the quadrant between the rays, near the vertex
    assert img[225, 315].any()
    assert not img[255, 285].any()  # opposite quadrant untouched
    # a text label was drawn away from the vertex
    assert img[100:235, 310:500].any()


def test_angle_ignores_degenerate_and_nan_points() -> None:
    img = blank()
    draw_angle(img, (np.nan, 1), (300, 240), (300, 140), 90.0)
    draw_angle(img, (300, 240), (300, 240), (300, 140), 90.0)
    assert not img.any()


def test_hud_shows_counts_targets_hold_and_state() -> None:
    st = FrameState(
        t_s=1.0, person=True, state="top", side="left", counts={"left": 3, "right": 1},
        hold_elapsed_s=2.0, hold_target_s=5.0,
    )  # fmt: skip
    text = " ".join(t for t, _ in hud_lines(st, "Clamshell", {"left": 10, "right": 10}))
    assert "Left 3/10" in text and "Right 1/10" in text
    assert "Hold 2.0 / 5 s" in text and "3.0 s to go" in text
    assert "top (left)" in text
    lost = " ".join(t for t, _ in hud_lines(FrameState(t_s=0, person=False, state="no_person")))
    assert "No person" in lost


def test_fault_banner_at_the_bottom() -> None:
    img = draw_fault_banner(blank(), "Keep the pelvis still")
    assert img[-5:, :].any() and not img[:100].any()
    assert not draw_fault_banner(blank(), "").any()


def test_blur_face_hides_the_head_only() -> None:
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)
    pose = standing_pose()
    out = blur_face(img.copy(), pose)
    nose = pose.px(Landmark.NOSE).astype(int)
    head = (slice(nose[1] - 10, nose[1] + 10), slice(nose[0] - 10, nose[0] + 10))
    assert np.abs(out[head].astype(int) - img[head].astype(int)).mean() > 20
    assert out[head].std() < img[head].std() / 2
    assert np.array_equal(out[400:, :], img[400:, :])  # legs untouched


def test_blur_without_pose_blurs_everything() -> None:
    rng = np.random.default_rng(1)
    img = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    out = blur_face(img.copy(), None)
    assert out.std() < img.std() / 2


@pytest.mark.parametrize(("w", "h"), [(640, 480), (1920, 1080), (3840, 2160)])
def test_annotate_everything_at_any_size(w: int, h: int) -> None:
    pose = standing_pose(image_wh=(w, h), lift=0.5)
    st = FrameState(
        t_s=1.0, person=True, state="top", side="left", main_value=41.0, counts={"left": 2},
        hold_elapsed_s=1.0, hold_target_s=5.0, active_faults=("pelvis_roll",),
    )  # fmt: skip
    img = blank(w, h)
    out = annotate(img, pose, st, exercise="clamshell", target_reps=10, blur_faces=True)
    assert out is img and out.shape == (h, w, 3)
    assert out[: h // 6, : w // 4].any()  # HUD
    assert out[-5:].any()  # fault banner


def test_annotate_without_pose_still_draws_hud() -> None:
    out = annotate(blank(), None, FrameState(t_s=0.0, person=False, state="no_person"))
    assert out[:60, :200].any()


def test_lifted_leg_gets_the_arc_whatever_the_labels() -> None:
    from hiptrack.draw import MAIN_SIGNAL_GEOMETRY, _pick_side

    pose = standing_pose(lift=0.8)  # the LEFT leg is lifted (its ankle is higher in the image)
    geom = MAIN_SIGNAL_GEOMETRY["sidelying_hip_abduction"]
    assert _pick_side(pose, geom, "right")[-1] == Landmark.LEFT_ANKLE
    assert _pick_side(pose.mirrored(), geom, "left")[-1] == Landmark.RIGHT_ANKLE


def _put_text_directly(
    image: np.ndarray,
    text: str,
    org: tuple[int, int],
    style: DrawStyle,
    color: tuple[int, int, int],
    size: float,
    outline: bool,
) -> np.ndarray:
    """What put_text drew before its sprite cache: eight shifted black passes, then the text."""
    import cv2

    fs, th = style.font_scale * size, max(1, round(style.text_px * size))
    if outline:
        r = max(1, th // 2 + 1)
        for dx, dy in ((-r, 0), (r, 0), (0, -r), (0, r), (-r, -r), (r, r), (-r, r), (r, -r)):
            cv2.putText(
                image,
                text,
                (org[0] + dx, org[1] + dy),
                cv2.FONT_HERSHEY_SIMPLEX,
                fs,
                (0, 0, 0),
                th,
                cv2.LINE_AA,
            )
    cv2.putText(image, text, org, cv2.FONT_HERSHEY_SIMPLEX, fs, color, th, cv2.LINE_AA)
    return image


@pytest.mark.parametrize("wh", [(320, 240), (640, 480), (1920, 1080)])
@pytest.mark.parametrize(
    ("text", "org", "size", "outline"),
    [
        ("Reps 3/10", (10, 40), 1.0, True),
        ("Hold 2.3 s", (-6, 8), 1.1, True),  # clipped top-left
        ("37 deg", (-1, -1), 0.9, True),
        ("Clamshell", (20, 60), 1.0, False),
    ],
)
def test_cached_text_looks_like_text_drawn_directly(
    wh: tuple[int, int], text: str, org: tuple[int, int], size: float, outline: bool
) -> None:
    from hiptrack.draw import put_text

    w, h = wh
    org = (org[0] % w if org[0] == -1 else org[0], org[1] % h if org[1] == -1 else org[1])
    style = DrawStyle.for_image((w, h))
    bg = np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8)
    want = _put_text_directly(bg.copy(), text, org, style, (0, 200, 255), size, outline)
    for _ in range(2):  # drawn, then from the cache
        got = put_text(bg.copy(), text, org, style, (0, 200, 255), size, outline)
        assert np.abs(got.astype(int) - want.astype(int)).max() <= 2
    assert (want != bg).any()


def test_text_entirely_outside_the_frame_draws_nothing() -> None:
    from hiptrack.draw import put_text

    img = blank()
    put_text(img, "far away", (5000, 5000), DrawStyle.for_image(img))
    put_text(img, "far away", (-5000, -5000), DrawStyle.for_image(img))
    assert not img.any()
