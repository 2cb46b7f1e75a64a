"""Streaming voice activity detection and endpointing with silero-vad.

Silero scores 32 ms windows; a small hysteresis state machine turns the scores into
``speech_start`` / ``speech_end`` events. Speech starts once ``min_speech_ms`` of windows
score above ``threshold``; it ends once ``hangover_ms`` of windows have scored below
``neg_threshold``. The end event is therefore emitted ``hangover_ms`` after silero's score
falls, which on real read speech is 30-140 ms after the last word ends: with the default
160 ms hangover the endpoint is known 190-300 ms after the speech really ends.

The device-audio front-end says which frames are the device's own voice
(``EchoActivity``); a window mostly of such frames scores 0 here — the one place that
rule acts — so the residue of a reply never opens or holds an utterance, while a user
talking over it (frames the front-end found a near-end talker in) is heard as usual.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ntt import paths
from ntt.cues import (
    SAMPLE_RATE_HZ,
    AudioChunk,
    EchoActivity,
    SourceStatus,
    SpeechEvent,
    SpeechPause,
    SpeechProbability,
)
from ntt.settings import VadSettings
from ntt.stage import refuse

WINDOW_SAMPLES = 512  # silero-vad's window at 16 kHz (32 ms)
WINDOW_S = WINDOW_SAMPLES / SAMPLE_RATE_HZ
# Silero's state is reset only in what its own scores call silence (``_maybe_reset_state``).
RAW_SPEECH_P, RAW_SILENCE_P, RESET_AFTER_S = 0.5, 0.2, 0.3
# Control items after which nothing heard belongs to the utterance that was running.
_STOP_LISTENING = ("mic_lost", "privacy_on")
_RESUME_LISTENING = ("mic_back", "privacy_off")


SILERO_MODEL = paths.MODELS / "silero_vad.onnx"
_CONTEXT_SAMPLES = 64  # the end of the previous window, prepended to each (silero v5+)


class SileroModel:
    """Silero VAD v5 (MIT, Silero Team; ``silero_vad.onnx`` taken unchanged from the
    silero-vad 6.2.3 wheel, licence beside it in ``ntt/models``) on onnxruntime, without
    torch: ``model(window)`` → p(speech) of one 512-sample 16 kHz window, the recurrent
    state carried from call to call as silero-vad's own ``OnnxWrapper`` carries it (the
    last 64 samples of the previous window prepended; same scores). Its session runs on
    one thread of its own: 0.5 ms a window here against 1.2 ms for the TorchScript model,
    which also shares torch's thread pool with the rest of the process (on two cores next
    to CTranslate2's threads that pool slowed the VAD several times)."""

    def __init__(self, path=SILERO_MODEL):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(path), sess_options=options,
                                             providers=["CPUExecutionProvider"])
        self._sr = np.array(SAMPLE_RATE_HZ, dtype=np.int64)
        self.reset_states()

    def reset_states(self) -> None:
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._context = np.zeros((1, _CONTEXT_SAMPLES), dtype=np.float32)

    def __call__(self, window: np.ndarray) -> float:
        x = np.concatenate([self._context, np.asarray(window, np.float32).reshape(1, -1)],
                           axis=1)
        out, self._state = self._session.run(None, {"input": x, "state": self._state,
                                                    "sr": self._sr})
        self._context = x[:, -_CONTEXT_SAMPLES:]
        return float(out.ravel()[0])


def load_silero_model() -> SileroModel:
    """The VAD model that ships in ``ntt/models`` (no download, no torch)."""
    return SileroModel()


def _windows(n_ms: float) -> int:
    """Whole windows needed to cover ``n_ms`` (at least one)."""
    return max(1, int(np.ceil(n_ms / 1000 / WINDOW_S - 1e-6)))


