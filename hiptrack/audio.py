"""Short audible cues for the live coach: a tone per rep, another when a hold reaches its target.

Audio is optional and never a hard dependency. Tones are generated with NumPy and played by the
first backend that works: ``sounddevice`` or ``simpleaudio`` when installed (and PortAudio / a
sound device present), else ``paplay`` / ``aplay`` / ``afplay`` on the PATH, else the terminal
bell when stdout is a terminal, else nothing. Playback never blocks the live loop and a backend
that fails is switched off with one log message; it never raises.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import sys
import tempfile
import wave
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

SAMPLE_RATE_HZ = 22050
Cue = Literal["rep", "hold_done", "set_done"]


@dataclass(frozen=True)
class Tone:
    """One beep: ``freq_hz`` for ``duration_s``, optionally a second note after it."""

    freq_hz: float
    duration_s: float = 0.12
    then_hz: float | None = None
    volume: float = 0.4


TONES: dict[str, Tone] = {
    "rep": Tone(880.0, 0.10),  # short high beep
    "hold_done": Tone(660.0, 0.14, then_hz=990.0),  # rising two-note chime: "you can lower now"
    "set_done": Tone(523.0, 0.18, then_hz=784.0),
}


def tone_samples(tone: Tone, sample_rate_hz: int = SAMPLE_RATE_HZ) -> npt.NDArray[np.int16]:
    """Mono 16-bit PCM of ``tone`` with 10 ms fades (no clicks)."""
    parts = []
    for f in (tone.freq_hz, tone.then_hz):
        if f is None:
            continue
        n = max(1, round(tone.duration_s * sample_rate_hz))
        t = np.arange(n) / sample_rate_hz
        wave_ = np.sin(2 * np.pi * f * t)
        fade = min(n // 2, round(0.01 * sample_rate_hz))
        if fade > 0:
            ramp = np.linspace(0.0, 1.0, fade)
            wave_[:fade] *= ramp
            wave_[-fade:] *= ramp[::-1]
        parts.append(wave_)
    pcm = np.concatenate(parts) * tone.volume * 32767
    return pcm.astype(np.int16)


def wav_bytes(samples: npt.NDArray[np.int16], sample_rate_hz: int = SAMPLE_RATE_HZ) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate_hz)
        w.writeframes(samples.tobytes())
    return buf.getvalue()


class Backend(Protocol):
    name: str

    def play(self, cue: str) -> None: ...


class _Silent:
    name = "none"

    def play(self, cue: str) -> None:
        return None


class _Bell:
    name = "bell"

    def play(self, cue: str) -> None:
        sys.stdout.write("\a" * (2 if cue != "rep" else 1))
        sys.stdout.flush()


class _SoundDevice:
    name = "sounddevice"

    def __init__(self) -> None:
        import sounddevice as sd  # raises OSError without PortAudio

        sd.query_devices(kind="output")  # raises when there is no output device
        self._sd = sd
        self._pcm = {k: tone_samples(t) for k, t in TONES.items()}

    def play(self, cue: str) -> None:
        self._sd.play(self._pcm[cue], SAMPLE_RATE_HZ)  # non-blocking


class _SimpleAudio:
    name = "simpleaudio"

    def __init__(self) -> None:
        import simpleaudio as sa

        self._sa = sa
        self._pcm = {k: tone_samples(t).tobytes() for k, t in TONES.items()}

    def play(self, cue: str) -> None:
        self._sa.play_buffer(self._pcm[cue], 1, 2, SAMPLE_RATE_HZ)  # non-blocking


class _Player:
    """A command-line player (``paplay``, ``aplay``, ``afplay``) fed pre-rendered WAV files."""

    def __init__(self, exe: str) -> None:
        self.name = Path(exe).name
        self._exe = exe
        self._dir = tempfile.TemporaryDirectory(prefix="hiptrack-tones-")
        self._files: dict[str, str] = {}
        for k, t in TONES.items():
            p = Path(self._dir.name) / f"{k}.wav"
            p.write_bytes(wav_bytes(tone_samples(t)))
            self._files[k] = str(p)

    def play(self, cue: str) -> None:
        args = [self._exe, "-q", self._files[cue]] if self.name == "aplay" else [self._exe, self._files[cue]]
        subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # non-blocking


def _players() -> list[Callable[[], Backend]]:
    found: list[Callable[[], Backend]] = []
    for exe in ("paplay", "aplay", "afplay"):
        path = shutil.which(exe)
        if path:
            found.append(lambda path=path: _Player(path))  # type: ignore[misc]
    return found


def find_backend(candidates: list[Callable[[], Backend]] | None = None) -> Backend:
    """The first backend that loads; the terminal bell on a terminal, else silence."""
    if candidates is None:
        candidates = [_SoundDevice, _SimpleAudio, *_players()]
    for make in candidates:
        try:
            backend = make()
        except Exception as exc:  # any import/device failure just means "not this one"
            log.debug("audio backend %s unavailable: %s", getattr(make, "__name__", make), exc)
            continue
        log.info("audio: playing cues with %s", backend.name)
        return backend
    if sys.stdout.isatty():
        return _Bell()
    return _Silent()


class Beeper:
    """Plays cues; ``enabled=False`` (``--quiet``) or a failing backend makes it a no-op."""

    def __init__(self, enabled: bool = True, backend: Backend | None = None) -> None:
        self.backend: Backend = (backend or find_backend()) if enabled else _Silent()
        self.played: Counter[str] = Counter()  # cues played, for tests and the summary

    @property
    def active(self) -> bool:
        return not isinstance(self.backend, _Silent)

    def play(self, cue: str) -> None:
        if cue not in TONES or not self.active:
            return
        try:
            self.backend.play(cue)
            self.played[cue] += 1
        except Exception as exc:  # audio must never stop a session
            log.warning("sound cues switched off: %s (%s)", self.backend.name, exc)
            self.backend = _Silent()
