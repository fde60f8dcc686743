"""`hiptrack` command line: one module per sub-command in :mod:`hiptrack.commands`.

Each command module has ``register(subparsers)`` (adds its parser and sets ``func``) and is
listed in ``COMMANDS``. Errors derived from :class:`HiptrackError` are printed as one sentence
with a non-zero exit; only bugs produce tracebacks.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from hiptrack import __version__
from hiptrack.errors import HiptrackError

COMMANDS = (
    "analyze",
    "pose",
    "eval",
    "exercises",
    "models",
    "report",
    "history",
    "live",
    "recover",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hiptrack",
        description="Physical-therapy coach and clinical record for hip exercises, from video.",
    )
    parser.add_argument("--version", action="version", version=f"hiptrack {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"hiptrack.commands.{name}").register(sub)
    return parser


def _quiet_native_logs() -> None:
    # MediaPipe/LiteRT log to stderr from C++; keep the terminal for people.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main(argv: Sequence[str] | None = None) -> int:
    _quiet_native_logs()
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except HiptrackError as exc:
        print(f"hiptrack: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("hiptrack: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `hiptrack exercises | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
