"""``ntt wyoming satellite``: NTT as a Wyoming satellite that Home Assistant connects to
(after wyoming-satellite's server and event handler).

Home Assistant's Wyoming integration connects, asks ``describe`` and says ``run-satellite``.
From then on NTT listens (microphone, and camera where there is one) through its pipeline in
a worker thread; on each directed utterance it runs Home Assistant's pipeline from the
utterance's start (``ntt.wyoming.streaming``) and plays the spoken reply, into the echo
canceller's reference too (``ntt.wyoming.replies``). One Home Assistant at a time, as
wyoming-satellite: another connection gets ``describe`` answered and is closed on anything
else. ``ping`` is answered ``pong`` at once, whatever the pipeline is doing. A client that
sends garbage or hangs up loses its connection, never the satellite.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from wyoming.audio import AudioChunk as WyAudioChunk
from wyoming.audio import AudioStart, AudioStop
from wyoming.error import Error
from wyoming.event import Event, async_write_event
from wyoming.info import Describe, Info, Satellite
from wyoming.ping import Ping, Pong
from wyoming.pipeline import PipelineStage
from wyoming.satellite import RunSatellite
from wyoming.snd import Played
from wyoming.tts import Synthesize

from ntt import __version__
from ntt.cues import AudioChunk
from ntt.pipeline import Pipeline
from ntt.settings import Settings
from ntt.wyoming.connection import ClientConnection
from ntt.wyoming.replies import HomeAssistantTurns, ReplyPlayer, Speaker
from ntt.wyoming.streaming import UtteranceStreamer
from ntt.wyoming.wake import ATTRIBUTION, BAD_EVENT, wake_program

if TYPE_CHECKING:
    from ntt.io.playback import PlaybackReference

log = logging.getLogger(__name__)


def satellite_info(settings: Settings, name: str, area: str | None = None) -> Info:
    """The satellite's ``describe``: a satellite with its own VAD and one "wake word"."""
    wake_word = settings.wyoming.wake_word
    return Info(
        satellite=Satellite(name=name, attribution=ATTRIBUTION, installed=True,
                            description=f"{name}: NTT, no wake word needed",
                            version=__version__, area=area, has_vad=True,
                            active_wake_words=[wake_word], max_active_wake_words=1,
                            supports_trigger=False),
        wake=[wake_program(wake_word)])


