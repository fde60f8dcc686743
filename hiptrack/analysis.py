"""Analyse a recorded video (or a replayed pose track) with one exercise spec.

This is the shared back half of ``analyze`` and ``eval``: poses -> engine -> sinks -> Session.
The model is optional: a :class:`~hiptrack.track.PoseTrack` replays recorded poses, so the
engine runs in tests and evaluations without MediaPipe.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hiptrack import __version__
from hiptrack.engine import ExerciseEngine
from hiptrack.events import FrameState, Sink
from hiptrack.pose import Pose
from hiptrack.session import ModelInfo, Session, SourceInfo
from hiptrack.spec import ExerciseSpec
from hiptrack.track import PoseTrack

log = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]


@dataclass
class Analysis:
    """What one analysis produced: the session, the per-frame states and the pose track."""

    session: Session
    frames: list[FrameState] = field(default_factory=list)
    track: PoseTrack | None = None


def run_engine(
    spec: ExerciseSpec,
    poses: Iterable[tuple[float, Pose | None, Image | None]],
    *,
    side: str = "auto",
    sinks: Sequence[Sink] = (),
    smoother: Callable[[Pose | None], Pose | None] | None = None,
    on_frame: Callable[[FrameState], None] | None = None,
) -> tuple[ExerciseEngine, list[FrameState], list[tuple[float, Pose | None]], bool]:
    """Drive the engine over ``(t_ms, pose, image)``; returns (engine, states, raw poses, partial).

    A KeyboardInterrupt stops the loop and returns what was analysed so far, marked partial.
    """
    engine = ExerciseEngine(spec, side=side, smoother=smoother)
    states: list[FrameState] = []
    raw: list[tuple[float, Pose | None]] = []
    partial = False
    try:
        for t_ms, pose, image in poses:
            raw.append((t_ms, pose))
            state = engine.update(t_ms, pose)
            states.append(state)
            for sink in sinks:
                sink.on_frame(image, pose, state)
            if on_frame is not None:
                on_frame(state)
    except KeyboardInterrupt:
        partial = True
        log.warning("interrupted: keeping the %d frames analysed so far", len(states))
    else:
        engine.finish()
    return engine, states, raw, partial


def replay(
    track: PoseTrack, video: str | Path | None = None
) -> Iterator[tuple[float, Pose | None, Image | None]]:
    """The track's poses; with ``video`` (the clip the track was recorded from) also its frames,
    so the annotated video and thumbnails can be drawn without running the model again."""
    if video is None:
        for t_ms, pose in track:
            yield t_ms, pose, None
        return
    from hiptrack.video import FrameSource

    with FrameSource.from_file(video) as src:
        frames = iter(src)
        for t_ms, pose in track:
            frame = next(frames, None)
            yield t_ms, pose, None if frame is None else frame.image_bgr


def analyze_track(
    spec: ExerciseSpec,
    track: PoseTrack,
    side: str = "auto",
    smoother: Callable[[Pose | None], Pose | None] | None = None,
    video: str | Path | None = None,
    sinks_factory: Callable[[object], Sequence[Sink]] | None = None,
) -> Analysis:
    """Analyse recorded poses (no model). With ``video`` and ``sinks_factory`` the clip's frames
    are decoded too and fed to the sinks (annotated video, CSV)."""
    sinks: list[Sink] = []
    if video is not None and sinks_factory is not None:
        from hiptrack.video import FrameSource

        with FrameSource.from_file(video) as probe:
            sinks = list(sinks_factory(probe.info))
    try:
        engine, states, _, partial = run_engine(
            spec, replay(track, video if sinks else None), side=side, sinks=sinks, smoother=smoother
        )
    except BaseException:
        _abort(sinks)
        raise
    meta = track.meta
    dur = float(track.t_ms[-1] - track.t_ms[0]) / 1000.0 if len(track) > 1 else 0.0
    source = SourceInfo(
        path=str(meta.get("source", "")),
        width=int(meta.get("width", 0)),
        height=int(meta.get("height", 0)),
        fps=float(meta.get("fps", 0.0)),
        frames=len(track),
        duration_s=round(dur, 3),
    )
    model = ModelInfo(name=str(meta.get("model", "unknown")))
    session = engine.session(source, model, partial=partial)
    for sink in sinks:
        sink.close(session)
    return Analysis(session, states, track)


def _abort(sinks: Sequence[Sink]) -> None:
    """A failed run: sinks that can abort drop their temporary files (earlier outputs stay)."""
    for sink in sinks:
        abort = getattr(sink, "abort", None)
        if abort is not None:
            abort()


def source_info(info: object, frames: int, duration_s: float, decode_errors: int) -> SourceInfo:
    from hiptrack.video import VideoInfo

    assert isinstance(info, VideoInfo)
    return SourceInfo(
        path=info.source,
        width=info.width,
        height=info.height,
        fps=round(info.fps, 3),
        frames=frames,
        duration_s=round(duration_s, 3),
        rotation_deg=info.rotation_deg,
        is_camera=info.is_camera,
        decode_errors=decode_errors,
    )


def analyze_video(
    video: str | Path,
    spec: ExerciseSpec,
    estimator_options: object,
    *,
    side: str = "auto",
    sinks_factory: Callable[[object], Sequence[Sink]] | None = None,
    progress: Callable[[int | None], object] | None = None,
    smoother: Callable[[Pose | None], Pose | None] | None = None,
) -> Analysis:
    """Run the pose model over a video file and analyse it.

    ``sinks_factory(video_info)`` builds the sinks once the video is open (so they know its size
    and frame rate); ``progress(total)`` returns a tqdm-like bar.
    """
    from hiptrack.estimator import EstimatorOptions, PoseEstimator
    from hiptrack.pipeline import iter_poses
    from hiptrack.video import FrameSource

    assert isinstance(estimator_options, EstimatorOptions)
    with FrameSource.from_file(video) as src, PoseEstimator(estimator_options) as est:
        sinks = list(sinks_factory(src.info)) if sinks_factory else []
        bar = progress(src.info.frame_count) if progress else None

        def frames() -> Iterator[tuple[float, Pose | None, Image | None]]:
            for pf in iter_poses(src, est):
                if bar is not None:
                    bar.update(1)  # type: ignore[attr-defined]
                yield pf.frame.t_ms, pf.pose, pf.frame.image_bgr

        try:
            engine, states, raw, partial = run_engine(
                spec, frames(), side=side, sinks=sinks, smoother=smoother
            )
        finally:
            if bar is not None:
                bar.close()  # type: ignore[attr-defined]
        dur = (raw[-1][0] - raw[0][0]) / 1000.0 if len(raw) > 1 else 0.0
        info = source_info(src.info, len(raw), dur, src.decode_errors)
        model = ModelInfo(
            name=est.model_path.name,
            complexity=None if estimator_options.model else estimator_options.complexity,
        )
        meta = {
            "source": str(video),
            "width": src.info.width,
            "height": src.info.height,
            "fps": src.info.fps,
            "model": est.model_path.name,
            "hiptrack": __version__,
        }
    session = engine.session(info, model, partial=partial)
    if src.decode_errors:
        session.warnings.append(f"{src.decode_errors} frames could not be decoded and were skipped.")
    track = PoseTrack.from_frames(raw, meta)
    for sink in sinks:
        sink.close(session)
    return Analysis(session, states, track)
