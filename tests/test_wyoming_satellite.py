"""NTT as a satellite, with the ``wyoming`` client library playing Home Assistant over
loopback: the living-room recording is the satellite's microphone; Home Assistant must be
sent run-pipeline and the audio of the directed utterances only, from their start; its reply
(real synthesized speech) must be played and acknowledged. Then the real
``ntt wyoming satellite`` process, watching the recording's video too."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from functools import partial

import numpy as np
import pytest
import soxr
from conftest import REPO
from wyoming_helpers import free_port, label_at, stop, wait_for_port

pytest.importorskip("wyoming")
from wyoming.asr import Transcript  # noqa: E402
from wyoming.audio import AudioChunk, AudioStart, AudioStop  # noqa: E402
from wyoming.client import AsyncTcpClient  # noqa: E402
from wyoming.info import Describe, Info  # noqa: E402
from wyoming.ping import Ping, Pong  # noqa: E402
from wyoming.pipeline import PipelineStage, RunPipeline  # noqa: E402
from wyoming.satellite import RunSatellite  # noqa: E402
from wyoming.server import AsyncServer  # noqa: E402
from wyoming.snd import Played  # noqa: E402
from wyoming.tts import Synthesize  # noqa: E402
from wyoming.wake import Detection  # noqa: E402

from ntt.calibration.profile import profile_for_session  # noqa: E402
from ntt.cues import AudioChunk as NttAudioChunk  # noqa: E402
from ntt.cues import Decision  # noqa: E402
from ntt.io.playback import PlaybackReference  # noqa: E402
from ntt.io.session import load_session  # noqa: E402
from ntt.io.sources import SessionSource  # noqa: E402
from ntt.pipeline import build_pipeline  # noqa: E402
from ntt.settings import Settings  # noqa: E402
from ntt.wyoming.audio import to_pcm16  # noqa: E402
from ntt.wyoming.directed import DirectedOnsets  # noqa: E402
from ntt.wyoming.replies import CapturedSpeaker  # noqa: E402
from ntt.wyoming.satellite import SatelliteHandler, SatelliteService, satellite_info  # noqa: E402

LIVING_ROOM = REPO / "datasets" / "samples" / "living-room"
TTS_RATE = 22_050  # what Home Assistant asks its TTS for


def runs(events):
    """Split what Home Assistant received into pipeline runs: (detection, run-pipeline,
    audio chunks, audio-stop); anything outside a run is returned apart."""
    out, stray, current = [], [], None
    for e in events:
        if Detection.is_type(e.type):
            current = {"detection": Detection.from_event(e), "audio": []}
        elif current is None:
            stray.append(e)
        elif RunPipeline.is_type(e.type):
            current["run"] = RunPipeline.from_event(e)
        elif AudioChunk.is_type(e.type):
            current["audio"].append(AudioChunk.from_event(e))
        elif AudioStop.is_type(e.type):
            out.append(current)
            current = None
    return out, stray + ([current] if current else [])


async def read_until_quiet(client, quiet_s: float) -> list:
    events = []
    while True:
        try:
            event = await asyncio.wait_for(client.read_event(), quiet_s)
        except TimeoutError:
            return events
        if event is None:
            return events
        events.append(event)


def test_home_assistant_gets_directed_utterances_and_its_reply_is_played():
    """As live: microphone blocks with the playback reference beside them, through the
    device-audio front-end (echo canceller) that the reply is fed into. Whisper hears the
    words: audio-only behind pocketsphinx the shipped fusion model answers neither request
    of the sample (p 0.20 and 0.50 against 0.523; ntt/models/fusion.md)."""
    settings = Settings(use_video=False, asr="whisper")
    session = load_session(LIVING_ROOM)
    device = profile_for_session(session)  # its microphone array
    speaker, reference = CapturedSpeaker(), PlaybackReference()
    service = SatelliteService(
        settings=settings, info=satellite_info(settings, "Kitchen NTT", "kitchen"),
        make_pipeline=lambda turns: build_pipeline(settings, device=device, engine=turns,
                                                   audio_channels=session.channels,
                                                   playback=True),
        make_source=lambda: SessionSource(load_session(LIVING_ROOM), use_video=False,
                                          array=True),
        speaker=speaker, reference=reference)
    from ntt.tts import synthesize

    reply = synthesize("Tomorrow will be sunny.", rate_hz=TTS_RATE)
    reply_pcm = np.round(np.clip(reply, -1, 1) * 32767).astype("<i2")

    async def home_assistant():
        port = free_port()
        server = AsyncServer.from_uri(f"tcp://127.0.0.1:{port}")
        await server.start(partial(SatelliteHandler, service))
        try:
            async with AsyncTcpClient("127.0.0.1", port) as ha:
                await ha.write_event(Describe().event())
                info = Info.from_event(await ha.read_event())
                await ha.write_event(RunSatellite().event())
                # Another client while Home Assistant is connected: describe yes, else no.
                async with AsyncTcpClient("127.0.0.1", port) as other:
                    await other.write_event(Describe().event())
                    other_info = await other.read_event()
                    await other.write_event(RunSatellite().event())
                    refused = await other.read_event()
                await asyncio.to_thread(service.finished.wait, 300)
                heard = await read_until_quiet(ha, 3.0)
                await ha.write_event(Ping(text="hi").event())
                pong = await ha.read_event()
                # Home Assistant answers: transcript, then the spoken reply.
                await ha.write_event(Transcript(text="what is the weather like").event())
                await ha.write_event(Synthesize(text="Tomorrow will be sunny.").event())
                reply_from = time.monotonic()
                await ha.write_event(AudioStart(rate=TTS_RATE, width=2, channels=1).event())
                for i in range(0, len(reply_pcm), 1024):
                    await ha.write_event(AudioChunk(rate=TTS_RATE, width=2, channels=1,
                                                    audio=reply_pcm[i:i + 1024].tobytes())
                                         .event())
                await ha.write_event(AudioStop().event())
                after = await read_until_quiet(ha, 3.0)
        finally:
            await server.stop()
            service.stop()
        return info, other_info, refused, heard, pong, after, reply_from

    info, other_info, refused, heard, pong, after, reply_from = asyncio.run(home_assistant())

    assert info.satellite.name == "Kitchen NTT" and info.satellite.area == "kitchen"
    assert info.satellite.has_vad and [m.name for m in info.wake[0].models] == ["ntt"]
    assert Info.is_type(other_info.type) and refused is None  # closed, not taken over
    assert Pong.is_type(pong.type) and Pong.from_event(pong).text == "hi"

    found, stray = runs(heard)
    assert stray == [], "audio or events outside a pipeline run"
    # The same pipeline offline on the array: where it decides, and the front-end's output
    # (what the VAD and Home Assistant hear).
    onsets, expected, beam = DirectedOnsets(), [], []
    offline = build_pipeline(settings, device=device, audio_channels=session.channels,
                             playback=True)
    for item in offline.run(SessionSource(session, use_video=False, array=True)):
        if isinstance(item, NttAudioChunk):
            beam.append(item.samples)
        elif isinstance(item, Decision) and (d := onsets.push(item)) is not None:
            expected.append(d.start_s)
    assert expected and [r["detection"].timestamp for r in found] == \
        [round(s * 1000) for s in expected]
    audio, rate = np.frombuffer(to_pcm16(np.concatenate(beam)), "<i2"), 16_000
    for r in found:
        start_s = r["detection"].timestamp / 1000
        assert label_at(LIVING_ROOM, start_s)[2], "a run for talk not addressed to NTT"
        assert (r["run"].start_stage, r["run"].end_stage) == (PipelineStage.ASR,
                                                              PipelineStage.TTS)
        # From the utterance's start (the pre-roll before it), the recording's own samples,
        # to its end.
        first = r["audio"][0].timestamp / 1000
        assert start_s - 0.35 <= first <= start_s - 0.25
        sent = np.concatenate([np.frombuffer(a.audio, "<i2") for a in r["audio"]])
        at = int(round(first * rate))
        assert np.max(np.abs(sent.astype(int) - audio[at:at + len(sent)])) <= 1
        end_s = first + len(sent) / rate
        assert end_s >= label_at(LIVING_ROOM, start_s)[1]

    # The reply was played, whole, and Home Assistant was told so.
    assert [p for p in after if Played.is_type(p.type)]
    (played_rate, played), = speaker.played
    assert played_rate == TTS_RATE and len(played) == len(reply_pcm)
    assert np.max(np.abs(played - reply_pcm / 32768.0)) < 1e-6
    # The echo canceller's reference holds it, at 16 kHz, from when it started to play.
    echo = reference.read(reply_from, int((len(reply) / TTS_RATE + 2.0) * 16_000))
    reply_16k = soxr.resample(reply, TTS_RATE, 16_000)

    def extent_s(x):
        loud = np.flatnonzero(np.abs(x) > 1e-3)
        return (loud[-1] - loud[0]) / 16_000

    assert extent_s(echo) == pytest.approx(extent_s(reply_16k), abs=0.02)
    assert np.sum(echo ** 2) == pytest.approx(np.sum(reply_16k ** 2), rel=0.02)
    # What the device said is fusion's context from now on.
    (turn,) = service.turns.device_turns
    assert turn.text == "Tomorrow will be sunny."
    assert turn.end_s - turn.start_s == pytest.approx(len(reply_pcm) / TTS_RATE)


def test_satellite_process_with_its_camera_on_a_replayed_session():
    """The replay hears the session through its array and playback reference, as ``ntt
    run`` does: the requests are sent to Home Assistant, the device's own replies never."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ntt.cli", "wyoming", "satellite",
                             "--uri", f"tcp://127.0.0.1:{port}", "--replay", str(LIVING_ROOM),
                             "--no-speaker", "--name", "Living room"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    async def home_assistant():
        async with AsyncTcpClient("127.0.0.1", port) as ha:
            await ha.write_event(RunSatellite().event())
            events = []
            async with asyncio.timeout(300):
                while not runs(events)[0]:
                    event = await ha.read_event()
                    assert event is not None
                    events.append(event)
            # the rest of the recording (it plays at its own pace)
            return events + await read_until_quiet(ha, 8.0)

    try:
        wait_for_port(port, proc)
        events = asyncio.run(home_assistant())
    finally:
        stop(proc)
    found, stray = runs(events)
    assert found and stray == []
    for r in found:
        assert r["run"].end_stage == PipelineStage.HANDLE  # no speaker: no TTS asked for
        label = label_at(LIVING_ROOM, r["detection"].timestamp / 1000)
        assert label is not None and label[2]