class SileroVad:
    """``push(AudioChunk)`` → ``SpeechEvent`` (and per-window ``SpeechProbability``, and
    ``SpeechPause`` when asked: ``emit_pauses``) cues.

    Any chunk size works: samples are regrouped into silero's 32 ms windows. ``mic_lost`` or
    ``privacy_on`` closes a running utterance; audio is ignored until the matching
    ``mic_back`` / ``privacy_off``. ``EchoActivity`` marks windows that are the device's
    own voice. With ``model=None`` only ``push_probability`` works:
    recorded scores replayed through the hysteresis.
    """

    def __init__(self, model, config: VadSettings | None = None, emit_probabilities: bool = False,
                 emit_pauses: bool = False):
        self.model = model
        self.config = config or VadSettings()
        # The second scorer that starts afresh (``_maybe_reset_state``): its own instance.
        self.fresh_model = load_silero_model() if model is not None and \
            self.config.state_reset_s > 0 else None
        self.emit_probabilities = emit_probabilities
        self.emit_pauses = emit_pauses
        self._pause_windows = _windows(self.config.pause_ms)
        self._min_speech_windows = _windows(self.config.min_speech_ms)
        self._hangover_windows = _windows(self.config.hangover_ms)
        self.reset()

    def reset(self) -> None:
        self._reset_model()
        self._buffer = np.zeros(0, dtype=np.float32)
        self._buffer_t_s = 0.0
        self._speaking = False
        self._speech_start_s = 0.0
        self._candidate_start_s: float | None = None
        self._candidate_windows = 0
        self._silence_start_s: float | None = None
        self._silence_windows = 0
        self._last_t_s = 0.0
        self._muted = False
        self._echo: deque[EchoActivity] = deque()
        self._state_since_s = 0.0  # when silero's state last started afresh
        self._raw_speech = False  # silero scored speech since that reset
        self._raw_quiet = 0  # windows in a row silero has scored as silence

    @property
    def speaking(self) -> bool:
        return self._speaking

    def push(self, item: AudioChunk | SourceStatus | EchoActivity) -> list:
        if isinstance(item, SourceStatus):
            return self._control(item)
        if isinstance(item, EchoActivity):
            self._echo.append(item)
            return []
        if not isinstance(item, AudioChunk):
            refuse(self, item, (AudioChunk, SourceStatus, EchoActivity))
        if item.sample_rate_hz != SAMPLE_RATE_HZ:
            raise ValueError(f"SileroVad needs {SAMPLE_RATE_HZ} Hz audio, got "
                             f"{item.sample_rate_hz} Hz")
        if self._muted:
            return []
        if len(self._buffer) == 0:
            self._buffer_t_s = item.t_s
        self._buffer = np.concatenate([self._buffer, np.asarray(item.samples, np.float32)])
        out: list = []
        while len(self._buffer) >= WINDOW_SAMPLES:
            window = self._buffer[:WINDOW_SAMPLES]
            self._buffer = self._buffer[WINDOW_SAMPLES:]
            t_s = self._buffer_t_s
            self._buffer_t_s += WINDOW_S
            p = self.model(window)
            if self.fresh_model is not None:
                p_fresh = self.fresh_model(window)
                self._maybe_reset_state(t_s + WINDOW_S, p_fresh)
                p = max(p, p_fresh)
            if self._is_echo(t_s):
                p = 0.0
            if self.emit_probabilities:
                out.append(SpeechProbability(t_s, p))
            out.extend(self.push_probability(t_s, p))
        return out

    def _maybe_reset_state(self, t_s: float, p: float) -> None:
        """Silero's recurrent state drifts on a never-ending stream: after a stretch of
        noise or processed audio it can settle where clear speech scores near 0 for tens of
        seconds (snakers4/silero-vad#725; on simulated sessions here a fresh state scored
        0.94 on speech the drifted one scored 0.06). Yet the running state is what hears an
        onset at once: reset to zeros just before one, it heard the first half second of an
        utterance of the bundled living-room sample late. So two scorers run, and a window
        scores the higher of the two: the running one, never reset, and a fresh one that
        starts afresh once a stretch of its speech has been followed by ``RESET_AFTER_S``
        of silence, and every ``state_reset_s`` of silence (pipecat resets every 5 s).
        Read from the fresh scorer's scores alone, with fixed thresholds, not from the
        hysteresis: recorded scores replay to the same events under any ``VadSettings``."""
        if p >= RAW_SPEECH_P:
            self._raw_speech, self._raw_quiet = True, 0
            return
        self._raw_quiet = self._raw_quiet + 1 if p < RAW_SILENCE_P else 0
        ended = self._raw_speech and self._raw_quiet * WINDOW_S >= RESET_AFTER_S
        if ended or (not self._raw_speech and p < RAW_SILENCE_P
                     and t_s - self._state_since_s >= self.config.state_reset_s):
            self.fresh_model.reset_states()
            self._state_since_s, self._raw_speech = t_s, False

    def _is_echo(self, t_s: float) -> bool:
        """Whether most of the window from ``t_s`` is frames of the device's own voice."""
        end_s = t_s + WINDOW_S
        while self._echo and self._echo[0].end_s <= t_s:
            self._echo.popleft()
        echo = total = 0
        for cue in self._echo:
            if cue.t_s >= end_s:
                break
            starts = cue.t_s + cue.hop_s * np.arange(len(cue.echo))
            inside = (starts + cue.hop_s / 2 > t_s) & (starts + cue.hop_s / 2 < end_s)
            echo += int(cue.echo[inside].sum())
            total += int(inside.sum())
        return total > 0 and 2 * echo >= total

    def _control(self, status: SourceStatus) -> list[SpeechEvent]:
        if status.kind in _STOP_LISTENING:
            out = self.flush()
            self._reset_model()
            self._buffer = np.zeros(0, dtype=np.float32)
            self._muted = True
            return out
        if status.kind in _RESUME_LISTENING:
            self._muted = False
        return []

    def _reset_model(self) -> None:
        for model in (self.model, self.fresh_model):
            if model is not None:
                model.reset_states()

    def push_probability(self, t_s: float, p: float) -> list[SpeechEvent | SpeechPause]:
        """The hysteresis alone: one window's speech probability (window start ``t_s``) in,
        boundary events out. ``push`` calls it for every window it scores; replaying
        recorded probabilities through it tries other settings without running silero
        again (``benchmarks/bench_endpoint.py``)."""
        cfg = self.config
        end_s = t_s + WINDOW_S
        self._last_t_s = end_s
        pad_s = cfg.pad_ms / 1000
        if not self._speaking:
            if self._candidate_start_s is None:
                if p >= cfg.threshold:
                    self._candidate_start_s = t_s
                    self._candidate_windows = 0
            elif p < cfg.neg_threshold:
                self._candidate_start_s = None
            if self._candidate_start_s is not None:
                self._candidate_windows += 1
                if self._candidate_windows >= self._min_speech_windows:
                    return [self._start(end_s, max(0.0, self._candidate_start_s - pad_s))]
            return []
        out: list[SpeechEvent] = []
        if p >= cfg.threshold:
            self._silence_start_s = None
        elif self._silence_start_s is None and p < cfg.neg_threshold:
            self._silence_start_s = t_s
            self._silence_windows = 0
        if self._silence_start_s is not None:
            self._silence_windows += 1
            if self._silence_windows >= self._hangover_windows:
                return [self._end(end_s, self._silence_start_s + pad_s)]
            if self.emit_pauses and self._silence_windows == self._pause_windows:
                out.append(SpeechPause(end_s, self._silence_start_s + pad_s))
        if end_s - self._speech_start_s >= cfg.max_speech_s:
            out.append(self._end(end_s, end_s))
            out.append(self._start(end_s, end_s))
        return out

    def _start(self, t_s: float, boundary_s: float) -> SpeechEvent:
        self._speaking = True
        self._speech_start_s = boundary_s
        self._silence_start_s = None
        self._candidate_start_s = None
        return SpeechEvent(t_s, "speech_start", boundary_s)

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
