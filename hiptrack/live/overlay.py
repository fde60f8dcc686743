"""The live window's picture: mirrored camera view, skeleton, HUD, and the coach's panels.

:func:`render` copies the frame (mirrored for a webcam, so moving your right arm moves the arm
on the right of the screen), mirrors the pose to match, draws the skeleton and HUD (rep count
against the target, hold countdown), then the coach's layer: the setup guide with its go/no-go
panel, the rest timer, the switch-sides prompt, one form cue at a time and the key help.
The HUD text is also returned (``Rendered.lines``) so tests can read what was drawn.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, replace

import cv2
import numpy as np
import numpy.typing as npt

from hiptrack.events import FrameState
from hiptrack.landmarks import SKELETON_EDGES
from hiptrack.live.coach import CoachView
from hiptrack.pose import Pose
from hiptrack.spec import ExerciseSpec

Image = npt.NDArray[np.uint8]
BGR = tuple[int, int, int]

WHITE: BGR = (255, 255, 255)
GREEN: BGR = (60, 220, 60)
RED: BGR = (50, 50, 230)
AMBER: BGR = (0, 200, 255)
GREY: BGR = (190, 190, 190)
PANEL_BG: BGR = (30, 30, 30)
FONT = cv2.FONT_HERSHEY_SIMPLEX
KEYS_HELP = "q quit   space pause   s switch side   r reset set"


@dataclass(frozen=True)
class TextStyle:
    """Font sizes for one frame size (1.0 = a 720-pixel short side)."""

    scale: float

    @classmethod
    def for_image(cls, image: Image) -> TextStyle:
        return cls(float(np.clip(min(image.shape[:2]) / 720.0, 0.45, 3.0)))

    @property
    def font(self) -> float:
        return 0.8 * self.scale

    @property
    def thick(self) -> int:
        return max(1, round(2 * self.scale))

    @property
    def pad(self) -> int:
        return max(4, round(10 * self.scale))


def mirror_pose(pose: Pose) -> Pose:
    """The pose as seen in the horizontally flipped image (labels unchanged)."""
    w = pose.image_wh[0]
    xy = pose.xy_px.copy()
    xy[:, 0] = w - 1 - xy[:, 0]
    return replace(pose, xy_px=xy)


def put_text(
    image: Image, text: str, org: tuple[int, int], style: TextStyle, color: BGR, size: float = 1.0
) -> None:
    fs, th = style.font * size, max(1, round(style.thick * size))
    cv2.putText(image, text, org, FONT, fs, (0, 0, 0), th + 2, cv2.LINE_AA)
    cv2.putText(image, text, org, FONT, fs, color, th, cv2.LINE_AA)


def text_wh(text: str, style: TextStyle, size: float = 1.0) -> tuple[int, int]:
    (w, h), base = cv2.getTextSize(text, FONT, style.font * size, max(1, round(style.thick * size)) + 2)
    return w, h + base


def panel(
    image: Image,
    lines: list[tuple[str, BGR]],
    style: TextStyle,
    top_left: tuple[int, int] | None = None,
    size: float = 1.0,
) -> None:
    """Lines of text on a translucent dark box (centred when ``top_left`` is None)."""
    if not lines:
        return
    pad = style.pad
    sizes = [text_wh(t, style, size) for t, _ in lines]
    line_h = max(h for _, h in sizes) + pad // 2
    bw, bh = max(w for w, _ in sizes) + 2 * pad, line_h * len(lines) + pad
    H, W = image.shape[:2]
    x0, y0 = top_left if top_left is not None else ((W - bw) // 2, (H - bh) // 2)
    x0, y0 = max(0, x0), max(0, y0)
    roi = image[y0 : min(H, y0 + bh), x0 : min(W, x0 + bw)]
    if roi.size:
        cv2.addWeighted(np.full_like(roi, PANEL_BG), 0.7, roi, 0.3, 0, dst=roi)
    for i, (text, color) in enumerate(lines):
        put_text(image, text, (x0 + pad, y0 + line_h * (i + 1) - pad // 4), style, color, size)


def banner(image: Image, text: str, style: TextStyle, color: BGR, bottom: bool = True) -> None:
    """A full-width strip with centred text at the bottom (or top) of the frame."""
    H, W = image.shape[:2]
    tw, th = text_wh(text, style, 1.1)
    bh = th + 2 * style.pad
    y0 = H - bh if bottom else 0
    roi = image[y0 : y0 + bh, :]
    cv2.addWeighted(np.full_like(roi, color), 0.8, roi, 0.2, 0, dst=roi)
    put_text(image, text, (max(style.pad, (W - tw) // 2), y0 + bh - style.pad - 2), style, WHITE, 1.1)


def draw_skeleton(image: Image, pose: Pose, style: TextStyle) -> None:
    lw = max(1, round(3 * style.scale))
    for a, b in SKELETON_EDGES:
        pa, pb = pose.px(a), pose.px(b)
        if not (np.all(np.isfinite(pa)) and np.all(np.isfinite(pb))):
            continue
        sure = min(pose.visibility[int(a)], pose.visibility[int(b)]) >= 0.5
        color = (255, 160, 40) if a.name.startswith("LEFT") else (40, 140, 255)
        if a.name[:4] != b.name[:4]:
            color = (230, 230, 230)
        cv2.line(image, _pt(pa), _pt(pb), color if sure else GREY, lw if sure else 1, cv2.LINE_AA)


def _pt(xy: npt.ArrayLike) -> tuple[int, int]:
    a = np.asarray(xy, dtype=np.float64)
    return round(float(a[0])), round(float(a[1]))


def hud_lines(state: FrameState, spec: ExerciseSpec, view: CoachView) -> list[tuple[str, BGR]]:
    """Exercise, set and rep count against the target, side, hold countdown."""
    unit = "Holds" if spec.kind == "holds" else "Reps"
    lines: list[tuple[str, BGR]] = [(spec.name, WHITE)]
    sets = f"Set {view.set_no + 1}/{view.sets}  " if view.sets > 1 else ""
    lines.append((f"{sets}{unit} {view.reps_in_set}/{view.reps_target}", WHITE))
    side = state.side if state.side not in (None, "both") else None
    if not state.person:
        lines.append(("No person in view", AMBER))
    elif side:
        lines.append((f"Side: {side}", GREY))
    if state.hold_elapsed_s is not None:
        if state.hold_target_s > 0:
            left = state.hold_target_s - state.hold_elapsed_s
            text = "Hold done - lower slowly" if left <= 0 else f"Hold {left:.1f} s"
            lines.append((text, GREEN if left <= 0 else AMBER))
        else:
            lines.append((f"Hold {state.hold_elapsed_s:.1f} s", AMBER))
    return lines


def setup_lines(spec: ExerciseSpec, view: CoachView, width_chars: int) -> list[tuple[str, BGR]]:
    """The setup guide: camera placement, start position and the three go/no-go checks."""
    st = view.setup
    lines: list[tuple[str, BGR]] = [(f"Set up: {spec.name}", WHITE)]
    lines += [(t, GREY) for t in textwrap.wrap(spec.camera_tip, width_chars)]
    if spec.start_cue:
        lines += [(t, GREY) for t in textwrap.wrap(spec.start_cue, width_chars)]
    if st is None:
        return lines

    def check(ok: bool, text: str) -> tuple[str, BGR]:
        return (f"[{'OK' if ok else '--'}] {text}", GREEN if ok else RED)

    lines.append(check(st.person, "person detected"))
    body = "whole body in view" + (
        f" (move so your {', '.join(st.missing)} show)" if st.missing and st.person else ""
    )
    lines.append(check(st.in_view, body))
    lines.append(check(st.in_position, "in the start position"))
    return lines


@dataclass(frozen=True)
class Rendered:
    image: Image
    lines: tuple[str, ...]  # every text drawn, top to bottom


def render(
    image: Image,
    pose: Pose | None,
    state: FrameState,
    view: CoachView,
    spec: ExerciseSpec,
    *,
    mirror: bool = False,
    paused: bool = False,
    keys_help: bool = True,
) -> Rendered:
    """The overlay for one frame (a new image; ``image`` is not changed)."""
    out: Image = np.ascontiguousarray(image[:, ::-1]) if mirror else image.copy()
    shown = mirror_pose(pose) if (mirror and pose is not None) else pose
    style = TextStyle.for_image(out)
    texts: list[str] = []
    if shown is not None:
        draw_skeleton(out, shown, style)
    hud = hud_lines(state, spec, view)
    panel(out, hud, style, (style.pad, style.pad))
    texts += [t for t, _ in hud]
    if view.phase == "setup":
        width = max(20, int(out.shape[1] / (18 * style.font)))
        lines = setup_lines(spec, view, width)
        panel(out, lines, style, None, 0.8)
        texts += [t for t, _ in lines]
        go = view.setup is not None and view.setup.go
        msg = "GO - start when ready" if go else "NOT YET - follow the checks"
        banner(out, msg, style, GREEN if go else RED, bottom=False)
        texts.append(msg)
    elif view.prompt:
        panel(out, [(view.prompt, WHITE)], style, None, 1.3)
        texts.append(view.prompt)
    if paused:
        banner(out, "PAUSED - press space to continue", style, (90, 90, 90), bottom=False)
        texts.append("PAUSED")
    if view.cue:
        banner(out, view.cue, style, RED)
        texts.append(view.cue)
    elif keys_help:
        H = out.shape[0]
        put_text(out, KEYS_HELP, (style.pad, H - style.pad), style, GREY, 0.6)
    return Rendered(out, tuple(texts))
