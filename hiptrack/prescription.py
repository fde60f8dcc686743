"""Prescriptions: the dose a therapist set, and how much of it a session did.

A prescription is a TOML (or YAML) file a clinician edits; see
``hiptrack/data/prescription_sample.toml`` for a commented example::

    title = "Hip home programme"

    [exercises.clamshell]
    sides = ["left", "right"]   # "left", "right", or "both" for two-legged moves (bridge)
    sets = 1
    reps = { min = 10, max = 15 } # per side per set; a single number means exactly that
    hold_s = 5                  # seconds at the top of each rep; a range {min, max} is allowed
    notes = "Keep the feet together."

Doses (``sets``, ``reps``, ``hold_s``) are :class:`DoseRange` values: either one number or a
``{min, max}`` table (``"10-15"`` strings are accepted too). The **minimum** is what counts as
done for adherence; the maximum is shown to the patient as the upper end of the range.

For a timed stretch (hip flexor stretch) ``reps`` counts the holds and ``hold_s`` is the
length of each.

Errors name the field path (``exercises.clamshell.reps: must be >= 1``) and are raised as
:class:`PrescriptionError`.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hiptrack.errors import HiptrackError
from hiptrack.session import Session

log = logging.getLogger(__name__)

BUILTIN_EXERCISES = (
    "clamshell",
    "reverse_clamshell",
    "hip_flexor_stretch",
    "sidelying_hip_abduction",
    "prone_hip_extension",
    "bridge",
)
SAMPLE_PATH = Path(__file__).parent / "data" / "prescription_sample.toml"
# A hold counts as done when it reached this share of its target (frame timing jitter).
HOLD_TOLERANCE = 0.9


SideName = Literal["left", "right", "both"]


class PrescriptionError(HiptrackError):
    """A prescription file cannot be read or is invalid; the message names the field."""


class DoseRange(BaseModel):
    """A dose given as one number or a ``min``-``max`` range (both inclusive)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float = Field(ge=0)
    max: float = Field(ge=0)

    @model_validator(mode="before")
    @classmethod
    def _coerce(cls, data: Any) -> Any:
        if isinstance(data, bool):
            raise ValueError("must be a number or a {min, max} range")
        if isinstance(data, int | float):
            return {"min": data, "max": data}
        if isinstance(data, str):
            m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)\s*)?", data)
            if not m:
                raise ValueError(f"{data!r} is not a number or a range like '10-15'")
            lo = float(m.group(1))
            return {"min": lo, "max": float(m.group(2)) if m.group(2) else lo}
        if isinstance(data, dict) and "min" in data and "max" not in data:
            return {**data, "max": data["min"]}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> DoseRange:
        if self.max < self.min:
            raise ValueError(f"max ({self.max:g}) must be >= min ({self.min:g})")
        return self

    def __str__(self) -> str:
        return f"{self.min:g}" if self.min == self.max else f"{self.min:g}-{self.max:g}"


def _at_least(field: str, dose: DoseRange | None, lowest: float) -> None:
    if dose is not None and dose.min < lowest:
        raise ValueError(f"{field}: must be >= {lowest:g}")


class ExerciseDose(BaseModel):
    """The dose of one exercise."""

    model_config = ConfigDict(extra="forbid")

    sides: list[SideName] = Field(default_factory=lambda: list[SideName](["left", "right"]))
    sets: DoseRange = Field(default_factory=lambda: DoseRange(min=1, max=1))
    reps: DoseRange = Field(description="per side per set; for stretches, holds per side per set")
    hold_s: DoseRange | None = Field(None, description="seconds at the top of each rep / stretch")
    notes: str = ""

    @field_validator("sides")
    @classmethod
    def _sides(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("must name at least one side")
        if "both" in v and len(v) > 1:
            raise ValueError('"both" cannot be combined with "left"/"right"')
        if len(set(v)) != len(v):
            raise ValueError("lists a side twice")
        return v

    @model_validator(mode="after")
    def _positive(self) -> ExerciseDose:
        # raised here (not via Field(ge=)) so the message reads "reps: must be >= 1"
        _at_least("sets", self.sets, 1)
        _at_least("reps", self.reps, 1)
        return self

    def reps_min_total(self, side: str) -> int:
        """Reps (or holds) needed on ``side`` over all sets to count as done."""
        return int(self.reps.min * self.sets.min) if side in self.sides else 0


class Prescription(BaseModel):
    """A whole programme: exercise id -> dose."""

    model_config = ConfigDict(extra="forbid")

    title: str = "Home exercise programme"
    patient: str | None = None
    prescriber: str | None = None
    notes: str = ""
    exercises: dict[str, ExerciseDose]

    @field_validator("exercises")
    @classmethod
    def _names(cls, v: dict[str, ExerciseDose]) -> dict[str, ExerciseDose]:
        if not v:
            raise ValueError("must list at least one exercise")
        for name in v:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"{name!r} is not an exercise id (lower case, digits and _)")
            if name not in BUILTIN_EXERCISES:
                log.warning("prescription names %r, which is not a built-in exercise", name)
        return v

    def dose(self, exercise: str) -> ExerciseDose | None:
        return self.exercises.get(exercise)


# -- loading -------------------------------------------------------------------------------------


