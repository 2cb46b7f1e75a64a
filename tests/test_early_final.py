"""An early final decision hears what a VAD end would have given it: when the gate ends a
turn before the VAD does (a sure ``EndOfTurn``), the prosody, recognizer and lexical stages
sum the utterance up there — through the whole pipeline on real read speech — and the VAD's
end that follows decodes nothing again."""

from __future__ import annotations

import numpy as np
import pytest

from ntt.asr.types import word_overlap
from ntt.cues import (
    SAMPLE_RATE_HZ,
    AsrDecoderCue,
    AsrResult,
    AudioChunk,
    Decision,
    LexicalCue,
    SpeechEvent,
    TurnEvent,
    UtteranceProsody,
)
from ntt.settings import EndpointSettings, Settings, TimingSettings

CHUNK = 512


def _run(audio: np.ndarray, final_p: float) -> list:
    from ntt.pipeline import build_pipeline

    settings = Settings(use_video=False, asr="pocketsphinx",
                        endpoint=EndpointSettings(enabled=True),
                        timing=TimingSettings(eot_final_p=final_p))
    pipeline = build_pipeline(settings)
    out = []
    for i in range(0, len(audio) - CHUNK + 1, CHUNK):
        out += pipeline.push(AudioChunk(i / SAMPLE_RATE_HZ, audio[i:i + CHUNK]))
    return out + pipeline.flush()


def _with_silence(clips) -> np.ndarray:
    rng = np.random.default_rng(1)
    gap = np.zeros(int(1.5 * SAMPLE_RATE_HZ), np.float32)
    parts = [gap]
    for clip in clips:
        parts += [clip.audio, gap]
    audio = np.concatenate(parts)
    return (audio + 1e-3 * rng.standard_normal(len(audio))).astype(np.float32)


@pytest.fixture(scope="module")
def two_requests(speech_clips):
    clips = speech_clips[:2]
    audio = _with_silence(clips)
    return clips, _run(audio, final_p=0.5), _run(audio, final_p=TimingSettings().eot_final_p)


def test_the_gate_ends_the_turn_before_the_vad_and_the_front_ends_sum_it_up(two_requests):
    clips, out, _ = two_requests
    ends = [e for e in out if isinstance(e, TurnEvent) and e.kind == "turn_end"]
    finals = [d for d in out if isinstance(d, Decision) and d.kind == "final"]
    vad_ends = [e for e in out if isinstance(e, SpeechEvent) and e.kind == "speech_end"]
    assert ends, "the detector was never sure at 0.5"
    for end in ends:
        after = out[out.index(end) + 1:]
        decision = next(d for d in after if isinstance(d, Decision) and d.kind == "final")
        before = after[:after.index(decision)]
        # Before the decision, everything a VAD end brings: prosody, words, decoder cue.
        prosody = [c for c in before if isinstance(c, UtteranceProsody)]
        results = [c for c in before if isinstance(c, AsrResult)]
        assert prosody and prosody[0].end_s <= end.boundary_s + 1e-6
        assert results and results[0].end_s == pytest.approx(end.boundary_s)
        assert any(isinstance(c, AsrDecoderCue) for c in before)
        assert any(isinstance(c, LexicalCue) and c.final for c in before)
        # The decision covers the turn as the gate ended it, before the VAD's end came.
        assert decision.end_s == end.boundary_s
        vad_end = next(e for e in vad_ends if e.t_s >= end.t_s)
        assert decision.t_s <= vad_end.t_s
    # One recognition per decided utterance: the VAD's end after the gate's decodes nothing.
    assert len([c for c in out if isinstance(c, AsrResult)]) == len(finals) == len(clips)
    assert len([c for c in out if isinstance(c, UtteranceProsody)]) == len(clips)


def test_the_early_words_are_the_whole_utterance(two_requests):
    clips, early, late = two_requests

    def texts(out):
        return [r.text.lower() for r in out if isinstance(r, AsrResult)]

    for clip, e, v in zip(clips, texts(early), texts(late), strict=True):
        truth = clip.text.lower()
        assert word_overlap(truth, e) >= word_overlap(truth, v) - 0.1, (e, v, truth)


def test_speech_after_the_gates_turn_end_is_a_new_utterance_for_the_recognizer(speech_clips):
    """Real read speech: "Weasels have eaten our phone system", 0.12 s, "I am sorry, | that's
    not a valid extension. Please try again." — at 0.5 the gate ends
    the turn in the comma's pause; the voice comes back before the VAD's end, so the gate
    opens a new turn there (``turn_resume``) and the recognizer hears the rest as its own
    utterance: each final decision has its own words, none heard twice."""
    clips = {c.name: c for c in speech_clips}
    weasels, sorry = clips["tt-weasels"], clips["invalid"]
    second = np.zeros(SAMPLE_RATE_HZ, np.float32)
    audio = np.concatenate([second, weasels.audio, second[:1920], sorry.audio, second])
    audio += (1e-3 * np.random.default_rng(0).standard_normal(len(audio))).astype(np.float32)
    out = _run(audio.astype(np.float32), final_p=0.5)
    events = [e for e in out if isinstance(e, TurnEvent)]
    resumes = [e for e in events if e.kind == "turn_resume"]
    assert resumes, [(e.kind, e.boundary_s) for e in events]
    finals = [d for d in out if isinstance(d, Decision) and d.kind == "final"]
    results = [r for r in out if isinstance(r, AsrResult)]
    assert len(results) == len(finals) >= 2
    after = next(r for r in results if r.start_s == pytest.approx(resumes[0].boundary_s))
    before = [r for r in results if r.end_s <= resumes[0].boundary_s]
    assert "extension" in after.text.lower() and "sorry" not in after.text.lower()
    assert before and "sorry" in " ".join(r.text.lower() for r in before)
    assert any(d.start_s == resumes[0].boundary_s for d in finals)
