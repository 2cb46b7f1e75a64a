"""``ntt wyoming wake``: NTT as a Wyoming wake service (after wyoming-openwakeword's handler).

A satellite (wyoming-satellite, Home Assistant's own wake-word stage) streams its microphone
here: ``detect``, ``audio-start``, ``audio-chunk``…, ``audio-stop``. NTT runs its audio-only
decision over the stream and answers each utterance it judges directed with one
``detection`` named after the wake word in its ``describe`` info; ``audio-stop`` without any
is answered ``not-detected`` and ends the connection, as openWakeWord does. A client that
sends ``detect`` gets one detection per ``detect``, as from a wake word; one that never
does gets one per directed utterance.

Each connection gets its own pipeline and its own worker thread (the pipeline is CPU-heavy;
the event loop stays free for the other clients, for ``describe`` and ``ping``). A new
``audio-start`` on a connection starts a fresh stream (a new pipeline, the clock back at 0).
A client that sends garbage or hangs up loses its connection, never the server.

A satellite that sends ``detect`` again after a detection has been streaming to Home
Assistant meanwhile (``ntt.wyoming.rearm``): the stream has a gap, which the pipeline is
told of as the microphone going away and coming back, and Home Assistant's reply is about to
be heard in it, which becomes the device's turn in fusion's context and is never detected.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from wyoming.audio import AudioChunk as WyAudioChunk
from wyoming.audio import AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event
from wyoming.info import Attribution, Describe, Info, WakeModel, WakeProgram
from wyoming.ping import Ping, Pong
from wyoming.wake import Detect, Detection, NotDetected

from ntt import __version__
from ntt.cues import SAMPLE_RATE_HZ, Decision, SourceStatus
from ntt.pipeline import Pipeline
from ntt.settings import Settings
from ntt.wyoming.audio import ChunkClock, PcmDecoder, ms
from ntt.wyoming.connection import ClientConnection
from ntt.wyoming.directed import DirectedOnsets, during_device_turn
from ntt.wyoming.rearm import ExpectedReply
from ntt.wyoming.replies import HomeAssistantTurns

log = logging.getLogger(__name__)

ATTRIBUTION = Attribution(name="NTT", url="")
# A client error is answered with this code before the connection closes.
BAD_EVENT = "bad-event"
MAX_MARKS = 4096  # chunk timestamps kept per stream: minutes of audio, more than an utterance


def wake_program(wake_word: str) -> WakeProgram:
    """What NTT's ``describe`` says of its wake detection (one model: directed speech)."""
    return WakeProgram(
        name="ntt", attribution=ATTRIBUTION, installed=True, version=__version__,
        description="NTT: speech addressed to the device, no wake word (natural turn-taking)",
        models=[WakeModel(name=wake_word, attribution=ATTRIBUTION, installed=True,
                          version=__version__, languages=["en"], phrase=None,
                          description="any request spoken to the device")])


def normalize_wake_word(name: str) -> str:
    """``ok_nabu`` and ``OK Nabu`` are one name (wyoming-satellite's rule)."""
    return name.lower().replace("_", " ").strip()


@dataclass(frozen=True)
class WakeService:
    """What every connection shares: the settings, the info, how to build a pipeline (given
    the device-turn list its context stage reads)."""

    settings: Settings
    make_pipeline: Callable[[HomeAssistantTurns], Pipeline]

    @property
    def wake_word(self) -> str:
        return self.settings.wyoming.wake_word

    @property
    def info(self) -> Info:
        return Info(wake=[wake_program(self.wake_word)])


