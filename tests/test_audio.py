"""Audible cues: generated tones, and no hard dependency on audio hardware."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from hiptrack import audio
from hiptrack.audio import TONES, Beeper, find_backend, tone_samples, wav_bytes


@pytest.mark.parametrize("cue", sorted(TONES))
def test_tone_pitch_and_fades(cue: str) -> None:
    tone = TONES[cue]
    pcm = tone_samples(tone)
    assert pcm.dtype == np.int16
    first = pcm[: round(tone.duration_s * audio.SAMPLE_RATE_HZ)].astype(float)
    spectrum = np.abs(np.fft.rfft(first))
    peak_hz = np.argmax(spectrum) * audio.SAMPLE_RATE_HZ / len(first)
    assert abs(peak_hz - tone.freq_hz) < 15
    assert abs(int(pcm[0])) < 50 and abs(int(pcm[-1])) < 50  # faded: no click


def test_rep_and_hold_tones_differ() -> None:
    assert TONES["rep"] != TONES["hold_done"]


def test_wav_bytes_is_a_wav() -> None:
    with wave.open(io.BytesIO(wav_bytes(tone_samples(TONES["rep"])))) as w:
        assert w.getframerate() == audio.SAMPLE_RATE_HZ and w.getsampwidth() == 2


def test_no_backend_means_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> audio.Backend:
        raise OSError("PortAudio library not found")

    monkeypatch.setattr("sys.stdout.isatty", lambda: False)
    backend = find_backend([broken])
    assert backend.name == "none"
    Beeper(backend=backend).play("rep")  # nothing happens, nothing raised


def test_failing_backend_is_switched_off() -> None:
    class Flaky:
        name = "flaky"

        def play(self, cue: str) -> None:
            raise RuntimeError("device unplugged")

    b = Beeper(backend=Flaky())
    b.play("rep")
    b.play("rep")
    assert not b.active


def test_quiet_plays_nothing() -> None:
    class Recorder:
        name = "rec"

        def __init__(self) -> None:
            self.cues: list[str] = []

        def play(self, cue: str) -> None:
            self.cues.append(cue)

    rec = Recorder()
    Beeper(enabled=False, backend=rec).play("rep")
    Beeper(enabled=True, backend=rec).play("hold_done")
    assert rec.cues == ["hold_done"]
