"""Per-frame CSV: one row per analysed frame, for spreadsheets and research.

Columns: ``t_s, person, state, side, rep_index, reps_left, reps_right, reps_both,
hold_elapsed_s, hold_target_s, active_faults`` then one column per signal, its unit in the header
(``hip_angle_deg [deg]``). Missing values are empty cells; fault codes are joined by ``;``.
Written to a temporary file and renamed into place by :meth:`CsvSink.close`.
"""

from __future__ import annotations

import csv
import io
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hiptrack.events import FrameState
from hiptrack.outputs.atomic import AtomicPath, CommitOnSuccess
from hiptrack.pose import Pose
from hiptrack.session import Session

log = logging.getLogger(__name__)

SIDES = ("left", "right", "both")
BASE_COLUMNS = (
    "t_s",
    "person",
    "state",
    "side",
    "rep_index",
    *(f"reps_{s}" for s in SIDES),
    "hold_elapsed_s",
    "hold_target_s",
    "active_faults",
)
_SUFFIX_UNITS = (("_deg", "deg"), ("_norm", "ratio"), ("_m", "m"), ("_px", "px"), ("_s", "s"), ("_pct", "%"))


def unit_of(signal: str) -> str:
    """The unit a signal's name carries (``knee_gap_norm`` -> ``ratio``); ``""`` when none."""
    for suffix, unit in _SUFFIX_UNITS:
        if signal.endswith(suffix):
            return unit
    return ""


def signal_header(name: str, unit: str | None = None) -> str:
    unit = unit_of(name) if unit is None else unit
    return f"{name} [{unit}]" if unit else name


def parse_signal_header(header: str) -> tuple[str, str]:
    """Inverse of :func:`signal_header`: ``"a_deg [deg]"`` -> ``("a_deg", "deg")``."""
    if header.endswith("]") and " [" in header:
        name, unit = header[:-1].split(" [", 1)
        return name, unit
    return header, ""


def _num(v: float | None, digits: int = 4) -> str:
    if v is None or not math.isfinite(v):
        return ""
    return f"{v:.{digits}f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))


class CsvSink(CommitOnSuccess):
    """Streams one CSV row per frame.

    Args:
        path: output file; replaced only when :meth:`close` succeeds.
        signal_names: signals to write, in column order (values from ``FrameState.signals``).
        units: unit per signal when the name's suffix does not say it.
    """

    def __init__(
        self, path: str | Path, signal_names: Sequence[str], units: Mapping[str, str] | None = None
    ) -> None:
        self.path = Path(path)
        self.signal_names = list(signal_names)
        self.rows_written = 0
        self._out = AtomicPath(self.path, suffix=".csv")
        self._file: io.TextIOWrapper = self._out.tmp.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file)
        units = units or {}
        self._writer.writerow([*BASE_COLUMNS, *(signal_header(n, units.get(n)) for n in self.signal_names)])

    def on_frame(self, image_bgr: npt.NDArray[np.uint8] | None, pose: Pose | None, state: FrameState) -> None:
        if self._out.done:
            return
        counts = state.counts or {}
        self._writer.writerow(
            [
                f"{state.t_s:.4f}",
                int(state.person),
                state.state,
                state.side or "",
                "" if state.rep_index is None else state.rep_index,
                *(counts.get(s, 0) for s in SIDES),
                _num(state.hold_elapsed_s, 3),
                _num(state.hold_target_s, 3),
                ";".join(state.active_faults),
                *(_num(state.signals.get(n)) for n in self.signal_names),
            ]
        )
        self.rows_written += 1

    def close(self, session: Session | None = None) -> None:
        """Finish the file and move it into place."""
        if self._out.done:
            return
        try:
            self._file.flush()
            self._file.close()
        except BaseException:
            self.abort()
            raise
        self._out.commit()
        log.info("CSV written: %s (%d rows)", self.path, self.rows_written)

    def abort(self) -> None:
        """Stop without touching ``path``."""
        if self._out.done:
            return
        self._file.close()
        self._out.discard()
