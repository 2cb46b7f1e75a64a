"""An MVDR beam: the minimum-variance distortionless response towards the talker, with the
noise's spatial covariance learnt while nobody speaks.

Delay-and-sum only averages the capsules, which on a 5-10 cm array hardly changes a
point noise source (the kitchen tap, a TV) below 2 kHz; MVDR puts a null on it. Per STFT
bin, ``w = R⁻¹d / (dᴴR⁻¹d)`` keeps the look direction ``d`` at unit gain and minimises
everything else (Van Trees, *Optimum Array Processing*, 2002, ch. 6). Measured on the
simulator's rooms (``benchmarks/bench_sim_asr.py``): see the figures there.

``R`` must hold no target speech, or the beam cancels the talker. The VAD runs after
this stage, so frames wait ``NOISE_DELAY_S`` before they may enter ``R``: by then the VAD
has said whether speech had started (``ArrayHistory.speech_start_s``), and frames from a
span with speech are dropped. ``R`` is a running average over ``NOISE_AVERAGE_S``, loaded
on its diagonal so that a mis-steered beam loses little of the talker.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ntt.device_audio.history import ArrayHistory

NOISE_DELAY_S = 0.6  # longer than the VAD's decision latency (~0.3 s) plus a margin
SPEECH_MARGIN_S = 0.3  # around an utterance's boundaries: onsets and reverberant tails
NOISE_AVERAGE_S = 2.0  # the noise covariance's time constant
LOADING = 0.5  # diagonal loading, as a share of the mean capsule power per bin
UPDATE_HOPS = 8  # weights recomputed every this many hops (128 ms)
HOP_S = 0.016


class MvdrBeam:
    """``beam(spectrum (freqs, channels), t_s, steering (freqs, channels))`` → (freqs,)."""

    def __init__(self, channels: int, freqs: int, history: ArrayHistory):
        self.history = history
        self._cov = np.zeros((freqs, channels, channels), np.complex128)
        self._weight = 0.0  # how much noise the covariance holds (0: none yet)
        self._pending: deque[tuple[float, np.ndarray]] = deque()
        self._w: np.ndarray | None = None
        self._w_steering: np.ndarray | None = None
        self._hops = 0

    def beam(self, spectrum: np.ndarray, t_s: float, steering: np.ndarray) -> np.ndarray:
        self._pending.append((t_s, spectrum))
        self._learn(t_s)
        self._hops += 1
        if self._weight < 0.5:  # too little noise seen: delay-and-sum until then
            return (np.conj(steering) * spectrum).mean(axis=1)
        if self._w is None or self._w_steering is not steering or \
                self._hops % UPDATE_HOPS == 0:
            self._w, self._w_steering = self._weights(steering), steering
        return np.einsum("fm,fm->f", np.conj(self._w), spectrum)

    def _learn(self, now_s: float) -> None:
        h = self.history
        while self._pending and self._pending[0][0] <= now_s - NOISE_DELAY_S:
            t, x = self._pending.popleft()
            if h.speech_start_s is not None and t >= h.speech_start_s - SPEECH_MARGIN_S and (
                    h.speech_end_s is None or t <= h.speech_end_s + SPEECH_MARGIN_S):
                continue  # within the latest utterance (or it goes on)
            a = HOP_S / NOISE_AVERAGE_S
            self._cov = (1 - a) * self._cov + a * np.einsum("fm,fn->fmn", x, np.conj(x))
            self._weight = (1 - a) * self._weight + a

    def _weights(self, steering: np.ndarray) -> np.ndarray:
        cov = self._cov / self._weight
        power = np.real(np.einsum("fmm->f", cov)) / cov.shape[1]
        loaded = cov + (LOADING * power + 1e-12)[:, None, None] * np.eye(cov.shape[1])
        num = np.linalg.solve(loaded, steering[:, :, None])[:, :, 0]  # R⁻¹d
        return num / np.einsum("fm,fm->f", np.conj(steering), num)[:, None]
