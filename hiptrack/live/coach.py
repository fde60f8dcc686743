"""The live coach: setup go/no-go, sets and rest, side switches, throttled cues. Pure Python.

Everything here is driven by frame timestamps and the engine's :class:`FrameState`, never by
the wall clock, so a file played at any speed coaches exactly like the same motion seen live.
The coach only *guides*: the engine counts every rep it sees (nothing is lost if the person
starts before GO or keeps going during a rest); the coach decides what the screen says.

Phases::

    setup --GO held for go_hold_s--> active --target reps--> rest --rest_s--> active (next set)
                                       |                       \\--> switch --side changes / 's'--> active
                                       \\--(last set of last side)--> done
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from hiptrack.events import FrameState
from hiptrack.landmarks import Landmark as L
from hiptrack.pose import Pose
from hiptrack.prescription import ExerciseDose
from hiptrack.spec import ExerciseSpec

Phase = Literal["setup", "active", "rest", "switch", "done"]

#: Landmarks that must be in the frame for "whole body in view" (pairs: one of each may be hidden
#: behind the body, as the bottom leg is when lying on one side, but both must be inside the frame).
KEY_PAIRS: tuple[tuple[L, L, str], ...] = (
    (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, "shoulders"),
    (L.LEFT_HIP, L.RIGHT_HIP, "hips"),
    (L.LEFT_KNEE, L.RIGHT_KNEE, "knees"),
    (L.LEFT_ANKLE, L.RIGHT_ANKLE, "ankles"),
)


@dataclass(frozen=True)
class SetupStatus:
    """The go/no-go checks of one frame; ``ready`` once GO has held for the required time."""

    person: bool
    in_view: bool
    in_position: bool
    missing: tuple[str, ...] = ()  # body parts outside the frame or not seen
    go_for_s: float = 0.0
    ready: bool = False

    @property
    def go(self) -> bool:
        return self.person and self.in_view and self.in_position


def body_in_view(pose: Pose, min_visibility: float = 0.5, margin_frac: float = 0.0) -> tuple[str, ...]:
    """Names of key body parts not fully in view (empty tuple: the whole body is in view).

    A part is in view when both its landmarks lie inside the frame and at least one of them is
    seen with ``visibility > min_visibility`` (the other may be hidden behind the body).
    """
    w, h = pose.image_wh
    mx, my = margin_frac * w, margin_frac * h
    missing = []
    for a, b, name in KEY_PAIRS:
        pts = pose.xy_px[[int(a), int(b)]]
        inside = bool(
            np.all(np.isfinite(pts))
            and np.all(pts[:, 0] >= mx)
            and np.all(pts[:, 0] <= w - mx)
            and np.all(pts[:, 1] >= my)
            and np.all(pts[:, 1] <= h - my)
        )
        seen = max(float(pose.visibility[int(a)]), float(pose.visibility[int(b)])) > min_visibility
        if not (inside and seen):
            missing.append(name)
    return tuple(missing)


class SetupCheck:
    """GO = a person, the whole body in view and the exercise's start position, for ``go_hold_s``."""

    def __init__(self, go_hold_s: float = 1.0, min_visibility: float = 0.5) -> None:
        self.go_hold_s = go_hold_s
        self.min_visibility = min_visibility
        self._go_since: float | None = None

    def update(self, pose: Pose | None, state: FrameState) -> SetupStatus:
        if pose is None:
            self._go_since = None
            return SetupStatus(False, False, False, ("whole body",))
        missing = body_in_view(pose, self.min_visibility)
        status = SetupStatus(True, not missing, state.in_position, missing)
        if not status.go:
            self._go_since = None
            return status
        if self._go_since is None:
            self._go_since = state.t_s
        held = state.t_s - self._go_since
        return SetupStatus(True, True, True, (), held, held >= self.go_hold_s)


