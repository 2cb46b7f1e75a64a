"""Text to speech with espeak-ng (Debian package) as 16 kHz float32 — used for the device's
replies, the simulator's voices and test audio. Runs as a separate process; nothing is
written to disk."""

from __future__ import annotations

import io
import shutil
import subprocess

import numpy as np
import soundfile as sf
import soxr

from ntt.cues import SAMPLE_RATE_HZ
from ntt.errors import InputError


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def synthesize(text: str, voice: str = "en-us", rate_wpm: int = 165, pitch: int = 50,
               amplitude: int = 100, rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """Speak ``text`` with an espeak-ng voice (e.g. ``en-us``, ``en-us+f3``, ``en-gb+m4``)."""
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise InputError("espeak-ng", "not installed (apt-get install espeak-ng)")
    proc = subprocess.run(
        [exe, "-v", voice, "-s", str(rate_wpm), "-p", str(pitch), "-a", str(amplitude),
         "--stdout", text], capture_output=True, check=False, timeout=60)
    if proc.returncode != 0 or not proc.stdout:
        raise InputError("espeak-ng", proc.stderr.decode(errors="replace").strip()
                         or f"failed with code {proc.returncode}")
    audio, src_rate = sf.read(io.BytesIO(proc.stdout), dtype="float32")
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    if src_rate != rate_hz:
        audio = soxr.resample(audio, src_rate, rate_hz).astype(np.float32)
    return audio
