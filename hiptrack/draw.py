"""Overlay drawing on BGR frames: skeleton, the main signal where it is measured, a HUD, faults.

Shared by the annotated video (:class:`hiptrack.outputs.video.VideoSink`), report thumbnails and
the live window. Every function takes a BGR ``uint8`` image, draws on it **in place** and returns
it, so calls chain: ``annotate(image, pose, state)``. Nothing here keeps state between frames.

Sizes scale with the frame: :meth:`DrawStyle.for_image` picks line widths and font sizes so a
480p and a 4K frame look alike (the reference is a 720-pixel short side).

Conventions: the angle drawn by :func:`draw_angle` is the unsigned angle at ``vertex`` between the
rays to ``a`` and ``b`` (0° when they coincide, 180° when straight); the value printed is the one
passed in (the engine's signal), not re-measured, so the overlay always shows what was counted.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
import numpy.typing as npt

from hiptrack.events import FrameState
from hiptrack.landmarks import SKELETON_EDGES, Landmark, mirror
from hiptrack.pose import Pose

Image = npt.NDArray[np.uint8]
BGR = tuple[int, int, int]

LEFT_BGR: BGR = (255, 160, 40)  # the person's left side: blue
RIGHT_BGR: BGR = (40, 140, 255)  # right side: orange
CENTRE_BGR: BGR = (230, 230, 230)
SIGNAL_BGR: BGR = (60, 230, 60)
FAULT_BGR: BGR = (40, 40, 220)
HUD_BG_BGR: BGR = (30, 30, 30)
FACE_LANDMARKS = tuple(range(0, 11))  # nose, eyes, ears, mouth


@dataclass(frozen=True)
class DrawStyle:
    """Sizes for one frame size. ``scale`` 1.0 is tuned for a 720-pixel short side."""

    scale: float = 1.0
    min_visibility: float = 0.5  # landmarks below this are drawn faded
    hud_alpha: float = 0.65

    @classmethod
    def for_image(cls, image: Image | tuple[int, int], **kwargs: float) -> DrawStyle:
        """A style sized for ``image`` (an array or a ``(width, height)`` pair)."""
        w, h = (image.shape[1], image.shape[0]) if isinstance(image, np.ndarray) else image
        return cls(scale=float(np.clip(min(w, h) / 720.0, 0.4, 4.0)), **kwargs)

    @property
    def line_px(self) -> int:
        return max(1, round(3 * self.scale))

    @property
    def point_px(self) -> int:
        return max(2, round(5 * self.scale))

    @property
    def font_scale(self) -> float:
        return 0.8 * self.scale

    @property
    def text_px(self) -> int:
        return max(1, round(2 * self.scale))

    @property
    def pad_px(self) -> int:
        return max(3, round(10 * self.scale))


@dataclass(frozen=True)
class SignalGeometry:
    """Where a signal is measured, written for the LEFT working side (mirrored for the right).

    Three landmarks: an angle at the middle one. Two landmarks: a distance between them.
    ``pick`` says which side to draw: ``"higher"`` the side whose last landmark is higher in the
    image (the top leg / lifted leg: survives the left/right label swaps of lying poses),
    ``"visible"`` the engine's working side, else the better-seen side.
    """

    landmarks: tuple[Landmark, ...]
    pick: Literal["higher", "visible"] = "visible"

    def for_side(self, side: str | None) -> tuple[Landmark, ...]:
        return tuple(mirror(lm) for lm in self.landmarks) if side == "right" else self.landmarks


L = Landmark
#: Where each built-in exercise's main signal (see ``hiptrack/specs/*.toml`` and
#: :mod:`hiptrack.signals`) is drawn. The arc is an illustration at the right joint; the number
#: printed is always the engine's value. Pass ``geometry=`` to :func:`annotate` for other specs.
MAIN_SIGNAL_GEOMETRY: dict[str, SignalGeometry] = {
    # knee_opening_scaled_deg: the knees part, feet together -> opening at the top hip
    "clamshell": SignalGeometry((L.RIGHT_KNEE, L.LEFT_HIP, L.LEFT_KNEE), "higher"),
    # top_shank_elevation_deg: knees together, the top foot lifts -> opening at the knee
    "reverse_clamshell": SignalGeometry((L.RIGHT_ANKLE, L.LEFT_KNEE, L.LEFT_ANKLE), "higher"),
    # thigh_split_best_deg: angle between the two thighs at the hip
    "hip_flexor_stretch": SignalGeometry((L.RIGHT_KNEE, L.LEFT_HIP, L.LEFT_KNEE)),
    # top_leg_abduction_deg: the top leg rises from the bottom one
    "sidelying_hip_abduction": SignalGeometry((L.RIGHT_ANKLE, L.LEFT_HIP, L.LEFT_ANKLE), "higher"),
    # bent_thigh_elevation_deg: the bent leg's thigh lifts from the floor
    "prone_hip_extension": SignalGeometry((L.RIGHT_KNEE, L.LEFT_HIP, L.LEFT_KNEE), "higher"),
    # trunk_elevation_deg (the hips' rise) illustrated by the shoulder-hip-knee line opening
    "bridge": SignalGeometry((L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE)),
}


def _pt(xy: npt.ArrayLike) -> tuple[int, int]:
    a = np.asarray(xy, dtype=np.float64)
    return round(float(a[0])), round(float(a[1]))


def _finite(xy: npt.ArrayLike) -> bool:
    return bool(np.all(np.isfinite(np.asarray(xy, dtype=np.float64))))


def _fade(color: BGR, amount: float) -> BGR:
    """``color`` mixed towards grey by ``amount`` (0 = unchanged, 1 = grey)."""
    return tuple(round(c * (1 - amount) + 128 * amount) for c in color)  # type: ignore[return-value]


def _side_color(lm: Landmark) -> BGR:
    if lm.name.startswith("LEFT_"):
        return LEFT_BGR
    if lm.name.startswith("RIGHT_"):
        return RIGHT_BGR
    return CENTRE_BGR


def _edge_color(a: Landmark, b: Landmark) -> BGR:
    return _side_color(a) if _side_color(a) == _side_color(b) else CENTRE_BGR


_EDGE_INDEX = np.array([(int(a), int(b)) for a, b in SKELETON_EDGES], dtype=np.intp)
_EDGE_COLORS: tuple[BGR, ...] = tuple(_edge_color(a, b) for a, b in SKELETON_EDGES)
_POINTS = tuple(lm for lm in Landmark if lm == L.NOSE or int(lm) not in FACE_LANDMARKS)
_POINT_COLORS: tuple[BGR, ...] = tuple(_side_color(lm) for lm in _POINTS)
# precomputed for draw_skeleton, which runs on every live frame: the edges grouped by colour,
# and each colour with its faded twin (for unsure landmarks)
_EDGE_GROUPS: tuple[tuple[BGR, BGR, npt.NDArray[np.intp]], ...] = tuple(
    (c, _fade(c, 0.6), _EDGE_INDEX[[i for i, ec in enumerate(_EDGE_COLORS) if ec == c]])
    for c in dict.fromkeys(_EDGE_COLORS)
)
_POINT_INDEX = np.array([int(lm) for lm in _POINTS], dtype=np.intp)
_POINT_FADED: tuple[BGR, ...] = tuple(_fade(c, 0.6) for c in _POINT_COLORS)


def draw_skeleton(image: Image, pose: Pose, style: DrawStyle | None = None) -> Image:
    """Bones and joints; the person's left in blue, right in orange, unsure points faded.

    Bones of one colour and width go to OpenCV in one call (this runs on every live frame)."""
    style = style or DrawStyle.for_image(image)
    xy = pose.xy_px
    ok = np.all(np.isfinite(xy), axis=1)
    pts = np.round(np.where(ok[:, None], xy, 0.0)).astype(np.int32)
    sure_pt = pose.visibility >= style.min_visibility
    thin = max(1, style.line_px // 2)
    for color, faded, edges in _EDGE_GROUPS:
        ia, ib = edges[:, 0], edges[:, 1]
        drawn = ok[ia] & ok[ib]
        sure = sure_pt[ia] & sure_pt[ib]
        for pick, c, width in ((drawn & sure, color, style.line_px), (drawn & ~sure, faded, thin)):
            if pick.any():
                cv2.polylines(image, list(pts[edges[pick]]), False, c, width, cv2.LINE_AA)
    small = style.point_px // 2 + 1
    for color, faded, seen, sure, (x, y) in zip(
        _POINT_COLORS,
        _POINT_FADED,
        ok[_POINT_INDEX].tolist(),
        sure_pt[_POINT_INDEX].tolist(),
        pts[_POINT_INDEX].tolist(),
        strict=True,
    ):
        if seen:
            cv2.circle(
                image, (x, y), style.point_px if sure else small, color if sure else faded, -1, cv2.LINE_AA
            )
    return image


_FONT = cv2.FONT_HERSHEY_SIMPLEX


@dataclass(frozen=True)
class _Sprite:
    """A drawing made once on a small canvas: colour and coverage (alpha), plus where the
    canvas's top-left sits relative to the point it is drawn at."""

    bgr: Image
    alpha: npt.NDArray[np.float32]
    dx: int
    dy: int


