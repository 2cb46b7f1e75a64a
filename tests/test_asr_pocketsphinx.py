"""PocketSphinx recognizer on real read speech: accuracy, word times, confidences, n-best."""

from __future__ import annotations

import re

import numpy as np
import pytest

from ntt.asr.base import Recognizer, recognize
from ntt.asr.evaluation import wer
from ntt.asr.pocketsphinx_backend import (
    PocketsphinxRecognizer,
    align_words,
    load_pocketsphinx_decoder,
)
from ntt.asr.types import word_overlap
from ntt.cues import SAMPLE_RATE_HZ

PAD = np.zeros(SAMPLE_RATE_HZ // 4, dtype=np.float32)  # as the ASR stage's pre-roll gives
N_CLIPS = 6


@pytest.fixture()
def recognizer():
    """A fresh decoder per test: pocketsphinx carries its cepstral mean from one utterance
    to the next, so a shared one would make results depend on test order."""
    return PocketsphinxRecognizer(load_pocketsphinx_decoder(), nbest=5)


@pytest.fixture(scope="module")
def clips(speech_clips):
    return speech_clips[:N_CLIPS]


@pytest.fixture(scope="module")
def results(clips):
    """The clips decoded one after another, as one speaker's session."""
    recognizer = PocketsphinxRecognizer(load_pocketsphinx_decoder(), nbest=5)
    return [recognize(recognizer, np.concatenate([PAD, c.audio, PAD])) for c in clips]


def words_of(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def correct_flags(reference: str, hypothesis_words: list[str]) -> list[bool]:
    """Which hypothesis words are on a longest common subsequence with the reference."""
    ref = words_of(reference)
    hyp = [w.lower() for w in hypothesis_words]
    table = np.zeros((len(hyp) + 1, len(ref) + 1), dtype=int)
    for i in range(len(hyp) - 1, -1, -1):
        for j in range(len(ref) - 1, -1, -1):
            table[i, j] = (table[i + 1, j + 1] + 1 if hyp[i] == ref[j]
                           else max(table[i + 1, j], table[i, j + 1]))
    flags, i, j = [], 0, 0
    while i < len(hyp):
        if j < len(ref) and hyp[i] == ref[j]:
            flags.append(True)
            i, j = i + 1, j + 1
        elif j < len(ref) and table[i, j + 1] >= table[i + 1, j]:
            j += 1
        else:
            flags.append(False)
            i += 1
    return flags


def test_is_a_recognizer(recognizer):
    assert isinstance(recognizer, Recognizer)


def test_word_error_rate_on_real_read_speech(results, clips):
    hyps = [r.hypotheses[0].text if r.hypotheses else "" for r in results]
    assert wer([c.text for c in clips], hyps) < 0.35


def test_word_times_follow_forced_alignment(results, clips):
    """Start times of correctly recognised words against a forced alignment of the
    transcript (a separate decoder in alignment mode)."""
    aligner = load_pocketsphinx_decoder()
    errors = []
    for res, clip in zip(results, clips, strict=True):
        aligned = align_words(aligner, np.concatenate([PAD, clip.audio, PAD]), clip.text)
        ref_starts = {}
        for w in aligned:
            ref_starts.setdefault(w.word, w.start_s)
        words = res.hypotheses[0].words
        assert all(a.end_s <= b.start_s + 1e-6 for a, b in zip(words, words[1:], strict=False))
        assert all(0 <= w.start_s < w.end_s <= clip.duration_s + 0.5 for w in words)
        for w, ok in zip(words, correct_flags(clip.text, [w.word for w in words]),
                         strict=True):
            if ok and w.word in ref_starts:
                errors.append(abs(w.start_s - ref_starts[w.word]))
    assert len(errors) > 30
    assert np.median(errors) < 0.05


def test_confidence_is_higher_for_right_words(results, clips):
    right, wrong = [], []
    for res, clip in zip(results, clips, strict=True):
        words = res.hypotheses[0].words
        for w, ok in zip(words, correct_flags(clip.text, [w.word for w in words]),
                         strict=True):
            (right if ok else wrong).append(w.confidence)
    assert wrong, "expected some recognition errors to compare against"
    assert np.mean(right) > np.mean(wrong) + 0.15
    assert all(0.0 <= c <= 1.0 for c in right + wrong)


def test_nbest_lists_distinct_hypotheses_with_posteriors(results):
    for res in results:
        hyps = res.hypotheses
        assert 2 <= len(hyps) <= 5
        assert len({h.text for h in hyps}) == len(hyps)
        posts = [h.posterior for h in hyps]
        assert sum(posts) == pytest.approx(1.0)
        assert all(posts[0] >= p for p in posts[1:])
        assert all(h.confidence <= hyps[0].confidence + 1e-9 for h in hyps[1:])
        assert all(h.words == () for h in hyps[1:])
        assert np.isfinite(res.acoustic_score_per_frame) and res.acoustic_score_per_frame < 0
        assert np.isfinite(res.lm_score_per_word) and res.lm_score_per_word < 0
        assert res.frames > 100


def test_partials_stream_towards_the_final(recognizer, clips):
    partials = []
    recognizer.start()
    audio = np.concatenate([PAD, clips[1].audio, PAD])
    for i in range(0, len(audio), 512):
        text = recognizer.push(audio[i:i + 512])
        if text:
            partials.append(text)
    final = recognizer.finish().hypotheses[0].text
    assert len(partials) >= 4
    assert len(partials[-1].split()) > len(partials[0].split())
    # The last partial (forward search) and the final (lattice best path) share most words.
    assert word_overlap(final, partials[-1]) >= 0.5


def test_block_size_does_not_change_the_result(recognizer, clips):
    audio = np.concatenate([PAD, clips[4].audio, PAD])
    small = recognize(recognizer, audio, block_samples=160)
    large = recognize(recognizer, audio, block_samples=8000)
    assert small.hypotheses[0].text == large.hypotheses[0].text


def test_cancel_and_restart(recognizer, clips):
    recognizer.start()
    recognizer.push(clips[0].audio[:8000])
    recognizer.cancel()
    again = recognize(recognizer, np.concatenate([PAD, clips[1].audio, PAD]))
    assert "understand your response" in again.hypotheses[0].text


def test_silence_gives_no_hypothesis(recognizer):
    res = recognize(recognizer, np.zeros(SAMPLE_RATE_HZ, dtype=np.float32))
    assert res.hypotheses == ()


def test_espeak_speech(recognizer):
    from ntt.tts import synthesize

    res = recognize(recognizer, np.concatenate([PAD, synthesize(
        "What is the weather like today?"), PAD]))
    assert word_overlap("what is the weather like today", res.hypotheses[0].text) >= 0.6
