"""`hiptrack recover EVENTS.jsonl --json OUT`: rebuild a session from a live run's event log.

`hiptrack live` does this by itself for logs left behind in its --out-dir; this command is for
logs moved elsewhere or a different output path.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hiptrack.commands.analyze import print_summary
from hiptrack.errors import HiptrackError
from hiptrack.eventlog import recover_session, session_path_for
from hiptrack.session import save_session


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "recover",
        help="rebuild a session file from a live run's event log (after a crash)",
        description="Read the append-only event log that `hiptrack live` writes and rebuild the "
        "session: every rep, hold and fault logged before the run stopped. The result is marked "
        "partial unless the log says the run ended normally.",
    )
    p.add_argument("events", type=Path, metavar="EVENTS.jsonl")
    p.add_argument("--json", type=Path, metavar="OUT", help="session file to write (default: beside the log)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = args.json or session_path_for(args.events)
    if not out.parent.exists():
        raise HiptrackError(f"Output folder {out.parent} does not exist. Create it or choose another.")
    session = recover_session(args.events)
    save_session(session, out)
    print_summary(session)
    print(f"session written to {out}")
    return 0
