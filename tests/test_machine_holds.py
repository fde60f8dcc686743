"""Stretch holds on a bare signal: a clip that starts mid-stretch, and one that starts at rest.

The thigh split of a half-kneeling stretch is ~100 deg kneeling upright and 125-170 deg in the
lunge. Real clips often start already in the lunge, and a person eases in and out of it while
holding (a mobilisation); that is one hold, from the first frame to the last.
"""

from __future__ import annotations

import math

import pytest

from hiptrack.machine import RepMachine, RepResult
from hiptrack.spec import load_builtin


def feed(values: list[tuple[float, float]]) -> list[RepResult]:
    m = RepMachine(load_builtin("hip_flexor_stretch"))
    done = [out.completed for t, v in values if (out := m.update(t, v, {})).completed is not None]
    last = m.finish()
    return done + ([last] if last is not None else [])


@pytest.mark.parametrize("fps", [15, 30, 60])
def test_a_clip_that_starts_in_the_stretch_is_one_hold_over_the_whole_clip(fps: int) -> None:
    # rocks 155 +- 13 deg (one slow in-and-out) for 4 s: never back to kneeling upright
    n = 4 * fps
    values = [(i / fps, 155.0 + 13.0 * math.cos(2 * math.pi * i / n)) for i in range(n + 1)]
    (hold,) = feed(values)
    assert hold.hold_start_s == pytest.approx(0.0)
    assert hold.hold_end_s == pytest.approx(4.0)
    assert hold.hold_s == pytest.approx(4.0)


def lunge(t: float, held_until: float, wobble: tuple[float, float] | None = None) -> float:
    """Thigh split: kneeling upright at 100 deg, a 2 s lunge from 2 s to 130 deg, held until
    ``held_until`` (5 deg out of the stretch during ``wobble``), 2 s back, rest."""
    if t < 2 or t > held_until + 2:
        return 100.0
    if t < 4:
        return 100.0 + 15.0 * (1 - math.cos(math.pi * (t - 2) / 2))
    if t <= held_until:
        return 125.0 if wobble is not None and wobble[0] <= t < wobble[1] else 130.0
    return 100.0 + 15.0 * (1 + math.cos(math.pi * (t - held_until) / 2))


def test_a_stretch_from_rest_is_timed_at_its_plateau() -> None:
    fps = 30
    (hold,) = feed([(i / fps, lunge(i / fps, 10.0)) for i in range(16 * fps)])
    # the plateau is 4-10 s; the ramps' last few degrees count as held (hold tolerance)
    assert hold.hold_start_s == pytest.approx(4.0, abs=0.6)
    assert hold.hold_end_s == pytest.approx(10.0, abs=0.6)
    assert hold.start_s == pytest.approx(2.0, abs=0.4)
    assert hold.end_s == pytest.approx(12.0, abs=0.4)


def _clamshell_rep(spike_at: float | None, fps: int = 30) -> RepResult:
    """Knee opening: rest 0 deg, 1 s rise to 40 deg, 5 s hold, 1 s lowering; optionally a
    0.1 s, 12 deg spike on the plateau (a landmark glitch that survives the smoothing)."""

    def opening(t: float) -> float:
        if t < 2 or t > 9:
            return 0.0
        if t < 3:
            return 20.0 * (1 - math.cos(math.pi * (t - 2)))
        if t <= 8:
            return 40.0 + (12.0 if spike_at is not None and spike_at <= t < spike_at + 0.1 else 0.0)
        return 20.0 * (1 + math.cos(math.pi * (t - 8)))

    m = RepMachine(load_builtin("clamshell"))
    done = [
        out.completed for i in range(12 * fps) if (out := m.update(i / fps, opening(i / fps), {})).completed
    ]
    (rep,) = done
    return rep


@pytest.mark.parametrize("spike_at", [3.5, 5.5, 7.5])
def test_a_spike_on_the_plateau_does_not_cut_the_hold_short(spike_at: float) -> None:
    clean = _clamshell_rep(None)
    assert clean.hold_s == pytest.approx(5.0, abs=0.6)
    spiked = _clamshell_rep(spike_at)
    # the plateau's level decides the top, not the spike's peak: same hold as the clean rep
    assert spiked.hold_s == pytest.approx(clean.hold_s, abs=0.15)
    assert spiked.peak_value > clean.peak_value  # the spike is still the rep's highest value


def test_a_wobble_under_a_second_does_not_end_a_stretch_hold() -> None:
    # held 4-12 s, with a 0.8 s wobble at 7 s
    fps = 30
    (hold,) = feed([(i / fps, lunge(i / fps, 12.0, wobble=(7.0, 7.8))) for i in range(18 * fps)])
    assert load_builtin("hip_flexor_stretch").main.max_dip_s >= 0.8
    assert hold.hold_start_s == pytest.approx(4.0, abs=0.6)
    assert hold.hold_end_s == pytest.approx(12.0, abs=0.6)
