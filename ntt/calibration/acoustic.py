"""Room acoustics for normalising loudness cues: the noise floor and the typical speech level.

"Louder than usual" is a cue for device-directed speech, but a level in dBFS means nothing
across rooms, microphones and gain settings. From a recording of the room (a WAV file or a
session), silero-vad splits 32 ms windows into speech and non-speech:

* noise floor: the median level of non-speech windows at least ``GUARD_S`` away from any
  speech (the median ignores a door slam; the guard keeps VAD boundary blur out);
* speech level: the active speech level — the mean power of speech windows louder than the
  floor by ``ACTIVE_MARGIN_DB`` (pauses inside utterances excluded), with the noise power
  subtracted, since noise and speech powers add.

Too little of either is reported, not guessed: without ``MIN_NOISE_S`` of non-speech the
floor falls back on the ``FALLBACK_PERCENTILE`` of all windows (marked in the result);
without ``MIN_SPEECH_S`` of speech there is no speech level. The result goes into the
profile's ``[acoustic]`` table, and ``AcousticLevels`` (``ntt.calibration.profile``)
normalises levels with it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ntt.calibration.profile import AcousticLevels
from ntt.cues import SAMPLE_RATE_HZ, AudioChunk, SpeechEvent

log = logging.getLogger(__name__)

WINDOW_SAMPLES = 512  # silero's window: 32 ms
WINDOW_S = WINDOW_SAMPLES / SAMPLE_RATE_HZ
SILENCE_DBFS = -100.0
GUARD_S = 0.2
ACTIVE_MARGIN_DB = 3.0
MIN_NOISE_S = 1.0
MIN_SPEECH_S = 0.5
FALLBACK_PERCENTILE = 10.0
CHUNK_SAMPLES = 4096


@dataclass(frozen=True)
class AcousticMeasurement:
    noise_floor_dbfs: float
    speech_level_dbfs: float | None
    speech_s: float
    noise_s: float
    duration_s: float
    noise_from_percentile: bool = False

    def levels(self) -> AcousticLevels:
        return AcousticLevels(self.noise_floor_dbfs, self.speech_level_dbfs)

    @property
    def snr_db(self) -> float | None:
        if self.speech_level_dbfs is None:
            return None
        return self.speech_level_dbfs - self.noise_floor_dbfs

    def profile_changes(self) -> dict[str, Any]:
        acoustic: dict[str, Any] = {"noise_floor_dbfs": round(self.noise_floor_dbfs, 2),
                                    "speech_level_dbfs": None}
        if self.speech_level_dbfs is not None:
            acoustic["speech_level_dbfs"] = round(self.speech_level_dbfs, 2)
        return {"acoustic": acoustic}

    def summary(self) -> dict[str, Any]:
        return {"noise_floor_dbfs": self.noise_floor_dbfs,
                "speech_level_dbfs": self.speech_level_dbfs, "snr_db": self.snr_db,
                "speech_s": self.speech_s, "noise_s": self.noise_s,
                "duration_s": self.duration_s,
                "noise_from_percentile": self.noise_from_percentile}


def _dbfs(power: np.ndarray | float) -> np.ndarray | float:
    p = np.asarray(power, dtype=np.float64)
    out = np.where(p > 1e-10, 10 * np.log10(np.maximum(p, 1e-30)), SILENCE_DBFS)
    return float(out) if out.ndim == 0 else out


def window_power(audio: np.ndarray) -> np.ndarray:
    """Mean square of each whole 32 ms window."""
    n = len(audio) // WINDOW_SAMPLES
    x = np.asarray(audio[:n * WINDOW_SAMPLES], dtype=np.float64).reshape(n, WINDOW_SAMPLES)
    return np.mean(x ** 2, axis=1)


def speech_spans(audio: np.ndarray, vad) -> list[tuple[float, float]]:
    """(start_s, end_s) of each utterance a ``SileroVad`` stage finds in ``audio``."""
    vad.reset()
    events: list[SpeechEvent] = []
    for i in range(0, len(audio), CHUNK_SAMPLES):
        chunk = AudioChunk(i / SAMPLE_RATE_HZ, audio[i:i + CHUNK_SAMPLES])
        events += [e for e in vad.push(chunk) if isinstance(e, SpeechEvent)]
    events += [e for e in vad.flush() if isinstance(e, SpeechEvent)]
    spans, start = [], None
    for e in events:
        if e.kind == "speech_start":
            start = e.boundary_s
        elif start is not None:
            spans.append((start, e.boundary_s))
            start = None
    return spans


def measure(audio: np.ndarray, spans: list[tuple[float, float]]) -> AcousticMeasurement:
    """Noise floor and speech level of 16 kHz mono ``audio`` given its speech spans."""
    power = window_power(audio)
    n = len(power)
    duration_s = len(audio) / SAMPLE_RATE_HZ
    if n == 0:
        raise ValueError("audio shorter than one 32 ms window")
    starts = np.arange(n) * WINDOW_S
    ends = starts + WINDOW_S
    speech = np.zeros(n, bool)
    near = np.zeros(n, bool)
    for a, b in spans:
        speech |= (ends > a) & (starts < b)
        near |= (ends > a - GUARD_S) & (starts < b + GUARD_S)
    quiet = ~near
    noise_s = float(quiet.sum() * WINDOW_S)
    from_percentile = noise_s < MIN_NOISE_S
    if from_percentile:
        log.warning("only %.1f s without speech: noise floor from the %g th percentile of "
                    "all windows", noise_s, FALLBACK_PERCENTILE)
        floor_power = float(np.percentile(power, FALLBACK_PERCENTILE))
    else:
        floor_power = float(np.median(power[quiet]))
    floor_dbfs = _dbfs(floor_power)
    speech_s = float(speech.sum() * WINDOW_S)
    speech_dbfs = None
    if speech_s >= MIN_SPEECH_S:
        active = speech & (_dbfs(power) > floor_dbfs + ACTIVE_MARGIN_DB)
        if active.sum() * WINDOW_S >= MIN_SPEECH_S:
            clean = float(np.mean(power[active])) - floor_power
            if clean > 0:
                speech_dbfs = _dbfs(clean)
    if speech_dbfs is None:
        log.warning("less than %.1f s of speech above the noise: no speech level measured",
                    MIN_SPEECH_S)
    return AcousticMeasurement(float(floor_dbfs), None if speech_dbfs is None else
                               float(speech_dbfs), speech_s, noise_s, duration_s,
                               from_percentile)


def measure_recording(audio: np.ndarray, vad) -> AcousticMeasurement:
    """VAD, then ``measure``."""
    return measure(audio, speech_spans(audio, vad))


def level_dbfs(audio: np.ndarray) -> float:
    """Mean-power level of a signal (for tests and tools)."""
    x = np.asarray(audio, dtype=np.float64)
    return float(_dbfs(float(np.mean(x ** 2)))) if len(x) else SILENCE_DBFS


def db_to_gain(db: float) -> float:
    return math.pow(10.0, db / 20.0)
