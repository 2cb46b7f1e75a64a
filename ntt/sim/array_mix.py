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
from scipy.signal import butter, firwin2, oaconvolve, sosfiltfilt

from ntt.cues import SAMPLE_RATE_HZ
from ntt.sim.acoustics import (
    BANDS_HZ,
    Room,
    direct_path_responses,
    measure_rt60_s,
    room_impulse_responses,
)

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
# A talker is not an omnidirectional source: facing the listener, the mouth sends the
# direct sound forward and less power into the room, by the directivity index per octave
# of BANDS_HZ. Chu & Warnock (NRC Canada, "Detailed directivity of sound fields around
# human talkers", IRC-RR-104, 2002; 40 talkers) as converted to DI by J. Bradley (NRC,
# AUDITORY list, 2009): 2-3 dB up to the 630 Hz third octave, about 3 dB more from 800 Hz
# to 4 kHz, "much larger" above; Leishman et al. (JASA 149, 1507, 2021) measured the same
# rise with frequency. ASSUMED: the 8 kHz octave at 7 dB.
TALKER_DI_DB = (2.0, 2.5, 2.5, 3.5, 4.5, 5.5, 7.0)
DIRECTIVITY_TAPS = 255  # the reverberant part's band gains as a 16 ms linear-phase filter


@dataclass(frozen=True)
class Source:
    """One sound source: an id, its room-frame position and its dry track (the whole
    session long)."""

    id: str
    position_m: np.ndarray
    track: np.ndarray
    kind: str  # talker | media | device | noise
    faces_device: bool = False  # a talker facing the microphones: radiates as a mouth


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
    rirs = room_impulse_responses(room, np.array([s.position_m for s in sources]), mics_m,
                                  seed)
    facing = [i for i, s in enumerate(sources) if s.faces_device]
    if facing:
        direct = direct_path_responses(room, np.array([sources[i].position_m
                                                       for i in facing]), mics_m)
        for i, d in zip(facing, direct, strict=True):
            rirs[i] = talker_radiation(rirs[i], d)
    return rirs


def talker_radiation(rir: np.ndarray, direct: np.ndarray) -> np.ndarray:
    """An omnidirectional source's (mics, taps) response → a talker's facing the
    microphones at the same on-axis level: the direct path as it is, everything the room
    adds 1/Q weaker in power (``TALKER_DI_DB``). ``direct`` is the order-0 image alone
    (``direct_path_responses``); the rest of ``rir`` is the room's."""
    nyquist = SAMPLE_RATE_HZ / 2
    freqs = [0.0, *BANDS_HZ[:-1], nyquist]
    gains = [10 ** (-di / 20) for di in (TALKER_DI_DB[0], *TALKER_DI_DB)]
    fir = firwin2(DIRECTIVITY_TAPS, freqs, gains, fs=SAMPLE_RATE_HZ)
    out = np.empty_like(rir)
    lag = DIRECTIVITY_TAPS // 2
    for m in range(len(rir)):
        d = np.zeros(rir.shape[1])
        d[:min(direct.shape[1], rir.shape[1])] = direct[m, :rir.shape[1]]
        room_part = oaconvolve(rir[m] - d, fir)[lag:lag + rir.shape[1]]
        out[m] = d + room_part
    return out.astype(np.float32)


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
    # RT60 from an omnidirectional talker's response where there is one: a mouth facing
    # the array weakens the room's part, not its decay, but the fit starts lower.
    talkers = sorted((i for i, s in enumerate(sources) if s.kind == "talker"),
                     key=lambda i: sources[i].faces_device)
    rt60 = measure_rt60_s(band_filter(rirs[talkers[0]][0], 350, 1400)) if talkers else None
    truth = {"snr_db": round(snr_db, 2), "ser_db": round(ser_db, 2) if echo_gain else None,
             "rt60_measured_s": None if rt60 is None else round(rt60, 3),
             "rir_taps": {s.id: int(h.shape[1]) for s, h in zip(sources, rirs, strict=True)}}
    return ArrayMix(audio.astype(np.float32), ref, truth)
