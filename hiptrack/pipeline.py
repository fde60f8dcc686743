"""Frames -> poses: the shared front half of `pose`, `analyze` and `live`.

Only the current frame is alive at any time: the loop holds one :class:`PoseFrame`, so memory
does not grow with the length of the clip (callers that keep poses keep only their arrays).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hiptrack.estimator import PoseEstimator
from hiptrack.pose import Pose
from hiptrack.smoothing import PoseSmoother
from hiptrack.tracking import PersonSelector
from hiptrack.video import Frame, FrameSource


@dataclass(frozen=True)
class PoseFrame:
    """One frame with the patient's pose (smoothed if a smoother was given) and the raw one."""

    frame: Frame
    pose: Pose | None  # the patient, or None when nobody is seen
    people: int  # how many people the model found
    raw_pose: Pose | None = None  # the patient before smoothing (same as pose without a smoother)


def iter_poses(
    source: FrameSource,
    estimator: PoseEstimator,
    selector: PersonSelector | None = None,
    smoother: PoseSmoother | None = None,
) -> Iterator[PoseFrame]:
    """Run the estimator on every frame of ``source`` and keep following the same person.

    With a ``smoother``, ``pose`` is smoothed by frame timestamps; ``raw_pose`` stays the model's.
    """
    selector = selector or PersonSelector()
    for frame in source:
        poses = estimator.detect(frame.image_bgr, frame.t_ms)
        raw = selector.select(poses)
        pose = smoother.update(raw) if smoother is not None else raw
        yield PoseFrame(frame=frame, pose=pose, people=len(poses), raw_pose=raw)
