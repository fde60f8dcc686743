"""Exercise specifications: exercises are data, run by one generic machine.

A spec is a TOML (or YAML) file validated by :class:`ExerciseSpec`. The six shipped specs live
in ``hiptrack/specs/``; a user's own file can be passed with ``--spec FILE`` and checked with
``hiptrack validate FILE``. Every signal named in a spec must exist in
:data:`hiptrack.signals.SIGNALS` (see that module for units and the convention for 0).
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hiptrack.errors import HiptrackError
from hiptrack.signals import SIGNALS


class SpecError(HiptrackError):
    """A spec file is missing or invalid; the message names the field path."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _known_signal(name: str) -> str:
    if name not in SIGNALS:
        raise ValueError(f"unknown signal {name!r}; known: {', '.join(sorted(SIGNALS))}")
    return name


def _known_signal_or_none(name: str | None) -> str | None:
    return None if name is None else _known_signal(name)


class MainSignal(_Strict):
    """The signal that is counted, with hysteresis thresholds in its own unit.

    A rep starts when the smoothed signal rises ``start_delta`` above its rest value, reaches
    the top when it comes within ``hold_tolerance`` of its running peak, and ends when it falls
    back below rest + ``return_fraction`` x (peak - rest). It counts only if peak - rest reaches
    ``min_rom`` and it lasted between ``min_rep_s`` and ``max_rep_s``.
    """

    signal: str
    start_delta: float = Field(gt=0)
    min_rom: float = Field(gt=0)
    return_fraction: float = Field(0.3, gt=0, lt=1)
    hold_tolerance: float = Field(gt=0, description="signal units: 'at the top' = within this of the peak")
    hold_tolerance_fraction: float = Field(
        0.12, ge=0, lt=1, description="...or within this fraction of the excursion, whichever is larger"
    )
    hold_tolerance_max: float | None = Field(
        None,
        gt=0,
        description="signal units: cap on the fractional tolerance, so a rep far bigger than "
        "usual (a lift too high) is not given a top band as wide as a small rep's whole range",
    )
    min_rom_fraction: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="a rep whose range is below this fraction of the median of the previous reps "
        "is a partial motion (0 = off)",
    )
    min_rom_noise: float | None = Field(
        None,
        gt=0,
        description="a rep whose range is below this many noise sigmas of its own raw signal "
        "(frame-to-frame scatter about a running median) is noise, not a rep (unset = off)",
    )
    deep_view_signal: str | None = Field(
        None,
        description="main signal used instead while the camera looks along the body (the "
        "spec's max_view_depth), where ``signal`` is unreliable; switched only at rest",
    )
    hold_signal: str | None = Field(
        None,
        description="a second signal that narrows the hold to where it is at its top too, for a "
        "``signal`` that counts reps well but flattens before the top (unset = off); not used "
        "while the camera looks along the body (max_view_depth); start, end and faults stay on "
        "``signal``",
    )
    max_dip_s: float = Field(
        0.5,
        ge=0,
        le=5,
        description="a dip out of the top shorter than this is a wobble, not the end of the hold",
    )
    min_rep_s: float = Field(0.5, ge=0)
    max_rep_s: float = Field(60.0, gt=0)
    smoothing_hz: float = Field(3.0, gt=0, description="low-pass cut-off applied to the signal")
    median_s: float = Field(0.0, ge=0, le=2, description="median pre-filter window (0 = off)")
    rest_window_s: float = Field(2.0, gt=0, description="rest value = median of this window at rest")
    engaged_above: float | None = Field(
        None,
        description="a value above this is already the exercise position, even with no rest seen "
        "first (a clip that starts mid-stretch); rest is then assumed to be engaged_rest",
    )
    engaged_rest: float | None = Field(
        None,
        description="the rest value assumed when the input starts above engaged_above "
        "(default: engaged_above minus min_rom)",
    )
    finish_fraction: float = Field(
        0.6,
        gt=0,
        le=1,
        description="at the end of the input, a rep already back below rest + this x excursion "
        "still counts (a clip that ends during the last lowering)",
    )

    _v = field_validator("signal")(classmethod(lambda cls, v: _known_signal(v)))

    _deep = field_validator("deep_view_signal", "hold_signal")(
        classmethod(lambda cls, v: _known_signal_or_none(v))
    )

    @model_validator(mode="after")
    def _engaged(self) -> MainSignal:
        above, rest = self.engaged_above, self.engaged_rest
        if rest is not None and (above is None or rest >= above):
            raise ValueError("'engaged_rest' needs 'engaged_above' and must be below it")
        return self


