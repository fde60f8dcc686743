"""Append-only event log: every engine event on disk the moment it happens.

Format ``hiptrack-events/1``: JSON Lines, one record per line, each with a ``type``:

* ``start`` (first line): ``schema``, ``exercise``, ``exercise_name``, ``main_signal``,
  ``side_requested``, ``source`` (a :class:`~hiptrack.session.SourceInfo` dump), ``model``,
  ``created_utc``;
* ``event``: ``kind`` (an :data:`~hiptrack.events.EventKind`), ``t_s`` and ``payload``: the full
  ``Rep`` / ``Hold`` / ``FaultEvent`` dump, a string (``position``, ``side``) or null;
* ``stats``: running counters (``t_s``, ``frames``, ``frames_with_person``,
  ``time_without_person_s``), written every few seconds so a recovered session knows its length;
* ``note``: things the live coach did (``pause``, ``resume``, ``set_done``, ``switch_side``,
  ``reset_set``) with ``t_s`` and ``data``; ignored by recovery;
* ``end`` (last line of a finished run): ``status`` (``complete``, ``interrupted``,
  ``camera_lost``, ``crashed``) and ``reason``.

Every line is flushed and fsynced before :meth:`EventLog.write` returns, so a crash, Ctrl-C or a
power cut loses at most the line being written; :func:`recover_session` rebuilds a (partial)
:class:`~hiptrack.session.Session` from whatever lines are complete.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from hiptrack.closing import Closing
from hiptrack.errors import HiptrackError
from hiptrack.events import Event, FrameState
from hiptrack.pose import Pose
from hiptrack.session import FaultEvent, Hold, ModelInfo, Rep, Session, SourceInfo

log = logging.getLogger(__name__)

EVENTS_SCHEMA = "hiptrack-events/1"
EVENTS_SUFFIX = ".events.jsonl"


class EventLogError(HiptrackError):
    """An event log cannot be written or read; the message says what to do."""


def _payload(event: Event) -> Any:
    p = event.payload
    if isinstance(p, Rep | Hold | FaultEvent):
        return p.model_dump(mode="json")
    return p


class EventLog(Closing):
    """Writes one JSON line per event; usable as a :class:`~hiptrack.events.Sink`.

    ``stats_every_s`` is how often (in frame time) a ``stats`` line records the frame counters.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        exercise: str,
        exercise_name: str = "",
        main_signal: str = "",
        side_requested: str = "auto",
        source: SourceInfo | None = None,
        model: ModelInfo | None = None,
        created_utc: str | None = None,
        stats_every_s: float = 5.0,
    ) -> None:
        self.path = Path(path)
        self.stats_every_s = stats_every_s
        try:
            self._f: IO[str] | None = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            raise EventLogError(
                f"Cannot write the event log {self.path} ({exc.strerror or exc}). "
                "Choose a writable folder with --out-dir."
            ) from exc
        self._frames = 0
        self._with_person = 0
        self._without_s = 0.0
        self._last_t: float | None = None
        self._last_stats_t: float | None = None
        self._person = False
        header: dict[str, Any] = {
            "type": "start",
            "schema": EVENTS_SCHEMA,
            "exercise": exercise,
            "exercise_name": exercise_name,
            "main_signal": main_signal,
            "side_requested": side_requested,
            "source": source.model_dump(mode="json") if source else None,
            "model": model.model_dump(mode="json") if model else None,
        }
        if created_utc:
            header["created_utc"] = created_utc
        self.write(header)

    # -- writing ------------------------------------------------------------------------------
    def write(self, record: dict[str, Any]) -> None:
        """Append one record, flushed and fsynced."""
        if self._f is None:
            raise EventLogError(f"The event log {self.path} is already closed.")
        self._f.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._f.flush()
        os.fsync(self._f.fileno())

    def event(self, event: Event) -> None:
        self.write(
            {"type": "event", "kind": event.kind, "t_s": round(event.t_s, 3), "payload": _payload(event)}
        )

    def note(self, what: str, t_s: float, **data: Any) -> None:
        self.write({"type": "note", "what": what, "t_s": round(t_s, 3), "data": data})

    def stats(self, t_s: float) -> None:
        self._last_stats_t = t_s
        self.write(
            {
                "type": "stats",
                "t_s": round(t_s, 3),
                "frames": self._frames,
                "frames_with_person": self._with_person,
                "time_without_person_s": round(self._without_s, 3),
            }
        )

    def on_frame(self, image_bgr: npt.NDArray[np.uint8] | None, pose: Pose | None, state: FrameState) -> None:
        """Sink protocol: count the frame and write its events."""
        t = state.t_s
        self._frames += 1
        if self._last_t is not None and not self._person:
            self._without_s += max(t - self._last_t, 0.0)
        self._last_t = t
        self._person = state.person
        self._with_person += int(state.person)
        for event in state.events:
            self.event(event)
        if self._last_stats_t is None or t - self._last_stats_t >= self.stats_every_s:
            self.stats(t)

    def end(self, status: str = "complete", reason: str = "") -> None:
        """Write the closing ``end`` record (call once, before :meth:`close`)."""
        if self._last_t is not None:
            self.stats(self._last_t)
        self.write({"type": "end", "status": status, "reason": reason})

    def close(self, session: Session | None = None) -> None:
        """Close the file (the Sink protocol passes the final session, which is not needed)."""
        if self._f is not None:
            self._f.close()
            self._f = None


