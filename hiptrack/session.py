"""The session file: what `hiptrack analyze --json` and `hiptrack live` write.

Schema ``hiptrack-session/1`` (this module is its documentation; ``hiptrack schema`` prints the
JSON Schema). Other programs read it: the top-level names ``reps``, ``holds`` and ``faults`` and
the fields listed for them are stable. Fields may be added; a breaking change bumps the version.

Times are seconds from the start of the source (``*_s``); angles are degrees (``*_deg``);
``side`` is the patient's working side: ``left``, ``right`` or ``both`` (bridge).
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from hiptrack import __version__
from hiptrack.errors import HiptrackError

SESSION_SCHEMA = "hiptrack-session/1"
Side = Literal["left", "right", "both"]


def as_side(side: str | None) -> Side:
    """A side name as the schema's literal (anything unknown counts as both)."""
    if side == "left":
        return "left"
    if side == "right":
        return "right"
    return "both"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Rep(_Model):
    """One counted repetition."""

    index: int = Field(description="0-based, in order of completion across sides")
    side: Side
    start_s: float = Field(description="the main signal starts leaving rest")
    peak_s: float = Field(description="middle of the time spent at the top")
    end_s: float = Field(description="back at rest")
    hold_s: float = Field(description="time spent at the top")
    hold_target_s: float = 0.0
    rom: float = Field(description="range of motion: peak minus rest value of the main signal")
    peak_value: float = Field(description="main signal at the peak")
    unit: str = Field("deg", description="unit of rom and peak_value")
    signal: str = Field(
        "",
        description="the signal rom and peak_value are measured on: the spec's main signal, or "
        "its deep_view_signal when the camera looked along the body",
    )
    faults: list[str] = Field(default_factory=list, description="fault codes seen during the rep")


class Hold(_Model):
    """One timed static hold (hip flexor stretch)."""

    index: int
    side: Side
    start_s: float
    end_s: float
    duration_s: float
    hold_target_s: float = 0.0
    peak_value: float = 0.0
    unit: str = "deg"
    faults: list[str] = Field(default_factory=list)


class FaultEvent(_Model):
    """A form fault, at the moment it was first seen."""

    code: str
    t_s: float
    side: Side | None = None
    rep_index: int | None = None
    hold_index: int | None = None
    message: str = ""
    value: float | None = Field(None, description="the measured value that broke the rule")


class SideTotals(_Model):
    reps: int = 0
    holds: int = 0
    hold_s_total: float = 0.0
    rom_mean: float | None = None
    rom_best: float | None = None
    faults: dict[str, int] = Field(default_factory=dict)


class SourceInfo(_Model):
    path: str
    width: int = 0
    height: int = 0
    fps: float = 0.0
    frames: int = 0
    duration_s: float = 0.0
    rotation_deg: int = 0
    is_camera: bool = False
    decode_errors: int = 0


class ModelInfo(_Model):
    name: str
    complexity: str | None = None


class Session(_Model):
    """Everything known about one exercise session."""

    model_config = ConfigDict(extra="allow")

    schema_: str = Field(
        SESSION_SCHEMA, serialization_alias="schema", validation_alias=AliasChoices("schema", "schema_")
    )
    hiptrack_version: str = __version__
    created_utc: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    partial: bool = Field(False, description="true when the run was interrupted: data up to then")
    exercise: str
    exercise_name: str = ""
    main_signal: str = ""
    side_requested: Literal["auto", "left", "right"] = "auto"
    patient: str | None = None
    source: SourceInfo
    model: ModelInfo | None = None
    reps: list[Rep] = Field(default_factory=list)
    holds: list[Hold] = Field(default_factory=list)
    faults: list[FaultEvent] = Field(default_factory=list)
    totals: dict[str, SideTotals] = Field(default_factory=dict)
    time_without_person_s: float = 0.0
    detection_rate: float = 0.0
    orientation: str | None = Field(None, description="body position seen most of the time")
    warnings: list[str] = Field(default_factory=list)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2)

    def compute_totals(self) -> None:
        """Fill ``totals`` per side from reps, holds and faults."""
        totals: dict[str, SideTotals] = {}
        for rep in self.reps:
            t = totals.setdefault(rep.side, SideTotals())
            t.reps += 1
        for hold in self.holds:
            t = totals.setdefault(hold.side, SideTotals())
            t.holds += 1
            t.hold_s_total = round(t.hold_s_total + hold.duration_s, 3)
        for side, t in totals.items():
            roms = [r.rom for r in self.reps if r.side == side]
            if roms:
                t.rom_mean = round(sum(roms) / len(roms), 2)
                t.rom_best = round(max(roms), 2)
        for f in self.faults:
            side = f.side or "both"
            t = totals.setdefault(side, SideTotals())
            t.faults[f.code] = t.faults.get(f.code, 0) + 1
        self.totals = totals


class OutputError(HiptrackError, OSError):
    """An output file cannot be written; the message names the file and the fix.

    Also an OSError, so code that catches OSError around a write keeps working.
    """


class SessionError(HiptrackError, ValueError):
    """A file is not a readable session (also a ValueError, as callers expecting one catch)."""


def output_error(exc: OSError, path: str | Path, option: str = "") -> OutputError:
    """One sentence for an OSError on an output file: what happened and what to do."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    other = f", or choose another folder with {option}" if option else ", or choose another folder"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(
            f"The disk is full: cannot write {path}. Free space on the drive holding {folder}{other}; "
            "nothing was overwritten."
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return OutputError(f"Cannot write {path}: permission denied in {folder}. Fix the permissions{other}.")
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return OutputError(f"Cannot write {path}: the folder {folder} does not exist. Create it{other}.")
    if exc.errno == errno.EISDIR:
        return OutputError(f"Cannot write {path}: it is a folder. Give a file name{other}.")
    reason = exc.strerror or str(exc) or type(exc).__name__
    return OutputError(f"Cannot write {path} ({reason}). Check the drive{other}.")


def check_output_folder(folder: str | Path, option: str = "") -> None:
    """Fail before a long analysis when ``folder`` is missing or not writable."""
    folder = Path(folder) if str(folder) else Path(".")
    how = f" or choose another with {option}" if option else ""
    if not folder.exists():
        raise OutputError(f"Output folder {folder} does not exist. Create it{how}.")
    if not folder.is_dir():
        raise OutputError(f"Output folder {folder} is a file, not a folder. Choose a folder{how}.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"Output folder {folder} is not writable. Fix its permissions{how}.")


def file_mode(path: Path) -> int:
    """The mode a new file would get (``mkstemp`` makes 0600), or that of the file replaced."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: str | Path, data: str | bytes, option: str = "") -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    An interrupted or failed write leaves any earlier file at ``path`` untouched and no temporary
    file behind; an OSError becomes an :class:`OutputError` naming the fix (``option`` is the
    command-line option that chose the path, for the message).
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise output_error(exc, path, option) from exc
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), file_mode(path))
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise output_error(exc, path, option) from exc
        raise
    return path


def save_session(session: Session, path: str | Path, option: str = "") -> Path:
    return write_atomic(path, session.to_json() + "\n", option)


def load_session(path: str | Path) -> Session:
    """Read a session file; raises :class:`SessionError` (a ValueError) when it is not one."""
    from pydantic import ValidationError

    try:
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise SessionError(f"Cannot read session {path} ({reason}).") from exc
    if not isinstance(data, dict):
        raise SessionError(f"{path} is not a hiptrack session: expected a JSON object at the top.")
    try:
        return Session.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise SessionError(f"{path} is not a valid hiptrack session: {where}: {err['msg']}.") from exc