class FaultRule(_Strict):
    """A form fault: a signal compared with a threshold during a rep.

    ``measure``: ``value`` (the signal itself) or ``change`` (signal minus its value at rest
    before the rep, so a fault is what the movement added). ``at``: ``peak`` (median over the
    time at the top) or ``any`` (the most extreme value held for ``min_duration_s``).
    Exactly one of ``above`` / ``below``.
    """

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    signal: str
    measure: Literal["value", "change", "abs_change"] = "value"
    at: Literal["peak", "any"] = "peak"
    above: float | None = None
    below: float | None = None
    min_duration_s: float = Field(0.3, ge=0)
    compared_to: str | None = Field(
        None,
        description="another signal, measured the same way: the fault also needs this signal's "
        "measure to be at least min_ratio times the other's (a movement of its own, not the "
        "by-product of a bigger one)",
    )
    min_ratio: float | None = Field(None, gt=0)
    best_fraction: float | None = Field(
        None,
        gt=0,
        le=1,
        description="with 'below' and at = peak: after the first rep, the fault also needs the "
        "measure to be below this fraction of its largest value in the earlier reps (the "
        "person's own full movement), so a camera angle that shrinks every rep does not make "
        "them all faulty. The session's record judges each rep again against all the reps on "
        "its side, later ones included (live, the first rep has none to compare with)",
    )
    max_view_depth: float | None = Field(
        None,
        gt=0,
        le=1,
        description="judged only while the trunk points at the camera at most this much "
        "(trunk_depth_ratio, median of the last 5 s): for a fault that only a view from the "
        "front or the back shows (with oblique_above: judged beyond it too, against that)",
    )
    oblique_above: float | None = Field(
        None,
        description="with max_view_depth and above: beyond that view depth (a camera at an angle "
        "to the body) the rule is still judged, against this threshold instead of above, for a "
        "measure the angle inflates",
    )
    judged_from_behind: bool = Field(
        True,
        description="false: not judged while the camera films the person from behind "
        "(face_away_m, median of the last 5 s, above 0.05 m), for a fault MediaPipe cannot see "
        "from there",
    )
    typical_above: float | None = Field(
        None,
        description="with typical_ratio, an 'above' rule at = peak: also broken when the measure is "
        "above this and at least typical_ratio times the median of the person's earlier reps (a "
        "fault small in degrees but large against the view's own artifact, which the earlier "
        "reps show; for a 'change' whose earlier median is 0 or below, this alone decides)",
    )
    typical_ratio: float | None = Field(
        None, gt=1, description="with typical_above: how many times the earlier reps' median"
    )
    cue: str = Field(description="short instruction shown to the patient")
    description: str = ""

    _v = field_validator("signal")(classmethod(lambda cls, v: _known_signal(v)))

    _other = field_validator("compared_to")(classmethod(lambda cls, v: _known_signal_or_none(v)))

    @model_validator(mode="after")
    def _one_bound(self) -> FaultRule:
        if (self.above is None) == (self.below is None):
            raise ValueError("give exactly one of 'above' or 'below'")
        if (self.compared_to is None) != (self.min_ratio is None):
            raise ValueError("give 'compared_to' and 'min_ratio' together")
        if self.compared_to is not None and self.above is None:
            raise ValueError("'compared_to' works with 'above' (a measure that must be large)")
        if self.best_fraction is not None and (self.below is None or self.at != "peak"):
            raise ValueError("'best_fraction' works with 'below' and at = \"peak\"")
        if self.oblique_above is not None and (self.above is None or self.max_view_depth is None):
            raise ValueError("'oblique_above' works with 'above' and 'max_view_depth'")
        if (self.typical_above is None) != (self.typical_ratio is None):
            raise ValueError("give 'typical_above' and 'typical_ratio' together")
        if self.typical_above is not None and (self.above is None or self.at != "peak"):
            raise ValueError("'typical_above' works with 'above' and at = \"peak\"")
        return self

    def short_of_best(self, value: float, others: Sequence[float]) -> bool:
        """``best_fraction``: ``value`` is short of the largest of the person's ``others`` (their
        earlier reps live, all their other reps in the session's record); with no others, or
        no best_fraction, nothing to fall short of."""
        return self.best_fraction is None or not others or value < self.best_fraction * max(others)

    def broken(
        self, value: float, reference: float = math.nan, oblique: bool = False, typical: float | None = None
    ) -> bool:
        """``value``: this rule's measure; ``reference``: the same measure of ``compared_to``
        (unknown: judged on the threshold alone); ``oblique``: the view is beyond the rule's
        max_view_depth (``oblique_above`` applies); ``typical``: the median measure of the
        person's earlier reps (None before the first)."""
        if value != value:  # NaN: cannot judge
            return False
        if self.above is not None:
            if self.min_ratio is not None and reference == reference and value < self.min_ratio * reference:
                return False
            if value > (self.oblique_above if oblique and self.oblique_above is not None else self.above):
                return True
            return (
                typical is not None
                and self.typical_above is not None
                and self.typical_ratio is not None
                and value > self.typical_above
                and value >= self.typical_ratio * typical
            )
        assert self.below is not None
        return value < self.below