def _format_error(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"] if not str(p).startswith("function-")]
        msg = str(err["msg"])
        kind = err["type"]
        ctx = err.get("ctx") or {}
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
            # a validator may prefix a sub-field ("reps: must be >= 1"): move it into the path
            m = re.match(r"([a-z_]+): (.*)", msg)
            if m:
                loc.append(m.group(1))
                msg = m.group(2)
        elif kind == "greater_than_equal":
            msg = f"must be >= {ctx.get('ge')}"
        elif kind == "missing":
            msg = "is required"
        elif kind == "extra_forbidden":
            msg = "is not a known field (check the spelling)"
        elif kind == "literal_error":
            msg = f"must be one of {ctx.get('expected')}"
        elif kind in ("int_parsing", "float_parsing", "int_type", "float_type"):
            msg = "must be a number"
        lines.append(f"{'.'.join(loc) or '(top level)'}: {msg}")
    return "; ".join(dict.fromkeys(lines))


def parse_prescription(data: Any, source: str = "The prescription") -> Prescription:
    """Validate already-parsed TOML/YAML data; raises :class:`PrescriptionError`."""
    if not isinstance(data, dict):
        raise PrescriptionError(f"{source}: expected a table of settings at the top level.")
    try:
        return Prescription.model_validate(data)
    except ValidationError as exc:
        raise PrescriptionError(
            f"{source} is not a valid prescription: {_format_error(exc)}. "
            f"See {SAMPLE_PATH.name} for an example."
        ) from exc


def load_prescription(path: str | Path) -> Prescription:
    """Read a ``.toml`` or ``.yaml``/``.yml`` prescription (YAML via ``yaml.safe_load`` only)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PrescriptionError(f"Cannot read prescription {path} ({exc.strerror or exc}).") from exc
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            raise PrescriptionError(
                f"{path}: unknown prescription format {suffix or '(none)'}; use .toml or .yaml."
            )
    except tomllib.TOMLDecodeError as exc:
        raise PrescriptionError(f"{path} is not valid TOML: {_first_line(exc)}. Fix the syntax.") from exc
    except ValueError as exc:  # yaml.YAMLError is not a ValueError; handled below
        raise PrescriptionError(f"{path}: {_first_line(exc)}.") from exc
    except Exception as exc:
        if type(exc).__module__.startswith("yaml"):
            raise PrescriptionError(f"{path} is not valid YAML: {_first_line(exc)}. Fix the syntax.") from exc
        raise
    return parse_prescription(data, str(path))


def _first_line(exc: BaseException) -> str:
    """Parsers' messages can span lines (with a caret drawing); one sentence is enough."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def load_sample() -> Prescription:
    """The shipped sample programme (all six exercises)."""
    return load_prescription(SAMPLE_PATH)


# -- adherence -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adherence:
    """Done vs prescribed for one exercise and side.

    ``done`` counts reps (or holds, for stretches) whose hold met ``hold_s.min`` x 0.9 when a
    hold is prescribed; ``done_any`` counts all of them. ``ratio`` is ``done / required``
    capped at 1.
    """

    exercise: str
    side: str
    required: int
    target: str  # e.g. "10-15 reps x 1 set, hold 5 s"
    done: int
    done_any: int
    holds_short: int
    ratio: float

    @property
    def met(self) -> bool:
        return self.done >= self.required


def _dose_text(dose: ExerciseDose, stretch: bool) -> str:
    unit = "holds" if stretch else "reps"
    sets = f" x {dose.sets} set{'s' if dose.sets.max > 1 else ''}"
    hold = f", hold {dose.hold_s} s" if dose.hold_s else ""
    return f"{dose.reps} {unit}{sets}{hold}"


def _same_side(prescribed: str, done: str) -> bool:
    return prescribed == done or "both" in (prescribed, done)


def adherence(prescription: Prescription, sessions: Iterable[Session]) -> list[Adherence]:
    """Done vs prescribed per exercise and side, pooling all ``sessions`` of each exercise.

    Only exercises that are both prescribed and present in ``sessions`` are listed; pass the
    sessions of one day to get that day's adherence.
    """
    by_ex: dict[str, list[Session]] = {}
    for s in sessions:
        by_ex.setdefault(s.exercise, []).append(s)
    rows: list[Adherence] = []
    for ex, group in by_ex.items():
        dose = prescription.dose(ex)
        if dose is None:
            continue
        min_hold = dose.hold_s.min * HOLD_TOLERANCE if dose.hold_s else 0.0
        for side in dose.sides:
            durations: list[float] = []
            stretch = False
            for s in group:
                items = [r.hold_s for r in s.reps if _same_side(side, r.side)]
                holds = [h.duration_s for h in s.holds if _same_side(side, h.side)]
                if holds and not items:
                    stretch = True
                durations += items + holds
            done = sum(1 for d in durations if d >= min_hold)
            required = dose.reps_min_total(side)
            rows.append(
                Adherence(
                    exercise=ex,
                    side=side,
                    required=required,
                    target=_dose_text(dose, stretch or ex == "hip_flexor_stretch"),
                    done=done,
                    done_any=len(durations),
                    holds_short=len(durations) - done,
                    ratio=min(1.0, done / required) if required else 1.0,
                )
            )
    return rows
