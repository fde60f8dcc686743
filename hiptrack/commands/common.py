"""Options shared by several commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hiptrack.estimator import EstimatorOptions
from hiptrack.models import COMPLEXITIES


def add_model_options(p: argparse.ArgumentParser, default_complexity: str = "full") -> None:
    g = p.add_argument_group("pose model")
    g.add_argument(
        "--model",
        type=Path,
        metavar="PATH",
        help="a pose_landmarker_*.task bundle (e.g. an official one you downloaded)",
    )
    g.add_argument(
        "--model-complexity",
        choices=COMPLEXITIES,
        default=default_complexity,
        help=f"bundled model to use (default: {default_complexity})",
    )
    g.add_argument(
        "--num-poses",
        type=int,
        default=1,
        help="people the model looks for in each frame; 2 follows the patient among "
        "several people but halves the speed (default: 1)",
    )
    g.add_argument(
        "--no-turned-look",
        dest="turned_look",
        action="store_false",
        help="when the model finds nobody in a frame, do not look again with the frame turned "
        "90 and 180 deg (that second look finds many people lying on the floor whom the model "
        "misses; without it an empty view costs nothing extra)",
    )


def estimator_options(args: argparse.Namespace) -> EstimatorOptions:
    return EstimatorOptions(
        model=args.model,
        complexity=args.model_complexity,
        num_poses=max(1, args.num_poses),
        turned_look=getattr(args, "turned_look", True),
    )


def progress(total: int | None, desc: str, enabled: bool | None = None):  # type: ignore[no-untyped-def]
    """A tqdm bar on a terminal; silent otherwise."""
    from tqdm import tqdm

    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(
        total=total or None, desc=desc, unit="frame", disable=not enabled, leave=False, dynamic_ncols=True
    )
