"""Ctrl-C during `hiptrack analyze`: a real SIGINT to a real process, mid-analysis.

The child is the ordinary CLI with one hook: after ``MARK_AFTER`` frames it touches a marker
file, so the test knows the model is running before it sends SIGINT (no sleeps guessing how long
loading takes). Expected: the session so far is written, marked partial; exit code 130.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.hostile_media import ROOT, SAMPLES

MARK_AFTER = 120  # frames: the first clamshell rep (1.6-5.0 s at 30 fps) is done by then... almost

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import hiptrack.analysis as analysis
    from hiptrack.cli import main

    marker, n = Path(sys.argv[1]), int(sys.argv[2])
    original = analysis.run_engine

    def run_engine(spec, poses, **kw):
        def counted():
            for i, item in enumerate(poses):
                if i == n:
                    marker.touch()
                yield item
        return original(spec, counted(), **kw)

    analysis.run_engine = run_engine
    sys.exit(main(sys.argv[3:]))
    """
)


def test_sigint_mid_analysis_saves_a_partial_session(tmp_path: Path) -> None:
    marker, out = tmp_path / "running", tmp_path / "session.json"
    out.write_text("an earlier file\n")  # replaced only by a complete write
    video = SAMPLES / "dev_cs_1.mp4"
    cmd = [sys.executable, "-c", CHILD, str(marker), str(MARK_AFTER)]
    cmd += ["analyze", str(video), "-e", "clamshell", "--json", str(out), "--model-complexity", "lite"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the analysis never started"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "PARTIAL" in stdout
    session = json.loads(out.read_text())
    assert session["partial"] is True
    total = 466  # frames in dev_cs_1
    assert MARK_AFTER <= session["source"]["frames"] < total
    assert session["source"]["duration_s"] > MARK_AFTER / 30 - 0.1
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_sigint_before_any_frame_exits_130_and_writes_nothing(tmp_path: Path) -> None:
    """Interrupted while the model loads: nothing was analysed, so no session is written."""
    out = tmp_path / "s.json"
    code = textwrap.dedent(
        """
        import sys
        import hiptrack.analysis as analysis
        from hiptrack.cli import main

        def analyze_video(*a, **k):
            raise KeyboardInterrupt
        analysis.analyze_video = analyze_video
        import hiptrack.commands.analyze as cmd
        cmd.analyze_video = analyze_video
        sys.exit(main(sys.argv[1:]))
        """
    )
    cmd = [sys.executable, "-c", code, "analyze", str(SAMPLES / "dev_cs_1.mp4"), "-e", "clamshell"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([*cmd, "--json", str(out)], env=env, capture_output=True, text=True)
    assert res.returncode == 130
    assert "interrupted" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()