# -- reading ---------------------------------------------------------------------------------------


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """Every complete record of an event log; a torn last line (crash mid-write) is skipped."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise EventLogError(f"Cannot read {path} ({exc.strerror or exc}). Check the path.") from exc
    records: list[dict[str, Any]] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            if i == len(lines) - 1:
                log.warning("%s: last line is incomplete (interrupted while writing); skipped", path)
                continue
            raise EventLogError(
                f"{path} line {i + 1} is not valid JSON: the file was edited or damaged. "
                "Remove that line and run `hiptrack recover` again."
            ) from None
        if isinstance(rec, dict):
            records.append(rec)
    if not records or records[0].get("type") != "start" or records[0].get("schema") != EVENTS_SCHEMA:
        raise EventLogError(
            f"{path} is not a hiptrack event log (no '{EVENTS_SCHEMA}' start line). "
            f"Pass the {EVENTS_SUFFIX} file that `hiptrack live` wrote."
        )
    return records


def recover_session(path: str | Path) -> Session:
    """Rebuild the session from an event log: reps, holds and faults exactly as logged.

    The session is ``partial`` unless the log ends with a ``complete`` end record.
    """
    records = read_records(path)
    head = records[0]
    reps: list[Rep] = []
    holds: list[Hold] = []
    faults: list[FaultEvent] = []
    stats: dict[str, Any] = {}
    end: dict[str, Any] | None = None
    for rec in records[1:]:
        kind = rec.get("type")
        if kind == "event":
            payload = rec.get("payload")
            if rec.get("kind") == "rep" and isinstance(payload, dict):
                reps.append(Rep.model_validate(payload))
            elif rec.get("kind") == "hold_end" and isinstance(payload, dict):
                holds.append(Hold.model_validate(payload))
            elif rec.get("kind") == "fault" and isinstance(payload, dict):
                faults.append(FaultEvent.model_validate(payload))
        elif kind == "stats":
            stats = rec
        elif kind == "end":
            end = rec
    source = SourceInfo.model_validate(head.get("source") or {"path": ""})
    frames = int(stats.get("frames", 0))
    source.frames = frames
    source.duration_s = float(stats.get("t_s", 0.0))
    complete = end is not None and end.get("status") == "complete"
    side = head.get("side_requested", "auto")
    extra = {"created_utc": head["created_utc"]} if head.get("created_utc") else {}
    session = Session(
        exercise=str(head.get("exercise", "")),
        exercise_name=str(head.get("exercise_name", "")),
        main_signal=str(head.get("main_signal", "")),
        side_requested=side if side in ("left", "right") else "auto",
        source=source,
        model=ModelInfo.model_validate(head["model"]) if head.get("model") else None,
        partial=not complete,
        reps=reps,
        holds=holds,
        faults=sorted(faults, key=lambda f: f.t_s),
        time_without_person_s=float(stats.get("time_without_person_s", 0.0)),
        detection_rate=round(int(stats.get("frames_with_person", 0)) / frames, 4) if frames else 0.0,
        **extra,
    )
    if not complete:
        why = f" ({end.get('reason') or end.get('status')})" if end else ""
        session.warnings.append(
            f"Recovered from the event log {Path(path).name} after an interrupted run{why}: reps, "
            f"holds and faults up to {source.duration_s:.1f} s are complete."
        )
    session.compute_totals()
    return session


def unfinished_logs(folder: str | Path) -> list[Path]:
    """Event logs in ``folder`` whose session JSON was never written (the run was killed)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.glob(f"*{EVENTS_SUFFIX}")):
        if not session_path_for(p).exists():
            out.append(p)
    return out


def session_path_for(events_path: str | Path) -> Path:
    """``X.events.jsonl`` -> ``X.json``."""
    p = Path(events_path)
    name = p.name.removesuffix(EVENTS_SUFFIX) if p.name.endswith(EVENTS_SUFFIX) else p.stem
    return p.with_name(name + ".json")
