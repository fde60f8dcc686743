"""The exercise engine: poses in, one :class:`FrameState` per frame out, a Session at the end.

Stages per frame (each in its own module): optional landmark smoothing -> named signals
(:mod:`hiptrack.signals`) -> body position (:mod:`hiptrack.posture`) -> working side -> the
generic :class:`~hiptrack.machine.RepMachine` driven by the exercise spec.

Working side: MediaPipe's left/right labels are not trusted frame by frame; the side is a
majority vote over time of a geometric rule chosen by the spec (``top_leg``: the label of the
higher hip; ``bent_leg``: the leg with the smaller knee angle; ``kneeling_leg``: the lower knee).
A vote that stays on the other side for ``side_switch_s`` while at rest means the person turned
over: the side changes and the rest baseline starts afresh.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

from hiptrack import signals
from hiptrack.events import Event, FrameState, MachineState
from hiptrack.geometry import joint_angle
from hiptrack.landmarks import Landmark as L
from hiptrack.machine import MachineOutput, RepMachine
from hiptrack.pose import Pose
from hiptrack.posture import LABELS, PostureTracker, coarse
from hiptrack.session import FaultEvent, Hold, ModelInfo, Rep, Session, Side, SourceInfo, as_side
from hiptrack.spec import ExerciseSpec
from hiptrack.votes import WindowVotes

Smoother = Callable[[Pose | None], Pose | None]
_VIEW_MIN_FRAMES = 10  # frames of view signal (in the last 5 s) before a view is judged
# face_away_m (median of the last 5 s) above which the camera films the person from behind
_BEHIND_M = 0.05


@dataclass
class _PeakMeasures:
    """A counted rep's (or hold's) measures of the spec's ``best_fraction`` rules, for judging
    them again at the end against all of the person's reps (see ExerciseEngine._rejudged)."""

    hold: bool
    index: int
    side: str
    values: dict[str, float]  # only the rules the view could judge at the time
    top_s: float

    @property
    def group(self) -> tuple[bool, str]:  # compared with each other: reps (or holds) of one side
        return self.hold, self.side


class _RecentMedian:
    """A view measure over the last 5 s and its median, computed at most once per frame: the
    view limits of several rules ask it, live and at a rep's end."""

    def __init__(self, span_s: float = 5.0) -> None:
        self.span_s = span_s
        self.values: deque[tuple[float, float]] = deque()
        self._median: float | None = None
        self._fresh = False

    def add(self, t: float, value: float) -> None:
        """Append ``(t, value)`` unless NaN, and drop values older than ``span_s``."""
        if value == value:
            self.values.append((t, value))
        while self.values and self.values[0][0] < t - self.span_s:
            self.values.popleft()
        self._fresh = False

    def __len__(self) -> int:
        return len(self.values)

    def median(self) -> float | None:
        """None before _VIEW_MIN_FRAMES values."""
        if not self._fresh:
            # statistics.median: np.median's value on these finite values, at a fraction of the
            # cost (a spec with a deep_view_signal asks every frame at rest)
            vals = self.values
            self._median = statistics.median([r for _, r in vals]) if len(vals) >= _VIEW_MIN_FRAMES else None
            self._fresh = True
        return self._median


def side_vote(rule: str, pose: Pose) -> str | None:
    """Which side this frame says is working, from MediaPipe's labels and a geometric rule."""
    xy, w = pose.xy_px, pose.world_m
    if rule == "top_leg":
        return "left" if xy[L.LEFT_HIP][1] < xy[L.RIGHT_HIP][1] else "right"
    if rule == "bent_leg":
        kl = joint_angle(w[L.LEFT_HIP], w[L.LEFT_KNEE], w[L.LEFT_ANKLE])
        kr = joint_angle(w[L.RIGHT_HIP], w[L.RIGHT_KNEE], w[L.RIGHT_ANKLE])
        return "left" if kl < kr else "right"
    if rule == "kneeling_leg":
        return "left" if xy[L.LEFT_KNEE][1] > xy[L.RIGHT_KNEE][1] else "right"
    return None


