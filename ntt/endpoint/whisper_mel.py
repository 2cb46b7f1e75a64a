# Copyright (c) 2024-2026, Daily. SPDX-License-Identifier: BSD-2-Clause
# (ntt/models/smart_turn_LICENSE.txt). Vendored from pipecat-ai 1.14.0,
# pipecat/audio/turn/smart_turn/_whisper_features.py, itself derived from Hugging Face
# Transformers' WhisperFeatureExtractor (Apache-2.0, copyright the HuggingFace Inc. team
# and the librosa & torchaudio authors). Trimmed to the one configuration Smart Turn uses.
"""Whisper's log-mel features in NumPy, for Smart Turn v3 (``ntt.endpoint.smart_turn``).

The model was trained on ``WhisperFeatureExtractor(chunk_length=8)`` output; this is that
computation without importing ``transformers`` (or pipecat, whose protobuf pin breaks
mediapipe): 80 Slaney mel bands, 25 ms Hann windows every 10 ms, 8 s of 16 kHz audio.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

SAMPLE_RATE_HZ = 16_000
WINDOW_SAMPLES = 8 * SAMPLE_RATE_HZ  # the model sees the last 8 s
_N_FFT = 400
_HOP = 160
_N_MELS = 80


def _hz_to_mel(freq: np.ndarray) -> np.ndarray:
    freq = np.atleast_1d(np.asarray(freq, dtype=np.float64))
    mels = 3.0 * freq / 200.0
    high = freq >= 1000.0
    mels[high] = 15.0 + np.log(freq[high] / 1000.0) * (27.0 / np.log(6.4))
    return mels


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    mels = np.atleast_1d(np.asarray(mels, dtype=np.float64))
    freq = 200.0 * mels / 3.0
    high = mels >= 15.0
    freq[high] = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mels[high] - 15.0))
    return freq


def _mel_filterbank() -> np.ndarray:
    """Slaney-normalized triangles, (frequency bins, mel bands)."""
    edges = _mel_to_hz(np.linspace(_hz_to_mel(0.0)[0], _hz_to_mel(SAMPLE_RATE_HZ / 2)[0],
                                   _N_MELS + 2))
    bins = np.linspace(0, SAMPLE_RATE_HZ // 2, _N_FFT // 2 + 1)
    slopes = edges[None, :] - bins[:, None]
    diff = np.diff(edges)
    down = -slopes[:, :-2] / diff[:-1]
    up = slopes[:, 2:] / diff[1:]
    filters = np.maximum(0.0, np.minimum(down, up))
    return filters * (2.0 / (edges[2:] - edges[:-2]))[None, :]


_WINDOW = np.hanning(_N_FFT + 1)[:-1]  # periodic, as torch.hann_window
_FILTERS = _mel_filterbank()


def log_mel(audio: np.ndarray) -> np.ndarray:
    """(80, 800) float32 features of exactly 8 s of 16 kHz audio (zero-padded or cut at the
    end), the waveform normalized to zero mean and unit variance first, as the model's
    training features were."""
    x = np.asarray(audio, dtype=np.float32).ravel()[:WINDOW_SAMPLES]
    x = np.pad(x, (0, WINDOW_SAMPLES - x.size))
    x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
    padded = np.pad(x.astype(np.float64), _N_FFT // 2, mode="reflect")
    frames = sliding_window_view(padded, _N_FFT)[::_HOP]
    power = np.abs(np.fft.rfft(frames * _WINDOW, axis=-1)) ** 2
    log_spec = np.log10(np.maximum(1e-10, _FILTERS.T @ power.T))[:, :-1]
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return ((log_spec + 4.0) / 4.0).astype(np.float32)
