"""The report in a real headless Chromium: renders, shows the numbers, loads nothing.

Chromium comes from Debian's ``chromium`` package: installed here when running as root with
``CI`` set, else the tests are skipped with the reason. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hiptrack.outputs.history import write_history
from hiptrack.outputs.report import Series, SessionReport, write_report
from hiptrack.outputs.synthetic import demo_frames, demo_history, demo_session
from hiptrack.prescription import load_sample

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
XSS = "<script>alert(1)</script>"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--enable-logging=stderr",
    "--v=0",
]


def _find() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium() -> Iterator[str]:
    exe = _find()
    if exe is None and os.environ.get("CI") and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, env=env, timeout=900)
        exe = _find()
    if exe is None:
        pytest.skip(
            "chromium not installed (apt-get install chromium; installed automatically as root with CI=1)"
        )
    yield exe


def run_chromium(exe: str, tmp: Path, page: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [exe, *FLAGS, f"--user-data-dir={tmp / 'profile'}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp,
    )


def console_problems(stderr: str) -> list[str]:
    """Console messages and blocked loads Chromium logged (dbus noise in containers ignored)."""
    keys = ("CONSOLE", "Uncaught", "Content Security Policy", "Refused to", "net::ERR")
    return [line for line in stderr.splitlines() if any(k in line for k in keys)]


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    s = demo_session(reps_per_side=4, patient=XSS)
    series = Series.from_frames(demo_frames(), "hip_angle_deg")
    return write_report(tmp / "report.html", [SessionReport(s, series)], prescription=load_sample())


def test_report_renders_with_numbers_and_escaped_name(
    chromium: str, report_page: Path, tmp_path: Path
) -> None:
    res = run_chromium(chromium, tmp_path, report_page, "--dump-dom")
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    assert "Clamshell" in dom and "38.5 deg" in dom and "40%" in dom and "pelvis_roll ×2" in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # shown as text
    assert "<script>alert(1)" not in dom  # never became an element
    assert console_problems(res.stderr) == []


def test_report_screenshot_and_no_network(chromium: str, report_page: Path, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    res = run_chromium(
        chromium, tmp_path, report_page, "--screenshot=" + str(shot), "--window-size=1100,2200"
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert shot.stat().st_size > 10_000
    assert console_problems(res.stderr) == []


def test_history_renders(chromium: str, tmp_path: Path) -> None:
    page = write_history(tmp_path / "progress.html", demo_history(3), prescription=load_sample())
    res = run_chromium(chromium, tmp_path, page, "--dump-dom")
    assert res.returncode == 0
    assert res.stdout.count("<svg") >= 4 and "2025-03-03" in res.stdout
    assert console_problems(res.stderr) == []
    ARTIFACTS.mkdir(exist_ok=True)
    run_chromium(
        chromium, tmp_path, page, "--screenshot=" + str(ARTIFACTS / "history.png"), "--window-size=1000,1800"
    )