@dataclass(frozen=True)
class LiveDose:
    """What the coach walks through: ``sets`` of ``reps`` on each of ``sides``, ``rest_s`` between.

    ``reps`` is the per-set target shown and used to end a set (a prescribed range's maximum);
    ``reps_min`` its lower end. For stretches ``reps`` counts holds.
    """

    sides: tuple[str, ...] = ("first", "second")
    sets: int = 1
    reps: int = 10
    reps_min: int = 10
    hold_s: float = 0.0
    rest_s: float = 30.0

    @classmethod
    def from_spec(cls, spec: ExerciseSpec, rest_s: float = 30.0) -> LiveDose:
        d = spec.dose
        reps = d.reps_max or d.reps_min or (3 if spec.kind == "holds" else 10)
        sides = ("first", "second") if d.per_side and spec.side_rule != "none" else ("both",)
        return cls(sides, d.sets, reps, d.reps_min or reps, d.hold_s or spec.hold_target_s, rest_s)

    @classmethod
    def from_prescription(cls, dose: ExerciseDose, rest_s: float = 30.0) -> LiveDose:
        """The prescribed dose: the top of each range is the goal shown, the bottom is done."""
        hold = dose.hold_s.max if dose.hold_s is not None else 0.0
        reps = max(1, int(dose.reps.max))
        return cls(tuple(dose.sides), max(1, int(dose.sets.max)), reps, int(dose.reps.min), hold, rest_s)

    @property
    def plan(self) -> list[tuple[int, int]]:
        """(side number, set number), both 0-based, in the order they are done."""
        return [(s, k) for s in range(len(self.sides)) for k in range(self.sets)]


@dataclass(frozen=True)
class CoachView:
    """What the screen should say now."""

    phase: Phase
    side_no: int  # 0-based position in the dose's sides
    set_no: int  # 0-based set on this side
    sets: int
    reps_in_set: int
    reps_target: int
    rest_left_s: float = 0.0
    prompt: str = ""  # the big message: rest timer, switch sides, done
    cue: str | None = None  # the one form cue shown now
    sounds: tuple[str, ...] = ()  # audio cues to play for this frame
    setup: SetupStatus | None = None


class CueThrottle:
    """One short form cue at a time: shown ``show_s``, then ``gap_s`` of quiet, and the same cue
    not again within ``repeat_s``. Candidates are the faults active now and faults just reported.
    """

    def __init__(self, show_s: float = 3.0, gap_s: float = 1.5, repeat_s: float = 10.0) -> None:
        self.show_s, self.gap_s, self.repeat_s = show_s, gap_s, repeat_s
        self._current: tuple[str, float] | None = None  # code, shown since
        self._last_end = -1e9
        self._last_shown: dict[str, float] = {}

    def update(self, t_s: float, candidates: Sequence[str]) -> str | None:
        """The code of the cue to show now (or None)."""
        if self._current is not None:
            code, since = self._current
            if t_s - since < self.show_s:
                return code
            self._current = None
            self._last_end = t_s
        if t_s - self._last_end < self.gap_s:
            return None
        for code in candidates:
            if t_s - self._last_shown.get(code, -1e9) >= self.repeat_s:
                self._current = (code, t_s)
                self._last_shown[code] = t_s
                return code
        return None


