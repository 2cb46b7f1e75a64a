"""The endpoint benchmark's recorded streams (``ntt.endpoint.replay``) hear a session as
``ntt run`` does: a microphone array through the device-audio front-end (its beam, its
echo canceller, its directions), and silero's scores of the audio the VAD heard."""

from __future__ import annotations

from pathlib import Path

import pytest

from ntt.audio.vad import SileroVad
from ntt.cues import DirectionCue, SpeechEvent, SpeechProbability
from ntt.endpoint.replay import record_inputs
from ntt.io.session import load_session

SAMPLE = Path(__file__).resolve().parent.parent / "datasets" / "samples" / "living-room"


@pytest.fixture(scope="module")
def recorded():
    session = load_session(SAMPLE)
    assert session.channels > 1 and session.playback_path is not None
    return session, record_inputs(session, asr="none")


def test_an_array_session_is_recorded_through_the_device_audio_front_end(recorded):
    session, cues = recorded
    directions = [c for c in cues if isinstance(c, DirectionCue)]
    starts = [c for c in cues if isinstance(c, SpeechEvent) and c.kind == "speech_start"]
    assert directions and {round(d.start_s, 3) for d in directions} == \
        {round(s.boundary_s, 3) for s in starts}


def test_the_recorded_scores_are_those_of_the_audio_the_vad_heard(recorded):
    """Replayed through the VAD's hysteresis, the recorded scores give the recorded events,
    except where the device itself spoke (the live VAD is told those frames are its echo)."""
    session, cues = recorded
    events = [c for c in cues if isinstance(c, SpeechEvent)]
    vad = SileroVad(None)
    replayed = [e for c in cues if isinstance(c, SpeechProbability)
                for e in vad.push_probability(c.t_s, c.p_speech)] + vad.flush()
    turns = session.labels.device_turns

    def in_reply(e: SpeechEvent) -> bool:
        return any(t.start_s - 0.2 <= e.boundary_s <= t.end_s + 0.3 for t in turns)

    assert len(events) >= 8
    assert [e for e in replayed if e not in events and not in_reply(e)] == []
    assert [e for e in events if e not in replayed] == []


def test_the_replayed_gate_gets_its_turn_ends_answered(recorded):
    """A turn the gate ends before the VAD is answered on the next chunk with the recorded
    summing-up of that utterance (here its prosody: no recognizer), so the final decision
    comes before the VAD's end; the VAD's end that follows brings it no second time."""
    from ntt.cues import Decision, ProsodyFrame, TurnEvent, UtteranceProsody
    from ntt.endpoint import load_detector
    from ntt.endpoint.replay import through_gate, with_end_of_turn
    from ntt.fusion.rule import rule_fusion
    from ntt.settings import EndpointSettings, TimingSettings

    _, cues = recorded
    stream = list(with_end_of_turn(cues, load_detector(EndpointSettings())))
    out = through_gate(rule_fusion(timing=TimingSettings(eot_final_p=0.5), awaits_words=False),
                       stream)
    ends = [e for e in out if isinstance(e, TurnEvent) and e.kind == "turn_end"]
    finals = [d for d in out if isinstance(d, Decision) and d.kind == "final"]
    assert ends
    frames = [c.t_s for c in stream if isinstance(c, ProsodyFrame)]
    vad_ends = [c for c in stream if isinstance(c, SpeechEvent) and c.kind == "speech_end"]
    for end in ends:
        decision = next(d for d in finals if d.t_s >= end.t_s)
        assert decision.end_s == end.boundary_s
        next_frame = min(t for t in frames if t > end.t_s - 0.032)
        assert decision.t_s <= next_frame + 0.1  # the next chunk's answer, the next tick
        vad_end = next(e for e in vad_ends if e.t_s >= end.t_s - 1e-6)
        assert decision.t_s <= vad_end.t_s or vad_end.t_s - end.t_s < 0.1
    # One final per VAD utterance, and one more for each turn the gate opened inside one.
    resumes = [e for e in out if isinstance(e, TurnEvent) and e.kind == "turn_resume"]
    assert len(finals) == sum(isinstance(c, UtteranceProsody) for c in stream) + len(resumes)
