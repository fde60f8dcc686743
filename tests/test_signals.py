"""Signals that must not depend on MediaPipe's left/right labels where those are unreliable."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import clamshell_points, make_pose

from hiptrack.landmarks import Landmark as L
from hiptrack.signals import top_shank_elevation_deg

_LOWER = ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX")


def _reverse_clamshell(foot_up_px: float, swap_lower_legs: bool):
    """Side-lying, knees together (right leg on top); the top foot raised by ``foot_up_px``."""
    points = clamshell_points(0.0, top="right")
    for part in ("ANKLE", "HEEL", "FOOT_INDEX"):
        points[L[f"RIGHT_{part}"]] = points[L[f"RIGHT_{part}"]] + np.array([0.0, -foot_up_px])
    if swap_lower_legs:  # seen from behind: the lower legs' labels swap, the hips' do not
        for part in _LOWER:
            a, b = L[f"LEFT_{part}"], L[f"RIGHT_{part}"]
            points[a], points[b] = points[b], points[a]
    return make_pose(points, 0.0)


@pytest.mark.parametrize("foot_up_px", [0.0, 40.0, 90.0])
def test_top_shank_elevation_ignores_swapped_lower_leg_labels(foot_up_px: float) -> None:
    straight = top_shank_elevation_deg(_reverse_clamshell(foot_up_px, swap_lower_legs=False))
    swapped = top_shank_elevation_deg(_reverse_clamshell(foot_up_px, swap_lower_legs=True))
    assert swapped == pytest.approx(straight)


def test_top_shank_elevation_rises_with_the_top_foot() -> None:
    values = [top_shank_elevation_deg(_reverse_clamshell(up, False)) for up in (0.0, 40.0, 90.0)]
    assert values[0] < values[1] < values[2]
    assert values[2] - values[0] > 20.0
