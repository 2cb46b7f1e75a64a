"""A bounded record of recent audio on the session clock.

VAD boundaries arrive after the samples they refer to (the start event is known only once
enough speech has been heard), so stages that work per utterance keep the recent past and
cut the utterance out of it by session time.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ntt.cues import SAMPLE_RATE_HZ, AudioChunk


class AudioHistory:
    """The last ``max_s`` seconds of audio, addressable by session time."""

    def __init__(self, max_s: float, sample_rate_hz: int = SAMPLE_RATE_HZ):
        self.max_samples = int(round(max_s * sample_rate_hz))
        self.sample_rate_hz = sample_rate_hz
        self.reset()

    def reset(self) -> None:
        self._chunks: deque[np.ndarray] = deque()
        self._n = 0
        self._start_sample: int | None = None  # session sample index of the oldest sample

    @property
    def start_s(self) -> float:
        return (self._start_sample or 0) / self.sample_rate_hz

    @property
    def end_s(self) -> float:
        return ((self._start_sample or 0) + self._n) / self.sample_rate_hz

    def append(self, chunk: AudioChunk) -> None:
        first = int(round(chunk.t_s * self.sample_rate_hz))
        if self._start_sample is None:
            self._start_sample = first
        elif first != self._start_sample + self._n:
            # A gap or overlap in the stream (dropped device blocks): restart the record so
            # that times stay exact rather than silently shifting.
            self.reset()
            self._start_sample = first
        samples = np.asarray(chunk.samples, dtype=np.float32)
        self._chunks.append(samples)
        self._n += len(samples)
        while self._chunks and self._n - len(self._chunks[0]) >= self.max_samples:
            dropped = self._chunks.popleft()
            self._n -= len(dropped)
            self._start_sample += len(dropped)

    def slice(self, start_s: float, end_s: float) -> tuple[float, np.ndarray]:
        """Samples in ``[start_s, end_s)`` clipped to what is held: (actual start s, samples)."""
        if self._start_sample is None or not self._chunks:
            return start_s, np.zeros(0, dtype=np.float32)
        lo = max(int(round(start_s * self.sample_rate_hz)) - self._start_sample, 0)
        hi = min(int(round(end_s * self.sample_rate_hz)) - self._start_sample, self._n)
        if hi <= lo:
            return (self._start_sample + lo) / self.sample_rate_hz, np.zeros(0, np.float32)
        audio = np.concatenate(list(self._chunks))
        return (self._start_sample + lo) / self.sample_rate_hz, audio[lo:hi]
