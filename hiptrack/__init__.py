"""hiptrack: a physical-therapy coach and clinical record for hip exercises, from video."""

__version__ = "0.1.0"
