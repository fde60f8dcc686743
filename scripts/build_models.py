#!/usr/bin/env python3
"""Rebuild models/pose_landmarker_{lite,full}.task reproducibly (see hiptrack/modelbuild.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hiptrack.modelbuild import main

raise SystemExit(main())
