"""Home Assistant's spoken replies on the satellite: played through the speaker, and kept as
the device's turns, which is all fusion knows of what the device said.

Home Assistant is the satellite's conversation engine: it answers, NTT only plays the
answer. ``HomeAssistantTurns`` takes the engine's place in the pipeline (it takes what the
engine takes and says nothing); its ``device_turns`` grows as replies play, and the
pipeline's context stage reads that list (``ntt.device_context``), so fusion knows when the
device is speaking or has just asked a question.

What plays also goes to the echo canceller: ``ReplyPlayer`` writes each piece of the reply
into the ``PlaybackReference`` (``ntt.io.playback``) at the time it starts playing, and the
live source sends it beside the microphone blocks. Even so, the satellite ignores utterances
that start while a reply plays (see ``ntt.wyoming.streaming``): no barge-in.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

import numpy as np
import soxr

from ntt.cues import SAMPLE_RATE_HZ, AsrResult, Decision, DeviceTurn, LexicalCue, Tick
from ntt.stage import refuse
from ntt.wyoming.audio import PcmDecoder

if TYPE_CHECKING:
    from ntt.io.playback import PlaybackReference

log = logging.getLogger(__name__)


class HomeAssistantTurns:
    """The engine's place in the pipeline when Home Assistant answers."""

    TAKES = (Decision, AsrResult, LexicalCue, Tick)

    def __init__(self) -> None:
        self.device_turns: list[DeviceTurn] = []

    def push(self, item) -> list:
        if not isinstance(item, self.TAKES):
            refuse(self, item, self.TAKES)
        return []

    def flush(self) -> list:
        return []

    def reset(self) -> None:
        self.device_turns.clear()  # in place: the context stage holds this list


class Speaker(Protocol):
    """Where replies go: ``start`` a reply at a rate, ``write`` its samples as they come,
    ``finish`` it (→ seconds still to play)."""

    def start(self, rate_hz: int) -> None: ...
    def write(self, samples: np.ndarray) -> None: ...
    def finish(self) -> float: ...


class CapturedSpeaker:
    """Keeps what would be played, one ``(rate_hz, samples)`` per reply: tests, and a device
    without a speaker."""

    def __init__(self) -> None:
        self.played: list[tuple[int, np.ndarray]] = []
        self._rate_hz = 0
        self._parts: list[np.ndarray] = []

    def start(self, rate_hz: int) -> None:
        self._rate_hz, self._parts = rate_hz, []

    def write(self, samples: np.ndarray) -> None:
        self._parts.append(samples)

    def finish(self) -> float:
        samples = np.concatenate(self._parts) if self._parts else np.zeros(0, np.float32)
        self.played.append((self._rate_hz, samples))
        self._parts = []
        return 0.0


class SoundDeviceSpeaker:
    """The device's loudspeaker (sounddevice). Writes block, so a thread does them; the event
    loop only queues samples."""

    def __init__(self, device: str | int | None = None):
        import sounddevice as sd  # OSError without PortAudio: the caller decides

        self._sd = sd
        self.device = device
        sd.query_devices(device, kind="output")  # ValueError/PortAudioError: no speaker
        self._queue: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="ntt-speaker", daemon=True)
        self._thread.start()
        self._rate_hz = 0
        self._ends_at = 0.0  # monotonic time the queued audio ends

    def start(self, rate_hz: int) -> None:
        self._rate_hz = rate_hz
        self._queue.put(("start", rate_hz))
        self._ends_at = max(self._ends_at, time.monotonic())

    def write(self, samples: np.ndarray) -> None:
        self._queue.put(("write", samples))
        self._ends_at = max(self._ends_at, time.monotonic()) + len(samples) / self._rate_hz

    def finish(self) -> float:
        self._queue.put(("finish", None))
        return max(0.0, self._ends_at - time.monotonic())

    def _run(self) -> None:
        stream = None
        while True:
            what, value = self._queue.get()
            try:
                if what == "start":
                    stream = self._sd.OutputStream(samplerate=value, channels=1,
                                                   dtype="float32", device=self.device)
                    stream.start()
                elif what == "write" and stream is not None:
                    stream.write(np.ascontiguousarray(value, np.float32).reshape(-1, 1))
                elif what == "finish" and stream is not None:
                    stream.stop()
                    stream.close()
                    stream = None
            except Exception as exc:  # a device error must not end the satellite
                log.warning("speaker: %s", exc)
                stream = None


class ReplyPlayer:
    """Home Assistant's TTS events (``synthesize``, ``audio-start``/``-chunk``/``-stop``) →
    the speaker, the echo canceller's reference (16 kHz, on the monotonic clock) and a
    ``DeviceTurn`` on the session clock (``now_s``: the microphone's time)."""

    def __init__(self, speaker: Speaker, turns: HomeAssistantTurns,
                 now_s: Callable[[], float], reference: PlaybackReference | None = None):
        self.speaker = speaker
        self.turns = turns
        self.now_s = now_s
        self.reference = reference
        self._text = ""
        self._decoder: PcmDecoder | None = None
        self._to_16k: soxr.ResampleStream | None = None
        self._turn_index: int | None = None
        self._played_s = 0.0
        self._reference_end = 0.0  # monotonic time the reply sent so far stops playing

    def synthesize(self, text: str) -> None:
        self._text = text

    def start(self, rate_hz: int, width: int, channels: int) -> None:
        self._decoder = PcmDecoder(rate_hz, width, channels, out_rate_hz=rate_hz)
        self._to_16k = (soxr.ResampleStream(rate_hz, SAMPLE_RATE_HZ, 1, dtype="float32")
                        if rate_hz != SAMPLE_RATE_HZ else None)
        self.speaker.start(rate_hz)
        self._played_s = 0.0
        t_s = self.now_s()
        self.turns.device_turns.append(DeviceTurn(t_s, t_s, self._text))
        self._turn_index = len(self.turns.device_turns) - 1

    def chunk(self, audio: bytes, fmt: tuple[int, int, int]) -> None:
        if self._decoder is None or self._decoder.format != fmt:
            self.start(*fmt)  # a reply without its audio-start: take the chunk's format
        samples = self._decoder.decode(audio)
        self.speaker.write(samples)
        self._played_s += len(samples) / fmt[0]
        turn = self.turns.device_turns[self._turn_index]
        self.turns.device_turns[self._turn_index] = replace(
            turn, end_s=turn.start_s + self._played_s)
        self._refer(self._to_16k.resample_chunk(samples) if self._to_16k else samples)

    def _refer(self, samples_16k: np.ndarray) -> None:
        if self.reference is None or not len(samples_16k):
            return
        # It plays now, or when what was sent before it has played.
        at = max(time.monotonic(), self._reference_end)
        self.reference.played(samples_16k, at_s=at)
        self._reference_end = at + len(samples_16k) / SAMPLE_RATE_HZ

    def stop(self) -> float | None:
        """The reply is complete: seconds until it has played, or None if none was playing."""
        if self._decoder is None:
            return None
        if self._to_16k is not None:
            self._refer(self._to_16k.resample_chunk(np.zeros(0, np.float32), last=True))
        self._decoder, self._to_16k, self._text = None, None, ""
        return self.speaker.finish()
