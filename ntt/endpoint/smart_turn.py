"""Smart Turn v3: p(the turn is complete) from the sound of the speech so far.

Pipecat's open end-of-turn model (BSD-2-Clause, Daily; ``smart_turn_v3.2_cpu.onnx``, taken
unchanged from the pipecat-ai 1.14.0 wheel, licence beside it in ``ntt/models``): a Whisper
tiny encoder with a small classifier, trained on real and synthetic speech in 23 languages
to tell "finished" from "pausing" — the words as they sound ("set a timer for…") and the
melody, both. It is run once per pause, not every frame (about 30 ms a call on one core
here), on the last 8 s of the turn including the silence so far, as pipecat runs it after
its VAD stops.

Why not pipecat itself: every pipecat-ai release pins protobuf >= 5, which breaks
mediapipe 0.10.21 (protobuf < 5); the model and its features need only onnxruntime and
NumPy (``ntt.endpoint.whisper_mel``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ntt import paths
from ntt.endpoint.whisper_mel import WINDOW_SAMPLES, log_mel

MODEL_PATH = paths.MODELS / "smart_turn_v3.2_cpu.onnx"


class SmartTurn:
    """``p_complete(audio)`` for 16 kHz mono audio ending now (only its last 8 s count)."""

    def __init__(self, path: str | Path = MODEL_PATH, threads: int = 1):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(path), sess_options=options,
                                             providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name

    def p_complete(self, audio: np.ndarray) -> float:
        x = np.asarray(audio, dtype=np.float32).ravel()[-WINDOW_SAMPLES:]
        x = np.pad(x, (WINDOW_SAMPLES - x.size, 0))  # the model was fed left-padded audio
        out = self._session.run(None, {self._input: log_mel(x)[None]})[0]
        return float(np.asarray(out).ravel()[0])


class RecentAudio:
    """The last ``keep_s`` of a contiguous 16 kHz stream, sliced by time."""

    def __init__(self, keep_s: float = WINDOW_SAMPLES / 16_000 + 0.5):
        self.keep = int(round(keep_s * 16_000))
        self.reset()

    def reset(self) -> None:
        self._samples = np.zeros(0, dtype=np.float32)
        self._end_s = 0.0

    def push(self, t_s: float, samples: np.ndarray) -> None:
        if abs(t_s - self._end_s) > 1e-3:  # a gap or a restart: what came before is not "now"
            self._samples = np.zeros(0, dtype=np.float32)
        self._samples = np.concatenate([self._samples, samples.astype(np.float32, copy=False)])
        self._samples = self._samples[-self.keep:]
        self._end_s = t_s + len(samples) / 16_000

    def between(self, start_s: float, end_s: float) -> np.ndarray:
        """The samples from ``start_s`` (or as far back as kept) to ``end_s`` (or the end
        of the stream)."""
        def index(t_s: float) -> int:
            return len(self._samples) - int(round((self._end_s - t_s) * 16_000))

        return self._samples[max(0, index(start_s)):max(0, index(min(end_s, self._end_s)))]
