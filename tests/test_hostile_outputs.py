"""Output safety: unwritable or missing folders, a full disk, existing files.

Contract: a clear one-sentence error naming the file and the fix; writes are atomic (temporary
file + rename), so nothing is ever half-written and an earlier output survives a failed run.
Replays a recorded pose track (``--from-track``) so no model runs.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hiptrack.session as session_mod
from hiptrack.cli import main
from hiptrack.session import OutputError, write_atomic
from tests.hostile_media import SAMPLES, cached_track

OLD = "earlier good output\n"


@pytest.fixture(scope="module")
def track() -> Path:
    return cached_track("dev_abd_2.mp4")


def analyze(track: Path, *out: str) -> int:
    video = str(SAMPLES / "dev_abd_2.mp4")
    return main(["analyze", video, "-e", "sidelying_hip_abduction", "--from-track", str(track), "-q", *out])


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(".")]


class _FullDisk(io.RawIOBase):
    """A file whose writes fail as on a full disk, after accepting ``room`` bytes."""

    def __init__(self, fd: int, room: int = 10) -> None:
        self.fd, self.room = fd, room

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        if len(b) > self.room:
            os.write(self.fd, bytes(b)[: self.room])  # half a file reaches the disk
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(b)
        return os.write(self.fd, bytes(b))

    def fileno(self) -> int:
        return self.fd

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
        super().close()


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(session_mod.os, "fdopen", lambda fd, mode="r": _FullDisk(fd))
    yield


# -- the disk fills up ---------------------------------------------------------------------------
def test_disk_full_keeps_the_earlier_file_and_leaves_no_temp(tmp_path: Path, full_disk: None) -> None:
    out = tmp_path / "s.json"
    out.write_text(OLD)
    with pytest.raises(OutputError, match=r"disk is full.*Free space on the drive holding"):
        write_atomic(out, "x" * 10_000, "--json")
    assert out.read_text() == OLD
    assert temp_files(tmp_path) == []


def test_disk_full_through_the_cli(
    tmp_path: Path, track: Path, full_disk: None, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s.json"
    out.write_text(OLD)
    assert analyze(track, "--json", str(out)) == 2
    err = capsys.readouterr().err
    assert err.startswith("hiptrack: error: The disk is full") and "--json" in err and err.count("\n") == 1
    assert out.read_text() == OLD and temp_files(tmp_path) == []


def test_disk_full_while_saving_the_track(
    tmp_path: Path, track: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def savez(f: Any, **arrays: Any) -> None:
        f.write(b"PK\x03\x04 half a zip")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(np, "savez_compressed", savez)
    old = tmp_path / "t.npz"
    old.write_bytes(b"earlier track")
    assert analyze(track, "--track", str(old)) == 2
    err = capsys.readouterr().err
    assert "The disk is full" in err and "--track" in err
    assert old.read_bytes() == b"earlier track" and temp_files(tmp_path) == []


# -- folders that cannot take the output ---------------------------------------------------------
def test_unwritable_folder_fails_before_any_analysis(
    tmp_path: Path, track: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_access = os.access
    monkeypatch.setattr(
        session_mod.os, "access", lambda p, m: False if Path(p) == tmp_path else real_access(p, m)
    )
    import hiptrack.commands.analyze as cmd

    monkeypatch.setattr(cmd, "analyze_track", lambda *a, **k: pytest.fail("analysed before checking"))
    assert analyze(track, "--json", str(tmp_path / "s.json")) == 2
    err = capsys.readouterr().err
    assert f"Output folder {tmp_path} is not writable" in err and "--json" in err


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing" / "s.json", "does not exist"),
        (lambda d: (d / "file.txt").write_text("x") and d / "file.txt" / "s.json", "is a file, not a folder"),
    ],
    ids=["missing folder", "parent is a file"],
)
def test_bad_output_folder(
    tmp_path: Path, track: Path, make: Any, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert analyze(track, "--json", str(make(tmp_path))) == 2
    err = capsys.readouterr().err
    assert message in err and "--json" in err and "Traceback" not in err


def test_permission_denied_on_write_is_one_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*a: Any, **k: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(session_mod.tempfile, "mkstemp", denied)
    with pytest.raises(OutputError, match=r"permission denied in .*choose another folder with --json"):
        write_atomic(tmp_path / "s.json", "{}", "--json")


def test_output_path_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="it is a folder"):
        write_atomic(tmp_path, "{}")
    assert not list(tmp_path.parent.glob(f".{tmp_path.name}.*"))


# -- existing files ------------------------------------------------------------------------------
def test_existing_output_replaced_only_by_a_complete_run(
    tmp_path: Path, track: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "s.json"
    out.write_text(OLD)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a track")
    assert analyze(bad, "--json", str(out)) == 2  # the run fails: the old file stays
    assert out.read_text() == OLD
    assert analyze(track, "--json", str(out)) == 0  # a good run replaces it whole
    assert '"reps"' in out.read_text()
    assert temp_files(tmp_path) == []


def test_new_files_follow_umask_and_replaced_files_keep_their_mode(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        fresh = write_atomic(tmp_path / "new.json", "{}")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # not mkstemp's 0600
        kept = tmp_path / "kept.json"
        kept.write_text("{}")
        kept.chmod(0o640)
        write_atomic(kept, "{}")
        assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    finally:
        os.umask(old_umask)
