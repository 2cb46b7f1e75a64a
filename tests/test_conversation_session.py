"""End to end over the bundled simulated session (its labelled utterances as the decision
stream, driven by the pipeline's 50 ms tick), the event-log form of the engine's actions, and
speech out with espeak-ng."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import SAMPLE

from ntt.conversation import ConversationEngine, EspeakSpeech, TextSpeech, default_speech
from ntt.conversation.speech import estimate_duration_s
from ntt.cues import SAMPLE_RATE_HZ, Decision, Say, State, Tick, Turn, TurnOutcome
from ntt.io.session import load_session
from ntt.jsonout import to_jsonable
from ntt.language.intents import Home, IntentRecognizer
from ntt.tts import espeak_available, synthesize

TICK_S = 0.05
ENDPOINT_S = 0.3
EARLY_AFTER_ONSET_S = 0.4


@pytest.fixture(scope="module")
def recognizer():
    return IntentRecognizer(Home.load())


def session_stream(session, tracks: dict[str, int | None]) -> list:
    """Early and final decisions as fusion would give them for the labelled utterances,
    merged with the tick clock."""
    items: list = []
    for u in session.labels.utterances:
        track = tracks[u.speaker]
        p = 0.9 if u.directed else 0.1
        items.append(Decision(u.start_s + EARLY_AFTER_ONSET_S, "early", u.start_s,
                              u.start_s + EARLY_AFTER_ONSET_S, track, p, u.directed))
        addressee = "device" if u.addressee == "device" else "person"
        items.append(Turn(u.end_s + ENDPOINT_S, u.start_s, u.end_s, track, u.directed, p, u.text,
                          addressee=addressee))
    n_ticks = int(session.duration_s / TICK_S) + 1
    items += [Tick(i * TICK_S) for i in range(n_ticks)]
    return sorted(items, key=lambda x: (x.t_s, isinstance(x, Tick)))


def test_bundled_session_end_to_end(recognizer, tmp_path):
    session = load_session(SAMPLE)
    stream = session_stream(session, {"anna": 1, "ben": None})
    with ConversationEngine(recognizer, data_dir=tmp_path) as engine:
        actions = [a for item in stream for a in engine.push(item)]
        says = [a for a in actions if isinstance(a, Say)]
        assert [s.text for s in says] == ["Turned on the lights in the kitchen.",
                                          "Tomorrow will be sunny with a high of 18 degrees."]
        directed = [u for u in session.labels.utterances if u.directed]
        for say, u in zip(says, directed, strict=True):
            assert say.t_s == pytest.approx(u.end_s + ENDPOINT_S)
        outcomes = [(o.text, o.outcome) for o in actions if isinstance(o, TurnOutcome)]
        assert [o for t, o in outcomes] == ["answered", "side_talk", "side_talk", "side_talk",
                                            "answered"]
        assert engine.skills.state("kitchen light")["on"] is True
        assert [(d.start_s, d.text) for d in engine.device_turns] == [
            (s.t_s, s.text) for s in says]
        assert engine.state in (State.SPEAKING, State.FOLLOW_UP)
        # Every action is plain JSON for the event log.
        for a in actions:
            json.dumps(to_jsonable(a))


def test_device_replies_overheard_by_the_microphone_are_not_answered(recognizer, tmp_path):
    """The device's replies come back through the room (no face, text as ASR would hear it):
    none of them may turn into a new request."""
    session = load_session(SAMPLE)
    with ConversationEngine(recognizer, data_dir=tmp_path) as engine:
        stream = session_stream(session, {"anna": 1, "ben": None})
        said = []
        for item in stream:
            for a in engine.push(item):
                if isinstance(a, Say):
                    said.append(a)
                    heard = Turn(a.end_s + ENDPOINT_S, a.t_s + 0.1, a.end_s, None, True, 0.6,
                                 a.text.lower().rstrip("."))
                    echo = engine.push(heard)
                    assert [o.outcome for o in echo if isinstance(o, TurnOutcome)] == ["echo"]
        assert len(said) == 2


@pytest.mark.skipif(not espeak_available(), reason="espeak-ng not installed")
def test_espeak_speech_gives_exact_durations_and_offline_device_turns(recognizer, tmp_path):
    speech = EspeakSpeech(play=False)
    assert not speech.plays_audio
    text = "Turned on the lights in the kitchen."
    audio = synthesize(text, voice=speech.voice)
    assert speech.duration_s(text) == pytest.approx(len(audio) / SAMPLE_RATE_HZ)
    assert np.abs(speech.audio(text)).max() > 0.05  # real speech, not silence
    estimate = estimate_duration_s(text)
    assert 0.5 < estimate / speech.duration_s(text) < 2.0
    with ConversationEngine(recognizer, data_dir=tmp_path, speech=speech) as engine:
        engine.push(Turn(2.0, 0.5, 1.7, 1, True, 0.9, "turn on the kitchen lights"))
        [turn] = engine.device_turns
        assert turn.end_s - turn.start_s == pytest.approx(len(audio) / SAMPLE_RATE_HZ)
        speech.stop()


def test_text_only_speech_offline():
    speech = default_speech(live=False)
    assert isinstance(speech, TextSpeech)
    speech.say("Hello there.")
    speech.stop()
    assert speech.said == ["Hello there."]
    assert estimate_duration_s("one two three four five six seven eight nine ten eleven.") > \
        estimate_duration_s("one two.")


@pytest.mark.skipif(not espeak_available(), reason="espeak-ng not installed")
def test_live_speech_without_an_audio_device_stays_text_only(monkeypatch):
    import sounddevice as sd

    def no_device(*args, **kwargs):
        raise sd.PortAudioError("Error querying device -1")

    monkeypatch.setattr(sd, "query_devices", no_device)
    speech = default_speech(live=True)
    assert isinstance(speech, EspeakSpeech) and not speech.plays_audio
    speech.say("Timer set for 5 minutes.")  # synthesises nothing to play; must not raise
    speech.stop()
    assert speech.duration_s("Timer set for 5 minutes.") > 0.5


def test_live_speech_without_espeak_is_text_only(monkeypatch):
    import ntt.tts

    monkeypatch.setattr(ntt.tts, "espeak_available", lambda: False)
    assert isinstance(default_speech(live=True), TextSpeech)


def test_rendered_session_through_the_real_pipeline(recognizer, tmp_path):
    """Audio and video of the bundled simulated session through silero VAD, Whisper, the face
    analyzer and the rule fusion into the engine: the two requests are answered from what
    Whisper heard, the side talk is not."""
    pytest.importorskip("faster_whisper")
    from ntt.asr import load_recognizer
    from ntt.asr.stage import AsrStage
    from ntt.audio.prosody import ProsodyAnalyzer
    from ntt.audio.vad import SileroVad, load_silero_model
    from ntt.calibration.profile import profile_for_session
    from ntt.cues import (
        AsrDecoderCue,
        AsrResult,
        AudioChunk,
        DeviceContext,
        EchoActivity,
        FacesCue,
        MicArrayChunk,
        PartialHypothesis,
        ProsodyFrame,
        SourceStatus,
        SpeechEvent,
        UtteranceProsody,
        VideoFrame,
    )
    from ntt.device_audio import build_stages
    from ntt.device_context import DeviceContextStage
    from ntt.errors import InputError
    from ntt.fusion.rule import rule_fusion
    from ntt.io.sources import SessionSource
    from ntt.pipeline import Clock, Pipeline, Route
    from ntt.settings import DeviceAudioSettings
    from ntt.vision.analyzer import FaceAnalyzer
    from ntt.vision.detector import FaceDetector
    from ntt.vision.landmarks import FaceMesh

    try:
        asr = AsrStage(load_recognizer("whisper"))
    except InputError as exc:
        pytest.skip(f"no local Whisper model: {exc}")
    session = load_session(SAMPLE)
    # The sample is a microphone array with the playback reference: the echo canceller and
    # beam before the VAD, as build_pipeline wires them.
    front, _ = build_stages(DeviceAudioSettings(), profile_for_session(session).microphone,
                            session.channels)
    with ConversationEngine(recognizer, data_dir=tmp_path) as engine:
        pipeline = Pipeline([
            Route("device_audio", front, (MicArrayChunk,)),
            Route("vision", FaceAnalyzer(FaceDetector(), FaceMesh()), (VideoFrame, SourceStatus)),
            Route("vad", SileroVad(load_silero_model()), (AudioChunk, EchoActivity)),
            Route("prosody", ProsodyAnalyzer(), (AudioChunk, SpeechEvent, SourceStatus)),
            Route("asr", asr, (AudioChunk, SpeechEvent, SourceStatus)),
            Route("clock", Clock(TICK_S), (AudioChunk,)),
            # Live wiring: what the engine says is the context, read before fusion.
            Route("context", DeviceContextStage(engine.device_turns), (Tick,)),
            Route("fusion", rule_fusion(), (FacesCue, SpeechEvent, ProsodyFrame, UtteranceProsody,
                                           PartialHypothesis, AsrDecoderCue, DeviceContext, Tick,
                                           SourceStatus)),
            Route("engine", engine, (Decision, AsrResult, Tick)),
        ])
        items = list(pipeline.run(SessionSource(session, use_video=True, array=True)))
        says = [i for i in items if isinstance(i, Say)]
        assert [s.text for s in says] == ["Turned on the lights in the kitchen.",
                                          "Tomorrow will be sunny with a high of 18 degrees."]
        assert engine.skills.state("kitchen light")["on"] is True
        requests = [u for u in session.labels.utterances if u.directed]
        for say, u in zip(says, requests, strict=True):
            assert u.end_s < say.t_s < u.end_s + 1.0  # answered at the endpoint, not later
        assert any(isinstance(i, DeviceContext) and i.device_speaking for i in items)


def test_live_and_offline_constructors(tmp_path, monkeypatch):
    monkeypatch.setenv("NTT_DATA_DIR", str(tmp_path))
    with ConversationEngine.offline() as engine:
        assert isinstance(engine.speech, TextSpeech)
        assert engine.store.path.parent == tmp_path
        engine.push(Turn(2.0, 0.5, 1.7, None, True, 0.9, "turn on the heater"))
        assert engine.device_turns[0].text == "Turned on the heater."
    with ConversationEngine.live(speech=TextSpeech()) as engine:
        assert engine.skills.state("heater")["on"] is True  # same store, survives restarts
