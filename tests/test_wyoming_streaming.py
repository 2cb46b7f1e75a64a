"""The satellite's state machine on the living-room recording's own chunks: what Home
Assistant is sent for a directed utterance (from its start, pre-roll included, to its end),
and what it is never sent (side talk, before run-satellite, after pause, the device's own
voice)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SAMPLE

pytest.importorskip("wyoming")
from wyoming.asr import Transcript  # noqa: E402
from wyoming.audio import AudioChunk as WyAudioChunk  # noqa: E402
from wyoming.audio import AudioStop  # noqa: E402
from wyoming.pipeline import PipelineStage, RunPipeline  # noqa: E402
from wyoming.satellite import PauseSatellite, RunSatellite  # noqa: E402
from wyoming.wake import Detection  # noqa: E402

from ntt.cues import Decision, DeviceTurn, SpeechEvent, TurnEvent  # noqa: E402
from ntt.io.session import load_session  # noqa: E402
from ntt.io.sources import SessionSource  # noqa: E402
from ntt.settings import WyomingSettings  # noqa: E402
from ntt.wyoming.streaming import UtteranceStreamer  # noqa: E402

REQUEST = (13.41, 15.23)  # the VAD's span of the second request ("What is the weather...")
SIDE_TALK = (5.44, 7.42)


@pytest.fixture(scope="module")
def chunks():
    return [c for c in SessionSource(load_session(SAMPLE), use_video=False)]


def _decision(kind, span, directed, t_s):
    return Decision(t_s=t_s, kind=kind, start_s=span[0], end_s=t_s, speaker_track=None,
                    p_directed=0.6 if directed else 0.3, directed=directed)


def _replay(streamer, chunks, span, directed=True, early=True, until_s=None):
    """Feed the chunks with an utterance's VAD events and decisions where they fall."""
    start, end = span
    at = {round(start + 0.15, 3): [SpeechEvent(start + 0.1, "speech_start", start)]
          + ([_decision("early", span, directed, start + 0.15)] if early else []),
          round(end + 0.2, 3): [SpeechEvent(end + 0.2, "speech_end", end)],
          round(end + 0.3, 3): [_decision("final", span, directed, end + 0.3)]}
    events = []
    for c in chunks:
        if until_s is not None and c.t_s >= until_s:
            break
        outputs = [o for t, os in at.items() if c.t_s <= t < c.end_s for o in os]
        events += streamer.push(c, outputs)
    return events


def _streamer(**kw):
    streamer = UtteranceStreamer(WyomingSettings(), end_stage=PipelineStage.TTS, **kw)
    streamer.server_event(RunSatellite().event())
    return streamer


def test_a_directed_utterance_is_streamed_from_its_start_to_its_end(chunks):
    events = _replay(_streamer(), chunks, REQUEST)
    assert Detection.is_type(events[0].type)
    assert Detection.from_event(events[0]).timestamp == 13410
    run = RunPipeline.from_event(events[1])
    assert (run.start_stage, run.end_stage) == (PipelineStage.ASR, PipelineStage.TTS)
    assert AudioStop.is_type(events[-1].type)
    audio = [WyAudioChunk.from_event(e) for e in events[2:-1]]
    assert all(WyAudioChunk.is_type(e.type) for e in events[2:-1])
    first_s, last_end_s = audio[0].timestamp / 1000, (audio[-1].timestamp / 1000
                                                       + audio[-1].seconds)
    assert REQUEST[0] - 0.3 - 0.032 <= first_s <= REQUEST[0] - 0.3  # the pre-roll
    assert REQUEST[1] + 0.2 <= last_end_s <= REQUEST[1] + 0.2 + 0.032  # the endpoint
    # The samples are the recording's, in order, without a gap.
    sent = np.concatenate([np.frombuffer(a.audio, "<i2") for a in audio]) / 32767.0
    recorded = np.concatenate([c.samples for c in chunks if first_s - 1e-6 <= c.t_s
                               and c.end_s <= last_end_s + 1e-6])
    assert len(sent) == len(recorded) and np.max(np.abs(sent - recorded)) < 1e-4


def test_the_gates_turn_end_ends_the_stream_before_the_vads(chunks):
    """End-of-turn sure 100 ms into the silence: Home Assistant gets audio-stop then, not at
    the VAD's end 100 ms later; the VAD's end after it sends nothing more."""
    streamer = _streamer()
    start, end = REQUEST
    turn_end = TurnEvent(end + 0.1, "turn_end", end)
    events = []
    for c in chunks:
        outputs = []
        if c.t_s <= start + 0.15 < c.end_s:
            outputs = [SpeechEvent(start + 0.1, "speech_start", start),
                       _decision("early", REQUEST, True, start + 0.15)]
        elif c.t_s <= turn_end.t_s < c.end_s:
            outputs = [turn_end]
        elif c.t_s <= end + 0.2 < c.end_s:
            outputs = [SpeechEvent(end + 0.2, "speech_end", end)]
        events += streamer.push(c, outputs)
    stops = [AudioStop.from_event(e) for e in events if AudioStop.is_type(e.type)]
    assert len(stops) == 1 and end + 0.1 <= stops[0].timestamp / 1000 <= end + 0.1 + 0.032
    audio = [WyAudioChunk.from_event(e) for e in events if WyAudioChunk.is_type(e.type)]
    assert audio[-1].timestamp / 1000 + audio[-1].seconds <= end + 0.1 + 0.032 + 1e-6


def test_a_late_decision_still_streams_the_whole_utterance(chunks):
    events = _replay(_streamer(), chunks, REQUEST, early=False)
    audio = [WyAudioChunk.from_event(e) for e in events if WyAudioChunk.is_type(e.type)]
    assert Detection.is_type(events[0].type) and AudioStop.is_type(events[-1].type)
    assert audio[0].timestamp / 1000 <= REQUEST[0] - 0.3
    assert audio[-1].timestamp / 1000 >= REQUEST[1]


def test_talk_between_people_is_never_sent(chunks):
    assert _replay(_streamer(), chunks, SIDE_TALK, directed=False) == []


def test_nothing_is_sent_before_run_satellite_or_after_pause(chunks):
    idle = UtteranceStreamer(WyomingSettings(), end_stage=PipelineStage.TTS)
    assert _replay(idle, chunks, REQUEST) == []
    paused = _streamer()
    paused.server_event(PauseSatellite().event())
    assert _replay(paused, chunks, REQUEST) == []


def test_home_assistants_transcript_ends_the_stream(chunks):
    streamer = _streamer()
    events = _replay(streamer, chunks, REQUEST, until_s=14.0)
    assert streamer.streaming and RunPipeline.is_type(events[1].type)
    streamer.server_event(Transcript(text="what is the weather like tomorrow").event())
    rest = _replay(streamer, [c for c in chunks if c.t_s >= 14.0], REQUEST)
    assert not any(WyAudioChunk.is_type(e.type) for e in rest)


def test_speech_while_the_reply_plays_is_the_devices_own_voice(chunks):
    reply = DeviceTurn(13.0, 16.0, "Tomorrow will be sunny.")
    assert _replay(_streamer(device_turns=[reply]), chunks, REQUEST) == []