def _sprite(shape: tuple[int, int], paint: Callable[[Image], Image], dx: int, dy: int) -> _Sprite:
    """Whatever ``paint`` draws on an ``(h, w)`` canvas, as colour + coverage: painted on black
    and on white, the difference gives each pixel's alpha, so one blend reproduces the drawing on
    any background (exactly for anti-aliased strokes and translucent fills)."""
    size = (shape[0], shape[1], 3)
    on_black = paint(np.zeros(size, np.uint8)).astype(np.float32)
    on_white = paint(np.full(size, 255, np.uint8)).astype(np.float32)
    alpha = np.clip(1.0 - (on_white - on_black).mean(axis=2) / 255.0, 0.0, 1.0).astype(np.float32)
    bgr = np.where(alpha[..., None] > 1e-3, on_black / np.maximum(alpha[..., None], 1e-3), 0.0)
    return _Sprite(np.clip(np.round(bgr), 0, 255).astype(np.uint8), alpha, dx, dy)


def _blit(image: Image, sp: _Sprite, x0: int, y0: int) -> Image:
    """Blend ``sp`` into ``image`` with its top-left at ``(x0, y0)``, clipped to the frame."""
    H, W = image.shape[:2]
    sh, sw = sp.alpha.shape
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x0 + sw, W), min(y0 + sh, H)
    if cx1 <= cx0 or cy1 <= cy0:
        return image
    sl = (slice(cy0 - y0, cy1 - y0), slice(cx0 - x0, cx1 - x0))
    roi = image[cy0:cy1, cx0:cx1]
    alpha = sp.alpha[sl]
    roi[...] = cv2.blendLinear(roi, sp.bgr[sl], 1.0 - alpha, alpha)
    return image


