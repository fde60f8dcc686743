"""One generic, timestamp-driven repetition machine: rest -> moving -> top -> returning -> rest.

Driven only by frame timestamps (never the wall clock), so a file processed at 5x real time
counts exactly like the same motion seen live, and 15, 30 and 60 fps give the same result.

Jitter and threshold chatter are rejected by hysteresis (start above rest + ``start_delta``,
end below rest + ``return_fraction`` of the excursion), by a low-pass filter with its cut-off
in Hz, by a minimum range of motion and by minimum/maximum rep durations. Partial motions that
never reach ``min_rom`` are dropped. A rep whose person disappears for longer than ``max_gap_s``
is dropped too.

When a rep completes, its timing is measured on the buffered samples of that rep:
``start_s``/``end_s`` extrapolate the crossings of two levels of the excursion (e.g. 10 % and
90 %) to the foot of the ramp, assuming a smooth (cosine-like) ramp; ``hold_s`` is the time
within the hold tolerance of the peak (the highest level the signal keeps for about half a
second, so a noise spike on the plateau does not shorten the hold), and ``peak_s`` the middle of
that time. A dip out of that band shorter than ``max_dip_s``, or one under 2 s that stays near
the band, does not end the hold. With ``hold_signal``, the hold is the part of that time where
the hold signal is at its top too.

A rep that comes more than halfway down from its top and then stays still for 2 s (within
``start_delta``) has ended, even short of the rest seen before it: that rest was wrong
(MediaPipe's first frames drift), and the still level is the rest from then on.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hiptrack.events import MachineState
from hiptrack.spec import ExerciseSpec, FaultRule

_PEAK_HOLD_S = 0.5  # a rep's peak level: the highest running median over this window...
_SPIKE_ALLOWANCE = 0.15  # ...plus this fraction of the hold tolerance (a clean plateau is unchanged)
_OVERSHOOT_MAX_S = 1.0  # a top this short above a plateau this long (and 3x longer)...
_PLATEAU_MIN_S = 2.0  # ...one tolerance lower is an overshoot: the plateau is the top
_NOISE_K = 3.0  # a capped top band narrower than this many noise sigmas would cut holds short
_WOBBLE_S = 2.0  # a dip out of the top band shorter than this that stays within...
_WOBBLE_TOL = 1.5  # ...this many more band half-widths of it is a wobble: the hold goes on
_HOLD_OVERLAP = 0.3  # a hold_signal top covering less of the main signal's top is not trusted
_SETTLE_S = 2.0  # a rep more than halfway down from its top and still this long (within
_SETTLE_FRACTION = 0.5  # start_delta) has ended


def _ramp_phase(p: float) -> float:
    """Phase (0-1) at which a cosine ramp reaches fraction ``p`` of its excursion."""
    return math.acos(1.0 - 2.0 * min(max(p, 0.0), 1.0)) / math.pi


def _foot_offset(p_hi: float, p_lo: float, span_s: float) -> float:
    """Time from the foot of a smooth ramp to its ``p_lo`` crossing, given the time ``span_s``
    between its ``p_lo`` and ``p_hi`` crossings (cosine ramps; minimum-jerk is very close)."""
    lo, hi = _ramp_phase(p_lo), _ramp_phase(p_hi)
    return lo / (hi - lo) * max(span_s, 0.0) if hi > lo else 0.0


class LowPass:
    """Median of the last ``median_s`` seconds (drops one-frame glitches such as a leg-label
    swap), then a first-order low-pass with its cut-off in Hz. Timestamp-aware; resets after a
    gap longer than ``max_gap_s``."""

    def __init__(self, cutoff_hz: float, median_s: float = 0.0, max_gap_s: float = 0.5) -> None:
        self.cutoff_hz = cutoff_hz
        self.median_s = median_s
        self.max_gap_s = max_gap_s
        self._t: float | None = None
        self._y = 0.0
        self._win: deque[tuple[float, float]] = deque()

    def reset(self) -> None:
        self._t = None
        self._win.clear()

    def __call__(self, t_s: float, x: float) -> float:
        if self.median_s > 0:
            self._win.append((t_s, x))
            while self._win[0][0] < t_s - self.median_s:
                self._win.popleft()
            # statistics.median: the same value as np.median on these few finite samples (the
            # callers drop NaN), at a tenth of the cost; this runs for every signal every frame
            x = float(statistics.median([v for _, v in self._win]))
        if self._t is None or t_s - self._t > self.max_gap_s or not math.isfinite(self._y):
            self._t, self._y = t_s, x
            return x
        dt = max(t_s - self._t, 1e-6)
        alpha = 1.0 - math.exp(-2.0 * math.pi * self.cutoff_hz * dt)
        self._y += alpha * (x - self._y)
        self._t = t_s
        return self._y


def _wrap180(d: float) -> float:
    return (d + 90.0) % 180.0 - 90.0


def is_circular(signal: str) -> bool:
    """Roll signals are line directions, defined modulo 180 deg."""
    return signal.endswith("_roll_deg")


@dataclass
class RepResult:
    """A completed rep, measured on its own samples (units of the spec's main signal)."""

    start_s: float
    peak_s: float
    end_s: float
    hold_s: float
    hold_start_s: float
    hold_end_s: float
    rest_value: float
    peak_value: float
    rom: float
    faults: list[tuple[str, float, float]]  # (code, t_s first seen, measured value)
    measures: dict[str, float] = field(default_factory=dict)  # every peak rule's measured value
    top_s: float = math.nan  # the top begins: peak rules' faults are dated here


@dataclass
class _Sample:
    t: float
    v: float
    f: dict[str, float]
    raw: float = math.nan


@dataclass
class MachineOutput:
    state: MachineState
    value: float | None
    rest: float | None
    hold_elapsed_s: float | None = None
    active_faults: tuple[str, ...] = ()
    completed: RepResult | None = None
    top_reached: bool = False
    aborted: str | None = None


@dataclass
class _Rest:
    """Rest values: median of the samples seen at rest in the last ``window_s``."""

    window_s: float
    samples: deque[_Sample] = field(default_factory=deque)

    def add(self, s: _Sample) -> None:
        self.samples.append(s)
        while self.samples and self.samples[0].t < s.t - self.window_s:
            self.samples.popleft()

    def main(self) -> float | None:
        if not self.samples:
            return None
        # every frame: statistics.median, the same value as np.median on these finite samples
        # (the machine keeps only finite main values) at a fraction of the cost
        return float(statistics.median([s.v for s in self.samples]))

    def of(self, name: str) -> float:
        vals = [s.f.get(name, math.nan) for s in self.samples]
        vals = [v for v in vals if math.isfinite(v)]
        return float(np.median(vals)) if vals else math.nan


class RepMachine:
    """Counts repetitions of one spec's main signal. Feed it every frame with :meth:`update`."""

    def __init__(self, spec: ExerciseSpec, max_gap_s: float = 1.0) -> None:
        self.spec = spec
        self.main = spec.main
        self.max_gap_s = max_gap_s
        hz, med = self.main.smoothing_hz, self.main.median_s
        self._lp_main = LowPass(hz, med)
        # the filters delay the signal by about this much: measured times are shifted back
        self.delay_s = med / 2.0 + 1.0 / (2.0 * math.pi * hz)
        self._lp = {name: LowPass(hz, med) for name in spec.measured_signals}
        self._unwrap: dict[str, float] = {}
        # whether the view is now beyond a fault rule's max_view_depth (its oblique_above then
        # applies); set by the engine, which watches the view
        self.oblique: Callable[[str], bool] = lambda code: False
        # whether the camera looks along the body (the spec's max_view_depth): hold_signal is
        # then not used (MediaPipe drops the raised foot there); set by the engine
        self.along_body: Callable[[], bool] = lambda: False
        self.reset()

    def reset(self) -> None:
        self.state: MachineState = "rest"
        self._rest = _Rest(self.main.rest_window_s)
        self._pre: deque[_Sample] = deque()  # the last ~1.5 s before a rep starts
        self._buf: list[_Sample] = []
        self._peak = -math.inf
        self._top_since: float | None = None
        self._last_seen: float | None = None
        self._first_seen: float | None = None
        self._assumed_rest: float | None = None
        self._roms: list[float] = []
        self._earlier: dict[str, list[float]] = {}  # per fault rule: the peak measures of the reps so far
        self._armed = True
        self._lp_main.reset()
        for lp in self._lp.values():
            lp.reset()
        self._unwrap.clear()

    # -- helpers ------------------------------------------------------------------------------
    def _tol(self, exc: float, noise: float = 0.0) -> float:
        """Half-width of the top band: the spec's tolerance, or its fraction of the excursion,
        whichever is larger; the fraction is capped at ``hold_tolerance_max``, unless the
        signal's own noise (``noise``: sigma, when known) needs a wider band."""
        frac = self.main.hold_tolerance_fraction * max(exc, 0.0)
        if self.main.hold_tolerance_max is not None:
            frac = min(frac, max(self.main.hold_tolerance_max, _NOISE_K * noise))
        return max(self.main.hold_tolerance, frac)

    def _top_level(self, peak: float, exc: float, tol: float | None = None) -> float:
        """The value above which the signal is at the top (held); ``tol``: the band's
        half-width, when the rep's noise is known (default: ``_tol(exc)``)."""
        level = peak - (self._tol(exc) if tol is None else tol)
        engaged = self.main.engaged_above
        if self.spec.kind == "holds" and engaged is not None and not self._rest.samples:
            # the input started in the stretch: with no rest seen, the excursion is a guess, and
            # a person easing in and out of a deep stretch is still holding it
            level = min(level, engaged)
        return level

    def _filtered(self, t: float, raw: dict[str, float]) -> dict[str, float]:
        out = {}
        for name, lp in self._lp.items():
            x = raw.get(name, math.nan)
            if not math.isfinite(x):
                out[name] = math.nan
                continue
            if is_circular(name):
                prev = self._unwrap.get(name)
                x = x if prev is None else prev + _wrap180(x - prev)
                self._unwrap[name] = x
            out[name] = lp(t, x)
        return out

    def _abort(self, why: str, value: float | None, rest: float | None) -> MachineOutput:
        self.state = "rest"
        self._buf = []
        self._peak = -math.inf
        self._top_since = None
        return MachineOutput("rest", value, rest, aborted=why)

    # -- main entry ---------------------------------------------------------------------------
    def update(self, t_s: float, main_value: float | None, faults: dict[str, float]) -> MachineOutput:
        """Advance to time ``t_s``. ``main_value`` None = not measurable (no person, or not in
        the start position)."""
        rest = self._rest.main() if self._rest.samples else self._assumed_rest
        if main_value is None or not math.isfinite(main_value):
            if self._last_seen is not None and t_s - self._last_seen > self.max_gap_s:
                self._lp_main.reset()
                if self.state != "rest":
                    return self._abort("person lost", None, rest)
            return MachineOutput(self.state, None, rest)
        self._last_seen = t_s
        if self._first_seen is None:
            self._first_seen = t_s
        v = self._lp_main(t_s, main_value)
        s = _Sample(t_s, v, self._filtered(t_s, faults), main_value)
        if rest is None:
            engaged = self.main.engaged_above
            if engaged is not None and v > engaged:
                given = self.main.engaged_rest
                rest = engaged - self.main.min_rom if given is None else given
                self._assumed_rest = rest
                return self._at_rest(s, rest)
            self._rest.add(s)
            self._pre.append(s)
            return MachineOutput("rest", v, v)
        if self.state == "rest":
            return self._at_rest(s, rest)
        return self._in_rep(s, rest)

    def _plausible(self, r: RepResult) -> bool:
        """Duration within limits, and not much smaller than the reps before it."""
        if not self.main.min_rep_s <= r.end_s - r.start_s <= self.main.max_rep_s:
            return False
        if self.spec.kind == "holds" and r.hold_s < self.main.min_rep_s:
            return False  # a stretch must be held, not just passed through
        typical = float(np.median(self._roms)) if self._roms else 0.0
        if r.rom < self.main.min_rom_fraction * typical:
            return False
        self._roms.append(r.rom)
        for code, value in r.measures.items():
            if math.isfinite(value):
                self._earlier.setdefault(code, []).append(value)
        return True

    def finish(self) -> RepResult | None:
        """End of input: close a rep that reached the top and is on its way down (or, for a
        hold, still held), else drop it."""
        if self.state == "rest" or not self._buf or self._top_since is None:
            return None
        rest = self._rest.main() if self._rest.samples else self._assumed_rest
        if rest is None:
            return None
        exc = self._peak - rest
        last = self._buf[-1].v
        held = self.spec.kind == "holds"
        if exc < self.main.min_rom or not (held or last <= rest + self.main.finish_fraction * exc):
            return None
        result = self._measure(rest)
        self.state = "rest"
        self._buf, self._peak, self._top_since = [], -math.inf, None
        return result if result is not None and self._plausible(result) else None

    def _at_rest(self, s: _Sample, rest: float) -> MachineOutput:
        if not self._armed:
            # after a rep the lowering must finish (back below the start threshold, or the
            # signal turns up again) before another rep can begin: the tail of a lowering is
            # not a new rep
            prev = self._pre[-1].v if self._pre else s.v
            self._armed = s.v - rest <= self.main.start_delta or s.v > prev
        if self._armed and s.v - rest > self.main.start_delta:
            self.state = "moving"
            # the rep's own samples start at the lowest point before the rise (the pre-roll may
            # still hold the end of the previous lowering)
            pre = list(self._pre)
            low = min(range(len(pre)), key=lambda i: pre[i].v) if pre else 0
            self._buf = [*pre[low:], s]
            self._pre.clear()
            self._peak = s.v
            self._top_since = None
            self._rest_faults = {name: self._rest.of(name) for name in self._lp}
            return MachineOutput("moving", s.v, rest, active_faults=self._active(s))
        if self._armed:  # the tail of a lowering is not rest
            self._rest.add(s)
        self._pre.append(s)
        while self._pre and self._pre[0].t < s.t - 1.5:
            self._pre.popleft()
        return MachineOutput("rest", s.v, rest)

    def _in_rep(self, s: _Sample, rest: float) -> MachineOutput:
        self._buf.append(s)
        self._peak = max(self._peak, s.v)
        exc = self._peak - rest
        level = self._top_level(self._peak, exc)
        start_t = self._buf[0].t
        if s.t - start_t > self.main.max_rep_s + 3.0:
            out = self._abort("too long", s.v, rest)
            self._rest.add(s)
            return out
        top_reached = False
        if exc >= self.main.min_rom and s.v >= level:
            if self.state != "top":
                top_reached = self._top_since is None
                self.state = "top"
                if self._top_since is None:
                    self._top_since = s.t
        elif self.state == "top":
            self.state = "returning"
        # end: back near rest
        if s.v <= rest + max(self.main.return_fraction * exc, self.main.start_delta * 0.5):
            return self._close(s, rest)
        settled = self._settled(s, rest, exc)
        if settled:
            # back down and still for seconds, short of the rest seen before the rep: that rest
            # was wrong (MediaPipe's first frames drift, by 16 deg on an oblique clamshell), and
            # this is the rest now
            out = self._close(s, rest)
            self._rest = _Rest(self.main.rest_window_s)
            for b in settled:
                self._rest.add(b)
            return out
        hold = s.t - self._top_since if self._top_since is not None and self.state == "top" else None
        return MachineOutput(
            self.state, s.v, rest, hold_elapsed_s=hold, active_faults=self._active(s), top_reached=top_reached
        )

    def _close(self, s: _Sample, rest: float) -> MachineOutput:
        """The rep in the buffer is back down at sample ``s``: measure it, then rest."""
        exc = self._peak - rest
        if exc < self.main.min_rom or self._top_since is None:
            out = self._abort("partial", s.v, rest)
        else:
            result = self._measure(rest)
            self.state = "rest"
            self._armed = False
            self._buf, self._peak, self._top_since = [], -math.inf, None
            ok = result is not None and self._plausible(result)
            out = MachineOutput(
                "rest", s.v, rest, completed=result if ok else None, aborted=None if ok else "implausible"
            )
        self._pre.clear()
        self._pre.append(s)
        return out

    def _settled(self, s: _Sample, rest: float, exc: float) -> list[_Sample]:
        """The samples of the last _SETTLE_S, if a rep (not a stretch hold: it may sag for
        ``max_dip_s``) came more than halfway down and has stayed within ``start_delta`` since."""
        if self.state != "returning" or self.spec.kind != "reps" or self._buf[0].t > s.t - _SETTLE_S - 1.0:
            return []
        i = len(self._buf)
        while i > 0 and self._buf[i - 1].t >= s.t - _SETTLE_S:
            i -= 1
        recent = self._buf[i:]
        values = [b.v for b in recent]
        still = max(values) - min(values) <= self.main.start_delta
        below = max(values) <= rest + _SETTLE_FRACTION * exc  # a sag at the top is no lowering
        return recent if still and below and recent[0].t <= s.t - _SETTLE_S + 0.2 else []

    # -- faults -------------------------------------------------------------------------------
    def _measured(self, rule: FaultRule, s: _Sample, signal: str | None = None) -> float:
        """The rule's measure of ``signal`` (default: the rule's own) in one sample."""
        name = signal or rule.signal
        x = s.f.get(name, math.nan)
        if rule.measure == "value":
            return x
        d = x - self._rest_faults.get(name, math.nan)
        if is_circular(name) and math.isfinite(d):
            d = _wrap180(d)  # a line's turn is known modulo 180 deg (the unwrapping can drift)
        return abs(d) if rule.measure == "abs_change" else d

    def _reference(self, rule: FaultRule, s: _Sample) -> float:
        return math.nan if rule.compared_to is None else self._measured(rule, s, rule.compared_to)

    def _active(self, s: _Sample) -> tuple[str, ...]:
        if self.state == "rest" or not hasattr(self, "_rest_faults"):
            return ()
        return tuple(
            r.code
            for r in self.spec.faults
            if r.at == "any" or self.state == "top"
            if self._judged(r, self._measured(r, s), self._reference(r, s))
        )

    def _judged(self, rule: FaultRule, value: float, reference: float) -> bool:
        """The rule is broken (``typical_ratio``: against the person's earlier reps too), and
        (``best_fraction``) short of the person's own best rep."""
        earlier = self._earlier.get(rule.code)
        own_best = rule.short_of_best(value, earlier or [])
        typical = statistics.median(earlier) if earlier and rule.typical_ratio is not None else None
        return own_best and rule.broken(value, reference, self.oblique(rule.code), typical)

    # -- measurement of a finished rep --------------------------------------------------------
    def _refined_hold(self, t: npt.NDArray[np.float64], start: float, end: float) -> tuple[float, float]:
        """The part of the main signal's top (``start``-``end``) where ``hold_signal`` is at its
        top too. A main signal that flattens before the true top (a reverse clamshell's shank,
        from the front) makes a short hold look twice as long; the hold signal does not flatten,
        but a trunk roll moves it: when its top covers under _HOLD_OVERLAP of the main's, the
        main's stands."""
        name = self.main.hold_signal
        assert name is not None
        hv = np.array([smp.f.get(name, math.nan) for smp in self._buf])
        rest = self._rest_faults.get(name, math.nan)
        if not (np.all(np.isfinite(hv)) and math.isfinite(rest) and hv.max() > rest):
            return start, end
        ih = int(np.argmax(hv))
        _, _, h_start, h_end = self._top_window(t, hv, ih, float(hv[ih]) - rest, 0.0)
        lo, hi = max(h_start, start), min(h_end, end)
        return (lo, hi) if hi - lo >= _HOLD_OVERLAP * (end - start) else (start, end)

    def _top_window(
        self, t: npt.NDArray[np.float64], v: npt.NDArray[np.float64], ip: int, exc: float, noise: float
    ) -> tuple[int, int, float, float]:
        """The top of a rep whose signal ``v`` peaks at ``ip``, ``exc`` above rest: the first
        and last sample in it, and the times the signal enters and leaves it."""
        peak = float(v[ip])
        # the top is judged from the highest level the signal keeps for about _PEAK_HOLD_S,
        # not from its single highest sample: a noise spike on the plateau would raise the
        # level and cut the hold short
        sustained = float(_rolling_median(t, v, _PEAK_HOLD_S).max())
        tol = self._tol(exc, noise)
        level = self._top_level(min(peak, sustained + _SPIKE_ALLOWANCE * tol), exc, tol)
        # the top region around the peak, bridging dips shorter than max_dip_s (noise)
        max_dip = self.main.max_dip_s
        a, b = _region(t, v >= level, ip, max_dip)
        if t[b] - t[a] < _OVERSHOOT_MAX_S:
            # MediaPipe can overshoot the end of a fast rise: a bump under a second long above a
            # plateau that lasts seconds. The plateau is the top, then. It is looked for one
            # tolerance below the top band, or below the highest level the signal keeps for
            # _PLATEAU_MIN_S if that is lower (seen from the feet, a reverse clamshell's shank
            # overshoots its plateau by two tolerances)
            kept = float(_rolling_median(t, v, _PLATEAU_MIN_S).max())
            a2, b2 = _region(t, v >= min(level, kept) - tol, ip, max_dip)
            if t[b2] - t[a2] >= max(_PLATEAU_MIN_S, 3.0 * (t[b] - t[a])):
                plateau = float(np.median(v[a2 : b2 + 1]))
                level = self._top_level(plateau + _SPIKE_ALLOWANCE * tol, exc, tol)
        # MediaPipe's landmarks wander on the floor: the signal can sag out of the band for a
        # second or more and come back. A sag that stays near the band is a wobble, not the end
        # of the hold (a deeper one still needs to be shorter than max_dip_s)
        a, b = _region(t, v >= level, ip, max_dip, (v >= level - _WOBBLE_TOL * tol, _WOBBLE_S))
        hold_start = _cross(t, v, a - 1, a, level) if a > 0 else float(t[a])
        hold_end = _cross(t, v, b, b + 1, level) if b < len(v) - 1 else float(t[b])
        return a, b, hold_start, hold_end

    def _measure(self, rest: float) -> RepResult | None:
        t = np.array([b.t for b in self._buf])
        v = np.array([b.v for b in self._buf])
        ip = int(np.argmax(v))
        peak = float(v[ip])
        exc = peak - rest
        if exc <= 0:
            return None
        # the noise matters where the spec caps the top band (hold_tolerance_max, see _tol) or
        # asks a rep to stand out of it (min_rom_noise)
        snr = self.main.min_rom_noise
        needed = self.main.hold_tolerance_max is not None or snr is not None
        noise = _noise(t, np.array([b.raw for b in self._buf])) if needed else 0.0
        if snr is not None and exc < snr * noise:
            return None
        a, b, hold_start, hold_end = self._top_window(t, v, ip, exc, noise)
        if self.main.hold_signal is not None and not self.along_body():
            hold_start, hold_end = self._refined_hold(t, hold_start, hold_end)
        # rise: 10 % and 90 % crossings before the peak, extrapolated to the foot of the ramp
        up_lo = _last_below(t[: a + 1], v[: a + 1], rest + 0.1 * exc)
        up_hi = _last_below(t[: a + 1], v[: a + 1], rest + 0.9 * exc)
        start = up_lo - _foot_offset(0.9, 0.1, up_hi - up_lo)
        # fall: the rep closes before the signal is fully back, so use the lowest level reached
        p_end = min(max((float(v[-1]) - rest) / exc, 0.1), 0.6)
        dn_lo = _first_below(t[b:], v[b:], rest + p_end * exc)
        dn_hi = _first_below(t[b:], v[b:], rest + 0.9 * exc)
        end_ref = dn_lo if dn_lo is not None else float(t[-1])
        end = end_ref + _foot_offset(0.9, p_end, end_ref - (dn_hi if dn_hi is not None else end_ref))
        start = max(start, float(t[0]) - 1.0)
        faults, measures = self._rep_faults(t, a, b)
        d = self.delay_s
        start, end, hold_start, hold_end = start - d, end - d, hold_start - d, hold_end - d
        if b == len(v) - 1:  # still at the top when the input ended: held to its last frame
            hold_end = float(t[-1])
            end = max(end, hold_end)
        # nothing happens before the first frame seen (a clip that starts mid-hold)
        t0 = self._first_seen if self._first_seen is not None else -math.inf
        start, hold_start = max(start, t0), max(hold_start, t0)
        faults = [(code, tf - d, val) for code, tf, val in faults]
        return RepResult(
            start_s=start,
            peak_s=(hold_start + hold_end) / 2,
            end_s=end,
            hold_s=max(hold_end - hold_start, 0.0),
            hold_start_s=hold_start,
            hold_end_s=hold_end,
            rest_value=rest,
            peak_value=peak,
            rom=exc,
            faults=faults,
            measures=measures,
            top_s=float(t[a]) - d,
        )

    def _rep_faults(
        self, t: npt.NDArray[np.float64], a: int, b: int
    ) -> tuple[list[tuple[str, float, float]], dict[str, float]]:
        found = []
        measures: dict[str, float] = {}
        for rule in self.spec.faults:
            x = np.array([self._measured(rule, s) for s in self._buf])
            ref = np.array([self._reference(rule, s) for s in self._buf]) if rule.compared_to else None
            if rule.at == "peak":
                value = _finite_median(x[a : b + 1])
                if value != value:  # nothing measurable at the top
                    continue
                reference = math.nan if ref is None else _finite_median(ref[a : b + 1])
                measures[rule.code] = value
                if self._judged(rule, value, reference):
                    found.append((rule.code, float(t[a]), value))
                continue
            held = _held_extreme(t, x, rule.min_duration_s, rule.above is not None)
            if held is not None:
                reference = math.nan if ref is None else float(ref[int(np.argmin(np.abs(t - held[0])))])
                if rule.broken(held[1], reference, self.oblique(rule.code)):
                    found.append((rule.code, held[0], held[1]))
        return found, measures


def _noise(t: npt.NDArray[np.float64], raw: npt.NDArray[np.float64]) -> float:
    """Frame-to-frame noise of the raw main signal over a rep, as a Gaussian sigma: the 90th
    percentile of its distance from its own running median (0 when it cannot be told)."""
    ok = np.isfinite(raw)
    if ok.sum() < 5:
        return 0.0
    t, raw = t[ok], raw[ok]
    return float(np.percentile(np.abs(raw - _rolling_median(t, raw, _PEAK_HOLD_S)), 90)) / 1.645


def _rolling_median(
    t: npt.NDArray[np.float64], v: npt.NDArray[np.float64], window_s: float
) -> npt.NDArray[np.float64]:
    """Centred running median of ``v`` over ``window_s`` seconds (timestamps ``t``, sorted)."""
    lo = np.searchsorted(t, t - window_s / 2)
    hi = np.searchsorted(t, t + window_s / 2, side="right")
    return np.array([np.median(v[i:j]) for i, j in zip(lo, hi, strict=True)])


def _region(
    t: npt.NDArray[np.float64],
    above: npt.NDArray[np.bool_],
    i: int,
    max_dip: float,
    near: tuple[npt.NDArray[np.bool_], float] | None = None,
) -> tuple[int, int]:
    """First and last index of the run of ``above`` around index ``i``, bridging gaps
    shorter than ``max_dip`` seconds (``i`` itself is part of the run), and, with ``near`` =
    (mask, seconds), gaps shorter than those seconds whose samples are all in the mask."""

    def bridged(j: int, k: int) -> bool:  # the gap between run ends j < k
        gap = float(t[k] - t[j])
        return gap <= max_dip or (near is not None and gap <= near[1] and bool(near[0][j:k].all()))

    a = b = i
    while True:
        left = np.nonzero(above[:a])[0]
        if left.size and bridged(int(left[-1]), a):
            a = int(left[-1])
            while a > 0 and above[a - 1]:
                a -= 1
            continue
        break
    while True:
        right = np.nonzero(above[b + 1 :])[0]
        if right.size and bridged(b, b + 1 + int(right[0])):
            b = b + 1 + int(right[0])
            while b < len(above) - 1 and above[b + 1]:
                b += 1
            continue
        break
    return a, b


def _finite_median(x: npt.NDArray[np.float64]) -> float:
    """Median of the finite values (NaN when there are none)."""
    ok = x[np.isfinite(x)]
    return float(np.median(ok)) if ok.size else math.nan


def _cross(t: npt.NDArray[np.float64], v: npt.NDArray[np.float64], i: int, j: int, level: float) -> float:
    """Time between samples i and j where v crosses ``level`` (linear interpolation)."""
    vi, vj = float(v[i]), float(v[j])
    if vj == vi:
        return float(t[j])
    f = min(max((level - vi) / (vj - vi), 0.0), 1.0)
    return float(t[i] + f * (t[j] - t[i]))


def _last_below(t: npt.NDArray[np.float64], v: npt.NDArray[np.float64], level: float) -> float:
    idx = np.nonzero(v <= level)[0]
    if idx.size == 0:
        return float(t[0])
    i = int(idx[-1])
    return _cross(t, v, i, i + 1, level) if i + 1 < len(v) else float(t[i])


def _first_below(t: npt.NDArray[np.float64], v: npt.NDArray[np.float64], level: float) -> float | None:
    idx = np.nonzero(v <= level)[0]
    if idx.size == 0:
        return None
    i = int(idx[0])
    return _cross(t, v, i - 1, i, level) if i > 0 else float(t[i])


def _held_extreme(
    t: npt.NDArray[np.float64], x: npt.NDArray[np.float64], min_s: float, high: bool
) -> tuple[float, float] | None:
    """(time, value): the most extreme level the signal stays beyond for ``min_s`` seconds."""
    best: tuple[float, float] | None = None
    n = len(x)
    j = 0
    for i in range(n):
        while j < n and t[j] - t[i] < min_s:
            j += 1
        if j >= n:
            break
        seg = x[i : j + 1]
        if not np.all(np.isfinite(seg)):
            continue
        level = float(seg.min() if high else seg.max())
        if best is None or (level > best[1] if high else level < best[1]):
            best = (float(t[i]), level)
    return best
