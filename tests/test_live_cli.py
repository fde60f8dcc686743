"""`hiptrack live` on the command line: a file at max pace with a prescription, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from hiptrack.cli import main
from hiptrack.session import load_session

ROOT = Path(__file__).resolve().parent.parent
CLIP = ROOT / "sample_videos" / "dev_cs_1.mp4"
PRESCRIPTION = """
[exercises.clamshell]
sides = ["left", "right"]
reps = { min = 2, max = 3 }
hold_s = 5
"""


@pytest.mark.slow
def test_live_file_with_prescription_writes_session_events_and_report(tmp_path: Path) -> None:
    rx = tmp_path / "rx.toml"
    rx.write_text(PRESCRIPTION)
    out = tmp_path / "sessions"
    args = ["live", "-e", "clamshell", "--video", str(CLIP), "--speed", "0", "--no-window", "--quiet"]
    assert main([*args, "--prescription", str(rx), "--out-dir", str(out)]) == 0
    (session_file,) = out.glob("*_clamshell.json")
    assert len(load_session(session_file).reps) == 3
    assert session_file.with_suffix(".html").is_file()
    assert len(list(out.glob("*_clamshell.events.jsonl"))) == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--routine"], "pass it with --prescription"),
        (["-e", "bridge", "--prescription", "RX"], "has no dose for bridge"),
        (["-e", "clamshell", "--video", "missing.mp4"], "No such file"),
    ],
)
def test_live_errors_name_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    rx = tmp_path / "rx.toml"
    rx.write_text(PRESCRIPTION)
    extra = [str(rx) if a == "RX" else a for a in extra]
    assert main(["live", "--no-window", "--out-dir", str(tmp_path), *extra]) == 2
    assert message in capsys.readouterr().err
