"""The live loop: frames -> pose -> engine -> coach -> overlay -> window, with an event log on disk.

One exercise per :func:`run_exercise` call; :func:`run_routine` calls it for each exercise of a
prescription on the same camera and window. Every engine event is appended to
``<out_dir>/<stamp>_<exercise>.events.jsonl`` as it happens (flushed and fsynced); whatever
ends the run -- the ``q`` key, the end of a file, Ctrl-C, a camera that disappears, a crash --
the session so far is written to ``<stamp>_<exercise>.json`` (``partial`` unless it ended
normally) before the error is passed on.

The loop reads no clock for counting: the engine and the coach run on frame timestamps. The
wall clock only measures latency (capture -> overlay shown) for :class:`LoopStats`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from hiptrack.analysis import source_info
from hiptrack.engine import ExerciseEngine
from hiptrack.errors import HiptrackError
from hiptrack.eventlog import EVENTS_SUFFIX, EventLog, session_path_for
from hiptrack.events import FrameState
from hiptrack.live.coach import Coach, CoachView, CueThrottle, LiveDose, SetupCheck
from hiptrack.live.overlay import Rendered, render
from hiptrack.live.source import BlackFrameCheck, LiveFrame
from hiptrack.pose import Pose
from hiptrack.session import ModelInfo, Session, save_session
from hiptrack.spec import ExerciseSpec
from hiptrack.tracking import PersonSelector
from hiptrack.video import VideoError, VideoInfo

log = logging.getLogger(__name__)

Image = npt.NDArray[np.uint8]
Status = Literal["complete", "quit", "done", "skipped", "interrupted", "camera_lost", "crashed"]
#: statuses after which the session is whole (not ``partial``)
NORMAL_END: tuple[str, ...] = ("complete", "quit", "done", "skipped")

KEY_QUIT = (ord("q"), 27)  # q, Esc
KEY_PAUSE = (ord(" "), ord("p"))
KEY_SIDE = (ord("s"),)
KEY_RESET = (ord("r"),)
KEY_NEXT = (ord("n"),)


class Detector(Protocol):
    def detect(self, image_bgr: Image, t_ms: float) -> list[Pose]: ...


class Display(Protocol):
    def show(self, image: Image) -> int:
        """Show the frame; return the key pressed (-1 for none)."""
        ...

    def close(self) -> None: ...


class NoDisplay:
    """``--no-window``: nothing is shown. ``keys`` maps a frame number to a key (tests)."""

    def __init__(self, keys: dict[int, str] | None = None) -> None:
        self.keys = keys or {}
        self.shown = 0

    def show(self, image: Image) -> int:
        self.shown += 1
        key = self.keys.get(self.shown)
        return ord(key) if key else -1

    def close(self) -> None:
        return None


class CvWindow:
    """An OpenCV window; closing it counts as ``q``."""

    def __init__(self, title: str = "hiptrack live") -> None:
        import cv2

        self.title = title
        try:
            cv2.namedWindow(title, cv2.WINDOW_NORMAL)
        except cv2.error as exc:
            raise HiptrackError(
                "Cannot open a window (no display found). Run with --no-window, or start hiptrack "
                "from a desktop session."
            ) from exc

    def show(self, image: Image) -> int:
        import cv2

        cv2.imshow(self.title, image)
        key = cv2.waitKey(1)
        if key == -1 and cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
            return ord("q")
        return key & 0xFF if key != -1 else -1

    def close(self) -> None:
        import cv2

        cv2.destroyWindow(self.title)
        cv2.waitKey(1)


@dataclass
class LoopStats:
    """Wall-clock figures of one run (not used for counting)."""

    frames: int = 0
    paused_frames: int = 0
    latency_ms: list[float] = field(default_factory=list)  # capture -> overlay shown
    infer_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def fps(self) -> float:
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0


@dataclass(frozen=True)
class LiveConfig:
    """How to run the loop. ``max_s``: stop after this much source time (benchmarks)."""

    out_dir: Path = Path(".")
    side: str = "auto"
    mirror: bool = False
    rest_s: float = 30.0
    go_hold_s: float = 1.0
    check_black: bool = False
    end_when_done_s: float | None = None  # routine: move on this long after the last set
    max_s: float | None = None
    frame_hook: Callable[[Rendered, FrameState, CoachView], None] | None = None


@dataclass
class LiveResult:
    session: Session
    session_path: Path
    events_path: Path
    status: Status
    error: BaseException | None = None
    stats: LoopStats = field(default_factory=LoopStats)

    @property
    def partial(self) -> bool:
        return self.status not in NORMAL_END


@dataclass(frozen=True)
class Detected:
    live: LiveFrame
    poses: list[Pose] | None  # None: paused, not analysed
    infer_ms: float = 0.0


_END = object()


def detect_ahead(
    frames: Iterator[LiveFrame], detector: Detector, paused: threading.Event
) -> Iterator[Detected]:
    """Run the pose model in a worker thread, one frame ahead of the caller.

    The model releases the GIL, so on two cores the next frame's inference overlaps with this
    frame's engine, overlay and display: throughput is that of the model alone, and latency
    (capture -> shown) is unchanged. The hand-over queue holds one result and blocks, so no
    analysed frame is ever dropped here (a slow consumer makes the *source* drop, newest wins).
    Errors in the worker (a lost camera) are raised in the caller; leaving the iterator (``q``,
    Ctrl-C) stops the worker.
    """
    q: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: object) -> None:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def work() -> None:
        try:
            for lf in frames:
                if stop.is_set():
                    return
                if paused.is_set():
                    put(Detected(lf, None))
                    continue
                t0 = time.perf_counter()
                poses = detector.detect(lf.frame.image_bgr, lf.frame.t_ms)
                put(Detected(lf, poses, (time.perf_counter() - t0) * 1000.0))
        except BaseException as exc:  # handed to the caller, re-raised there
            put(exc)
        finally:
            put(_END)

    worker = threading.Thread(target=work, name="hiptrack-live-detect", daemon=True)
    worker.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, Detected)
            yield item
    finally:
        stop.set()
        worker.join(timeout=3.0)


def new_paths(out_dir: Path, exercise: str) -> tuple[Path, Path]:
    """``(<stamp>_<exercise>.events.jsonl, <stamp>_<exercise>.json)``, never an existing name."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}_{exercise}"
    n = 1
    while (out_dir / f"{base}{EVENTS_SUFFIX}").exists():
        n += 1
        base = f"{stamp}_{exercise}-{n}"
    events = out_dir / f"{base}{EVENTS_SUFFIX}"
    return events, session_path_for(events)


