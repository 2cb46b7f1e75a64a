"""What the satellite sends Home Assistant, as a pure state machine (no sockets, no threads).

In: every microphone chunk with the pipeline's output for it, and Home Assistant's control
events. Out: the Wyoming events to send. For each directed utterance (its first directed
decision, ``ntt.wyoming.directed``): ``detection``, then ``run-pipeline`` starting at speech
to text (as wyoming-satellite does after a local wake word), then the utterance's audio from
``preroll_s`` before its onset — NTT keeps the last ``buffer_s`` of audio, so a late decision
loses nothing — then the live audio until the VAD's endpoint, or the gate's own turn end
where end-of-turn was sure first (``TurnEvent``: Home Assistant's recognizer then starts on
the request that much sooner), then ``audio-stop``. Home Assistant's ``transcript``,
``error`` or ``pause-satellite`` ends the stream early.

Not sent: talk between people (not directed), anything while Home Assistant is not ready
(before ``run-satellite``, after ``pause-satellite``, disconnected), and utterances that start
while a reply plays (``ntt.wyoming.directed.during_device_turn``).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence

from wyoming.asr import Transcript
from wyoming.audio import AudioChunk as WyAudioChunk
from wyoming.audio import AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.satellite import PauseSatellite, RunSatellite
from wyoming.wake import Detection

from ntt.cues import SAMPLE_RATE_HZ, AudioChunk, Decision, DeviceTurn, SpeechEvent, TurnEvent
from ntt.settings import WyomingSettings
from ntt.wyoming.audio import PCM16_WIDTH, ms, to_pcm16
from ntt.wyoming.directed import DirectedOnsets, during_device_turn

log = logging.getLogger(__name__)


def audio_event(chunk: AudioChunk) -> Event:
    """A pipeline chunk as Home Assistant takes it: 16 kHz, 16-bit, mono, stamped in ms."""
    return WyAudioChunk(rate=SAMPLE_RATE_HZ, width=PCM16_WIDTH, channels=1,
                        audio=to_pcm16(chunk.samples), timestamp=ms(chunk.t_s)).event()


class UtteranceStreamer:
    """``push(chunk, outputs)`` / ``server_event(event)`` → the events to send, in order."""

    def __init__(self, settings: WyomingSettings, *, end_stage: PipelineStage,
                 device_turns: Sequence[DeviceTurn] = (), echo_tail_s: float = 0.5):
        self.settings = settings
        self.end_stage = end_stage
        self.device_turns = device_turns
        self.echo_tail_s = echo_tail_s
        self.ready = False  # Home Assistant connected and said run-satellite
        self.streaming = False
        self._ring: deque[AudioChunk] = deque()
        self._onsets = DirectedOnsets()

    def push(self, chunk: AudioChunk, outputs: Sequence = ()) -> list[Event]:
        self._ring.append(chunk)
        while self._ring and self._ring[0].end_s < chunk.end_s - self.settings.buffer_s:
            self._ring.popleft()
        events = [audio_event(chunk)] if self.streaming else []
        return events + self._outputs(outputs)

    def finish(self, outputs: Sequence = ()) -> list[Event]:
        """The microphone ended (a replayed session): the pipeline's last output, and the end
        of a stream still running."""
        events = self._outputs(outputs)
        if self.streaming:
            events.append(self._stop())
        return events

    def _outputs(self, outputs: Sequence) -> list[Event]:
        events: list[Event] = []
        for item in outputs:
            ends = (isinstance(item, SpeechEvent) and item.kind == "speech_end"
                    or isinstance(item, TurnEvent) and item.kind == "turn_end")
            if ends and self.streaming:
                events.append(self._stop())
            elif isinstance(item, Decision):
                onset = self._onsets.push(item)
                if onset is not None:
                    events += self._start(onset)
        return events

    def _stop(self) -> Event:
        self.streaming = False
        return AudioStop(timestamp=ms(self._ring[-1].end_s if self._ring else 0.0)).event()

    def _start(self, decision: Decision) -> list[Event]:
        if not self.ready:
            log.info("directed speech at %.2f s, but Home Assistant is not ready",
                     decision.start_s)
            return []
        if self.streaming:
            return []
        if during_device_turn(decision.start_s, self.device_turns, self.echo_tail_s):
            log.info("speech at %.2f s started while the reply played: ignored",
                     decision.start_s)
            return []
        log.info("directed speech from %.2f s (%s, p=%.2f): running the pipeline",
                 decision.start_s, decision.kind, decision.p_directed)
        events = [Detection(name=self.settings.wake_word, timestamp=ms(decision.start_s),
                            speaker=None).event(),
                  RunPipeline(start_stage=PipelineStage.ASR, end_stage=self.end_stage).event()]
        start_s = decision.start_s - self.settings.preroll_s
        events += [audio_event(c) for c in self._ring if c.end_s > start_s]
        self.streaming = True
        if decision.kind == "final":  # the utterance is already over
            events.append(self._stop())
        return events

    def server_event(self, event: Event) -> None:
        """Home Assistant's control events: ready or not, and the end of a stream."""
        if RunSatellite.is_type(event.type):
            self.ready, self.streaming = True, False
        elif PauseSatellite.is_type(event.type):
            self.ready, self.streaming = False, False
        elif Transcript.is_type(event.type) or Error.is_type(event.type):
            self.streaming = False

    def disconnected(self) -> None:
        self.ready = self.streaming = False