class _Stream:
    """One audio stream of one client: decoder, clock, pipeline, one trigger per utterance.
    Lives in the connection's worker thread.

    A detection carries the timestamp of the client's chunk the utterance starts in, in the
    client's own units (openWakeWord's rule: clients stamp in ms or in monotonic ns), or the
    onset in ms from the stream's start when the chunks carry none.

    The pipeline's clock counts the audio received, so a gap in the stream (the satellite
    streaming to Home Assistant) takes no time on it; the client's timestamps keep theirs."""

    def __init__(self, service: WakeService):
        turns = HomeAssistantTurns()
        self.pipeline = service.make_pipeline(turns)
        self.device_turns = turns.device_turns
        self.echo_tail_s = service.settings.engine.echo_tail_s
        self.reply = ExpectedReply(self.device_turns, service.settings.wyoming.reply_within_s)
        self.decoder: PcmDecoder | None = None
        self.clock = ChunkClock()
        self.onsets = DirectedOnsets()
        self.detections = 0
        self._resumed = False  # a gap ended: the next chunk brings the microphone back
        self._decoded = 0  # 16 kHz samples so far
        self._marks: deque[tuple[int, int]] = deque(maxlen=MAX_MARKS)  # (sample, stamp)

    @property
    def t_s(self) -> float:
        return self._decoded / SAMPLE_RATE_HZ

    def rearm(self) -> list[Decision]:
        """``detect`` after a detection: the audio stopped at the detection and resumes now,
        with Home Assistant's reply about to play."""
        self.reply.expect(self.t_s)
        self._resumed = True
        return self._decide(self.pipeline.push(SourceStatus(
            self.t_s, "mic_lost", "the satellite streamed to Home Assistant")))

    def push(self, audio: bytes, fmt: tuple[int, int, int],
             timestamp: int | None) -> list[Decision]:
        out: list[Decision] = []
        if self._resumed:
            self._resumed = False
            out += self._decide(self.pipeline.push(SourceStatus(self.t_s, "mic_back")))
        if timestamp is not None:
            self._marks.append((self._decoded, timestamp))
        samples = []
        if self.decoder is None or self.decoder.format != fmt:
            if self.decoder is not None:
                samples.append(self.decoder.flush())
            self.decoder = PcmDecoder(*fmt)
        samples.append(self.decoder.decode(audio))
        for part in samples:
            self._decoded += len(part)
            for chunk in self.clock.push(part):
                out += self._decide(self.pipeline.push(chunk))
        return out

    def timestamp(self, t_s: float) -> int:
        at = round(t_s * SAMPLE_RATE_HZ)
        stamps = [stamp for sample, stamp in self._marks if sample <= at]
        return stamps[-1] if stamps else ms(t_s)

    def finish(self) -> list[Decision]:
        out: list[Decision] = []
        tail = self.decoder.flush() if self.decoder is not None else None
        chunks = (self.clock.push(tail) if tail is not None else []) + self.clock.flush()
        for chunk in chunks:
            out += self._decide(self.pipeline.push(chunk))
        return out + self._decide(self.pipeline.flush())

    def _decide(self, items: list) -> list[Decision]:
        out: list[Decision] = []
        for item in items:
            self.reply.push(item)
            if isinstance(item, Decision) and (d := self.onsets.push(item)) is not None:
                if during_device_turn(d.start_s, self.device_turns, self.echo_tail_s):
                    log.info("speech at %.2f s started while the reply played: ignored",
                             d.start_s)
                else:
                    out.append(d)
        return out


class WakeHandler(ClientConnection):
    """One client connection."""

    def __init__(self, service: WakeService, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter):
        super().__init__(reader, writer)
        self.service = service
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"ntt-wake-{self.client_id}")
        self._stream: _Stream | None = None
        # One detection per ``detect``, as a wake word: a satellite streams elsewhere after a
        # detection and re-arms with ``detect``; one sent meanwhile (the pipeline running
        # behind real time) would reach it after the re-arm and start a run for stale audio.
        # None: the client never sent ``detect``; then every directed utterance is sent.
        self._armed: bool | None = None
        log.debug("client %d connected", self.client_id)


    async def handle_event(self, event: Event) -> bool:
        try:
            return await self._handle(event)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("client %d: bad %s event: %s", self.client_id, event.type, exc)
            await self.write_event(Error(text=f"bad {event.type} event: {exc}",
                                         code=BAD_EVENT).event())
            return False

    async def _handle(self, event: Event) -> bool:
        if Describe.is_type(event.type):
            await self.write_event(self.service.info.event())
        elif Ping.is_type(event.type):
            await self.write_event(Pong(text=Ping.from_event(event).text).event())
        elif Detect.is_type(event.type):
            names = Detect.from_event(event).names or []
            wanted = {normalize_wake_word(n) for n in names}
            if wanted and normalize_wake_word(self.service.wake_word) not in wanted:
                log.info("client %d asks for %s; NTT detects directed speech as %r",
                         self.client_id, names, self.service.wake_word)
            rearmed, self._armed = self._armed is False, True
            stream = self._stream
            if rearmed and stream is not None:
                await self._detected(stream, await self._in_worker(stream.rearm))
        elif AudioStart.is_type(event.type):
            start = AudioStart.from_event(event)
            PcmDecoder(start.rate, start.width, start.channels)  # refuse a bad format now
            self._stream = None
        elif WyAudioChunk.is_type(event.type):
            chunk = WyAudioChunk.from_event(event)
            fmt = (chunk.rate, chunk.width, chunk.channels)
            if self._stream is None:
                self._stream = await self._in_worker(lambda: _Stream(self.service))
            stream = self._stream
            await self._detected(stream, await self._in_worker(
                lambda: stream.push(chunk.audio, fmt, chunk.timestamp)))
        elif AudioStop.is_type(event.type):
            stream, self._stream = self._stream, None
            if stream is not None:
                await self._detected(stream, await self._in_worker(stream.finish))
            if stream is None or stream.detections == 0:
                await self.write_event(NotDetected().event())
            return False
        else:
            log.debug("client %d: ignored %s", self.client_id, event.type)
        return True

    async def _in_worker(self, fn):
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    async def _detected(self, stream: _Stream, decisions: list[Decision]) -> None:
        for d in decisions:
            if self._armed is False:
                log.info("client %d: directed speech from %.2f s, not sent: no detect since "
                         "the last detection", self.client_id, d.start_s)
                continue
            timestamp = stream.timestamp(d.start_s)
            log.info("client %d: directed speech from %.2f s (%s, p=%.2f)", self.client_id,
                     d.start_s, d.kind, d.p_directed)
            await self.write_event(Detection(name=self.service.wake_word,
                                             timestamp=timestamp).event())
            stream.detections += 1
            if self._armed:
                self._armed = False

    async def disconnect(self) -> None:
        self._stream = None
        self._executor.shutdown(wait=False, cancel_futures=True)
        log.debug("client %d disconnected", self.client_id)
