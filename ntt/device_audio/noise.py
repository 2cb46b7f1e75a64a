"""Optional noise suppression and automatic gain: WebRTC's, through ``webrtc-noise-gain``
(the wrapper Home Assistant's voice pipeline uses). It works on 10 ms blocks of 16-bit
audio, so samples wait here until a block is full; the stream keeps its sample count, so
every sample still sits at its own time on the session clock."""

from __future__ import annotations

import numpy as np

BLOCK_SAMPLES = 160  # 10 ms at 16 kHz: what WebRTC's audio processing takes
INT16_SCALE = 32767.0


class NoiseGain:
    """``push(samples)`` → the processed samples that are ready (fewer, or more, than came
    in); ``flush()`` → the rest, zero-padded through the processor and cut back."""

    def __init__(self, suppression_level: int, auto_gain_dbfs: int):
        from webrtc_noise_gain import AudioProcessor

        self._processor = AudioProcessor(auto_gain_dbfs, suppression_level)
        self._pending = np.zeros(0, dtype=np.float32)

    def push(self, samples: np.ndarray) -> np.ndarray:
        self._pending = np.concatenate([self._pending, samples.astype(np.float32)])
        n = len(self._pending) // BLOCK_SAMPLES * BLOCK_SAMPLES
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        out = [self._block(self._pending[i:i + BLOCK_SAMPLES]) for i in range(0, n,
                                                                              BLOCK_SAMPLES)]
        self._pending = self._pending[n:]
        return np.concatenate(out)

    def flush(self) -> np.ndarray:
        rest = len(self._pending)
        if rest == 0:
            return np.zeros(0, dtype=np.float32)
        padded = np.zeros(BLOCK_SAMPLES, dtype=np.float32)
        padded[:rest] = self._pending
        self._pending = np.zeros(0, dtype=np.float32)
        return self._block(padded)[:rest]

    def _block(self, block: np.ndarray) -> np.ndarray:
        pcm = np.clip(np.round(block * INT16_SCALE), -32768, 32767).astype(np.int16)
        result = self._processor.Process10ms(pcm.tobytes())
        return np.frombuffer(result.audio, dtype=np.int16).astype(np.float32) / INT16_SCALE
