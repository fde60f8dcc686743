"""Landmark smoothing: a timestamp-aware One Euro filter, vectorised over landmarks.

The One Euro filter (Casiez, Roussel & Vogel, CHI 2012) is a low-pass filter whose cut-off rises
with speed: still landmarks are smoothed hard (no jitter), moving ones lightly (little lag)::

    cutoff_hz = min_cutoff_hz + beta * |speed|

Conventions used here:

* **Time comes from the frames' timestamps**, never from a clock, and the low-pass steps are the
  exact solution of the continuous filter over each interval (the input taken as linear between
  samples, the speed as constant), instead of the usual ``alpha = 1 / (1 + tau/dt)``. So the
  same motion gives the same curve at 15, 30 or 60 fps and across dropped frames.
* **Speed is per landmark** (the norm of its velocity vector), so x, y (and z) of one landmark
  share one cut-off, and is divided by a ``scale`` so ``beta`` means the same in every space:
  image landmarks in frame heights per second, ``z_rel`` in frame widths per second, world
  landmarks in metres per second.
* **Gaps**: when nobody is seen for longer than ``max_gap_s``, the filter forgets its state and
  the next pose starts fresh: a smoothed landmark never blends two different sightings (or two
  different people). Shorter gaps are bridged (the interval is just longer).

Visibility and presence are passed through unsmoothed: they are the model's confidences.
Pure NumPy.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from hiptrack.pose import Pose

FloatArray = npt.NDArray[np.float64]


def _decay(cutoff_hz: FloatArray | float, dt_s: float) -> FloatArray:
    """``exp(-dt/tau)`` of a first-order low-pass with the given cut-off."""
    tau_s = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz, dtype=np.float64))
    return np.asarray(np.exp(-dt_s / tau_s))


class OneEuroFilter:
    """One Euro filter over an array of points shaped ``(..., D)`` (D coordinates per point).

    ``scale`` divides speeds before ``beta`` is applied (e.g. the frame height for pixels).
    """

    def __init__(
        self,
        min_cutoff_hz: float = 1.0,
        beta: float = 2.0,
        d_cutoff_hz: float = 1.0,
        scale: float = 1.0,
    ) -> None:
        if min_cutoff_hz <= 0 or d_cutoff_hz <= 0 or beta < 0 or scale <= 0:
            raise ValueError("cut-offs and scale must be > 0 and beta >= 0")
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self.scale = scale
        self.reset()

    def reset(self) -> None:
        self._t_s: float | None = None
        self._x: FloatArray | None = None  # last raw input
        self._y: FloatArray | None = None  # last output
        self._speed: FloatArray | None = None  # filtered speed per point, units/s

    def __call__(self, x: FloatArray, t_s: float) -> FloatArray:
        """Filtered value of ``x`` observed at ``t_s`` (seconds; must increase)."""
        x = np.asarray(x, dtype=np.float64)
        if self._t_s is None or self._x is None or self._y is None or self._speed is None:
            return self._start(x, t_s)
        dt_s = t_s - self._t_s
        if dt_s <= 0:  # a repeated timestamp: nothing new to integrate
            return self._y.copy()
        # points that were missing (NaN) restart from the raw value
        fresh = ~np.isfinite(self._y) | ~np.isfinite(self._x)
        x_prev = np.where(fresh, x, self._x)
        y_prev = np.where(fresh, x, self._y)
        velocity = (x - x_prev) / dt_s
        raw_speed = np.linalg.norm(velocity, axis=-1) / self.scale
        # speed is constant over the interval: exact zero-order-hold low-pass
        e_d = _decay(self.d_cutoff_hz, dt_s)
        speed = raw_speed + (np.nan_to_num(self._speed) - raw_speed) * e_d
        cutoff_hz = self.min_cutoff_hz + self.beta * speed
        # input linear over the interval (slope s): y(dt) = x1 - s*tau + (y0 - x0 + s*tau) * e
        tau_s = (1.0 / (2.0 * math.pi * cutoff_hz))[..., None]
        e = np.exp(-dt_s / tau_s)
        y = x - velocity * tau_s + (y_prev - x_prev + velocity * tau_s) * e
        self._t_s, self._x, self._y, self._speed = t_s, x, y, np.where(np.isfinite(speed), speed, 0.0)
        return y.copy()

    def _start(self, x: FloatArray, t_s: float) -> FloatArray:
        self._t_s, self._x, self._y = t_s, x, x.copy()
        self._speed = np.zeros(x.shape[:-1])
        return x.copy()


class PoseSmoother:
    """Smooth a stream of :class:`Pose` (image, depth and world landmarks) by its timestamps.

    ``update(pose)`` returns the smoothed pose, or ``None`` for ``None`` (nobody seen). After more
    than ``max_gap_s`` without a pose, smoothing restarts from the next raw pose.
    """

    def __init__(
        self,
        min_cutoff_hz: float = 1.0,
        beta: float = 2.0,
        d_cutoff_hz: float = 1.0,
        max_gap_s: float = 0.5,
    ) -> None:
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.d_cutoff_hz = d_cutoff_hz
        self.max_gap_s = max_gap_s
        self._last_t_s: float | None = None
        self._image: OneEuroFilter | None = None
        self._depth: OneEuroFilter | None = None
        self._world = OneEuroFilter(min_cutoff_hz, beta, d_cutoff_hz, scale=1.0)
        self.resets = 0  # how many times a gap restarted the filter

    def reset(self) -> None:
        """Forget the past: the next pose is passed through and starts a new smoothing run."""
        self._last_t_s = None
        self._image = self._depth = None
        self._world.reset()

    def update(self, pose: Pose | None) -> Pose | None:
        if pose is None:
            return None
        t_s = pose.t_ms / 1000.0
        if self._last_t_s is not None and t_s - self._last_t_s > self.max_gap_s:
            self.reset()
            self.resets += 1
        self._last_t_s = t_s
        w, h = pose.image_wh
        if self._image is None or self._depth is None:
            self._image = OneEuroFilter(self.min_cutoff_hz, self.beta, self.d_cutoff_hz, scale=max(h, 1))
            self._depth = OneEuroFilter(self.min_cutoff_hz, self.beta, self.d_cutoff_hz, scale=max(w, 1))
        return replace(
            pose,
            xy_px=self._image(pose.xy_px, t_s),
            z_rel=self._depth(pose.z_rel[:, None], t_s)[:, 0],
            world_m=self._world(pose.world_m, t_s),
        )
