"""Fault rules with ``compared_to``: a fault that must be a movement of its own.

A clamshell's feet part when the top foot lifts (the fault), but also, less, when the whole
top leg swings with a rolled-back pelvis or a wide knee opening. ``feet_apart`` therefore needs
the feet's opening to be at least half the knees' opening as well as above its threshold.
"""

from __future__ import annotations

import math

import pytest

from hiptrack.machine import RepMachine
from hiptrack.spec import FaultRule, SpecError, load_builtin, parse_spec


def one_rep(knee_top: float, foot_top: float, fps: int = 30) -> list[str]:
    """Rest 2 s, rise 1 s, hold 2 s, lower 1 s, rest 2 s; both openings follow the same curve."""
    m = RepMachine(load_builtin("clamshell"))
    faults: list[str] = []
    for i in range(8 * fps):
        t = i / fps
        x = 0.0 if t < 2 or t > 6 else min(1.0, (t - 2)) if t < 5 else max(0.0, 6 - t)
        x = 0.5 - 0.5 * math.cos(math.pi * x)
        sig = {
            "knee_opening_scaled_deg": knee_top * x,
            "knee_opening_deg": knee_top * x,
            "foot_opening_deg": foot_top * x,
            "shoulder_roll_deg": 0.0,
        }
        out = m.update(t, sig["knee_opening_scaled_deg"], sig)
        if out.completed is not None:
            faults += [code for code, _, _ in out.completed.faults]
    return faults


def test_feet_opening_on_their_own_is_feet_apart() -> None:
    assert one_rep(knee_top=30.0, foot_top=20.0) == ["feet_apart"]


def test_feet_parting_with_a_much_wider_knee_opening_is_not() -> None:
    assert one_rep(knee_top=60.0, foot_top=20.0) == []


def test_feet_together_is_clean() -> None:
    assert one_rep(knee_top=30.0, foot_top=2.0) == []


def test_broken_with_and_without_a_reference() -> None:
    rule = FaultRule(
        code="x",
        signal="foot_opening_deg",
        above=10.0,
        compared_to="knee_opening_deg",
        min_ratio=0.5,
        cue="c",
    )
    assert rule.broken(12.0, 20.0)
    assert not rule.broken(12.0, 30.0)
    assert rule.broken(12.0)  # the reference unmeasurable: the threshold alone decides
    assert not rule.broken(8.0, 4.0)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"compared_to": "knee_opening_deg"}, "together"),
        ({"compared_to": "no_such_signal", "min_ratio": 0.5}, "compared_to"),
    ],
)
def test_bad_comparisons_are_reported_with_the_field(extra: dict, message: str) -> None:
    data = load_builtin("clamshell").model_dump()
    data["faults"][0].update(extra)  # trunk_rotation: no comparison of its own
    with pytest.raises(SpecError, match=message):
        parse_spec(data, "my_spec.toml")


def test_a_line_turned_by_half_a_circle_has_not_turned() -> None:
    """Roll signals are line directions modulo 180 deg. Three quick 60 deg label flickers at a
    rep's start unwrap to +180 deg, which is the same line: no hips_not_stacked."""
    m = RepMachine(load_builtin("sidelying_hip_abduction"))
    fps, faults = 30, []
    flicker = {62: 70.0, 63: 130.0}  # frames with a momentarily mislabelled shoulder line
    for i in range(8 * fps):
        t = i / fps
        x = 0.0 if t < 2 or t > 6 else min(1.0, (t - 2)) if t < 5 else max(0.0, 6 - t)
        x = 0.5 - 0.5 * math.cos(math.pi * x)
        sig = {
            "top_leg_abduction_deg": -5.0 + 35.0 * x,
            "shoulder_roll_deg": flicker.get(i, 10.0),
            "top_leg_knee_2d_deg": 178.0,
        }
        out = m.update(t, sig["top_leg_abduction_deg"], sig)
        if out.completed is not None:
            faults += [code for code, _, _ in out.completed.faults]
    assert "hips_not_stacked" not in faults
