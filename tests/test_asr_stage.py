"""The ASR stage between VAD and recognizer: routing, pre-roll, partials, final cues."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ntt.asr.evaluation import speech_extent_s, spoken_stream, wer
from ntt.asr.pocketsphinx_backend import PocketsphinxRecognizer, load_pocketsphinx_decoder
from ntt.asr.stage import START_PAD_S, AsrStage
from ntt.asr.types import Recognition
from ntt.audio.vad import SileroVad, load_silero_model
from ntt.cues import (
    SAMPLE_RATE_HZ,
    AsrDecoderCue,
    AsrResult,
    AudioChunk,
    PartialHypothesis,
    SourceStatus,
    SpeechEvent,
    SpeechPause,
)
from ntt.settings import VadSettings


class RecordingRecognizer:
    """Keeps what the stage gives it; answers with nothing (for testing the stage's routing
    of audio, not recognition)."""

    name = "recording"

    def __init__(self):
        self.utterances: list[np.ndarray] = []
        self.cancelled = 0
        self._audio: list[np.ndarray] = []

    def start(self) -> None:
        self._audio = []

    def push(self, samples):
        self._audio.append(np.asarray(samples))
        return None

    def finish(self) -> Recognition:
        self.utterances.append(np.concatenate(self._audio))
        return Recognition(hypotheses=())

    def decode_so_far(self) -> None:
        return None

    def cancel(self) -> None:
        self.cancelled += 1


@pytest.fixture(scope="module")
def vad_model():
    return load_silero_model()


@pytest.fixture(scope="module")
def stream(speech_clips):
    return spoken_stream(speech_clips[4:7], seed=5)


def run(stage: AsrStage, vad: SileroVad, audio: np.ndarray, stop_s: float | None = None
        ) -> list:
    """The pipeline's routing: each chunk to the VAD and the stage, then the VAD's events to
    the stage; at the end the VAD's flush events, then the stage's flush."""
    out = []
    for i in range(0, len(audio), 512):
        chunk = AudioChunk(i / SAMPLE_RATE_HZ, audio[i:i + 512])
        if stop_s is not None and chunk.t_s >= stop_s:
            return out
        events = vad.push(chunk)
        out += stage.push(chunk)
        out += events
        for event in events:
            out += stage.push(event)
    for event in vad.flush():
        out += [event] + stage.push(event)
    return out + stage.flush()


@pytest.fixture(scope="module")
def pocketsphinx_run(vad_model, stream):
    stage = AsrStage(PocketsphinxRecognizer(load_pocketsphinx_decoder()))
    return run(stage, SileroVad(vad_model), stream.audio)


def test_cue_order_per_utterance(pocketsphinx_run, stream):
    kinds = [type(c).__name__ for c in pocketsphinx_run if not isinstance(c, SpeechEvent)]
    results = [c for c in pocketsphinx_run if isinstance(c, AsrResult)]
    assert len(results) == len(stream.texts)
    # partials, then the result and its decoder cue
    groups = " ".join(kinds).split("AsrResult AsrDecoderCue")
    assert all("PartialHypothesis" in g for g in groups[:-1])
    assert groups[-1].strip() == ""


def test_results_on_the_session_clock(pocketsphinx_run, stream):
    events = [c for c in pocketsphinx_run if isinstance(c, SpeechEvent)]
    ends = [e for e in events if e.kind == "speech_end"]
    starts = [e for e in events if e.kind == "speech_start"]
    results = [c for c in pocketsphinx_run if isinstance(c, AsrResult)]
    for r, s, e in zip(results, starts, ends, strict=True):
        assert r.backend == "pocketsphinx" and r.decode_s >= 0
        assert (r.start_s, r.end_s, r.t_s) == (s.boundary_s, e.boundary_s, e.t_s)
        words = r.hypotheses[0].words
        assert words[0].start_s >= r.start_s - START_PAD_S - 1e-6
        assert words[-1].end_s <= r.t_s + 1e-6
    assert wer(list(stream.texts), [r.text for r in results]) < 0.4


def test_partials_are_timed_and_scored(pocketsphinx_run):
    partials = [c for c in pocketsphinx_run if isinstance(c, PartialHypothesis)]
    assert len(partials) >= 10
    assert all(0.0 <= p.stability <= 1.0 for p in partials)
    times = [p.t_s for p in partials]
    assert times == sorted(times)
    assert np.mean([p.stability for p in partials]) > 0.3


def test_decoder_cues(pocketsphinx_run):
    cues = [c for c in pocketsphinx_run if isinstance(c, AsrDecoderCue)]
    results = [c for c in pocketsphinx_run if isinstance(c, AsrResult)]
    for cue, res in zip(cues, results, strict=True):
        assert cue.confidence == res.confidence and 0 < cue.confidence <= 1
        assert 0.0 <= cue.nbest_entropy <= 1.0 and -1.0 <= cue.nbest_margin <= 1.0
        assert cue.nbest_size == len(res.hypotheses)
        assert cue.n_words == len(res.text.split()) and cue.words_per_s > 1.0
        assert cue.acoustic_score_per_frame < 0 and cue.lm_score_per_word < 0
        assert math.isnan(cue.avg_logprob) and math.isnan(cue.no_speech_prob)
        assert cue.partial_count > 0 and 0 <= cue.partial_stability <= 1
        assert cue.final_matches_partial > 0.5
        assert 0 <= cue.min_word_confidence <= cue.confidence


def test_recognizer_gets_the_pre_roll_and_the_whole_utterance(vad_model, stream):
    recognizer = RecordingRecognizer()
    out = run(AsrStage(recognizer), SileroVad(vad_model), stream.audio)
    starts = [c for c in out if isinstance(c, SpeechEvent) and c.kind == "speech_start"]
    ends = [c for c in out if isinstance(c, SpeechEvent) and c.kind == "speech_end"]
    assert len(recognizer.utterances) == len(starts) == 3
    for audio, s, e in zip(recognizer.utterances, starts, ends, strict=True):
        first = int(round((s.boundary_s - START_PAD_S) * SAMPLE_RATE_HZ))
        last = int(round(e.t_s * SAMPLE_RATE_HZ))
        np.testing.assert_array_equal(audio, stream.audio[first:last])
    results = [c for c in out if isinstance(c, AsrResult)]
    assert all(r.hypotheses == () and r.text == "" for r in results)


def test_privacy_cancels_the_open_utterance(vad_model, stream):
    recognizer = RecordingRecognizer()
    stage = AsrStage(recognizer)
    mid = (stream.spans_s[0][0] + stream.spans_s[0][1]) / 2
    run(stage, SileroVad(vad_model), stream.audio, stop_s=mid)
    assert stage.push(SourceStatus(mid, "privacy_on")) == []
    assert recognizer.cancelled == 1
    assert stage.flush() == []
    assert recognizer.utterances == []


def test_flush_closes_an_open_utterance(vad_model, stream):
    recognizer = RecordingRecognizer()
    stage = AsrStage(recognizer)
    vad = SileroVad(vad_model)
    mid = (stream.spans_s[0][0] + stream.spans_s[0][1]) / 2
    run(stage, vad, stream.audio, stop_s=mid)
    out = stage.flush()
    assert [type(c) for c in out] == [AsrResult, AsrDecoderCue]
    assert out[0].end_s == pytest.approx(mid, abs=0.033)


def test_whisper_stage_on_real_speech(vad_model, stream):
    pytest.importorskip("faster_whisper")
    from ntt.asr.whisper_backend import WhisperRecognizer, load_whisper_model

    stage = AsrStage(WhisperRecognizer(load_whisper_model(cpu_threads=2), nbest=2))
    out = run(stage, SileroVad(vad_model), stream.audio)
    results = [c for c in out if isinstance(c, AsrResult)]
    assert not any(isinstance(c, PartialHypothesis) for c in out)
    assert [r.backend for r in results] == ["whisper"] * 3
    assert all(r.decode_s > 0 for r in results)  # whisper decodes after the endpoint
    assert wer(list(stream.texts), [r.text for r in results]) <= 0.2
    cues = [c for c in out if isinstance(c, AsrDecoderCue)]
    assert all(c.avg_logprob < 0 and 0 <= c.no_speech_prob < 0.5 for c in cues)
    assert all(math.isnan(c.partial_stability) for c in cues)


@pytest.fixture(scope="module")
def whisper_recognizer():
    pytest.importorskip("faster_whisper")
    from ntt.asr.whisper_backend import WhisperRecognizer, load_whisper_model

    return WhisperRecognizer(load_whisper_model(cpu_threads=2), nbest=2)


def test_whisper_says_at_a_pause_what_it_heard_and_a_pause_that_ends_is_the_final(
        vad_model, stream, whisper_recognizer):
    """The VAD says when the voice pauses (``pause_ms`` into a silence, before its hangover
    ends the utterance); Whisper decodes the audio so far then. Where the pause is the end,
    that decode is the final one: the words are there when the VAD's end is."""
    vad = SileroVad(vad_model, emit_pauses=True)
    out = run(AsrStage(whisper_recognizer), vad, stream.audio)
    ends = [c for c in out if isinstance(c, SpeechEvent) and c.kind == "speech_end"]
    pauses = {c.boundary_s: c for c in out if isinstance(c, SpeechPause)}
    assert len(ends) == 3 and all(e.boundary_s in pauses for e in ends)
    for end in ends:
        pause = pauses[end.boundary_s]
        assert pause.t_s == pytest.approx(end.t_s - (160 - 64) / 1000, abs=1e-6)
    partials = {round(c.t_s, 6): c.text for c in out if isinstance(c, PartialHypothesis)}
    results = [c for c in out if isinstance(c, AsrResult)]
    for end, result in zip(ends, results, strict=True):
        assert partials[round(pauses[end.boundary_s].t_s, 6)] == result.text
        assert result.decode_s == 0.0  # decoded at the pause already
    assert wer(list(stream.texts), [r.text for r in results]) <= 0.2


