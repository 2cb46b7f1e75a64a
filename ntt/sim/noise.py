"""Background sounds of a household: steady pink noise (ventilation, street), music, and
kitchen noise — a real recording of a kitchen (``data/kitchen-noise.ogg``: the Picovoice
speech-to-intent benchmark's ``data/noise/kitchen.wav``, Apache-2.0, copyright Picovoice;
123 s, stored as Ogg Vorbis), an excerpt from a random offset per session. Deterministic
per seed. The renderer plays each from its own place in the room (``ntt.sim.array_mix``).
"""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import soundfile as sf
from scipy.signal import butter, sosfilt

from ntt.cues import SAMPLE_RATE_HZ

KITCHEN_RECORDING = "kitchen-noise.ogg"

NOISE_KINDS = ("pink", "music", "kitchen")


def _normalise(x: np.ndarray) -> np.ndarray:
    return (x / (np.std(x) + 1e-12)).astype(np.float32)


def pink(n: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = np.fft.rfft(rng.normal(0, 1, n))
    f = np.arange(len(spectrum))
    spectrum[1:] /= np.sqrt(f[1:])
    spectrum[0] = 0
    return _normalise(np.fft.irfft(spectrum, n))


def music(n: int, rng: np.random.Generator) -> np.ndarray:
    """Chords of decaying harmonic notes on a beat, like music from another room."""
    out = np.zeros(n, dtype=np.float64)
    beat = int(SAMPLE_RATE_HZ * rng.uniform(0.35, 0.6))
    root = rng.uniform(110, 220)
    t = np.arange(beat * 4) / SAMPLE_RATE_HZ
    for start in range(0, n, beat * 2):
        chord = root * 2 ** (rng.choice([0, 3, 4, 5, 7, 9, 12], 3) / 12)
        note = sum(np.sin(2 * np.pi * f * k * t) / k for f in chord for k in (1, 2, 3))
        note *= np.exp(-t * 2.5)
        seg = note[: n - start]
        out[start:start + len(seg)] += seg
    return _normalise(out)


def kitchen(n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` samples of the recorded kitchen from a random offset (looped if longer)."""
    with files("ntt.sim").joinpath("data", KITCHEN_RECORDING).open("rb") as f:
        rec, rate = sf.read(f, dtype="float32")
    if rate != SAMPLE_RATE_HZ:
        raise ValueError(f"{KITCHEN_RECORDING}: {rate} Hz, expected {SAMPLE_RATE_HZ}")
    start = int(rng.integers(0, len(rec)))
    reps = (start + n) // len(rec) + 1
    return _normalise(np.tile(rec, reps)[start:start + n])


GENERATORS = {"pink": pink, "music": music, "kitchen": kitchen}


def background(kinds: tuple[str, ...], n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-RMS mix of the requested kinds."""
    if not kinds:
        return np.zeros(n, dtype=np.float32)
    mix = sum(GENERATORS[k](n, rng) for k in kinds)
    return _normalise(mix)


def loudspeaker(audio: np.ndarray) -> np.ndarray:
    """A TV or radio: 200–5000 Hz band, as a small loudspeaker plays it."""
    sos = butter(4, [200, 5000], btype="bandpass", fs=SAMPLE_RATE_HZ, output="sos")
    return sosfilt(sos, audio).astype(np.float32)
