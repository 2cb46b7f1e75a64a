"""Acoustic and prosodic cues: how loud, how clean, how high and how fast someone speaks.

Device-directed speech tends to be louder, slower and more carefully articulated than speech
to another person, but "louder" only means something relative to the same speaker and room,
so every cue also comes as a z-score against running statistics of this session.

``ProsodyAnalyzer`` takes ``AudioChunk`` and the VAD's ``SpeechEvent`` items. Per 32 ms window
it emits a ``ProsodyFrame`` (level, noise floor, SNR, running F0); at each ``speech_end`` an
``UtteranceProsody`` (level, SNR, F0 contour and statistics, speaking rate, duration). The
utterance gate's ``TurnEvent``s (``ntt.cues.decision``) bound utterances too: a
``turn_end`` sums the utterance up before the VAD's end, a ``turn_resume`` starts the next.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
from scipy.signal import find_peaks

from ntt.audio.history import AudioHistory
from ntt.audio.pitch import frame_length, track_pitch, yin_frames
from ntt.cues import (
    SAMPLE_RATE_HZ,
    AudioChunk,
    ProsodyFrame,
    SourceStatus,
    SpeechEvent,
    TurnEvent,
    UtteranceProsody,
)
from ntt.stage import refuse

TAKES = (AudioChunk, SpeechEvent, TurnEvent, SourceStatus)
WINDOW_SAMPLES = 512  # the pipeline's chunk and silero's window: 32 ms
WINDOW_S = WINDOW_SAMPLES / SAMPLE_RATE_HZ
SILENCE_DBFS = -100.0  # level reported for digital silence
# Noise floor by minimum statistics (Martin 2001): the quietest window of the last 2 s,
# corrected for the minimum's downward bias on stationary noise.
NOISE_WINDOW_S = 2.0
NOISE_MIN_BIAS_DB = 1.0
# Windows this far above the noise floor count as active speech for the level and SNR
# (3 dB keeps weak speech in at low SNR: SNR within 2 dB from 5 to 25 dB on real speech).
ACTIVE_MARGIN_DB = 3.0
MIN_F0_LEVEL_DBFS = -55.0
# Utterances longer than this are analysed on their last part only.
MAX_UTTERANCE_S = 30.0
# Speaking-rate proxy: syllable nuclei are peaks of the 300-3000 Hz band envelope
# (de Jong & Wempe 2009) that stand out by 2 dB, lie 80 ms apart, are within 25 dB of the
# loudest peak and are voiced. On the bundled read-speech clips this counts the
# transcripts' syllables within about 11% on average.
NUCLEI_BAND_HZ = (300.0, 3000.0)
NUCLEI_PROMINENCE_DB = 2.0
NUCLEI_MIN_GAP_S = 0.08
NUCLEI_RANGE_DB = 25.0
NUCLEI_SMOOTH_FRAMES = 5
ENVELOPE_WIN_S = 0.025
ENVELOPE_HOP_S = 0.01
# Intonation at the end of an utterance (rising for questions): F0 slope over its last 0.5 s.
FINAL_SLOPE_S = 0.5
SEMITONE_REF_HZ = 100.0


def _dbfs(power: float) -> float:
    return 10 * math.log10(power) if power > 1e-10 else SILENCE_DBFS


def semitones(f0_hz: np.ndarray | float) -> np.ndarray | float:
    """Semitones above 100 Hz: the scale on which F0 differences are perceived equally."""
    return 12 * np.log2(np.asarray(f0_hz) / SEMITONE_REF_HZ)


class RunningStats:
    """Mean and spread of a cue over a session, shrunk towards a prior while few values are
    in (a first utterance is then judged against typical speech, not against itself)."""

    def __init__(self, prior_mean: float, prior_std: float, prior_weight: float = 3.0):
        self.prior_mean = prior_mean
        self.prior_std = prior_std
        self.prior_weight = prior_weight
        self.reset()

    def reset(self) -> None:
        self.n = 0
        self._mean = 0.0
        self._m2 = 0.0

    def update(self, x: float) -> None:
        if not math.isfinite(x):
            return
        self.n += 1
        delta = x - self._mean
        self._mean += delta / self.n
        self._m2 += delta * (x - self._mean)

    @property
    def mean(self) -> float:
        w = self.prior_weight
        return (w * self.prior_mean + self.n * self._mean) / (w + self.n)

    @property
    def std(self) -> float:
        w = self.prior_weight
        var = (w * self.prior_std ** 2 + self._m2) / (w + max(self.n - 1, 0))
        return math.sqrt(var)

    def z(self, x: float) -> float:
        if not math.isfinite(x):
            return float("nan")
        return (x - self.mean) / max(self.std, 1e-6)


# Priors for the running statistics (typical close-talk read speech).
LEVEL_PRIOR_DBFS = (-28.0, 6.0)
F0_PRIOR_SEMITONES = (8.0, 5.0)  # about 160 Hz, spanning male and female voices
RATE_PRIOR_SYL_PER_S = (4.0, 1.2)
DURATION_PRIOR_S = (2.0, 1.5)


def band_envelope_db(x: np.ndarray, sample_rate_hz: int = SAMPLE_RATE_HZ,
                     band_hz: tuple[float, float] = NUCLEI_BAND_HZ) -> tuple[np.ndarray, float]:
    """Smoothed band-energy envelope in dB and the time of its first frame centre."""
    win = int(round(ENVELOPE_WIN_S * sample_rate_hz))
    hop = int(round(ENVELOPE_HOP_S * sample_rate_hz))
    if len(x) < win:
        return np.zeros(0), 0.0
    frames = np.lib.stride_tricks.sliding_window_view(x, win)[::hop] * np.hanning(win)
    n_fft = 1 << int(np.ceil(np.log2(win)))
    power = np.abs(np.fft.rfft(frames, n_fft)) ** 2
    freqs = np.fft.rfftfreq(n_fft, 1 / sample_rate_hz)
    band = power[:, (freqs >= band_hz[0]) & (freqs <= band_hz[1])].sum(axis=1)
    env = 10 * np.log10(band + 1e-10)
    kernel = np.ones(NUCLEI_SMOOTH_FRAMES) / NUCLEI_SMOOTH_FRAMES
    return np.convolve(env, kernel, mode="same"), (win / 2) / sample_rate_hz


def syllable_nuclei(x: np.ndarray, f0_hz: np.ndarray, f0_start_s: float, f0_hop_s: float,
                    sample_rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """Times (s from the start of ``x``) of voiced loudness peaks: one per syllable, roughly."""
    env, env_start_s = band_envelope_db(x, sample_rate_hz)
    if len(env) == 0:
        return np.zeros(0)
    peaks, _ = find_peaks(env, prominence=NUCLEI_PROMINENCE_DB,
                          distance=max(1, int(round(NUCLEI_MIN_GAP_S / ENVELOPE_HOP_S))))
    peaks = peaks[env[peaks] > env.max() - NUCLEI_RANGE_DB]
    times = env_start_s + peaks * ENVELOPE_HOP_S
    if len(f0_hz) == 0:
        return np.zeros(0)
    idx = np.clip(np.round((times - f0_start_s) / f0_hop_s).astype(int), 0, len(f0_hz) - 1)
    voiced = np.isfinite(f0_hz)
    near = np.array([voiced[max(0, i - 2):i + 3].any() for i in idx], dtype=bool)
    return times[near] if len(times) else times


def utterance_features(x: np.ndarray, noise_floor_dbfs: float,
                       sample_rate_hz: int = SAMPLE_RATE_HZ) -> dict:
    """Level, SNR, F0 statistics and speaking rate of one utterance (no normalisation)."""
    duration_s = len(x) / sample_rate_hz
    n_win = len(x) // WINDOW_SAMPLES
    if n_win:
        win_power = np.mean(x[:n_win * WINDOW_SAMPLES].reshape(n_win, -1).astype(np.float64)
                            ** 2, axis=1)
    else:
        win_power = np.array([np.mean(x.astype(np.float64) ** 2)]) if len(x) else np.zeros(1)
    noise_power = 10 ** (noise_floor_dbfs / 10)
    active = win_power > noise_power * 10 ** (ACTIVE_MARGIN_DB / 10)
    speech_power = float(win_power[active].mean()) if active.any() else float(win_power.mean())
    snr_db = 10 * math.log10(max(speech_power - noise_power, 1e-12) / max(noise_power, 1e-12))

    track = track_pitch(x, sample_rate_hz, min_level_dbfs=max(MIN_F0_LEVEL_DBFS,
                                                                noise_floor_dbfs + 6))
    f0 = track.f0_hz
    voiced = f0[np.isfinite(f0)]
    nan = float("nan")
    if len(voiced):
        st = semitones(voiced)
        p5, p95 = np.percentile(voiced, [5, 95])
        f0_stats = dict(f0_median_hz=float(np.median(voiced)), f0_mean_hz=float(voiced.mean()),
                        f0_p5_hz=float(p5), f0_p95_hz=float(p95),
                        f0_std_semitones=float(st.std()),
                        f0_range_semitones=float(semitones(p95) - semitones(p5)))
    else:
        f0_stats = dict(f0_median_hz=nan, f0_mean_hz=nan, f0_p5_hz=nan, f0_p95_hz=nan,
                        f0_std_semitones=nan, f0_range_semitones=nan)
    f0_stats["f0_final_slope_semitones_per_s"] = _final_slope(track.f0_hz, track.hop_s)
    nuclei = syllable_nuclei(x, f0, track.start_s, track.hop_s, sample_rate_hz)
    return dict(duration_s=duration_s, level_dbfs=_dbfs(speech_power),
                peak_dbfs=_dbfs(float(win_power.max())), noise_floor_dbfs=noise_floor_dbfs,
                snr_db=snr_db, voiced_fraction=float(np.isfinite(f0).mean()) if len(f0) else 0.0,
                syllables=len(nuclei),
                speaking_rate_syl_per_s=len(nuclei) / duration_s if duration_s > 0 else 0.0,
                f0_hop_s=track.hop_s, f0_contour_hz=f0, **f0_stats)


def _final_slope(f0_hz: np.ndarray, hop_s: float) -> float:
    """Least-squares slope (semitones/s) of the voiced F0 in the last ``FINAL_SLOPE_S``."""
    n = int(round(FINAL_SLOPE_S / hop_s))
    voiced_idx = np.flatnonzero(np.isfinite(f0_hz))
    if len(voiced_idx) < 5:
        return float("nan")
    tail = voiced_idx[voiced_idx > voiced_idx[-1] - n]
    if len(tail) < 5:
        return float("nan")
    t = tail * hop_s
    return float(np.polyfit(t, semitones(f0_hz[tail]), 1)[0])


class ProsodyAnalyzer:
    """Stage: ``AudioChunk`` → ``ProsodyFrame`` per 32 ms; ``SpeechEvent`` end →
    ``UtteranceProsody``. Holds the last ``MAX_UTTERANCE_S`` of audio to cut utterances from."""

    def __init__(self, sample_rate_hz: int = SAMPLE_RATE_HZ):
        if sample_rate_hz != SAMPLE_RATE_HZ:
            raise ValueError(f"ProsodyAnalyzer works at {SAMPLE_RATE_HZ} Hz")
        self.sample_rate_hz = sample_rate_hz
        self._yin_length = frame_length(sample_rate_hz)
        self.history = AudioHistory(MAX_UTTERANCE_S + NOISE_WINDOW_S)
        self.reset()

    def reset(self) -> None:
        self.history.reset()
        self._pending = np.zeros(0, dtype=np.float32)
        self._pending_t_s = 0.0
        self._tail = np.zeros(0, dtype=np.float32)  # samples before the current window
        n_noise = int(round(NOISE_WINDOW_S / WINDOW_S))
        self._recent_power: deque[float] = deque(maxlen=n_noise)
        self._noise_floor_dbfs = SILENCE_DBFS
        self._in_speech = False
        self._utt_start_s: float | None = None
        self._utt_noise_dbfs = SILENCE_DBFS
        self.frame_level = RunningStats(*LEVEL_PRIOR_DBFS)
        self.frame_f0 = RunningStats(*F0_PRIOR_SEMITONES)
        self.utt_level = RunningStats(*LEVEL_PRIOR_DBFS)
        self.utt_f0 = RunningStats(*F0_PRIOR_SEMITONES)
        self.utt_rate = RunningStats(*RATE_PRIOR_SYL_PER_S)
        self.utt_duration = RunningStats(*DURATION_PRIOR_S)

    @property
    def noise_floor_dbfs(self) -> float:
        return self._noise_floor_dbfs

    def push(self, item: AudioChunk | SpeechEvent | TurnEvent | SourceStatus) -> list:
        if isinstance(item, AudioChunk):
            return self._audio(item)
        if isinstance(item, SpeechEvent):
            return self._event(item)
        if isinstance(item, TurnEvent):
            return self._turn(item)
        if not isinstance(item, SourceStatus):
            refuse(self, item, TAKES)
        if item.kind in ("mic_lost", "privacy_on"):
            self._in_speech = False
            self._utt_start_s = None
        return []

    def _audio(self, chunk: AudioChunk) -> list[ProsodyFrame]:
        self.history.append(chunk)
        if len(self._pending) == 0:
            self._pending_t_s = chunk.t_s
        self._pending = np.concatenate([self._pending, np.asarray(chunk.samples, np.float32)])
        out = []
        while len(self._pending) >= WINDOW_SAMPLES:
            window = self._pending[:WINDOW_SAMPLES]
            self._pending = self._pending[WINDOW_SAMPLES:]
            t_s = self._pending_t_s
            self._pending_t_s += WINDOW_S
            out.append(self._frame(t_s, window))
        return out

    def _frame(self, t_s: float, window: np.ndarray) -> ProsodyFrame:
        power = float(np.mean(window.astype(np.float64) ** 2))
        level = _dbfs(power)
        self._recent_power.append(power)
        self._noise_floor_dbfs = _dbfs(min(self._recent_power)) + NOISE_MIN_BIAS_DB
        snr = level - self._noise_floor_dbfs
        context = np.concatenate([self._tail, window])[-self._yin_length:]
        self._tail = context
        f0 = float("nan")
        if len(context) == self._yin_length and level >= max(MIN_F0_LEVEL_DBFS,
                                                             self._noise_floor_dbfs + 6):
            f0 = float(yin_frames(context[None, :], self.sample_rate_hz)[0][0])
        voiced = math.isfinite(f0)
        st = float(semitones(f0)) if voiced else float("nan")
        level_z, f0_z = self.frame_level.z(level), self.frame_f0.z(st)
        if self._in_speech:
            self.frame_level.update(level)
            self.frame_f0.update(st)
        return ProsodyFrame(t_s=t_s, level_dbfs=level, noise_floor_dbfs=self._noise_floor_dbfs,
                            snr_db=snr, f0_hz=f0, voiced=voiced, in_speech=self._in_speech,
                            level_z=level_z, f0_z=f0_z)

    def _event(self, event: SpeechEvent) -> list[UtteranceProsody]:
        if event.kind == "speech_start":
            self._in_speech = True
            self._utt_start_s = event.boundary_s
            # The floor before speech began: the 2 s window still holds the pause.
            self._utt_noise_dbfs = self._noise_floor_dbfs
            return []
        self._in_speech = False
        return self._close(event.t_s, event.boundary_s)

    def _turn(self, event: TurnEvent) -> list[UtteranceProsody]:
        """The gate's turn boundaries bound the utterance; the VAD's say what is speech."""
        if event.kind == "turn_resume":
            self._utt_start_s = event.boundary_s
            return []
        return self._close(event.t_s, event.boundary_s)

    def _close(self, t_s: float, end_s: float) -> list[UtteranceProsody]:
        if self._utt_start_s is None:  # closed already (a turn end before the VAD's)
            return []
        start_s, self._utt_start_s = self._utt_start_s, None
        return [self._utterance(t_s, start_s, end_s)]

    def _utterance(self, t_s: float, start_s: float, end_s: float) -> UtteranceProsody:
        real_start_s, audio = self.history.slice(start_s, end_s)
        feats = utterance_features(audio, self._utt_noise_dbfs, self.sample_rate_hz)
        f0_st = (float(semitones(feats["f0_median_hz"]))
                 if math.isfinite(feats["f0_median_hz"]) else float("nan"))
        zs = dict(level_z=self.utt_level.z(feats["level_dbfs"]), f0_z=self.utt_f0.z(f0_st),
                  rate_z=self.utt_rate.z(feats["speaking_rate_syl_per_s"]),
                  duration_z=self.utt_duration.z(feats["duration_s"]))
        self.utt_level.update(feats["level_dbfs"])
        self.utt_f0.update(f0_st)
        self.utt_rate.update(feats["speaking_rate_syl_per_s"])
        self.utt_duration.update(feats["duration_s"])
        duration_s = feats.pop("duration_s")
        return UtteranceProsody(t_s=t_s, start_s=real_start_s, end_s=real_start_s + duration_s,
                                duration_s=duration_s, **feats, **zs)

    def flush(self) -> list:
        return []