# 128 sprites: the live HUD's steady lines plus the recent values of the angle label and hold
# timer; a sprite of a 720p HUD line is 40-150 kB, so the cache stays under ~10 MB
@functools.lru_cache(maxsize=128)
def _text_sprite(text: str, fs: float, th: int, color: BGR, outline: bool) -> _Sprite:
    """``text`` as :func:`put_text` draws it, as a sprite whose offset is from the baseline start."""
    (w, h), base = cv2.getTextSize(text, _FONT, fs, th)
    r = max(1, th // 2 + 1) if outline else 0
    m = r + th + 2  # margin for the outline, the stroke width and anti-aliasing
    org = (m, m + h)

    def paint(canvas: Image) -> Image:
        x, y = org
        if outline:
            for dx, dy in ((-r, 0), (r, 0), (0, -r), (0, r), (-r, -r), (r, r), (-r, r), (r, -r)):
                cv2.putText(canvas, text, (x + dx, y + dy), _FONT, fs, (0, 0, 0), th, cv2.LINE_AA)
        cv2.putText(canvas, text, org, _FONT, fs, color, th, cv2.LINE_AA)
        return canvas

    return _sprite((h + base + 2 * m, w + 2 * m), paint, -org[0], -org[1])


def put_text(
    image: Image,
    text: str,
    org_xy: tuple[int, int],
    style: DrawStyle,
    color: BGR = (255, 255, 255),
    size: float = 1.0,
    outline: bool = True,
) -> Image:
    """Text with a dark outline so it reads on any background. ``org_xy`` is the baseline start.

    The outline is the same text shifted around (a thicker pass would also be wider, as OpenCV
    advances glyphs by their thickness, and look ghosted). That is nine ``putText`` calls, so each
    text is drawn once into a cached sprite and blended in (the live overlay redraws the same
    lines on every frame)."""
    fs = style.font_scale * size
    th = max(1, round(style.text_px * size))
    sp = _text_sprite(text, fs, th, tuple(int(c) for c in color), outline)  # type: ignore[arg-type]
    return _blit(image, sp, org_xy[0] + sp.dx, org_xy[1] + sp.dy)


@functools.lru_cache(maxsize=512)
def text_size(text: str, style: DrawStyle, size: float = 1.0) -> tuple[int, int]:
    """(width, height) in pixels of ``text`` as :func:`put_text` draws it (cached: panels measure
    the same lines on every frame)."""
    th = max(1, round(style.text_px * size))
    (w, h), base = cv2.getTextSize(text, _FONT, style.font_scale * size, th)
    r = max(1, th // 2 + 1)  # the outline's reach (see put_text)
    return w + 2 * r, h + base + 2 * r


def draw_angle(
    image: Image,
    a_xy: npt.ArrayLike,
    vertex_xy: npt.ArrayLike,
    b_xy: npt.ArrayLike,
    value_deg: float | None,
    label: str = "",
    style: DrawStyle | None = None,
    color: BGR = SIGNAL_BGR,
) -> Image:
    """An arc at ``vertex_xy`` between the rays to ``a_xy`` and ``b_xy``, labelled with the value.

    The arc spans the smaller angle between the two rays (as drawn in the image). ``value_deg`` is
    printed as given (``None``: no number); ``label`` goes before it (e.g. ``"hip"``).
    """
    style = style or DrawStyle.for_image(image)
    if not (_finite(a_xy) and _finite(vertex_xy) and _finite(b_xy)):
        return image
    v = np.asarray(vertex_xy, dtype=np.float64)
    da = np.asarray(a_xy, dtype=np.float64) - v
    db = np.asarray(b_xy, dtype=np.float64) - v
    la, lb = float(np.hypot(*da)), float(np.hypot(*db))
    if la < 1 or lb < 1:
        return image
    ang_a = math.degrees(math.atan2(da[1], da[0]))
    ang_b = math.degrees(math.atan2(db[1], db[0]))
    sweep = (ang_b - ang_a + 540.0) % 360.0 - 180.0  # signed, in (-180, 180]
    radius = max(8, round(min(min(la, lb) * 0.4, 50 * style.scale)))
    cv2.line(image, _pt(v), _pt(v + da), color, style.line_px, cv2.LINE_AA)
    cv2.line(image, _pt(v), _pt(v + db), color, style.line_px, cv2.LINE_AA)
    # translucent fill, blended only in the arc's box (a whole-frame blend costs ~1 ms at 720p)
    cx, cy = _pt(v)
    H, W = image.shape[:2]
    x0, y0, x1, y1 = (
        max(cx - radius - 2, 0),
        max(cy - radius - 2, 0),
        min(cx + radius + 3, W),
        min(cy + radius + 3, H),
    )
    if x1 > x0 and y1 > y0:
        roi = image[y0:y1, x0:x1]
        overlay = roi.copy()
        cv2.ellipse(
            overlay, (cx - x0, cy - y0), (radius, radius), 0.0, ang_a, ang_a + sweep, color, -1, cv2.LINE_AA
        )
        cv2.addWeighted(overlay, 0.35, roi, 0.65, 0, dst=roi)
    cv2.ellipse(image, _pt(v), (radius, radius), 0.0, ang_a, ang_a + sweep, color, style.line_px, cv2.LINE_AA)
    if value_deg is not None and math.isfinite(value_deg):
        text = f"{label} {value_deg:.0f} deg".strip()
        mid = math.radians(ang_a + sweep / 2)
        tx = v[0] + math.cos(mid) * (radius + 12 * style.scale)
        ty = v[1] + math.sin(mid) * (radius + 12 * style.scale)
        tw, thh = text_size(text, style, 0.9)
        org = (round(tx - (tw if math.cos(mid) < 0 else 0)), round(ty + thh / 2))
        put_text(image, text, _clamp_org(image, org, tw, thh), style, color, 0.9)
    return image


def draw_distance(
    image: Image,
    a_xy: npt.ArrayLike,
    b_xy: npt.ArrayLike,
    value: float | None,
    label: str = "",
    style: DrawStyle | None = None,
    color: BGR = SIGNAL_BGR,
) -> Image:
    """A bar between two points labelled with ``value`` (for ratio/distance signals)."""
    style = style or DrawStyle.for_image(image)
    if not (_finite(a_xy) and _finite(b_xy)):
        return image
    pa, pb = _pt(a_xy), _pt(b_xy)
    cv2.line(image, pa, pb, color, style.line_px + 1, cv2.LINE_AA)
    if value is not None and math.isfinite(value):
        text = f"{label} {value:.2f}".strip()
        tw, th = text_size(text, style, 0.9)
        mid = ((pa[0] + pb[0]) // 2 + round(8 * style.scale), (pa[1] + pb[1]) // 2)
        put_text(image, text, _clamp_org(image, mid, tw, th), style, color, 0.9)
    return image


def _clamp_org(image: Image, org: tuple[int, int], w: int, h: int) -> tuple[int, int]:
    H, W = image.shape[:2]
    return int(np.clip(org[0], 2, max(2, W - w - 2))), int(np.clip(org[1], h + 2, max(h + 2, H - 4)))


def draw_panel(
    image: Image, lines: Sequence[tuple[str, BGR]], style: DrawStyle, top_left: tuple[int, int]
) -> Image:
    """A translucent dark box holding ``lines`` of coloured text, top-left at ``top_left``."""
    if not lines:
        return image
    pad = style.pad_px
    sizes = [text_size(t, style) for t, _ in lines]
    line_h = max(h for _, h in sizes) + pad // 2
    w = max(w for w, _ in sizes) + 2 * pad
    h = line_h * len(lines) + pad
    x0, y0 = top_left
    x1, y1 = min(image.shape[1] - 1, x0 + w), min(image.shape[0] - 1, y0 + h)
    roi = image[y0:y1, x0:x1]
    if roi.size:
        bg = np.empty_like(roi)
        bg[:] = HUD_BG_BGR
        cv2.addWeighted(bg, style.hud_alpha, roi, 1 - style.hud_alpha, 0, dst=roi)
    for i, (text, color) in enumerate(lines):
        put_text(
            image, text, (x0 + pad, y0 + pad // 2 + line_h * (i + 1) - pad // 2), style, color, outline=False
        )
    return image


def hud_lines(
    state: FrameState,
    exercise_name: str = "",
    target_reps: int | Mapping[str, int] | None = None,
) -> list[tuple[str, BGR]]:
    """The HUD's text: exercise, reps per side (of target), state, hold timer."""
    lines: list[tuple[str, BGR]] = []
    if exercise_name:
        lines.append((exercise_name, (255, 255, 255)))
    counts = state.counts or {}
    parts = []
    for side in sorted(counts) or ([state.side] if state.side else []):
        n = counts.get(side, 0)
        tgt = target_reps.get(side) if isinstance(target_reps, Mapping) else target_reps
        parts.append(f"{side.capitalize()} {n}" + (f"/{tgt}" if tgt else ""))
    lines.append(("Reps  " + ("   ".join(parts) if parts else "0"), (255, 255, 255)))
    if not state.person:
        lines.append(("No person in view", (0, 200, 255)))
    else:
        side = f" ({state.side})" if state.side else ""
        lines.append((f"{state.state.replace('_', ' ')}{side}", (200, 200, 200)))
    if state.hold_elapsed_s is not None:
        if state.hold_target_s > 0:
            left = state.hold_target_s - state.hold_elapsed_s
            done = left <= 0
            txt = f"Hold {state.hold_elapsed_s:.1f} / {state.hold_target_s:.0f} s" + (
                "  done" if done else f"  ({left:.1f} s to go)"
            )
            lines.append((txt, SIGNAL_BGR if done else (0, 220, 255)))
        else:
            lines.append((f"Hold {state.hold_elapsed_s:.1f} s", (0, 220, 255)))
    return lines


def draw_hold_bar(
    image: Image, state: FrameState, style: DrawStyle, top_left: tuple[int, int], width: int
) -> Image:
    """A progress bar of the hold (elapsed vs target); nothing without a target."""
    if state.hold_elapsed_s is None or state.hold_target_s <= 0:
        return image
    frac = float(np.clip(state.hold_elapsed_s / state.hold_target_s, 0.0, 1.0))
    h = max(4, round(10 * style.scale))
    x0, y0 = top_left
    cv2.rectangle(image, (x0, y0), (x0 + width, y0 + h), (80, 80, 80), -1)
    color = SIGNAL_BGR if frac >= 1.0 else (0, 220, 255)
    cv2.rectangle(image, (x0, y0), (x0 + round(width * frac), y0 + h), color, -1)
    return image


def draw_fault_banner(image: Image, text: str, style: DrawStyle | None = None) -> Image:
    """A red banner across the bottom of the frame with ``text`` (nothing when empty)."""
    if not text:
        return image
    style = style or DrawStyle.for_image(image)
    H, W = image.shape[:2]
    tw, th = text_size(text, style, 1.1)
    bh = th + 2 * style.pad_px
    roi = image[H - bh : H, 0:W]
    bg = np.empty_like(roi)
    bg[:] = FAULT_BGR
    cv2.addWeighted(bg, 0.8, roi, 0.2, 0, dst=roi)
    put_text(
        image, text, (max(style.pad_px, (W - tw) // 2), H - style.pad_px - 2), style, (255, 255, 255), 1.1
    )
    return image


def fault_text(codes: Sequence[str], messages: Mapping[str, str] | None = None) -> str:
    """Banner text for active fault codes, using ``messages`` (code -> cue) when given."""
    return "  |  ".join((messages or {}).get(c, c.replace("_", " ")) for c in codes)


def blur_face(image: Image, pose: Pose | None, strength: float = 1.0) -> Image:
    """Hide the head: pixelate and blur a box around face landmarks 0-10 (nose, eyes, ears, mouth).

    The box is padded generously (1.2 face widths, at least a third of the shoulder width) so a
    head turned away or landmarks slightly off still end up covered. Without a pose the face
    cannot be placed, so the **whole frame** is blurred (privacy first).
    """
    H, W = image.shape[:2]
    if pose is None:
        return _obscure(image, (0, 0, W, H), strength)
    face = pose.xy_px[list(FACE_LANDMARKS)]
    face = face[np.all(np.isfinite(face), axis=1)]
    if len(face) == 0:
        return _obscure(image, (0, 0, W, H), strength)
    (x0, y0), (x1, y1) = face.min(axis=0), face.max(axis=0)
    size = max(x1 - x0, y1 - y0)
    sh = pose.xy_px[[int(L.LEFT_SHOULDER), int(L.RIGHT_SHOULDER)]]
    if np.all(np.isfinite(sh)):
        size = max(size, float(np.hypot(*(sh[0] - sh[1]))) / 3)
    size = max(size, min(W, H) / 20)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = size * 1.2
    box = (
        int(max(0, cx - half)),
        int(max(0, cy - half)),
        int(min(W, cx + half)),
        int(min(H, cy + half)),
    )
    return _obscure(image, box, strength)


def _obscure(image: Image, box: tuple[int, int, int, int], strength: float) -> Image:
    x0, y0, x1, y1 = box
    roi = image[y0:y1, x0:x1]
    if roi.shape[0] < 2 or roi.shape[1] < 2:
        return image
    h, w = roi.shape[:2]
    cells = max(2, round(8 / max(strength, 0.1)))
    small = cv2.resize(
        roi, (max(1, w * cells // max(w, h)), max(1, h * cells // max(w, h))), interpolation=cv2.INTER_AREA
    )
    pix = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
    k = max(3, (min(w, h) // 4) | 1)
    roi[:] = cv2.GaussianBlur(pix, (k, k), 0)
    return image


def _pick_side(pose: Pose, geom: SignalGeometry, side: str | None) -> tuple[Landmark, ...]:
    left, right = geom.for_side("left"), geom.for_side("right")
    if geom.pick == "higher":
        y_l, y_r = pose.px(left[-1])[1], pose.px(right[-1])[1]
        if np.isfinite(y_l) and np.isfinite(y_r):
            return left if y_l <= y_r else right
    if side in ("left", "right"):
        return geom.for_side(side)
    vis_l = float(np.mean([pose.visibility[int(lm)] for lm in left]))
    vis_r = float(np.mean([pose.visibility[int(lm)] for lm in right]))
    return left if vis_l >= vis_r else right


def draw_signal(
    image: Image,
    pose: Pose,
    geometry: SignalGeometry,
    value: float | None,
    side: str | None = None,
    label: str = "",
    unit: str = "deg",
    style: DrawStyle | None = None,
) -> Image:
    """The main signal where it is measured: an arc for 3 landmarks, a bar for 2."""
    lms = _pick_side(pose, geometry, side)
    pts = [pose.px(lm) for lm in lms]
    if len(pts) == 3 and unit == "deg":
        return draw_angle(image, pts[0], pts[1], pts[2], value, label, style)
    if len(pts) >= 2:
        return draw_distance(image, pts[0], pts[-1], value, label, style)
    return image


def annotate(
    image: Image,
    pose: Pose | None,
    state: FrameState,
    *,
    exercise: str | None = None,
    exercise_name: str = "",
    main_signal: str | None = None,
    geometry: SignalGeometry | None = None,
    target_reps: int | Mapping[str, int] | None = None,
    fault_messages: Mapping[str, str] | None = None,
    blur_faces: bool = False,
    style: DrawStyle | None = None,
) -> Image:
    """Everything on one frame: (blurred face,) skeleton, main signal, HUD, fault banner.

    Args:
        exercise: exercise id; picks the default :data:`MAIN_SIGNAL_GEOMETRY` when
            ``geometry`` is not given.
        main_signal: name of the signal shown (its value is ``state.signals[main_signal]``,
            else ``state.main_value``); a ``*_deg`` name (or no name) is drawn as an angle.
        target_reps: target per side (or one number for all sides), shown as ``5/10``.
    """
    style = style or DrawStyle.for_image(image)
    if blur_faces:
        blur_face(image, pose)
    if pose is not None:
        draw_skeleton(image, pose, style)
        geom = geometry or (MAIN_SIGNAL_GEOMETRY.get(exercise) if exercise else None)
        value = state.signals.get(main_signal, state.main_value) if main_signal else state.main_value
        if geom is not None and value is not None:
            unit = "deg" if main_signal is None or main_signal.endswith("_deg") else ""
            draw_signal(image, pose, geom, value, state.side, "", unit, style)
    lines = hud_lines(state, exercise_name or (exercise or "").replace("_", " "), target_reps)
    pad = style.pad_px
    draw_panel(image, lines, style, (pad, pad))
    if state.hold_elapsed_s is not None and state.hold_target_s > 0:
        _, lh = text_size("Ag", style)
        y = pad + (lh + pad // 2) * len(lines) + pad + pad // 2
        draw_hold_bar(image, state, style, (pad, y), round(260 * style.scale))
    if state.active_faults:
        draw_fault_banner(image, fault_text(state.active_faults, fault_messages), style)
    return image
