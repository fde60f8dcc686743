"""The append-only event log and recovery of a session from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hiptrack.eventlog import (
    EventLog,
    EventLogError,
    read_records,
    recover_session,
    session_path_for,
    unfinished_logs,
)
from hiptrack.events import Event, FrameState
from hiptrack.session import FaultEvent, Hold, Rep, SourceInfo


def _rep(i: int) -> Rep:
    return Rep(
        index=i,
        side="left",
        start_s=i * 3.0,
        peak_s=i * 3 + 1.0,
        end_s=i * 3 + 2.0,
        hold_s=0.5,
        rom=40.0,
        peak_value=45.0,
    )


def _write(path: Path, reps: int, end: str | None) -> None:
    with EventLog(path, exercise="clamshell", source=SourceInfo(path="camera:0", is_camera=True)) as log:
        for i in range(reps):
            t = i * 3 + 2.0
            fault = FaultEvent(
                code="feet_apart", t_s=t - 1, side="left", rep_index=i, message="Keep your feet together"
            )
            log.on_frame(
                None,
                None,
                FrameState(
                    t_s=t,
                    person=True,
                    state="rest",
                    events=(Event("rep", t, _rep(i)), Event("fault", t, fault)),
                ),
            )
        if end:
            log.end(end)


def test_every_line_is_on_disk_before_close(tmp_path: Path) -> None:
    path = tmp_path / "a.events.jsonl"
    log = EventLog(path, exercise="clamshell")
    log.event(Event("rep", 2.0, _rep(0)))
    lines = path.read_text().splitlines()  # read while still open: flushed per event
    assert json.loads(lines[-1])["payload"]["rom"] == 40.0
    log.close()


@pytest.mark.parametrize(("end", "partial"), [(None, True), ("camera_lost", True), ("complete", False)])
def test_recover_rebuilds_reps_and_faults(tmp_path: Path, end: str | None, partial: bool) -> None:
    path = tmp_path / "s.events.jsonl"
    _write(path, 3, end)
    s = recover_session(path)
    assert [r.index for r in s.reps] == [0, 1, 2]
    assert s.reps[1] == _rep(1)
    assert [f.code for f in s.faults] == ["feet_apart"] * 3
    assert s.partial is partial
    assert s.totals["left"].reps == 3
    assert s.source.is_camera


def test_torn_last_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "s.events.jsonl"
    _write(path, 2, None)
    with path.open("a") as f:
        f.write('{"type":"event","kind":"rep","t_s":9.0,"payl')  # killed mid-write
    assert len(recover_session(path).reps) == 2


def test_hold_payload_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "h.events.jsonl"
    hold = Hold(index=0, side="right", start_s=1.0, end_s=31.0, duration_s=30.0, hold_target_s=30.0)
    with EventLog(path, exercise="hip_flexor_stretch") as log:
        log.event(Event("hold_end", 31.0, hold))
        log.event(Event("hold_end", 32.0, None))  # a rep's top hold: no payload, not a Hold
    assert recover_session(path).holds == [hold]


def test_not_an_event_log(tmp_path: Path) -> None:
    path = tmp_path / "x.events.jsonl"
    path.write_text('{"hello": 1}\n')
    with pytest.raises(EventLogError, match="not a hiptrack event log"):
        read_records(path)


def test_unfinished_logs_and_paths(tmp_path: Path) -> None:
    a, b = tmp_path / "1_clamshell.events.jsonl", tmp_path / "2_bridge.events.jsonl"
    _write(a, 1, None)
    _write(b, 1, "complete")
    session_path_for(b).write_text("{}")
    assert session_path_for(a) == tmp_path / "1_clamshell.json"
    assert unfinished_logs(tmp_path) == [a]


def test_recover_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hiptrack.cli import main
    from hiptrack.session import load_session

    path = tmp_path / "s.events.jsonl"
    _write(path, 2, None)
    out = tmp_path / "out.json"
    assert main(["recover", str(path), "--json", str(out)]) == 0
    s = load_session(out)
    assert len(s.reps) == 2 and s.partial
