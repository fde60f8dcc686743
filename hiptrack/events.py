"""What the exercise engine says about each frame, and the sink protocol that consumes it.

The engine turns ``(t_ms, Pose | None)`` into one :class:`FrameState` per frame. Sinks (live
overlay, annotated video, CSV, event log) receive the frame, the pose and that state; none of
them feeds back into counting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from hiptrack.pose import Pose
from hiptrack.session import FaultEvent, Hold, Rep, Session

EventKind = Literal[
    "rep",  # payload: Rep (a completed repetition)
    "hold_start",  # the top of a rep / the stretch position is reached
    "hold_end",  # payload: Hold for stretches; None for a rep's top hold (see the Rep)
    "fault",  # payload: FaultEvent
    "person_lost",
    "person_found",
    "position",  # payload: str, the body position now seen (e.g. "side_lying")
    "side",  # payload: str, the working side now detected
]
MachineState = Literal["setup", "rest", "moving", "top", "returning", "no_person"]


@dataclass(frozen=True)
class Event:
    kind: EventKind
    t_s: float
    payload: Rep | Hold | FaultEvent | str | None = None


@dataclass(frozen=True)
class FrameState:
    """The engine's view of one frame.

    ``signals`` maps signal names to values in the units of the exercise spec (``*_deg``
    degrees, ``*_norm`` body-relative ratios); ``main_value`` is the spec's main signal.
    """

    t_s: float
    person: bool
    state: MachineState
    side: str | None = None
    orientation: str | None = None
    in_position: bool = False
    signals: dict[str, float] = field(default_factory=dict)
    main_value: float | None = None
    rep_index: int | None = None  # index the rep in progress will get, None at rest
    counts: dict[str, int] = field(default_factory=dict)  # completed reps (or holds) per side
    hold_elapsed_s: float | None = None  # while at the top / in the stretch
    hold_target_s: float = 0.0
    active_faults: tuple[str, ...] = ()
    events: tuple[Event, ...] = ()


class Sink(Protocol):
    """Receives every analysed frame; ``close`` gets the final session."""

    def on_frame(
        self, image_bgr: npt.NDArray[np.uint8] | None, pose: Pose | None, state: FrameState
    ) -> None: ...

    def close(self, session: Session) -> None: ...
