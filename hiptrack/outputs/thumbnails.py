"""Report thumbnails: seek a video to given times, draw the skeleton, optionally blur the face,
and encode small JPEGs.

Frames are read with OpenCV (rotation metadata applied, like :class:`hiptrack.video.FrameSource`)
so the pose pixels line up. Times are visited in order; a target a few seconds ahead is reached
by decoding forward, farther ones by seeking.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hiptrack.draw import DrawStyle, blur_face, draw_skeleton
from hiptrack.outputs.report import Thumbnail
from hiptrack.pose import Pose
from hiptrack.session import Session
from hiptrack.track import PoseTrack

log = logging.getLogger(__name__)

PosesOrTrack = PoseTrack | Sequence[Pose | None] | None
SEEK_AHEAD_S = 3.0  # decode forward rather than seek when the next time is this close


def pose_at(track: PoseTrack, t_s: float, max_gap_s: float = 0.1) -> Pose | None:
    """The track's pose nearest to ``t_s`` (``None`` if none within ``max_gap_s``)."""
    if len(track) == 0:
        return None
    i = int(np.argmin(np.abs(track.t_ms - t_s * 1000.0)))
    if abs(track.t_ms[i] / 1000.0 - t_s) > max_gap_s:
        return None
    return track.pose(i)


def _poses_for(times_s: Sequence[float], poses_or_track: PosesOrTrack) -> list[Pose | None]:
    if poses_or_track is None:
        return [None] * len(times_s)
    if isinstance(poses_or_track, PoseTrack):
        return [pose_at(poses_or_track, t) for t in times_s]
    poses = list(poses_or_track)
    if len(poses) != len(times_s):
        raise ValueError(f"got {len(poses)} poses for {len(times_s)} times")
    return poses


def _read_frames_at(video_path: Path, times_s: Sequence[float]) -> list[npt.NDArray[np.uint8] | None]:
    """The frame shown at each time (the last frame starting at or before it)."""
    import cv2

    cap = cv2.VideoCapture(str(video_path), cv2.CAP_FFMPEG)
    if not cap.isOpened():
        log.warning("cannot open %s for thumbnails", video_path)
        return [None] * len(times_s)
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    half_frame_ms = 500.0 / fps
    out: dict[int, npt.NDArray[np.uint8] | None] = {}
    pos_ms = -1e9
    prev: npt.NDArray[np.uint8] | None = None
    try:
        for i in sorted(range(len(times_s)), key=lambda k: times_s[k]):
            target_ms = times_s[i] * 1000.0
            if target_ms < pos_ms - half_frame_ms or target_ms - pos_ms > SEEK_AHEAD_S * 1000:
                cap.set(cv2.CAP_PROP_POS_MSEC, max(0.0, target_ms - 1000.0))
                prev, pos_ms = None, -1e9
            if prev is not None and abs(pos_ms - target_ms) <= half_frame_ms:
                out[i] = prev
                continue
            while True:
                ok = cap.grab()
                if not ok:
                    break
                t = float(cap.get(cv2.CAP_PROP_POS_MSEC))
                ok, image = cap.retrieve()
                if not ok:
                    continue
                prev, pos_ms = np.asarray(image, dtype=np.uint8), t
                if t >= target_ms - half_frame_ms:
                    break
            out[i] = prev
    finally:
        cap.release()
    return [out.get(i) for i in range(len(times_s))]


def _crop_to(image: npt.NDArray[np.uint8], pose: Pose, pad: float = 0.2) -> npt.NDArray[np.uint8]:
    """The person's box plus ``pad`` on each side, at least half the frame in each direction."""
    H, W = image.shape[:2]
    x0, y0, x1, y1 = pose.bbox_px()
    if not all(np.isfinite([x0, y0, x1, y1])):
        return image
    bw, bh = max(x1 - x0, W / 2), max(y1 - y0, H / 2)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    bw, bh = bw * (1 + 2 * pad), bh * (1 + 2 * pad)
    a, b = int(max(0, cx - bw / 2)), int(max(0, cy - bh / 2))
    c, d = int(min(W, cx + bw / 2)), int(min(H, cy + bh / 2))
    return image[b:d, a:c] if (c - a) > 8 and (d - b) > 8 else image