def clear_mismatch(counts: Counter[str], required: str, at_most: float, at_least: float) -> str | None:
    """The posture seen instead of ``required``: the most frequent other one when ``required``
    has at most ``at_most`` of the frames and it at least ``at_least`` (vague classes never win)."""
    n = sum(counts.values())
    other, k = next(((p, c) for p, c in counts.most_common() if p != required), (None, 0))
    if (
        n
        and counts.get(required, 0) < at_most * n
        and other not in (None, "unknown", "lying")
        and k > at_least * n
    ):
        return other
    return None


@dataclass
class _Mismatch:
    window_s: float = 5.0

    def __post_init__(self) -> None:
        self.hist: WindowVotes[str] = WindowVotes(self.window_s)

    def update(self, t: float, posture: str | None, required: str) -> str | None:
        """The posture seen instead of ``required`` when one clearly dominates, else None."""
        if posture is not None:
            self.hist.add(t, posture)
        self.hist.expire(t)
        if len(self.hist) < 5 or self.hist.span_s < 1.0:
            return None
        return clear_mismatch(self.hist.counts, required, at_most=0.1, at_least=0.8)


class ExerciseEngine:
    """Count, time and judge one exercise from a stream of poses."""

    def __init__(
        self,
        spec: ExerciseSpec,
        side: str = "auto",
        smoother: Smoother | None = None,
        side_switch_s: float = 3.0,
    ) -> None:
        self.spec = spec
        self.side_requested = side
        self.smoother = smoother
        self.side_switch_s = side_switch_s
        self.machine = RepMachine(spec)
        self.posture = PostureTracker()
        self._mismatch = _Mismatch()
        self._required_coarse = coarse(spec.position)
        self._votes: WindowVotes[str] = WindowVotes(side_switch_s)
        self.side: str | None = "both" if spec.side_rule == "none" else (None if side == "auto" else side)
        self._rep_side: str | None = None
        self.reps: list[Rep] = []
        self.holds: list[Hold] = []
        self.faults: list[FaultEvent] = []
        self.warnings: list[str] = []
        self.postures: Counter[str] = Counter()
        self.frames = 0
        self.frames_with_person = 0
        self.time_without_person_s = 0.0
        self._last_t: float | None = None
        self._person = False
        self._mismatch_posture: str | None = None
        self._in_position = False
        self._depth = _RecentMedian()  # the spec's view_depth_signal
        self._view_depth = signals.SIGNALS[spec.view_depth_signal].fn
        # fault rules judged only from the front or the back: their depth limits; and those
        # judged from every view, with another threshold beyond their depth limit
        self._front_only: dict[str, float] = {}
        self._oblique_limits: dict[str, float] = {}
        for r in spec.faults:
            if r.max_view_depth is not None:
                limits = self._front_only if r.oblique_above is None else self._oblique_limits
                limits[r.code] = r.max_view_depth
        self._trunk_depth = _RecentMedian()  # trunk_depth_ratio, for the rules' view limits
        # fault rules not judged from behind, and how far the face points away (face_away_m)
        self._not_from_behind = frozenset(r.code for r in spec.faults if not r.judged_from_behind)
        self._face_away = _RecentMedian()
        self._behind_warned = False
        self._end_on_warned = False
        self._rep_before_view = False  # the counting machine's rep began before the view was known
        self._ever_in_position = False
        # rules judged against the person's own best rep, and each counted rep's measures of them
        self._own_best = tuple(r.code for r in spec.faults if r.best_fraction is not None)
        self._peak_measures: list[_PeakMeasures] = []
        self.main_signal = spec.main.signal  # the main signal now in use (see _choose_main)
        # with a deep_view_signal, a second machine follows it all along, so that whichever is
        # chosen has seen the rest before the rep (see _choose_main)
        deep = spec.main.deep_view_signal
        self._shadow: tuple[str, RepMachine] | None = (deep, RepMachine(spec)) if deep else None
        for machine in (self.machine, *((self._shadow[1],) if self._shadow else ())):
            machine.oblique = self._oblique
            machine.along_body = self.view_too_deep

    # -- per frame ----------------------------------------------------------------------------
    def update(self, t_ms: float, pose: Pose | None) -> FrameState:
        t = t_ms / 1000.0
        events: list[Event] = []
        if self.smoother is not None:
            pose = self.smoother(pose)
        self._tick(t, pose, events)
        if pose is None:
            if self._shadow is not None:
                self._shadow[1].update(t, None, {})
            out = self.machine.update(t, None, {})
            return self._state(t, None, out, {}, events)
        posture = self.posture.update(t, pose)
        self.postures[posture] += 1
        # the position is judged at rest: at the top of a rep the body can look like another
        # position for seconds (a clamshell held open, seen from behind, looks supine)
        at_rest = self.machine.state == "rest"
        mism = self._mismatch.update(t, posture, self.spec.position) if at_rest else self._mismatch_posture
        if mism != self._mismatch_posture:
            self._mismatch_posture = mism
            if mism is not None:
                events.append(Event("position", t, mism))
        in_pos = coarse(posture) == self._required_coarse or (posture == "unknown" and self._in_position)
        self._in_position = in_pos and mism is None
        self._ever_in_position |= self._in_position
        self._update_side(t, pose, events)
        self._update_view(t, pose)
        sig = signals.compute(pose, self.spec.signal_names)
        # the start position gates the start of a rep; a rep under way is followed to its end
        # (a big lift can make the body look like another position for a moment)
        counting = self._in_position or self.machine.state != "rest"
        if self._shadow is not None:
            self._choose_main()
            name, shadow = self._shadow
            shadow.update(t, sig.get(name) if counting else None, sig)
        main = sig.get(self.main_signal) if counting else None
        was_rest = self.machine.state == "rest"  # of the machine counting now (it may have swapped)
        if was_rest and main is not None:
            self._rep_side = self.side
        out = self.machine.update(t, main, sig)
        if was_rest and self.machine.state != "rest" and not self.view_known():
            self._rep_before_view = True
        self._handle(t, out, events)
        return self._state(t, pose, out, sig, events)

    def _tick(self, t: float, pose: Pose | None, events: list[Event]) -> None:
        self.frames += 1
        if self._last_t is not None and not self._person:
            self.time_without_person_s += max(t - self._last_t, 0.0)
        self._last_t = t
        if pose is not None:
            self.frames_with_person += 1
        if (pose is not None) != self._person:
            self._person = pose is not None
            events.append(Event("person_found" if self._person else "person_lost", t))

    def _update_side(self, t: float, pose: Pose, events: list[Event]) -> None:
        if self.side_requested != "auto" or self.spec.side_rule == "none":
            return
        vote = side_vote(self.spec.side_rule, pose)
        if vote is None or not self._in_position:
            return
        self._votes.add(t, vote)
        self._votes.expire(t)
        span = self._votes.span_s
        best, k = self._votes.winner() or (vote, 0)
        if self.side is None:
            if span >= min(1.0, self.side_switch_s) and k >= 0.6 * len(self._votes):
                self.side = best
                events.append(Event("side", t, best))
            return
        if (
            best != self.side
            and self.machine.state == "rest"
            and span >= 0.9 * self.side_switch_s
            and k >= 0.85 * len(self._votes)
        ):
            self.side = best
            self.machine.reset()
            if self._shadow is not None:
                self._shadow[1].reset()
            events.append(Event("side", t, best))

    def finish(self) -> list[Event]:
        """End of input: count a rep or hold that the video cut short (see RepMachine.finish)."""
        res = self.machine.finish()
        events: list[Event] = []
        if res is not None and self._last_t is not None:
            self._handle(self._last_t, MachineOutput("rest", None, None, completed=res), events)
        return events

    def _choose_main(self) -> None:
        """Count the spec's deep_view_signal while the camera looks along the body, the main
        signal otherwise. The two machines swap only while the counting one is at rest (the
        other has followed its own signal all along, so it knows its rest value), or in a rep
        it began before the view was known, which is then dropped."""
        assert self._shadow is not None
        mid_rep = self.machine.state != "rest"
        if mid_rep and not self._rep_before_view:
            return
        want = self.spec.main.deep_view_signal if self.view_too_deep() else self.spec.main.signal
        if want != self.main_signal:
            name, shadow = self._shadow
            if mid_rep:
                # a rep started in the first frames, before the view was known, on the signal
                # the view now rules out (MediaPipe's first frames jump): it is dropped
                self.machine.reset()
            self._shadow = (self.main_signal, self.machine)
            self.main_signal, self.machine = name, shadow
        if self.view_known():
            self._rep_before_view = False

    def _update_view(self, t: float, pose: Pose) -> None:
        self._depth.add(t, self._view_depth(pose))
        if self._front_only or self._oblique_limits:
            self._trunk_depth.add(t, signals.trunk_depth_ratio(pose))
        if self._not_from_behind:
            self._face_away.add(t, signals.face_away_m(pose))

    def _unjudged(self, codes: tuple[str, ...]) -> set[str]:
        """Those of ``codes`` whose rule is judged only from the front or the back, while the
        trunk points at the camera more than that (median trunk_depth_ratio of the last 5 s),
        and those not judged from behind, while the camera films the person from behind."""
        limits = [(c, self._front_only[c]) for c in codes if c in self._front_only]
        depth = self._trunk_depth.median() if limits else None
        out = set() if depth is None else {c for c, limit in limits if depth > limit}
        behind = self._not_from_behind.intersection(codes)
        if behind and self.from_behind():
            out |= behind
        return out

    def from_behind(self) -> bool:
        """The camera films the person from behind (median face_away_m of the last 5 s)."""
        away = self._face_away.median()
        return away is not None and away > _BEHIND_M

    def _oblique(self, code: str) -> bool:
        """The trunk points at the camera more than the rule ``code``'s max_view_depth (median
        trunk_depth_ratio of the last 5 s): its oblique_above applies."""
        limit = self._oblique_limits.get(code)
        if limit is None:
            return False
        depth = self._trunk_depth.median()
        return depth is not None and depth > limit

    def view_known(self) -> bool:
        """Enough frames seen to judge the view (see view_too_deep)."""
        return len(self._depth) >= _VIEW_MIN_FRAMES

    def view_too_deep(self) -> bool:
        """The body points at the camera more than the spec's faults can be judged from (the
        median of the spec's view_depth_signal over the last seconds is above
        ``spec.max_view_depth``)."""
        depth = self._depth.median()
        return depth is not None and depth > self.spec.max_view_depth

    def _warn_if_unjudged(self) -> None:
        """Once, when a rep ends while the camera looks too much along the body for this
        exercise's faults to be judged (depth is what MediaPipe gets most wrong; end-on it is
        all depth); and once while it films the person from behind, if some are not judged
        from there."""
        if not self._end_on_warned and self.view_too_deep():
            self._end_on_warned = True
            self.warnings.append(
                "The camera looks along the body (from the feet or the head, or too obliquely): reps "
                f"are counted, but form faults cannot be judged from there. {self.spec.camera_tip}"
            )
        if not self._behind_warned and self._not_from_behind and self.from_behind():
            self._behind_warned = True
            codes = ", ".join(sorted(self._not_from_behind))
            self.warnings.append(
                f"The camera films you from behind: reps are counted, but {codes} cannot be judged "
                f"from there. {self.spec.camera_tip}"
            )

    def _handle(self, t: float, out: MachineOutput, events: list[Event]) -> None:
        if out.top_reached:
            events.append(Event("hold_start", t))
        res = out.completed
        if res is None:
            return
        self._warn_if_unjudged()
        judged = self._judged(tuple(c for c, _, _ in res.faults))
        res.faults = [f for f in res.faults if f[0] in judged]
        side = as_side(self._rep_side or self.side)
        codes = [c for c, _, _ in res.faults]
        hold_short = self.spec.hold_target_s > 0 and (
            res.hold_s < self.spec.hold_target_s - self.spec.hold_short_tolerance_s
        )
        if hold_short:
            codes.append("hold_short")
        if self.spec.kind == "holds":
            idx = len(self.holds)
            hold = Hold(
                index=idx,
                side=side,
                start_s=round(res.hold_start_s, 3),
                end_s=round(res.hold_end_s, 3),
                duration_s=round(res.hold_s, 3),
                hold_target_s=self.spec.hold_target_s,
                peak_value=round(res.peak_value, 2),
                unit=self.spec.unit,
                faults=codes,
            )
            self.holds.append(hold)
            events.append(Event("hold_end", t, hold))
            rep_idx, hold_idx = None, idx
        else:
            idx = len(self.reps)
            rep = Rep(
                index=idx,
                side=side,
                start_s=round(res.start_s, 3),
                peak_s=round(res.peak_s, 3),
                end_s=round(res.end_s, 3),
                hold_s=round(res.hold_s, 3),
                hold_target_s=self.spec.hold_target_s,
                rom=round(res.rom, 2),
                peak_value=round(res.peak_value, 2),
                unit=self.spec.unit,
                signal=self.main_signal,
                faults=codes,
            )
            self.reps.append(rep)
            events.append(Event("hold_end", t, None))
            events.append(Event("rep", t, rep))
            rep_idx, hold_idx = idx, None
        if self._own_best:
            judged_now = self._judged(self._own_best)
            values = {c: v for c, v in res.measures.items() if c in judged_now and math.isfinite(v)}
            self._peak_measures.append(_PeakMeasures(hold_idx is not None, idx, side, values, res.top_s))
        found = list(res.faults)
        if hold_short:
            found.append(("hold_short", res.hold_end_s, res.hold_s))
        for code, t_f, value in found:
            fe = self._fault_event(code, t_f, value, side, rep_idx, hold_idx)
            self.faults.append(fe)
            events.append(Event("fault", t, fe))

    def _fault_event(
        self, code: str, t_s: float, value: float, side: Side, rep_idx: int | None, hold_idx: int | None
    ) -> FaultEvent:
        return FaultEvent(
            code=code,
            t_s=round(t_s, 3),
            side=side,
            rep_index=rep_idx,
            hold_index=hold_idx,
            message=self.spec.cue(code),
            value=round(value, 2),
        )

    def counts(self) -> dict[str, int]:
        items = self.holds if self.spec.kind == "holds" else self.reps
        return dict(Counter(i.side for i in items))

    def _state(
        self, t: float, pose: Pose | None, out: MachineOutput, sig: dict[str, float], events: list[Event]
    ) -> FrameState:
        state: MachineState
        if pose is None:
            state = "no_person"
        elif not self._in_position and out.state == "rest":
            state = "setup"
        else:
            state = out.state
        rep_index = None
        if out.state != "rest":
            rep_index = len(self.holds if self.spec.kind == "holds" else self.reps)
        main = out.value if out.value is not None and math.isfinite(out.value) else None
        return FrameState(
            t_s=t,
            person=pose is not None,
            state=state,
            side=self.side,
            orientation=self.posture_now(),
            in_position=self._in_position,
            signals=sig,
            main_value=main,
            rep_index=rep_index,
            counts=self.counts(),
            hold_elapsed_s=out.hold_elapsed_s,
            hold_target_s=self.spec.hold_target_s,
            active_faults=self._judged(out.active_faults),
            events=tuple(events),
        )

    def _rejudged(self) -> tuple[list[Rep], list[Hold], list[FaultEvent]]:
        """The reps, holds and fault events, with the ``best_fraction`` rules judged again
        against all of the person's reps on the same side. While exercising, a rep can only be
        compared with the reps before it, so the first one is judged on the rule's line alone: a
        camera that shrinks every rep's measure (a bridge filmed from high up) has the first
        rep flagged whatever the later ones show. The recording's later reps settle it, both
        ways: a rep no shorter than the person's best is cleared, and one short of a better rep
        that came after it is flagged."""
        reps, holds, faults = list(self.reps), list(self.holds), list(self.faults)
        for rule in self.spec.faults:
            if rule.best_fraction is None:
                continue
            code = rule.code
            measured = [m for m in self._peak_measures if code in m.values]
            for m in measured:
                value = m.values[code]
                others = [o.values[code] for o in measured if o is not m and o.group == m.group]
                flag = rule.broken(value) and rule.short_of_best(value, others)
                item: Rep | Hold = holds[m.index] if m.hold else reps[m.index]
                if flag == (code in item.faults):
                    continue
                codes = self._ordered({*item.faults, code} if flag else set(item.faults) - {code})
                if m.hold:
                    holds[m.index] = holds[m.index].model_copy(update={"faults": codes})
                else:
                    reps[m.index] = reps[m.index].model_copy(update={"faults": codes})
                rep_idx, hold_idx = (None, m.index) if m.hold else (m.index, None)
                faults = [
                    f for f in faults if (f.code, f.rep_index, f.hold_index) != (code, rep_idx, hold_idx)
                ]
                if flag:
                    faults.append(self._fault_event(code, m.top_s, value, item.side, rep_idx, hold_idx))
        return reps, holds, faults

    def _ordered(self, codes: set[str]) -> list[str]:
        """Fault codes as a rep lists them: the spec's rules in order, then hold_short."""
        order = [r.code for r in self.spec.faults]
        return [c for c in order if c in codes] + sorted(codes - set(order))

    def _judged(self, codes: tuple[str, ...]) -> tuple[str, ...]:
        """Those of ``codes`` the current view can judge: none while the camera looks along the
        body (view_too_deep), and not a rule's whose max_view_depth the trunk exceeds."""
        if not codes:
            return codes
        if self.view_too_deep():
            return ()
        unjudged = self._unjudged(codes)
        return tuple(c for c in codes if c not in unjudged) if unjudged else codes

    def posture_now(self) -> str | None:
        return self.posture.current()

    # -- end ----------------------------------------------------------------------------------
    def session(self, source: SourceInfo, model: ModelInfo | None = None, partial: bool = False) -> Session:
        warnings = list(self.warnings)
        main_posture = self.postures.most_common(1)[0][0] if self.postures else None
        other = clear_mismatch(self.postures, self.spec.position, at_most=0.15, at_least=0.6)
        if other is not None:
            warnings.append(
                f"{self.spec.name} is done {LABELS[self.spec.position]}, but the person seems to be "
                f"{LABELS.get(other, other)} for most of the video. Check --exercise, or "
                f"see `hiptrack setup {self.spec.id}` for the start position."
            )
        if self.frames_with_person and not self._ever_in_position and other is None:
            warnings.append(
                f"The start position ({LABELS[self.spec.position]}) was never recognised, so "
                "nothing was counted: the camera may look along the body (from the feet or the "
                f"head). {self.spec.camera_tip}"
            )
        if self.frames and not self.frames_with_person:
            warnings.append(
                "No person was found in the video: is the whole body in view and lit? "
                f"See `hiptrack setup {self.spec.id}`."
            )
        reps, holds, faults = self._rejudged()
        session = Session(
            exercise=self.spec.id,
            exercise_name=self.spec.name,
            main_signal=self.spec.main.signal,
            side_requested="left"
            if self.side_requested == "left"
            else "right"
            if self.side_requested == "right"
            else "auto",
            source=source,
            model=model,
            partial=partial,
            reps=reps,
            holds=holds,
            faults=sorted(faults, key=lambda f: f.t_s),
            time_without_person_s=round(self.time_without_person_s, 3),
            detection_rate=round(self.frames_with_person / self.frames, 4) if self.frames else 0.0,
            orientation=main_posture,
            warnings=warnings,
        )
        session.compute_totals()
        return session
