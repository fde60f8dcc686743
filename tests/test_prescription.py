"""Prescriptions: TOML/YAML loading, validation errors with field paths, adherence."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiptrack.errors import HiptrackError
from hiptrack.outputs.synthetic import demo_session
from hiptrack.prescription import (
    BUILTIN_EXERCISES,
    DoseRange,
    PrescriptionError,
    adherence,
    load_prescription,
    load_sample,
    parse_prescription,
)


def test_sample_has_the_six_exercises_at_their_doses() -> None:
    p = load_sample()
    assert set(p.exercises) == set(BUILTIN_EXERCISES)
    ex = p.exercises
    assert (ex["clamshell"].reps.min, ex["clamshell"].reps.max, ex["clamshell"].hold_s) == (
        10, 15, DoseRange(min=5, max=5),
    )  # fmt: skip
    assert ex["reverse_clamshell"].hold_s is not None and ex["reverse_clamshell"].hold_s.min > 0
    assert (ex["hip_flexor_stretch"].reps.min, ex["hip_flexor_stretch"].reps.max) == (2, 3)
    assert ex["hip_flexor_stretch"].hold_s == DoseRange(min=30, max=30)
    assert ex["sidelying_hip_abduction"].hold_s is None
    assert ex["prone_hip_extension"].hold_s is not None
    assert ex["bridge"].sides == ["both"]
    assert ex["bridge"].hold_s == DoseRange(min=5, max=10)
    assert all(d.sides == ["left", "right"] for n, d in ex.items() if n != "bridge")


@pytest.mark.parametrize(
    ("value", "lo", "hi"),
    [
        (12, 12, 12),
        (2.5, 2.5, 2.5),
        ("10-15", 10, 15),
        ("8", 8, 8),
        ({"min": 10, "max": 15}, 10, 15),
        ({"min": 3}, 3, 3),
    ],
)
def test_dose_forms(value: object, lo: float, hi: float) -> None:
    d = DoseRange.model_validate(value)
    assert (d.min, d.max) == (lo, hi)


@pytest.mark.parametrize(
    ("exercise", "expected"),
    [
        ({"reps": 0}, "exercises.clamshell.reps: must be >= 1"),
        ({"reps": 10, "sets": 0}, "exercises.clamshell.sets: must be >= 1"),
        ({}, "exercises.clamshell.reps: is required"),
        ({"reps": "lots"}, "exercises.clamshell.reps: 'lots' is not a number or a range"),
        ({"reps": {"min": 15, "max": 10}}, "exercises.clamshell.reps: max (10) must be >= min (15)"),
        ({"reps": 10, "hold_s": -1}, "exercises.clamshell.hold_s.min: must be >= 0"),
        ({"reps": 10, "sides": ["up"]}, "exercises.clamshell.sides.0: must be one of"),
        ({"reps": 10, "sides": []}, "exercises.clamshell.sides: must name at least one side"),
        ({"reps": 10, "sides": ["both", "left"]}, 'exercises.clamshell.sides: "both" cannot be combined'),
        ({"reps": 10, "rep": 5}, "exercises.clamshell.rep: is not a known field"),
        ({"reps": True}, "exercises.clamshell.reps: must be a number"),
    ],
)
def test_errors_name_the_field(exercise: dict[str, object], expected: str) -> None:
    with pytest.raises(PrescriptionError) as err:
        parse_prescription({"exercises": {"clamshell": exercise}})
    assert expected in str(err.value)
    assert isinstance(err.value, HiptrackError)


def test_top_level_errors() -> None:
    with pytest.raises(PrescriptionError, match="exercises: must list at least one exercise"):
        parse_prescription({"exercises": {}})
    with pytest.raises(PrescriptionError, match="not an exercise id"):
        parse_prescription({"exercises": {"Bad Name": {"reps": 1}}})
    with pytest.raises(PrescriptionError, match="top level"):
        parse_prescription([1, 2])


def test_yaml_and_toml_load_the_same(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "exercises:\n  bridge:\n    sides: [both]\n    reps: 10-15\n    hold_s: 5\n"
    )
    (tmp_path / "p.toml").write_text('[exercises.bridge]\nsides = ["both"]\nreps = "10-15"\nhold_s = 5\n')
    assert load_prescription(tmp_path / "p.yaml") == load_prescription(tmp_path / "p.toml")


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("bad.toml", "exercises = [", "not valid TOML"),
        ("bad.yaml", "exercises: [", "not valid YAML"),
        ("evil.yaml", "!!python/object/apply:os.system ['echo hi']", "not valid YAML"),
        ("p.json", "{}", "use .toml or .yaml"),
    ],
)
def test_unreadable_files(tmp_path: Path, name: str, text: str, match: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(PrescriptionError, match=match):
        load_prescription(tmp_path / name)


def test_missing_file() -> None:
    with pytest.raises(PrescriptionError, match="Cannot read prescription"):
        load_prescription("/nonexistent/p.toml")


def test_adherence_per_side_counts_holds_that_met_the_target() -> None:
    p = load_sample()
    s = demo_session("clamshell", reps_per_side=12, sides=("left", "right"), hold_s=5.0)
    s.reps[0].hold_s = 2.0  # one left rep held too briefly
    rows = {a.side: a for a in adherence(p, [s])}
    assert rows["left"].required == 10 and rows["left"].done == 11 and rows["left"].holds_short == 1
    assert rows["left"].met and rows["left"].ratio == 1.0
    assert "10-15 reps" in rows["left"].target and "hold 5 s" in rows["left"].target


def test_adherence_partial_and_both_sides() -> None:
    p = load_sample()
    half = demo_session("clamshell", reps_per_side=5, sides=("left",))
    rows = {a.side: a for a in adherence(p, [half])}
    assert rows["left"].ratio == pytest.approx(0.5) and not rows["left"].met
    assert rows["right"].done == 0 and rows["right"].ratio == 0.0
    bridge = demo_session("bridge", reps_per_side=10, sides=("both",), hold_s=6.0)
    (row,) = adherence(p, [bridge])
    assert (row.side, row.done, row.met) == ("both", 10, True)


def test_adherence_pools_sessions_and_skips_unprescribed() -> None:
    p = parse_prescription({"exercises": {"clamshell": {"reps": 10, "sides": ["left"]}}})
    a = demo_session("clamshell", reps_per_side=6, sides=("left",))
    b = demo_session("clamshell", reps_per_side=6, sides=("left",))
    other = demo_session("bridge", sides=("both",))
    rows = adherence(p, [a, b, other])
    assert [(r.exercise, r.done, r.met) for r in rows] == [("clamshell", 12, True)]


def test_stretch_holds_count() -> None:
    p = load_sample()
    s = demo_session("hip_flexor_stretch", reps_per_side=2, hold_s=31.0)
    rows = {a.side: a for a in adherence(p, [s])}
    assert rows["left"].done == 2 and rows["left"].met and "holds" in rows["left"].target
