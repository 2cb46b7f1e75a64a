"""Streaming Kaldi filterbank: equal to torchaudio's kaldi.fbank, normalised per session."""

from __future__ import annotations

import numpy as np
import pytest

from ntt.asr.evaluation import spoken_stream
from ntt.audio.features import FbankExtractor, FbankFrames, KaldiFbank, UtteranceFbank
from ntt.cues import SAMPLE_RATE_HZ, AudioChunk, SpeechEvent

# The reference: torchaudio (the `train` extra; NTT itself runs without it).
torch = pytest.importorskip("torch")
kaldi = pytest.importorskip("torchaudio.compliance.kaldi")


@pytest.fixture(scope="module")
def stream(speech_clips):
    return spoken_stream(speech_clips[:4], seed=1)


def reference_fbank(audio: np.ndarray) -> np.ndarray:
    return kaldi.fbank(torch.from_numpy(audio)[None], num_mel_bins=40, dither=0.0,
                       energy_floor=0.0, sample_frequency=SAMPLE_RATE_HZ).numpy()


def test_matches_torchaudio_kaldi_fbank(stream):
    audio = stream.audio[: 5 * SAMPLE_RATE_HZ]
    ours = KaldiFbank()(audio)
    ref = reference_fbank(audio)
    assert ours.shape == ref.shape == (498, 40)
    assert np.abs(ours - ref).max() < 1e-2


@pytest.mark.parametrize("chunk", [512, 333, 4000])
def test_streaming_equals_whole_signal(stream, chunk):
    audio = stream.audio[: 4 * SAMPLE_RATE_HZ]
    extractor = FbankExtractor()
    cues = []
    for i in range(0, len(audio), chunk):
        cues += extractor.push(AudioChunk(i / SAMPLE_RATE_HZ, audio[i:i + chunk]))
    assert all(isinstance(c, FbankFrames) for c in cues)
    frames = np.concatenate([c.log_mel for c in cues])
    ref = reference_fbank(audio)
    assert frames.shape == ref.shape
    assert np.abs(frames - ref).max() < 1e-2
    times = np.concatenate([c.t_s + c.hop_s * np.arange(len(c.log_mel)) for c in cues])
    assert np.allclose(times, np.arange(len(ref)) * 0.01)


def test_running_normalisation_and_utterance_summary(stream):
    extractor = FbankExtractor()
    cues = []
    for i in range(0, len(stream.audio), 512):
        cues += extractor.push(AudioChunk(i / SAMPLE_RATE_HZ, stream.audio[i:i + 512]))
    start, end = stream.spans_s[0]
    cues += extractor.push(SpeechEvent(end + 0.2, "speech_start", start))
    cues += extractor.push(SpeechEvent(end + 0.2, "speech_end", end))
    norm = np.concatenate([c.normalized for c in cues if isinstance(c, FbankFrames)])
    late = norm[len(norm) // 2:]  # once the statistics have settled
    assert np.abs(late.mean(axis=0)).max() < 0.6
    assert 0.5 < late.std(axis=0).mean() < 1.5
    summary = [c for c in cues if isinstance(c, UtteranceFbank)]
    assert len(summary) == 1
    assert summary[0].frames == pytest.approx((end - start) * 100, abs=2)
    assert summary[0].mean.shape == (40,)
    # Speech is louder than the session average in the speech bands.
    assert summary[0].mean[5:30].mean() > 0


def test_the_mel_weights_are_torchaudios():
    """The numpy mel matrix is ``kaldi.get_mel_banks``'s (no VTLN), the Nyquist bin zero."""
    from ntt.audio.features import LOW_FREQ_HZ, kaldi_mel_banks

    banks, _ = kaldi.get_mel_banks(40, 512, float(SAMPLE_RATE_HZ), LOW_FREQ_HZ, 0.0, 100.0,
                                   -500.0, 1.0)
    ours = kaldi_mel_banks()
    assert ours.shape == (40, 257) and not ours[:, -1].any()
    assert np.abs(ours[:, :-1] - banks.numpy()).max() < 1e-5