class SatelliteService:
    """The satellite: its listening thread, its state machine, its Home Assistant."""

    def __init__(self, *, settings: Settings, info: Info,
                 make_pipeline: Callable[[HomeAssistantTurns], Pipeline],
                 make_source: Callable[[], Iterable[Any]], speaker: Speaker | None,
                 reference: PlaybackReference | None = None):
        self.settings = settings
        self.info = info
        self.make_pipeline = make_pipeline
        self.make_source = make_source
        self.turns = HomeAssistantTurns()
        end_stage = PipelineStage.TTS if speaker is not None else PipelineStage.HANDLE
        self.streamer = UtteranceStreamer(settings.wyoming, end_stage=end_stage,
                                          device_turns=self.turns.device_turns,
                                          echo_tail_s=settings.engine.echo_tail_s)
        self.player = ReplyPlayer(speaker, self.turns, lambda: self.mic_time_s, reference) \
            if speaker is not None else None
        self.mic_time_s = 0.0
        self.server_id: int | None = None
        self.finished = threading.Event()  # the source ran out (a replayed session)
        self._writer: asyncio.StreamWriter | None = None
        self._outbox: asyncio.Queue[Event] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._source: Any = None
        self._sender: asyncio.Task | None = None

    # --- Home Assistant -------------------------------------------------------------------

    def set_server(self, client_id: int, writer: asyncio.StreamWriter) -> None:
        self.server_id, self._writer = client_id, writer
        log.info("Home Assistant connected (client %d)", client_id)

    def clear_server(self) -> None:
        self.server_id, self._writer = None, None
        self.streamer.disconnected()
        log.info("Home Assistant disconnected")

    async def event_from_server(self, event: Event) -> None:
        self.streamer.server_event(event)
        if RunSatellite.is_type(event.type):
            self.start_listening()
        elif self.player is not None:
            self._reply(event)

    def _reply(self, event: Event) -> None:
        """Home Assistant's spoken reply: its text, then its audio."""
        if Synthesize.is_type(event.type):
            self.player.synthesize(Synthesize.from_event(event).text)
        elif AudioStart.is_type(event.type):
            start = AudioStart.from_event(event)
            self.player.start(start.rate, start.width, start.channels)
        elif WyAudioChunk.is_type(event.type):
            chunk = WyAudioChunk.from_event(event)
            self.player.chunk(chunk.audio, (chunk.rate, chunk.width, chunk.channels))
        elif AudioStop.is_type(event.type):
            left_s = self.player.stop()
            if left_s is not None:  # tell Home Assistant once the reply has played
                asyncio.get_running_loop().call_later(left_s, self.send, Played().event())

    def send(self, event: Event) -> None:
        """Queue an event for Home Assistant (dropped if none is connected)."""
        if self._writer is not None:
            self._outbox.put_nowait(event)

    async def _send_loop(self) -> None:
        while True:
            event = await self._outbox.get()
            writer = self._writer
            if writer is None:
                continue
            try:
                await async_write_event(event, writer)
            except (OSError, RuntimeError) as exc:
                log.warning("Home Assistant unreachable: %s", exc)
                self.clear_server()

    # --- listening ------------------------------------------------------------------------

    def start_listening(self) -> None:
        """Open the microphone (and camera) and run the pipeline, once."""
        if self._thread is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._sender = self._loop.create_task(self._send_loop())
        self._thread = threading.Thread(target=self._listen, name="ntt-satellite", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        try:
            pipeline = self.make_pipeline(self.turns)
            self._source = self.make_source()
            pending: list = []
            for item in self._source:
                if self._stop.is_set():
                    break
                outputs = pipeline.push(item)
                # The microphone's audio: the source's own, or what the device-audio
                # front-end made of a microphone block (echo cancelled, beamformed).
                heard = [item] if isinstance(item, AudioChunk) else \
                    [o for o in outputs if isinstance(o, AudioChunk)]
                pending += outputs
                for chunk in heard:
                    self._loop.call_soon_threadsafe(self._heard, chunk, pending)
                    pending = []
            # The end of the source, or the satellite stopping: the stages close (the
            # front-end stores its echo memory for the next run); a stopped one sends nothing.
            outputs = pipeline.flush()
            if not self._stop.is_set():
                self._loop.call_soon_threadsafe(self._heard, None, pending + outputs)
        except Exception:  # the satellite stays up for Home Assistant; the log says why
            log.exception("the listening pipeline stopped")
        finally:
            self.finished.set()

    def _heard(self, chunk: AudioChunk | None, outputs: list) -> None:
        """On the event loop: one chunk and what the pipeline made of it (None: the end)."""
        if chunk is None:
            events = self.streamer.finish(outputs)
        else:
            self.mic_time_s = max(self.mic_time_s, chunk.end_s)
            events = self.streamer.push(chunk, outputs)
        for event in events:
            self.send(event)

    def stop(self) -> None:
        self._stop.set()
        stop = getattr(self._source, "stop", None)
        if stop is not None:
            stop()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        if self._sender is not None:
            self._sender.cancel()


class SatelliteHandler(ClientConnection):
    """One connection: Home Assistant, or someone else asking ``describe``."""

    def __init__(self, service: SatelliteService, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter):
        super().__init__(reader, writer)
        self.service = service


    async def handle_event(self, event: Event) -> bool:
        service = self.service
        if Describe.is_type(event.type):
            await self.write_event(service.info.event())
            return True
        if service.server_id is None:
            service.set_server(self.client_id, self.writer)
        elif service.server_id != self.client_id:
            log.info("client %d refused: Home Assistant (client %d) is connected",
                     self.client_id, service.server_id)
            return False
        if Ping.is_type(event.type):
            await self.write_event(Pong(text=Ping.from_event(event).text).event())
            return True
        try:
            await service.event_from_server(event)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("client %d: bad %s event: %s", self.client_id, event.type, exc)
            await self.write_event(Error(text=f"bad {event.type} event: {exc}",
                                         code=BAD_EVENT).event())
            return False
        return True

    async def disconnect(self) -> None:
        if self.service.server_id == self.client_id:
            self.service.clear_server()
