"""What the device's microphones hear: every source — each person at the position the video
shows them, the TV, the device's own loudspeaker, the household's noise — convolved with
its room impulse responses to every microphone of the profile's array, plus each
capsule's own self-noise; and what the loudspeaker played (the echo canceller's
reference), sample-aligned.

Levels. Dry speech is normalised to one active level; the impulse responses carry the
1/r fall with distance, so nearer talkers are louder as in a real room. The noise bed is
set against the talkers at the reference (first) microphone to the script's SNR; the
device's echo to the script's signal-to-echo ratio; the whole array then gets one
automatic gain, as a device's AGC does.

Cost: one impulse response per source position (people move little while they talk), a
few seconds per source on this 2-core machine; convolution by ``scipy.signal.oaconvolve``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, oaconvolve, sosfiltfilt

from ntt.cues import SAMPLE_RATE_HZ
from ntt.sim.acoustics import Room, measure_rt60_s, room_impulse_responses

DRY_RMS = 0.1  # every dry utterance at this active RMS before its gain_db
SPEECH_LEVEL_DBFS = -26.0  # typical speech level after the microphone's gain control
PLAYBACK_LEVEL_DBFS = -20.0  # the reference track's active level (ASSUMED; AEC is scale-free)
PEAK_LIMIT = 0.95
# Capsule self-noise against speech: normal vocal effort is 62.35 dB SPL at 1 m (ANSI
# S3.5-1997, Table 1) and a MEMS microphone's self-noise 29 dBA SPL (94 dB SPL reference
# minus its 65 dBA SNR, e.g. InvenSense ICS-43434 datasheet), so 33.35 dB below speech at
# 1 m, independent per capsule.
SELF_NOISE_BELOW_SPEECH_AT_1M_DB = 62.35 - 29.0
# pyroomacoustics' direct path has amplitude 1/r (the peak at 1 m is 0.8 after its
# fractional-delay filter; measured here).
DIRECT_GAIN_AT_1M = 1.0
ACTIVE_FLOOR = 1e-4  # a sample counts as active speech above this (of the DRY_RMS scale)


@dataclass(frozen=True)
class Source:
    """One sound source: an id, its room-frame position and its dry track (the whole
    session long)."""

    id: str
    position_m: np.ndarray
    track: np.ndarray
    kind: str  # talker | media | device | noise


@dataclass(frozen=True)
class ArrayMix:
    audio: np.ndarray  # (samples, mics) float32
    playback: np.ndarray | None  # (samples,) what the loudspeaker played, or None
    truth: dict  # levels, measured RT60 — for truth.json


def band_filter(x: np.ndarray, lo_hz: float, hi_hz: float) -> np.ndarray:
    sos = butter(4, [lo_hz, hi_hz], btype="bandpass", fs=SAMPLE_RATE_HZ, output="sos")
    return sosfiltfilt(sos, x).astype(np.float32)


def _active_rms(x: np.ndarray, floor: float) -> float:
    active = np.abs(x) > floor
    return float(np.sqrt(np.mean(x[active] ** 2))) if active.any() else 0.0


def convolve(track: np.ndarray, rir: np.ndarray, n: int) -> np.ndarray:
    """(mics, taps) impulse responses over one track -> (n, mics), cut to the session."""
    out = oaconvolve(track[None, :], rir, axes=1)[:, :n]
    if out.shape[1] < n:
        out = np.pad(out, ((0, 0), (0, n - out.shape[1])))
    return out.T.astype(np.float32)


def source_rirs(room: Room, mics_m: np.ndarray, sources: list[Source], seed: int
                ) -> list[np.ndarray]:
    """Every source's (mics, taps) impulse responses: computed once, reusable for other
    levels of the same sources."""
    if not sources:
        return []
    return room_impulse_responses(room, np.array([s.position_m for s in sources]), mics_m,
                                  seed)


def mix_array(room: Room, mics_m: np.ndarray, sources: list[Source], n: int, snr_db: float,
              ser_db: float, seed: int, rng: np.random.Generator,
              playback: np.ndarray | None, rirs: list[np.ndarray] | None = None) -> ArrayMix:
    """Render ``sources`` in ``room`` at the microphones ``mics_m`` ((mics, 3), room
    frame). ``playback`` is the device's dry output (the reference), if it spoke. ``rirs``
    (from ``source_rirs``) saves computing them again."""
    if rirs is None:
        rirs = source_rirs(room, mics_m, sources, seed)
    n_mics = len(mics_m)
    parts = {k: np.zeros((n, n_mics), np.float32) for k in ("talker", "media", "noise",
                                                              "device")}
    for s, h in zip(sources, rirs, strict=True):
        parts[s.kind] += convolve(s.track, h, n)
    speech_rms = _active_rms(parts["talker"][:, 0], ACTIVE_FLOOR * DIRECT_GAIN_AT_1M)
    ref_rms = speech_rms or DRY_RMS * DIRECT_GAIN_AT_1M
    noise_rms = _active_rms(parts["noise"][:, 0], 0.0)
    noise_gain = ref_rms * 10 ** (-snr_db / 20) / noise_rms if noise_rms > 0 else 0.0
    echo_rms = _active_rms(parts["device"][:, 0], ACTIVE_FLOOR * DIRECT_GAIN_AT_1M)
    echo_gain = ref_rms * 10 ** (-ser_db / 20) / echo_rms if echo_rms > 0 else 0.0
    self_noise = (DRY_RMS * DIRECT_GAIN_AT_1M * 10 ** (-SELF_NOISE_BELOW_SPEECH_AT_1M_DB / 20)
                  * rng.standard_normal((n, n_mics)).astype(np.float32))
    audio = (parts["talker"] + parts["media"] + noise_gain * parts["noise"]
             + echo_gain * parts["device"] + self_noise)
    audio *= 10 ** (SPEECH_LEVEL_DBFS / 20) / ref_rms  # the device's automatic gain
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak > PEAK_LIMIT:
        audio *= PEAK_LIMIT / peak
    ref = None
    if playback is not None:
        p_rms = _active_rms(playback, ACTIVE_FLOOR)
        ref = (playback * (10 ** (PLAYBACK_LEVEL_DBFS / 20) / p_rms if p_rms else 1.0))
        ref = np.clip(ref, -1.0, 1.0).astype(np.float32)
    talkers = [i for i, s in enumerate(sources) if s.kind == "talker"]
    rt60 = measure_rt60_s(band_filter(rirs[talkers[0]][0], 350, 1400)) if talkers else None
    truth = {"snr_db": round(snr_db, 2), "ser_db": round(ser_db, 2) if echo_gain else None,
             "rt60_measured_s": None if rt60 is None else round(rt60, 3),
             "rir_taps": {s.id: int(h.shape[1]) for s, h in zip(sources, rirs, strict=True)}}
    return ArrayMix(audio.astype(np.float32), ref, truth)
