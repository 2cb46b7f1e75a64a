"""The end-of-turn detector on real speech: the words model tells a whole request from a cut
one, the detector is causal, is surer of an end after real read sentences end than inside
them, and refuses what it does not take."""

from __future__ import annotations

import numpy as np
import pytest

from ntt.asr.evaluation import speech_extent_s
from ntt.audio.prosody import ProsodyAnalyzer
from ntt.audio.vad import SileroVad, load_silero_model
from ntt.cues import SAMPLE_RATE_HZ, AudioChunk, EndOfTurn, SpeechEvent, Tick
from ntt.endpoint import load_detector
from ntt.endpoint.stage import TAKES
from ntt.settings import TimingSettings

CHUNK = 512


@pytest.fixture(scope="module")
def detector():
    return load_detector()


@pytest.fixture(scope="module")
def vad_model():
    return load_silero_model()


def front_end(audio: np.ndarray, vad_model) -> list:
    """The VAD's (with silero's scores, as the pipeline runs it) and the prosody
    front-end's cues for ``audio``, in pipeline order."""
    vad, prosody = SileroVad(vad_model, emit_probabilities=True), ProsodyAnalyzer()
    out = []
    for i in range(0, len(audio) - CHUNK + 1, CHUNK):
        chunk = AudioChunk(i / SAMPLE_RATE_HZ, audio[i:i + CHUNK])
        events = vad.push(chunk)
        frames = prosody.push(chunk) + [c for e in events if isinstance(e, SpeechEvent)
                                        for c in prosody.push(e)]
        out += events + frames
    return out + vad.flush()


def run(detector, cues) -> list[EndOfTurn]:
    detector.reset()
    return [e for c in cues if isinstance(c, TAKES) for e in detector.push(c)]


def test_the_words_model_tells_whole_requests_from_cut_ones(detector):
    words = detector.words
    pairs = [("set a timer for ten minutes", "set a timer for"),
             ("make me a large latte with oat milk", "make me a large latte with"),
             ("turn on the kitchen lights", "turn on the"),
             ("what's the weather like tomorrow", "what's the weather like in")]
    for whole, cut in pairs:
        assert words.predict(whole) > words.predict(cut) + 0.4, (whole, cut)
        assert words.predict(cut) < 0.1, cut


def test_surer_after_real_sentences_end_than_inside_them(detector, vad_model, speech_clips):
    """Read prompts with a second of silence after (no words: acoustics alone): within
    300 ms of the end the detector is surer the speaker has finished than anywhere inside
    the sentence, for nearly all of them, and never sure enough to act (``eot_final_p``)
    while more than 150 ms of speech remains."""
    final_p = TimingSettings().eot_final_p
    rng = np.random.default_rng(0)
    surer, likely, early = 0, 0, []
    for clip in speech_clips:
        lead = np.zeros(SAMPLE_RATE_HZ // 2, np.float32)
        audio = np.concatenate([lead, clip.audio, np.zeros(SAMPLE_RATE_HZ, np.float32)])
        audio += rng.normal(0, 1e-3, len(audio)).astype(np.float32)  # -60 dBFS, not zeros
        end = len(lead) / SAMPLE_RATE_HZ + speech_extent_s(clip.audio)[1]
        cues = run(detector, front_end(audio, vad_model))
        inside = [e.p_finished for e in cues if e.t_s < end - 0.15]
        after = max(e.p_finished for e in cues if end <= e.t_s <= end + 0.3)
        early += [clip.name for p in inside if p >= final_p]
        surer += after > max(inside)
        likely += after >= 0.7
    assert early == []
    assert surer >= len(speech_clips) - 3
    assert likely >= len(speech_clips) - 3


def test_the_detector_is_causal(detector, vad_model, speech_clips):
    """What it says up to a moment does not depend on the audio after it."""
    clip = speech_clips[0].audio
    cut = len(clip) // 2 // CHUNK * CHUNK
    rng = np.random.default_rng(0)
    other = np.concatenate([clip[:cut], rng.normal(0, 0.05, len(clip) - cut).astype(np.float32)])
    a = run(detector, front_end(clip, vad_model))
    b = run(detector, front_end(other, vad_model))
    before = cut / SAMPLE_RATE_HZ
    pa = [repr(e) for e in a if e.t_s <= before]  # repr: NaN (no words) equals itself
    assert pa and pa == [repr(e) for e in b if e.t_s <= before]
    assert [repr(e) for e in a] != [repr(e) for e in b]  # the future did change the rest


def test_nothing_before_speech_and_a_turn_ends(detector, vad_model):
    silence = np.zeros(3 * SAMPLE_RATE_HZ, np.float32)
    assert run(detector, front_end(silence, vad_model)) == []
    detector.reset()
    assert detector.push(SpeechEvent(1.0, "speech_start", 0.9)) == []


@pytest.mark.parametrize("item", [Tick(0.0), "text"])
def test_what_it_does_not_take_is_refused(detector, item):
    with pytest.raises(TypeError, match="EndOfTurnDetector takes AudioChunk, SpeechEvent"):
        detector.push(item)