def _idle_state(t_s: float) -> FrameState:
    return FrameState(t_s=t_s, person=False, state="setup")


class _Run:
    """State of one exercise run (kept out of the loop body so each step reads on its own)."""

    def __init__(
        self,
        spec: ExerciseSpec,
        dose: LiveDose,
        detector: Detector,
        config: LiveConfig,
        beeper: object | None,
        display: Display,
        log_: EventLog,
        source_name: str,
    ) -> None:
        self.spec, self.detector, self.config, self.display, self.log = spec, detector, config, display, log_
        self.beeper = beeper
        self.engine = ExerciseEngine(spec, side=config.side)
        self.selector = PersonSelector()
        self.coach = Coach(spec, dose, SetupCheck(config.go_hold_s), CueThrottle())
        self.black = BlackFrameCheck(source_name) if config.check_black else None
        self.stats = LoopStats()
        self.paused = False
        self.pause_flag = threading.Event()  # read by the detection thread
        self.state = _idle_state(0.0)
        self.view: CoachView | None = None
        self.pose: Pose | None = None
        self.done_at: float | None = None
        self.t_first: float | None = None
        self.t_last = 0.0

    def step(self, item: Detected) -> Status | None:
        """Process one detected frame; a status when the run should end now."""
        lf = item.live
        frame = lf.frame
        t_s = frame.t_ms / 1000.0
        if self.t_first is None:
            self.t_first = t_s
        self.t_last = t_s
        if self.black is not None:
            self.black.update(t_s, frame.image_bgr)
        if item.poses is None:  # paused: shown, not analysed
            self.stats.paused_frames += 1
        else:
            self.stats.infer_ms.append(item.infer_ms)
            self.pose = self.selector.select(item.poses)
            self.state = self.engine.update(frame.t_ms, self.pose)
            self.log.on_frame(None, self.pose, self.state)
            self.view = self.coach.update(self.pose, self.state)
            self._flush_notes()
            self._sounds(self.view)
        view = self.view or self.coach.update(None, _idle_state(t_s))
        shown = render(
            frame.image_bgr,
            self.pose,
            self.state,
            view,
            self.spec,
            mirror=self.config.mirror,
            paused=self.paused,
            in_place=True,  # the frame is not used after this
        )
        key = self.display.show(shown.image)
        self.stats.latency_ms.append((time.monotonic() - lf.captured_s) * 1000.0)
        self.stats.frames += 1
        if self.config.frame_hook is not None:
            self.config.frame_hook(shown, self.state, view)
        return self._key(key, t_s) or self._ended(t_s)

    def _flush_notes(self) -> None:
        for t, what in self.coach.log:
            self.log.note(what, t)
        self.coach.log.clear()

    def _sounds(self, view: CoachView) -> None:
        play = getattr(self.beeper, "play", None)
        if play is not None:
            for s in view.sounds:
                play(s)

    def _key(self, key: int, t_s: float) -> Status | None:
        if key in KEY_QUIT:
            return "quit"
        if key in KEY_NEXT and self.config.end_when_done_s is not None:
            return "skipped"
        if key in KEY_PAUSE:
            self.paused = not self.paused
            if self.paused:
                self.pause_flag.set()
            else:
                self.pause_flag.clear()
            self.log.note("pause" if self.paused else "resume", t_s)
        elif key in KEY_SIDE:
            self.coach.switch_side(t_s)
            self._force_other_side()
            self._flush_notes()
        elif key in KEY_RESET:
            self.coach.reset_set(t_s)
            self._flush_notes()
        return None

    def _force_other_side(self) -> None:
        """With a fixed --side, 's' flips the side the engine counts for."""
        eng = self.engine
        if eng.side_requested in ("left", "right"):
            other = "right" if eng.side_requested == "left" else "left"
            eng.side_requested = other
            eng.side = other
            eng.machine.reset()

    def _ended(self, t_s: float) -> Status | None:
        cfg = self.config
        if cfg.max_s is not None and self.t_first is not None and t_s - self.t_first >= cfg.max_s:
            return "complete"
        if cfg.end_when_done_s is not None and self.coach.phase == "done":
            if self.done_at is None:
                self.done_at = t_s
            elif t_s - self.done_at >= cfg.end_when_done_s:
                return "done"
        return None


