"""Streaming Kaldi log-mel filterbank features, normalised per session.

The filterbank is torchaudio's Kaldi-compatible one (``torchaudio.compliance.kaldi``): the
mel matrix is ``kaldi.get_mel_banks``'s (rebuilt here in numpy, no VTLN warping; a test
checks it against torchaudio's) and the per-frame steps (DC removal, pre-emphasis 0.97,
Povey window, power spectrum, log) follow ``kaldi.fbank`` exactly, in numpy, so that a
32 ms chunk costs tens of microseconds instead of a torch call. Frames are
cut as if the whole stream were one signal (``snip_edges``), so chunked output equals
``kaldi.fbank`` over the concatenated audio (with ``dither=0``). Samples are used as they
come, in [-1, 1] (Kaldi's int16 scale adds a constant ``log(32768**2)`` to every value).

Features are computed once here and shared by whatever head wants them (fusion, an
utterance classifier): per chunk a ``FbankFrames`` cue, per utterance an ``UtteranceFbank``
(mean and standard deviation of the normalised frames).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from ntt.cues import SAMPLE_RATE_HZ, AudioChunk, SpeechEvent

NUM_MEL_BINS = 40
FRAME_LENGTH_S = 0.025
FRAME_SHIFT_S = 0.010
LOW_FREQ_HZ = 20.0
PREEMPHASIS = 0.97
POVEY_POWER = 0.85
# Running mean/variance normalisation: an exponential window of about this many frames
# (10 s), after a plain cumulative start.
CMVN_FRAMES = 1000
CMVN_VAR_FLOOR = 1e-2
MAX_UTTERANCE_FRAMES = 3000  # 30 s of frames kept for the utterance summary


def _kaldi_mel(freq_hz: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log(1.0 + np.asarray(freq_hz, dtype=np.float64) / 700.0)


def kaldi_mel_banks(num_bins: int = NUM_MEL_BINS, sample_rate_hz: int = SAMPLE_RATE_HZ,
                    n_fft: int = 512) -> np.ndarray:
    """(num_bins, n_fft // 2 + 1) Kaldi mel weights, as ``kaldi.fbank`` builds them:
    triangles equally spaced on Kaldi's mel scale from ``LOW_FREQ_HZ`` to Nyquist, over
    the FFT bins below Nyquist (the Nyquist bin gets no weight). In float64; torchaudio's
    float32 weights differ by under 1e-5."""
    mel_low, mel_high = _kaldi_mel(LOW_FREQ_HZ), _kaldi_mel(sample_rate_hz / 2)
    delta = (mel_high - mel_low) / (num_bins + 1)
    edges = mel_low + delta * np.arange(num_bins + 2, dtype=np.float64)
    left, center, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    mel = _kaldi_mel(sample_rate_hz / n_fft * np.arange(n_fft // 2))[None, :]
    up = (mel - left) / (center - left)
    down = (right - mel) / (right - center)
    banks = np.maximum(0.0, np.minimum(up, down))
    return np.pad(banks, ((0, 0), (0, 1)))


@dataclass(frozen=True)
class FbankFrames:
    """Log-mel frames computed from one chunk: frame ``i`` covers
    ``[t_s + i * hop_s, t_s + i * hop_s + 0.025)``. ``normalized`` is mean/variance
    normalised with this session's running statistics up to that frame."""

    t_s: float
    hop_s: float
    log_mel: np.ndarray = field(repr=False)
    normalized: np.ndarray = field(repr=False)


@dataclass(frozen=True)
class UtteranceFbank:
    """Summary of the normalised filterbank over one utterance (``t_s``: when known)."""

    t_s: float
    start_s: float
    end_s: float
    frames: int
    mean: np.ndarray = field(repr=False)
    std: np.ndarray = field(repr=False)


class KaldiFbank:
    """Pure function object: frames of ``x`` → Kaldi log-mel energies (n_frames, bins)."""

    def __init__(self, num_bins: int = NUM_MEL_BINS, sample_rate_hz: int = SAMPLE_RATE_HZ):
        self.frame_samples = int(round(FRAME_LENGTH_S * sample_rate_hz))
        self.shift_samples = int(round(FRAME_SHIFT_S * sample_rate_hz))
        self.n_fft = 1 << int(np.ceil(np.log2(self.frame_samples)))
        self.banks = kaldi_mel_banks(num_bins, sample_rate_hz, self.n_fft)
        n = np.arange(self.frame_samples)
        hann = 0.5 - 0.5 * np.cos(2 * np.pi * n / (self.frame_samples - 1))
        self.window = hann ** POVEY_POWER
        self.eps = float(np.finfo(np.float32).eps)

    def n_frames(self, n_samples: int) -> int:
        if n_samples < self.frame_samples:
            return 0
        return 1 + (n_samples - self.frame_samples) // self.shift_samples

    def __call__(self, x: np.ndarray) -> np.ndarray:
        n = self.n_frames(len(x))
        if n == 0:
            return np.zeros((0, self.banks.shape[0]), dtype=np.float32)
        frames = np.lib.stride_tricks.sliding_window_view(
            np.asarray(x, dtype=np.float64), self.frame_samples)[::self.shift_samples][:n]
        frames = frames - frames.mean(axis=1, keepdims=True)
        previous = np.concatenate([frames[:, :1], frames[:, :-1]], axis=1)
        frames = (frames - PREEMPHASIS * previous) * self.window
        power = np.abs(np.fft.rfft(frames, self.n_fft)) ** 2
        mel = power @ self.banks.T
        return np.log(np.maximum(mel, self.eps)).astype(np.float32)


class FbankExtractor:
    """Stage: ``AudioChunk`` → ``FbankFrames``; ``SpeechEvent`` end → ``UtteranceFbank``."""

    def __init__(self, num_bins: int = NUM_MEL_BINS, sample_rate_hz: int = SAMPLE_RATE_HZ):
        self.fbank = KaldiFbank(num_bins, sample_rate_hz)
        self.sample_rate_hz = sample_rate_hz
        self.num_bins = num_bins
        self.reset()

    def reset(self) -> None:
        self._buffer = np.zeros(0, dtype=np.float32)
        self._buffer_t_s: float | None = None
        self._count = 0
        self._mean = np.zeros(self.num_bins)
        self._var = np.ones(self.num_bins)
        # (frame start s, normalised frame) for utterance summaries
        self._recent: deque[tuple[float, np.ndarray]] = deque(maxlen=MAX_UTTERANCE_FRAMES)
        self._utt_start_s: float | None = None

    def push(self, item) -> list:
        if isinstance(item, AudioChunk):
            return self._audio(item)
        if isinstance(item, SpeechEvent):
            if item.kind == "speech_start":
                self._utt_start_s = item.boundary_s
                return []
            if self._utt_start_s is not None:
                start, self._utt_start_s = self._utt_start_s, None
                return [self._summary(item.t_s, start, item.boundary_s)]
        return []

    def _audio(self, chunk: AudioChunk) -> list[FbankFrames]:
        if self._buffer_t_s is None:
            self._buffer_t_s = chunk.t_s
        self._buffer = np.concatenate([self._buffer, np.asarray(chunk.samples, np.float32)])
        n = self.fbank.n_frames(len(self._buffer))
        if n == 0:
            return []
        log_mel = self.fbank(self._buffer)
        t_s = self._buffer_t_s
        consumed = n * self.fbank.shift_samples
        self._buffer = self._buffer[consumed:]
        self._buffer_t_s += consumed / self.sample_rate_hz
        normalized = np.empty_like(log_mel)
        hop_s = self.fbank.shift_samples / self.sample_rate_hz
        for i, frame in enumerate(log_mel):
            self._update_stats(frame.astype(np.float64))
            normalized[i] = (frame - self._mean) / np.sqrt(np.maximum(self._var,
                                                                      CMVN_VAR_FLOOR))
            self._recent.append((t_s + i * hop_s, normalized[i]))
        return [FbankFrames(t_s=t_s, hop_s=hop_s, log_mel=log_mel, normalized=normalized)]

    def _update_stats(self, frame: np.ndarray) -> None:
        self._count += 1
        rate = 1.0 / min(self._count, CMVN_FRAMES)
        delta = frame - self._mean
        self._mean += rate * delta
        if self._count == 1:
            self._var = np.zeros_like(frame)
        else:
            self._var = (1 - rate) * (self._var + rate * delta ** 2)

    def _summary(self, t_s: float, start_s: float, end_s: float) -> UtteranceFbank:
        frames = [f for ts, f in self._recent if start_s <= ts < end_s]
        if frames:
            stack = np.stack(frames)
            mean, std = stack.mean(axis=0), stack.std(axis=0)
        else:
            mean = std = np.zeros(self.num_bins, dtype=np.float32)
        return UtteranceFbank(t_s=t_s, start_s=start_s, end_s=end_s, frames=len(frames),
                              mean=mean.astype(np.float32), std=std.astype(np.float32))

    def flush(self) -> list:
        return []
