"""`hiptrack history DIR --out progress.html`: progress over every session in a folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hiptrack.errors import HiptrackError


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "history",
        help="plot progress over all sessions in a folder (HTML)",
        description="Reps, range of motion, hold time, faults per rep and adherence over time, "
        "per exercise and side, from every session .json in a folder.",
    )
    p.add_argument("folder", type=Path, metavar="DIR", help="folder with session .json files")
    p.add_argument("--out", type=Path, required=True, metavar="progress.html", help="HTML file to write")
    p.add_argument("--prescription", type=Path, metavar="FILE", help="doses for adherence (.toml/.yaml)")
    p.add_argument("--patient", metavar="NAME", help="patient name (default: the sessions' own)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hiptrack.outputs.history import load_sessions, write_history
    from hiptrack.prescription import load_prescription

    if not args.folder.is_dir():
        raise HiptrackError(
            f"{args.folder} is not a folder. Pass the folder holding the session .json files."
        )
    prescription = load_prescription(args.prescription) if args.prescription else None
    sessions, skipped = load_sessions(args.folder)
    for path, why in skipped:
        print(f"skipped {path.name}: {why}")
    if not sessions:
        raise HiptrackError(
            f"No session files in {args.folder}. Save sessions with `hiptrack analyze --json` first."
        )
    write_history(args.out, sessions, prescription=prescription, patient=args.patient, skipped=skipped)
    print(f"progress page written to {args.out} ({len(sessions)} session(s))")
    return 0
