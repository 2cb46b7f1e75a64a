"""PCM on the Wyoming wire ⇄ the pipeline's audio (16 kHz mono float32 ``AudioChunk``s).

A Wyoming stream may come at any rate, sample width and channel count (``audio-start`` and
every ``audio-chunk`` say which). Samples are signed little-endian integers of 1–4 bytes, as
the ``wyoming`` package's own converter reads them; channels are averaged; soxr resamples
(streaming, so chunk boundaries leave no seams). A chunk may end mid-frame: the rest waits
for the next one.
"""

from __future__ import annotations

import numpy as np
import soxr

from ntt.cues import SAMPLE_RATE_HZ, AudioChunk
from ntt.io.sources import CHUNK_SAMPLES

MAX_RATE_HZ = 384_000
MAX_CHANNELS = 32
PCM16_WIDTH = 2
_FULL_SCALE = {1: 2.0**7, 2: 2.0**15, 3: 2.0**23, 4: 2.0**31}


class PcmDecoder:
    """Raw PCM bytes of one format → mono float32 at ``out_rate_hz``, chunk by chunk."""

    def __init__(self, rate_hz: int, width: int, channels: int,
                 out_rate_hz: int = SAMPLE_RATE_HZ):
        if not isinstance(rate_hz, int) or not 0 < rate_hz <= MAX_RATE_HZ:
            raise ValueError(f"bad sample rate {rate_hz!r}")
        if width not in _FULL_SCALE:
            raise ValueError(f"bad sample width {width!r} (1 to 4 bytes)")
        if not isinstance(channels, int) or not 0 < channels <= MAX_CHANNELS:
            raise ValueError(f"bad channel count {channels!r}")
        self.format = (rate_hz, width, channels)
        self.out_rate_hz = out_rate_hz
        self._frame_bytes = width * channels
        self._rest = b""
        self._resampler = (soxr.ResampleStream(rate_hz, out_rate_hz, 1, dtype="float32")
                           if rate_hz != out_rate_hz else None)

    def decode(self, audio: bytes) -> np.ndarray:
        data = self._rest + bytes(audio)
        whole = len(data) // self._frame_bytes * self._frame_bytes
        self._rest = data[whole:]
        rate_hz, width, channels = self.format
        mono = _to_float(data[:whole], width).reshape(-1, channels).mean(axis=1)
        if self._resampler is not None:
            mono = self._resampler.resample_chunk(mono.astype(np.float32))
        return mono.astype(np.float32, copy=False)

    def flush(self) -> np.ndarray:
        """What the resampler still holds (end of stream)."""
        self._rest = b""
        if self._resampler is None:
            return np.zeros(0, np.float32)
        return self._resampler.resample_chunk(np.zeros(0, np.float32), last=True)


def _to_float(data: bytes, width: int) -> np.ndarray:
    if width == 3:
        raw = np.frombuffer(data, np.uint8).reshape(-1, 3).astype(np.int32)
        ints = raw[:, 0] | (raw[:, 1] << 8) | (raw[:, 2] << 16)
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
    else:
        ints = np.frombuffer(data, {1: "<i1", 2: "<i2", 4: "<i4"}[width])
    return (ints / _FULL_SCALE[width]).astype(np.float32)


class ChunkClock:
    """Cuts decoded audio into the pipeline's 32 ms ``AudioChunk``s, stamped by sample count
    (the session clock of a stream starts at its first sample)."""

    def __init__(self, chunk_samples: int = CHUNK_SAMPLES):
        self.chunk_samples = chunk_samples
        self._pending = np.zeros(0, np.float32)
        self._samples = 0

    def push(self, samples: np.ndarray) -> list[AudioChunk]:
        self._pending = np.concatenate([self._pending, samples.astype(np.float32)])
        out = []
        while len(self._pending) >= self.chunk_samples:
            out.append(self._cut(self.chunk_samples))
        return out

    def flush(self) -> list[AudioChunk]:
        return [self._cut(len(self._pending))] if len(self._pending) else []

    def _cut(self, n: int) -> AudioChunk:
        chunk = AudioChunk(t_s=self._samples / SAMPLE_RATE_HZ, samples=self._pending[:n].copy())
        self._pending = self._pending[n:]
        self._samples += n
        return chunk


def to_pcm16(samples: np.ndarray) -> bytes:
    """Float samples in [-1, 1] as 16-bit signed little-endian PCM (what Home Assistant takes)."""
    clipped = np.clip(np.asarray(samples, np.float32), -1.0, 1.0)
    return np.round(clipped * 32767.0).astype("<i2").tobytes()


def ms(t_s: float) -> int:
    """Seconds on the session clock → a Wyoming timestamp (integer milliseconds)."""
    return int(round(t_s * 1000.0))
