"""`hiptrack models [list|build ...]`: show or build the pose model bundles."""

from __future__ import annotations

import argparse
from typing import Any

from hiptrack.errors import HiptrackError
from hiptrack.models import COMPLEXITIES, ModelError, models_dir, resolve_model


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser("models", help="list, verify or build pose models")
    p.add_argument("action", nargs="?", choices=("list", "build"), default="list")
    p.add_argument(
        "complexity",
        nargs="*",
        default=None,
        metavar="{lite,full,heavy}",
        help="which bundles to build (default: heavy)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    bad = [c for c in args.complexity or [] if c not in COMPLEXITIES]
    if bad:
        raise HiptrackError(f"Unknown model {bad[0]!r}: choose from {', '.join(COMPLEXITIES)}.")
    if args.action == "build":
        from hiptrack.modelbuild import main as build

        try:
            return build(list(args.complexity or ["heavy"]))
        except Exception as exc:  # a download or npm failure: say so in one sentence
            raise HiptrackError(
                f"Building the models failed ({exc}). Check pip and npm can reach "
                "their registries, then try again."
            ) from exc
    print(f"models folder: {models_dir()}")
    for c in COMPLEXITIES:
        try:
            path = resolve_model(None, c)  # type: ignore[arg-type]
            print(f"  {c:5s}  ok        {path.name}")
        except ModelError as exc:
            print(f"  {c:5s}  missing   {exc}")
    return 0
