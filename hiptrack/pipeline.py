"""Frames -> poses: the shared front half of `pose`, `analyze` and `live`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hiptrack.estimator import PoseEstimator
from hiptrack.pose import Pose
from hiptrack.tracking import PersonSelector
from hiptrack.video import Frame, FrameSource


@dataclass(frozen=True)
class PoseFrame:
    frame: Frame
    pose: Pose | None  # the patient, or None when nobody is seen
    people: int  # how many people the model found


def iter_poses(
    source: FrameSource, estimator: PoseEstimator, selector: PersonSelector | None = None
) -> Iterator[PoseFrame]:
    """Run the estimator on every frame of ``source`` and keep following the same person."""
    selector = selector or PersonSelector()
    for frame in source:
        poses = estimator.detect(frame.image_bgr, frame.t_ms)
        yield PoseFrame(frame=frame, pose=selector.select(poses), people=len(poses))
