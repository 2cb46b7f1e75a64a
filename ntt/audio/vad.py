"""Streaming voice activity detection and endpointing with silero-vad.

Silero scores 32 ms windows; a small hysteresis state machine turns the scores into
``speech_start`` / ``speech_end`` events. The end event is emitted once ``hangover_ms`` of
non-speech has passed, so endpoint latency is the hangover plus one window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ntt.cues import SAMPLE_RATE_HZ, AudioChunk, SpeechEvent

WINDOW_SAMPLES = 512  # silero-vad's window at 16 kHz (32 ms)


def load_silero_model():
    """The JIT model that ships inside the silero-vad wheel (no download)."""
    from silero_vad import load_silero_vad

    return load_silero_vad(onnx=False)


@dataclass(frozen=True)
class VadConfig:
    threshold: float = 0.5
    # Below this a window counts as silence (hysteresis keeps words from splitting).
    neg_threshold: float = 0.35
    min_speech_ms: float = 96.0
    hangover_ms: float = 200.0
    # Speech boundaries are padded by this much; silero's onset/offset are slightly late/early.
    pad_ms: float = 32.0


@dataclass(frozen=True)
class SpeechProbability:
    """Per-window speech probability (a cue for fusion and the visualizer)."""

    t_s: float
    p_speech: float


class SileroVad:
    """``push(AudioChunk)`` → ``SpeechEvent`` (and per-window ``SpeechProbability``) cues."""

    def __init__(self, model, config: VadConfig | None = None, emit_probabilities: bool = False):
        self.model = model
        self.config = config or VadConfig()
        self.emit_probabilities = emit_probabilities
        self.reset()

    def reset(self) -> None:
        self.model.reset_states()
        self._buffer = np.zeros(0, dtype=np.float32)
        self._buffer_t_s = 0.0
        self._speaking = False
        self._candidate_start_s: float | None = None
        self._silence_start_s: float | None = None
        self._last_t_s = 0.0

    def push(self, chunk: AudioChunk) -> list:
        if len(self._buffer) == 0:
            self._buffer_t_s = chunk.t_s
        self._buffer = np.concatenate([self._buffer, chunk.samples])
        out: list = []
        while len(self._buffer) >= WINDOW_SAMPLES:
            window = self._buffer[:WINDOW_SAMPLES]
            self._buffer = self._buffer[WINDOW_SAMPLES:]
            t_s = self._buffer_t_s
            self._buffer_t_s += WINDOW_SAMPLES / SAMPLE_RATE_HZ
            with torch.no_grad():
                p = float(self.model(torch.from_numpy(window), SAMPLE_RATE_HZ).item())
            if self.emit_probabilities:
                out.append(SpeechProbability(t_s, p))
            out.extend(self._step(t_s, p))
        return out

    def _step(self, t_s: float, p: float) -> list[SpeechEvent]:
        cfg = self.config
        window_s = WINDOW_SAMPLES / SAMPLE_RATE_HZ
        end_s = t_s + window_s
        self._last_t_s = end_s
        pad_s = cfg.pad_ms / 1000
        if not self._speaking:
            if p >= cfg.threshold:
                if self._candidate_start_s is None:
                    self._candidate_start_s = t_s
                if end_s - self._candidate_start_s >= cfg.min_speech_ms / 1000:
                    self._speaking = True
                    self._silence_start_s = None
                    start = max(0.0, self._candidate_start_s - pad_s)
                    return [SpeechEvent(end_s, "speech_start", start)]
            elif p < cfg.neg_threshold:
                self._candidate_start_s = None
            return []
        if p >= cfg.threshold:
            self._silence_start_s = None
        elif p < cfg.neg_threshold:
            if self._silence_start_s is None:
                self._silence_start_s = t_s
            if end_s - self._silence_start_s >= cfg.hangover_ms / 1000:
                return [self._end(end_s, self._silence_start_s + pad_s)]
        return []

    def _end(self, t_s: float, boundary_s: float) -> SpeechEvent:
        self._speaking = False
        self._candidate_start_s = None
        self._silence_start_s = None
        return SpeechEvent(t_s, "speech_end", min(boundary_s, t_s))

    def flush(self) -> list[SpeechEvent]:
        """Close an utterance still open at end of stream."""
        if self._speaking:
            end = self._silence_start_s if self._silence_start_s is not None else self._last_t_s
            return [self._end(self._last_t_s, end)]
        return []
