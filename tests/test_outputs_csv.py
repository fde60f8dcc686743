"""CsvSink: one row per frame, units in the header, atomic."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hiptrack.outputs import CsvSink
from hiptrack.outputs.csvsink import BASE_COLUMNS, parse_signal_header, signal_header, unit_of
from hiptrack.outputs.synthetic import demo_frames


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("hip_angle_deg", "deg"),
        ("knee_gap_norm", "ratio"),
        ("ankle_height_m", "m"),
        ("x_px", "px"),
        ("weird", ""),
    ],
)
def test_units_from_names(name: str, unit: str) -> None:
    assert unit_of(name) == unit
    assert parse_signal_header(signal_header(name)) == (name, unit)


def read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_one_row_per_frame_with_units(tmp_path: Path) -> None:
    frames = demo_frames(90)
    out = tmp_path / "frames.csv"
    with CsvSink(out, ["hip_angle_deg", "knee_gap_norm"]) as sink:
        for st in frames:
            sink.on_frame(None, None, st)
    rows = read(out)
    assert rows[0] == [*BASE_COLUMNS, "hip_angle_deg [deg]", "knee_gap_norm [ratio]"]
    assert len(rows) == 1 + len(frames)
    col = {h: i for i, h in enumerate(rows[0])}
    assert float(rows[1][col["t_s"]]) == 0.0
    assert float(rows[-1][col["t_s"]]) == pytest.approx(89 / 30, abs=1e-4)
    assert float(rows[46][col["hip_angle_deg [deg]"]]) == pytest.approx(
        frames[45].signals["hip_angle_deg"], abs=1e-3
    )
    lost = [r for r in rows[1:] if r[col["person"]] == "0"]
    assert lost and all(r[col["hip_angle_deg [deg]"]] == "" for r in lost)
    assert any(r[col["active_faults"]] == "pelvis_roll" for r in rows[1:])
    assert rows[-1][col["reps_left"]] == str(frames[-1].counts["left"])


def test_interrupted_write_keeps_the_earlier_file(tmp_path: Path) -> None:
    out = tmp_path / "frames.csv"
    out.write_text("earlier\n")
    with pytest.raises(KeyboardInterrupt), CsvSink(out, ["hip_angle_deg"]) as sink:
        sink.on_frame(None, None, demo_frames(1)[0])
        raise KeyboardInterrupt
    assert out.read_text() == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames.csv"]