def test_speech_that_comes_back_after_a_pause_is_decoded_again(vad_model, speech_clips,
                                                               whisper_recognizer):
    """Two real sentences 0.3 s apart, with a VAD whose hangover holds them as one
    utterance: the first pause's partial has the first sentence; the final is the decode of
    the last pause, the utterance's end, and has both."""
    first, second = speech_clips[4], speech_clips[5]
    (a0, a1), (b0, b1) = speech_extent_s(first.audio), speech_extent_s(second.audio)
    rate = SAMPLE_RATE_HZ
    quiet = np.zeros(int(0.5 * rate), np.float32)
    audio = np.concatenate([quiet, first.audio[int(a0 * rate):int(a1 * rate)],
                            np.zeros(int(0.3 * rate), np.float32),
                            second.audio[int(b0 * rate):int(b1 * rate)], quiet])
    audio += np.random.default_rng(1).normal(0, 1e-3, len(audio)).astype(np.float32)
    vad = SileroVad(vad_model, VadSettings(hangover_ms=640), emit_pauses=True)
    out = run(AsrStage(whisper_recognizer), vad, audio)
    (result,) = [c for c in out if isinstance(c, AsrResult)]
    partials = [c for c in out if isinstance(c, PartialHypothesis)]
    assert len(partials) == 2 and partials[0].t_s < 0.5 + (a1 - a0) + 0.3
    assert wer([first.text], [partials[0].text]) <= 0.25
    assert partials[1].text == result.text and result.decode_s == 0.0
    assert wer([f"{first.text} {second.text}"], [result.text]) <= 0.2