def test_misbehaving_clients_lose_only_their_connection():
    settings = Settings(use_video=False)
    service = SatelliteService(
        settings=settings, info=satellite_info(settings, "NTT"),
        make_pipeline=lambda turns: build_pipeline(settings, engine=turns),
        make_source=lambda: [], speaker=CapturedSpeaker())

    async def misbehave():
        port = free_port()
        server = AsyncServer.from_uri(f"tcp://127.0.0.1:{port}")
        await server.start(partial(SatelliteHandler, service))
        try:
            # Not JSON: closed.
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"\xff\xfe garbage\n")
            await writer.drain()
            garbage_closed = await asyncio.wait_for(reader.read(), 30) == b""
            writer.close()
            # A reply in a format no PCM has: an error, closed, and it is no longer the
            # satellite's Home Assistant.
            async with AsyncTcpClient("127.0.0.1", port) as bad:
                await bad.write_event(RunSatellite().event())
                await bad.write_event(AudioStart(rate=22050, width=9, channels=1).event())
                error = await bad.read_event()
                closed = await bad.read_event()
            # A header that promises a payload, then a hang-up.
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b'{"type": "run-satellite", "payload_length": 5000}\n12')
            await writer.drain()
            writer.transport.abort()
            # Home Assistant can connect and is served.
            async with AsyncTcpClient("127.0.0.1", port) as ha:
                await ha.write_event(RunSatellite().event())
                await ha.write_event(Ping(text="ok?").event())
                pong = await ha.read_event()
            await asyncio.to_thread(service.finished.wait, 120)  # its (empty) source ran
        finally:
            await server.stop()
            service.stop()
        return garbage_closed, error, closed, pong

    garbage_closed, error, closed, pong = asyncio.run(misbehave())
    assert garbage_closed
    assert error.type == "error" and error.data["code"] == "bad-event" and closed is None
    assert Pong.is_type(pong.type) and Pong.from_event(pong).text == "ok?"


@pytest.mark.parametrize("args,where", [
    (["wake", "--uri", "http://127.0.0.1:10400"], "--uri"),
    (["satellite", "--replay", "/nonexistent/session"], "/nonexistent/session"),
    (["satellite", "--mic", "no such microphone"], "--mic"),
    (["satellite", "--replay", str(LIVING_ROOM), "--speaker", "no such speaker"], "--speaker"),
])
def test_bad_input_is_one_line_and_exit_code_2(args, where):
    proc = subprocess.run([sys.executable, "-m", "ntt.cli", "wyoming", *args],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and where in errors[0] and "Traceback" not in proc.stderr