def run_exercise(
    frames: Iterator[LiveFrame],
    info: VideoInfo,
    detector: Detector,
    spec: ExerciseSpec,
    *,
    dose: LiveDose | None = None,
    model: ModelInfo | None = None,
    config: LiveConfig | None = None,
    beeper: object | None = None,
    display: Display | None = None,
) -> LiveResult:
    """Coach one exercise until the frames end, a key ends it, or something fails.

    Returns the result for normal ends, Ctrl-C and a lost camera (``status`` says which); any
    other exception is re-raised after the partial session has been written.
    """
    config = config or LiveConfig()
    dose = dose or LiveDose.from_spec(spec, config.rest_s)
    display = display or NoDisplay()
    if not config.out_dir.is_dir():
        raise HiptrackError(f"Output folder {config.out_dir} does not exist. Create it or pass --out-dir.")
    events_path, session_path = new_paths(config.out_dir, spec.id)
    base_info = source_info(info, 0, 0.0, 0)
    with EventLog(
        events_path,
        exercise=spec.id,
        exercise_name=spec.name,
        main_signal=spec.main.signal,
        side_requested=config.side,
        source=base_info,
        model=model,
    ) as elog:
        run = _Run(spec, dose, detector, config, beeper, display, elog, info.source)
        status: Status = "complete"
        error: BaseException | None = None
        wall0 = time.perf_counter()
        try:
            for item in detect_ahead(frames, detector, run.pause_flag):
                ended = run.step(item)
                if ended is not None:
                    status = ended
                    break
        except KeyboardInterrupt as exc:
            status, error = "interrupted", exc
        except VideoError as exc:
            status, error = "camera_lost", exc
        except BaseException as exc:
            status, error = "crashed", exc
        run.stats.wall_s = time.perf_counter() - wall0
        session = _finish(run, info, model, status, error, elog, session_path)
    if status == "crashed" and error is not None:
        raise error
    return LiveResult(session, session_path, events_path, status, error, run.stats)


def _finish(
    run: _Run,
    info: VideoInfo,
    model: ModelInfo | None,
    status: Status,
    error: BaseException | None,
    elog: EventLog,
    session_path: Path,
) -> Session:
    duration = run.t_last - (run.t_first or 0.0)
    src = source_info(info, run.engine.frames, duration, 0)
    session = run.engine.session(src, model, partial=status not in NORMAL_END)
    if status == "camera_lost":
        session.warnings.append(f"The camera was lost at {run.t_last:.1f} s: {error}")
    elif status == "interrupted":
        session.warnings.append(f"Stopped with Ctrl-C at {run.t_last:.1f} s.")
    elif status == "crashed":
        session.warnings.append(f"hiptrack stopped on an error at {run.t_last:.1f} s: {error!r}")
    reason = "" if error is None else (str(error) or type(error).__name__)
    try:
        elog.end(status, reason)
    except OSError as exc:  # the log is best effort at this point; the session file matters more
        log.warning("could not finish the event log: %s", exc)
    save_session(session, session_path)
    return session


def run_routine(
    frames: Iterator[LiveFrame],
    info: VideoInfo,
    detector: Detector,
    items: list[tuple[ExerciseSpec, LiveDose]],
    *,
    model: ModelInfo | None = None,
    config: LiveConfig | None = None,
    beeper: object | None = None,
    display: Display | None = None,
    next_after_s: float = 5.0,
) -> list[LiveResult]:
    """Each exercise in turn on the same camera and window (``n`` skips to the next one).

    An exercise ends ``next_after_s`` after its last set; the routine stops early when the
    person quits, the frames end or the camera is lost.
    """
    from dataclasses import replace

    config = replace(config or LiveConfig(), end_when_done_s=next_after_s)
    results: list[LiveResult] = []
    for spec, dose in items:
        log.info("routine: starting %s", spec.id)
        res = run_exercise(
            frames,
            info,
            detector,
            spec,
            dose=dose,
            model=model,
            config=config,
            beeper=beeper,
            display=display,
        )
        results.append(res)
        if res.status not in ("done", "skipped"):
            break
    return results
