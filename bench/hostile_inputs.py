"""Count the hostile inputs tried and handled cleanly, per category (a script, not a test).

Each test case in the hostile test files is one hostile input (a file, a person problem, a bad
configuration, an output failure, an interrupt, an attack); "handled" means its test passed.
Known limitations are strict xfails and are listed separately. Fuzz cases are counted by
hypothesis (``--fuzz``): examples run per parser.

    python bench/hostile_inputs.py [--fuzz]
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FILES = {
    "files": "tests/test_hostile_files.py",
    "people": "tests/test_hostile_people.py",
    "configuration": "tests/test_hostile_config.py",
    "outputs": "tests/test_hostile_outputs.py",
    "interrupts": "tests/test_interrupt.py",
    "security": "tests/test_security.py",
    "batch": "tests/test_batch.py",
}


class Tally:
    def __init__(self) -> None:
        self.outcomes: dict[str, Counter[str]] = {k: Counter() for k in FILES}
        self.examples = 0

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" and not (report.when == "setup" and report.skipped):
            return
        cat = next((k for k, f in FILES.items() if report.nodeid.startswith(f)), None)
        if cat is None:
            return
        if hasattr(report, "wasxfail"):
            self.outcomes[cat]["known limitation (xfail)"] += 1
        else:
            self.outcomes[cat][report.outcome] += 1


def main() -> int:
    sys.path.insert(0, str(ROOT))
    tally = Tally()
    t0 = time.perf_counter()
    args = [*FILES.values(), "-q", "-p", "no:cacheprovider"]
    if "--fuzz" in sys.argv:
        args += ["tests/test_fuzz.py", "--hypothesis-show-statistics"]
    code = pytest.main(args, plugins=[tally])
    print(f"\nhostile inputs ({time.perf_counter() - t0:.0f} s):")
    tried = handled = 0
    for cat, c in tally.outcomes.items():
        n = sum(c.values())
        tried += n
        handled += c["passed"]
        print(f"  {cat:14s} {n:3d} tried, {c['passed']:3d} handled cleanly  {dict(c)}")
    print(f"  {'total':14s} {tried:3d} tried, {handled:3d} handled cleanly")
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