@dataclass
class Coach:
    """Walks through a :class:`LiveDose`; call :meth:`update` once per analysed frame."""

    spec: ExerciseSpec
    dose: LiveDose
    setup: SetupCheck = field(default_factory=SetupCheck)
    cues: CueThrottle = field(default_factory=CueThrottle)

    def __post_init__(self) -> None:
        self.phase: Phase = "setup"
        self.step = 0  # index into dose.plan
        self.baseline = 0  # total reps when this set started
        self.total = 0
        self.rest_until = 0.0
        self._side_at_set_end: str | None = None
        self._hold_beeped = False
        self._side_request = False
        self.log: list[tuple[float, str]] = []  # (t_s, what) for the event log's notes

    @property
    def _plan(self) -> list[tuple[int, int]]:
        return self.dose.plan

    def _items(self, state: FrameState) -> int:
        return sum(state.counts.values())

    # -- keys -----------------------------------------------------------------------------------
    def reset_set(self, t_s: float) -> None:
        """Start the current set's count again (the reps stay in the session)."""
        self.baseline = self.total
        self.log.append((t_s, "reset_set"))

    def switch_side(self, t_s: float) -> None:
        """The person says they changed sides: go to the first set of the next side."""
        self._side_request = True
        self.log.append((t_s, "switch_side"))

    # -- per frame ------------------------------------------------------------------------------
    def update(self, pose: Pose | None, state: FrameState) -> CoachView:
        t = state.t_s
        self.total = self._items(state)
        sounds: list[str] = []
        unit = "hold_end" if self.spec.kind == "holds" else "rep"
        if any(e.kind == unit and e.payload is not None for e in state.events):
            sounds.append("rep")
        sounds += self._hold_sound(state)
        status = self.setup.update(pose, state) if self.phase == "setup" else None
        if self.phase == "setup" and status is not None and status.ready:
            self.phase = "active"
            self.log.append((t, "go"))
        if self._side_request:
            self._side_request = False
            self._next_side(t)
        self._advance(t, state, sounds)
        cue_code = self.cues.update(t, self._cue_candidates(state)) if self.phase != "setup" else None
        plan_side, plan_set = self._plan[min(self.step, len(self._plan) - 1)]
        return CoachView(
            phase=self.phase,
            side_no=plan_side,
            set_no=plan_set,
            sets=self.dose.sets,
            reps_in_set=max(0, self.total - self.baseline),
            reps_target=self.dose.reps,
            rest_left_s=max(0.0, self.rest_until - t) if self.phase == "rest" else 0.0,
            prompt=self._prompt(t),
            cue=self._cue_text(cue_code),
            sounds=tuple(sounds),
            setup=status,
        )

    def _hold_sound(self, state: FrameState) -> list[str]:
        if state.hold_elapsed_s is None:
            self._hold_beeped = False
            return []
        if not self._hold_beeped and state.hold_target_s > 0 and state.hold_elapsed_s >= state.hold_target_s:
            self._hold_beeped = True
            return ["hold_done"]
        return []

    def _advance(self, t: float, state: FrameState, sounds: list[str]) -> None:
        if self.phase == "active" and self.total - self.baseline >= self.dose.reps:
            self.log.append((t, "set_done"))
            sounds.append("set_done")
            self.baseline = self.total
            self._side_at_set_end = state.side
            if self.step + 1 >= len(self._plan):
                self.phase = "done"
                self.log.append((t, "done"))
            else:
                self.phase = "rest"
                self.rest_until = t + self.dose.rest_s
        elif self.phase == "rest" and t >= self.rest_until:
            self.step += 1
            same_side = self._plan[self.step][0] == self._plan[self.step - 1][0]
            self.phase = "active" if same_side else "switch"
            self.baseline = self.total
        elif self.phase == "switch":
            self.baseline = self.total
            if state.side not in (None, "both", self._side_at_set_end):
                self.phase = "active"
                self.log.append((t, "side_changed"))

    def _next_side(self, t: float) -> None:
        if self.phase in ("setup", "done"):
            return
        cur_side = self._plan[self.step][0]
        nxt = next((i for i, (s, _) in enumerate(self._plan) if s > cur_side), None)
        if nxt is None:
            return
        self.step = nxt
        self.baseline = self.total
        self.phase = "active"

    def _cue_candidates(self, state: FrameState) -> list[str]:
        codes = list(state.active_faults)
        for e in state.events:
            if e.kind == "fault" and e.payload is not None:
                codes.append(getattr(e.payload, "code", ""))
            elif e.kind == "position":
                codes.append("__position")
        return [c for c in dict.fromkeys(codes) if c]

    def _cue_text(self, code: str | None) -> str | None:
        if code is None:
            return None
        if code == "__position":
            return self.spec.start_cue or "Get into the start position"
        return self.spec.cue(code)

    def _prompt(self, t: float) -> str:
        if self.phase == "rest":
            return f"Set done - rest {max(0.0, self.rest_until - t):.0f} s"
        if self.phase == "switch":
            side = self.dose.sides[self._plan[self.step][0]]
            named = f": now your {side} leg" if side in ("left", "right") else ""
            return f"Switch to the other side{named} (press s when ready)"
        if self.phase == "done":
            return "All sets done - well done!"
        return ""