class Dose(_Strict):
    reps_min: int = Field(0, ge=0)
    reps_max: int = Field(0, ge=0)
    sets: int = Field(1, ge=1)
    per_side: bool = True
    hold_s: float = Field(0.0, ge=0)


class ExerciseSpec(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    kind: Literal["reps", "holds"] = "reps"
    description: str = ""
    position: Literal["side_lying", "supine", "prone", "half_kneeling", "standing"]
    side_rule: Literal["top_leg", "bent_leg", "kneeling_leg", "none"]
    views: list[str] = Field(description="camera views that work, relative to the body")
    max_view_depth: float = Field(
        0.75,
        gt=0,
        le=1,
        description="faults are judged only while the camera looks along the body less than this "
        "(view_depth_signal: 0 = body across the view, 1 = camera at the feet or head)",
    )
    view_depth_signal: Literal["trunk_depth_ratio", "body_image_tallness"] = Field(
        "trunk_depth_ratio",
        description="the signal max_view_depth is compared with (its median over 5 s): "
        "trunk_depth_ratio (world depth) or body_image_tallness (for bodies lying on their side, "
        "where world depth cannot tell an oblique view from one along the body)",
    )
    camera_tip: str
    start_cue: str = ""
    main: MainSignal
    unit: str = "deg"
    hold_target_s: float = Field(0.0, ge=0, description="a shorter hold is reported as hold_short")
    hold_short_tolerance_s: float = Field(0.5, ge=0)
    dose: Dose = Field(default_factory=lambda: Dose())
    faults: list[FaultRule] = Field(default_factory=list)
    extra_signals: list[str] = Field(default_factory=list, description="also computed for CSV/plots")

    @property
    def fault_signals(self) -> list[str]:
        """Every signal the fault rules read (their own and their ``compared_to``), once."""
        names = [f.signal for f in self.faults]
        names += [f.compared_to for f in self.faults if f.compared_to is not None]
        return list(dict.fromkeys(names))

    @property
    def measured_signals(self) -> list[str]:
        """Every signal measured over a rep besides the main one: the hold signal and the
        fault signals, once."""
        timed = [self.main.hold_signal] if self.main.hold_signal else []
        return list(dict.fromkeys([*timed, *self.fault_signals]))

    @property
    def signal_names(self) -> list[str]:
        deep = [self.main.deep_view_signal] if self.main.deep_view_signal else []
        return list(dict.fromkeys([self.main.signal, *deep, *self.measured_signals, *self.extra_signals]))

    @property
    def fault_codes(self) -> list[str]:
        codes = [f.code for f in self.faults]
        if self.hold_target_s > 0:
            codes.append("hold_short")
        return codes

    def cue(self, code: str) -> str:
        if code == "hold_short":
            return f"Hold the top for {self.hold_target_s:g} s"
        return next((f.cue for f in self.faults if f.code == code), code.replace("_", " "))


def _format_errors(exc: ValidationError, source: str) -> str:
    parts = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"]) or "(top level)"
        parts.append(f"{path}: {err['msg']}")
    return f"{source} is not a valid exercise spec: " + "; ".join(parts)


def parse_spec(data: object, source: str = "spec") -> ExerciseSpec:
    if not isinstance(data, dict):
        raise SpecError(f"{source} is not a valid exercise spec: expected a table of fields at the top.")
    try:
        return ExerciseSpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_format_errors(exc, source)) from exc


def read_data_file(path: Path) -> object:
    """TOML or YAML (safe loader only) by file suffix; clear errors for unreadable files."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SpecError(f"No such file: {path}. Check the path.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"Cannot read {path} ({exc}). Pass a UTF-8 TOML or YAML file.") from exc
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            return yaml.safe_load(text)
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        kind = "YAML" if path.suffix.lower() in (".yaml", ".yml") else "TOML"
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SpecError(f"{path} is not valid {kind}: {msg}. Fix the syntax and try again.") from exc


def load_spec_file(path: str | Path) -> ExerciseSpec:
    path = Path(path)
    return parse_spec(read_data_file(path), str(path))


def builtin_ids() -> list[str]:
    folder = resources.files("hiptrack") / "specs"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_builtin(exercise_id: str) -> ExerciseSpec:
    ids = builtin_ids()
    if exercise_id not in ids:
        raise SpecError(f"Unknown exercise {exercise_id!r}. Choose one of: {', '.join(ids)}.")
    res = resources.files("hiptrack") / "specs" / f"{exercise_id}.toml"
    return parse_spec(tomllib.loads(res.read_text(encoding="utf-8")), f"built-in spec {exercise_id}")


def resolve_spec(exercise: str | None, spec_file: str | Path | None = None) -> ExerciseSpec:
    """A user's spec file if given, else the built-in spec with this id."""
    if spec_file is not None:
        return load_spec_file(spec_file)
    if not exercise:
        raise SpecError(f"Say which exercise with --exercise ID (one of: {', '.join(builtin_ids())}).")
    return load_builtin(exercise)
