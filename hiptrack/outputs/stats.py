"""Summary numbers for reports and history, from a :class:`Session` alone (pure functions)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from hiptrack.session import Session


@dataclass(frozen=True)
class Trend:
    """How range of motion moved within a set.

    ``slope_per_rep``: least-squares change per rep (unit/rep; negative = fatigue);
    ``first``/``last``: ROM of the first and last rep; ``change_pct``: last vs first, percent.
    """

    slope_per_rep: float | None
    first: float | None
    last: float | None

    @property
    def change_pct(self) -> float | None:
        if self.first is None or self.last is None or self.first == 0:
            return None
        return (self.last - self.first) / abs(self.first) * 100.0


def rom_trend(roms: Sequence[float]) -> Trend:
    """The :class:`Trend` of a set's ROM values in rep order (slope needs >= 2 reps)."""
    vals = [float(v) for v in roms if math.isfinite(v)]
    if not vals:
        return Trend(None, None, None)
    if len(vals) < 2:
        return Trend(None, vals[0], vals[0])
    n = len(vals)
    mx = (n - 1) / 2
    my = sum(vals) / n
    num = sum((i - mx) * (v - my) for i, v in enumerate(vals))
    den = sum((i - mx) ** 2 for i in range(n))
    return Trend(num / den, vals[0], vals[-1])


@dataclass(frozen=True)
class SideSummary:
    """What one side did in one session."""

    side: str
    reps: int
    holds: int
    hold_s_total: float
    hold_s_mean: float | None
    rom_mean: float | None
    rom_best: float | None
    trend: Trend
    faults: dict[str, int]
    unit: str

    @property
    def fault_total(self) -> int:
        return sum(self.faults.values())

    @property
    def faults_per_rep(self) -> float | None:
        n = self.reps or self.holds
        return self.fault_total / n if n else None


def sides_of(session: Session) -> list[str]:
    """Sides that appear in the session, in the order left, right, both."""
    seen: set[str] = {r.side for r in session.reps} | {h.side for h in session.holds}
    seen |= {f.side for f in session.faults if f.side}
    seen |= set(session.totals)
    return [s for s in ("left", "right", "both") if s in seen]


def summarize(session: Session) -> list[SideSummary]:
    """One :class:`SideSummary` per side seen (recomputed from reps/holds/faults, not ``totals``)."""
    out = []
    for side in sides_of(session):
        reps = [r for r in session.reps if r.side == side]
        holds = [h for h in session.holds if h.side == side]
        roms = [r.rom for r in reps] or [h.peak_value for h in holds if h.peak_value]
        durations = [r.hold_s for r in reps if r.hold_s > 0] + [h.duration_s for h in holds]
        faults: dict[str, int] = {}
        for f in session.faults:
            if (f.side or "both") == side:
                faults[f.code] = faults.get(f.code, 0) + 1
        unit = reps[0].unit if reps else (holds[0].unit if holds else "deg")
        out.append(
            SideSummary(
                side=side,
                reps=len(reps),
                holds=len(holds),
                hold_s_total=sum(durations),
                hold_s_mean=sum(durations) / len(durations) if durations else None,
                rom_mean=sum(roms) / len(roms) if roms else None,
                rom_best=max(roms) if roms else None,
                trend=rom_trend(roms),
                faults=faults,
                unit=unit,
            )
        )
    return out
