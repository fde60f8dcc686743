"""History: every session in a folder, per exercise and side over time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hiptrack.cli import main
from hiptrack.outputs.history import collect, load_sessions, render_history
from hiptrack.outputs.synthetic import demo_history, demo_session
from hiptrack.prescription import SAMPLE_PATH, load_sample
from hiptrack.session import save_session


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    sessions = demo_history(3)
    for i, s in enumerate(reversed(sessions)):  # file order != time order
        save_session(s, tmp_path / f"s{i}.json")
    (tmp_path / "clip.labels.json").write_text(json.dumps({"schema": "hiptrack-labels/1"}))
    (tmp_path / "broken.json").write_text("{not json")
    (tmp_path / "notes.txt").write_text("ignored")
    return tmp_path


def test_load_sessions_sorts_by_time_and_skips_others(folder: Path) -> None:
    sessions, skipped = load_sessions(folder)
    assert [s.created_utc[:10] for s in sessions] == ["2025-03-01", "2025-03-02", "2025-03-03"]
    assert sorted(p.name for p, _ in skipped) == ["broken.json", "clip.labels.json"]


def test_collect_per_exercise_and_side() -> None:
    data = collect(demo_history(3), load_sample())
    left = data["clamshell"]["left"]
    assert [p.summary.reps for p in left] == [8, 10, 12]
    assert [p.summary.rom_mean for p in left] == pytest.approx([31.5, 33.5, 35.5])
    assert [p.adherence_pct for p in left] == pytest.approx([80.0, 100.0, 100.0])
    assert [round(p.summary.faults_per_rep or 0, 3) for p in left] == [0.375, 0.2, round(1 / 12, 3)]
    assert [p.summary.hold_s_mean for p in left] == [5.0, 5.0, 5.0]


def test_render_history_tables_and_plots() -> None:
    extra = demo_session(
        "bridge", sides=("both",), created=datetime(2025, 3, 2, tzinfo=UTC) + timedelta(hours=1)
    )
    html = render_history([*demo_history(3), extra], prescription=load_sample(), patient="<b>P</b>")
    assert html.count("<svg") >= 5 * 2 - 1
    assert "Clamshell" in html and "Bridge" in html and "&lt;b&gt;P&lt;/b&gt;" in html
    for cell in ("2025-03-01 09:00", "31.5 deg", "0.38", "80 %", "100 %"):
        assert cell in html
    assert "http://" not in html and "https://" not in html


def test_history_command(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = folder / "progress.html"
    assert main(["history", str(folder), "--out", str(out), "--prescription", str(SAMPLE_PATH)]) == 0
    printed = capsys.readouterr().out
    assert "skipped broken.json" in printed and "3 session(s)" in printed
    assert "Files skipped" in out.read_text()


def test_history_command_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", str(tmp_path), "--out", str(tmp_path / "p.html")]) == 2
    assert "No session files" in capsys.readouterr().err
    assert main(["history", str(tmp_path / "nope"), "--out", str(tmp_path / "p.html")]) == 2
