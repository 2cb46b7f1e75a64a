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
