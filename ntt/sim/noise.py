"""Background sounds of a household: steady pink noise (ventilation, street), music, and
kitchen noise (running water, clinks) — generated, deterministic per seed."""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt

from ntt.cues import SAMPLE_RATE_HZ

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
    """Running water (band-passed noise, on and off) and the clink of dishes."""
    sos = butter(4, [600, 5000], btype="bandpass", fs=SAMPLE_RATE_HZ, output="sos")
    water = sosfilt(sos, rng.normal(0, 1, n))
    gate = np.zeros(n)
    pos = 0
    while pos < n:
        length = int(rng.uniform(1.0, 4.0) * SAMPLE_RATE_HZ)
        if rng.random() < 0.5:
            gate[pos:pos + length] = 1.0
        pos += length
    out = water * np.convolve(gate, np.ones(800) / 800, mode="same")
    t = np.arange(int(0.25 * SAMPLE_RATE_HZ)) / SAMPLE_RATE_HZ
    for _ in range(int(n / SAMPLE_RATE_HZ * 0.6)):
        start = int(rng.integers(0, max(n - len(t), 1)))
        f = rng.uniform(1500, 4000)
        clink = np.sin(2 * np.pi * f * t) * np.exp(-t * 30) * rng.uniform(2, 6)
        out[start:start + len(t)] += clink[: n - start]
    return _normalise(out)


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