def render_thumbnail(
    image_bgr: npt.NDArray[np.uint8],
    pose: Pose | None,
    *,
    width: int = 320,
    blur_faces: bool = False,
    quality: int = 80,
    crop_to_person: bool = True,
) -> bytes:
    """Skeleton (and face blur) on a copy of the full frame, then shrink to ``width`` and JPEG it."""
    import cv2

    image = image_bgr.copy()
    if blur_faces:
        blur_face(image, pose)
    if pose is not None:
        # lines sized for the thumbnail, not the full frame, so they stay visible when shrunk
        base = DrawStyle.for_image(image).scale
        shrink = max(1.0, image.shape[1] / max(width, 1))
        draw_skeleton(image, pose, DrawStyle(scale=min(4.0, base * shrink * 0.6)))
        if crop_to_person:
            image = _crop_to(image, pose)
    h, w = image.shape[:2]
    if w > width:
        size = (width, max(2, round(h * width / w)))
        image = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(buf.tobytes())


def grab_thumbnails(
    video_path: str | Path,
    times_s: Sequence[float],
    poses_or_track: PosesOrTrack = None,
    *,
    width: int = 320,
    blur_faces: bool = False,
    quality: int = 80,
) -> list[bytes | None]:
    """One JPEG per time (``None`` where the video has no frame there), in the order given.

    Args:
        video_path: the session's source video.
        times_s: seconds from the start of the video.
        poses_or_track: a :class:`PoseTrack` (nearest pose to each time), or one pose per time,
            or ``None`` (no skeleton; with ``blur_faces`` the whole picture is then blurred).
        width: thumbnail width in pixels.
        blur_faces: pixelate and blur the head region (face landmarks 0-10).
    """
    path = Path(video_path)
    if not times_s:
        return []
    if not path.is_file():
        log.warning("no thumbnails: %s does not exist", path)
        return [None] * len(times_s)
    poses = _poses_for(times_s, poses_or_track)
    frames = _read_frames_at(path, times_s)
    return [
        None
        if img is None
        else render_thumbnail(img, pose, width=width, blur_faces=blur_faces, quality=quality)
        for img, pose in zip(frames, poses, strict=True)
    ]


def session_thumbnails(
    session: Session,
    video_path: str | Path,
    poses_or_track: PoseTrack | None,
    *,
    blur_faces: bool = False,
    max_faults: int = 12,
    width: int = 320,
) -> list[Thumbnail]:
    """Thumbnails of each rep at its peak, each stretch hold at its middle, and the first
    ``max_faults`` faults, ready for :class:`~hiptrack.outputs.report.SessionReport`."""
    wanted: list[tuple[float, str, str]] = []
    for r in session.reps:
        wanted.append((r.peak_s, f"Rep {r.index + 1} ({r.side}) at peak: ROM {r.rom:.0f} {r.unit}", "rep"))
    for h in session.holds:
        wanted.append(
            ((h.start_s + h.end_s) / 2, f"Hold {h.index + 1} ({h.side}): {h.duration_s:.0f} s", "hold")
        )
    for f in session.faults[:max_faults]:
        wanted.append(
            (f.t_s, f"Fault {f.code} at {f.t_s:.1f} s" + (f": {f.message}" if f.message else ""), "fault")
        )
    jpegs = grab_thumbnails(
        video_path, [w[0] for w in wanted], poses_or_track, width=width, blur_faces=blur_faces
    )
    return [
        Thumbnail(t, jpeg, caption, kind)  # type: ignore[arg-type]
        for (t, caption, kind), jpeg in zip(wanted, jpegs, strict=True)
        if jpeg is not None
    ]
