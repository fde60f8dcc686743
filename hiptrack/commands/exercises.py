"""`hiptrack exercises`, `hiptrack setup ID`, `hiptrack validate FILE`, `hiptrack schema`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from hiptrack.posture import LABELS
from hiptrack.session import Session
from hiptrack.signals import SIGNALS
from hiptrack.spec import ExerciseSpec, builtin_ids, load_builtin, load_spec_file


def register(sub: Any) -> None:
    p = sub.add_parser("exercises", help="list the exercises with their cues")
    p.add_argument("--signals", action="store_true", help="also list the measurable signals")
    p.set_defaults(func=run_list)
    p = sub.add_parser("setup", help="how to place the camera and start an exercise")
    p.add_argument("exercise", metavar="ID", help=", ".join(builtin_ids()))
    p.set_defaults(func=run_setup)
    p = sub.add_parser("validate", help="check an exercise spec file (TOML/YAML)")
    p.add_argument("file", type=Path)
    p.set_defaults(func=run_validate)
    p = sub.add_parser("schema", help="print the JSON Schema of a data file")
    p.add_argument("kind", choices=("session", "spec"))
    p.set_defaults(func=run_schema)


def _dose(spec: ExerciseSpec) -> str:
    d = spec.dose
    unit = "holds" if spec.kind == "holds" else "reps"
    n = f"{d.reps_min}-{d.reps_max}" if d.reps_max > d.reps_min else f"{d.reps_max}"
    hold = f", hold {d.hold_s:g} s" if d.hold_s else ""
    return f"{n} {unit}{' per side' if d.per_side else ''}{hold}"


def run_list(args: argparse.Namespace) -> int:
    for eid in builtin_ids():
        spec = load_builtin(eid)
        print(f"{eid:24s} {spec.name} ({_dose(spec)}; {LABELS[spec.position]})")
        for f in spec.faults:
            print(f'{"":26s}{f.code}: "{f.cue}"')
    if args.signals:
        print("\nsignals:")
        for s in SIGNALS.values():
            print(f"  {s.name:28s} {s.unit:6s} {s.description}")
    return 0


def run_setup(args: argparse.Namespace) -> int:
    spec = load_builtin(args.exercise)
    print(f"{spec.name}: {' '.join(spec.description.split())}")
    print(f"Camera: {spec.camera_tip}")
    print(f"Views that work (relative to your body): {', '.join(spec.views)}.")
    if spec.start_cue:
        print(f"Start position: {spec.start_cue}")
    print(f"Dose: {_dose(spec)}.")
    return 0


def run_validate(args: argparse.Namespace) -> int:
    spec = load_spec_file(args.file)
    print(
        f"{args.file}: valid exercise spec {spec.id!r} ({spec.name}), signals: {', '.join(spec.signal_names)}"
    )
    return 0


def run_schema(args: argparse.Namespace) -> int:
    model = Session if args.kind == "session" else ExerciseSpec
    print(json.dumps(model.model_json_schema(by_alias=True), indent=2))
    return 0
