"""Prosodic cues on real read speech and espeak-ng speech: F0, level, SNR, speaking rate."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from ntt.asr.evaluation import spoken_stream
from ntt.audio.pitch import track_pitch
from ntt.audio.prosody import ProsodyAnalyzer, RunningStats, utterance_features
from ntt.cues import (
    SAMPLE_RATE_HZ,
    AudioChunk,
    ProsodyFrame,
    SourceStatus,
    SpeechEvent,
    UtteranceProsody,
)
from ntt.tts import synthesize


@pytest.fixture(scope="module")
def clips(speech_clips):
    return speech_clips


def text_syllables(text: str) -> int:
    """Vowel groups per word, silent final e dropped: a rough count, good to ~10%."""
    n = 0
    for word in re.findall(r"[a-z']+", text.lower()):
        groups = len(re.findall(r"[aeiouy]+", word))
        if word.endswith("e") and not word.endswith(("le", "ee")) and groups > 1:
            groups -= 1
        n += max(1, groups)
    return n


def feed(analyzer: ProsodyAnalyzer, audio: np.ndarray, spans: list[tuple[float, float]],
         t0_s: float = 0.0) -> list:
    """Push audio in 32 ms chunks and a start/end event at each span's boundaries, as the
    pipeline would (events right after the chunk in which the VAD would emit them)."""
    events = sorted([(s, "speech_start", s) for s, _ in spans] +
                    [(e + 0.2, "speech_end", e) for _, e in spans])
    out = []
    for i in range(0, len(audio), 512):
        chunk = AudioChunk(t0_s + i / SAMPLE_RATE_HZ, audio[i:i + 512])
        out += analyzer.push(chunk)
        while events and events[0][0] <= chunk.end_s:
            t, kind, boundary = events.pop(0)
            out += analyzer.push(SpeechEvent(chunk.end_s, kind, boundary))
    return out


def test_yin_on_a_harmonic_tone():
    t = np.arange(SAMPLE_RATE_HZ) / SAMPLE_RATE_HZ
    for f0 in (90.0, 150.0, 310.0):
        tone = sum(0.3 / k * np.sin(2 * np.pi * f0 * k * t) for k in range(1, 6))
        track = track_pitch(tone.astype(np.float32))
        assert track.voiced.mean() > 0.95
        assert np.nanmedian(track.f0_hz) == pytest.approx(f0, rel=0.005)


def test_yin_agrees_with_librosa_pyin_on_real_speech(clips):
    import librosa

    clip = next(c for c in clips if c.name == "please-try-call-later")
    ours = track_pitch(clip.audio)
    ref, _, _ = librosa.pyin(clip.audio, fmin=60, fmax=500, sr=SAMPLE_RATE_HZ,
                             frame_length=1024, hop_length=160)
    offset = int(round(ours.start_s / ours.hop_s))  # pyin frames are centred at i * hop
    ref = ref[offset:offset + len(ours.f0_hz)]
    both = np.isfinite(ours.f0_hz) & np.isfinite(ref)
    assert both.sum() > 80
    semitone_error = 12 * np.abs(np.log2(ours.f0_hz[both] / ref[both]))
    assert np.median(semitone_error) < 0.5
    assert np.mean(semitone_error > 2) < 0.1  # few octave/half errors
    assert np.mean(np.isfinite(ours.f0_hz) == np.isfinite(ref)) > 0.8


def test_unvoiced_noise_has_no_pitch():
    noise = np.random.default_rng(0).normal(0, 0.1, SAMPLE_RATE_HZ).astype(np.float32)
    assert track_pitch(noise).voiced.mean() < 0.1


def test_espeak_pitch_setting_moves_f0():
    text = "Could you turn the heating up a little?"
    low = utterance_features(synthesize(text, pitch=20), -90.0)["f0_median_hz"]
    high = utterance_features(synthesize(text, pitch=80), -90.0)["f0_median_hz"]
    assert high > low * 1.2


def test_syllable_count_on_real_speech(clips):
    errors = []
    for clip in clips:
        feats = utterance_features(clip.audio, -90.0)
        truth = text_syllables(clip.text)
        errors.append((feats["syllables"] - truth) / truth)
    assert np.mean(np.abs(errors)) < 0.2


def test_speaking_rate_follows_espeak_rate():
    text = "Please set a timer for ten minutes and remind me to call my sister."
    slow = utterance_features(synthesize(text, rate_wpm=110), -90.0)
    fast = utterance_features(synthesize(text, rate_wpm=260), -90.0)
    assert fast["speaking_rate_syl_per_s"] > 1.7 * slow["speaking_rate_syl_per_s"]
    assert abs(fast["syllables"] - slow["syllables"]) <= 0.25 * slow["syllables"]


def test_level_drops_by_the_gain(clips):
    audio = clips[0].audio
    loud = utterance_features(audio, -90.0)
    quiet = utterance_features(audio * 0.5, -90.0)
    assert loud["level_dbfs"] - quiet["level_dbfs"] == pytest.approx(20 * math.log10(2),
                                                                      abs=0.2)


@pytest.mark.parametrize("snr_db", [5.0, 15.0, 25.0])
def test_snr_estimate_with_added_noise(clips, snr_db):
    """Real speech with white noise at a known SNR (speech power over its active windows),
    a 2 s noise-only lead-in as a room has before anyone speaks."""
    clip = clips[2]
    start, end = 0.0, clip.duration_s
    speech = clip.audio
    n = len(speech) // 512
    power = np.mean(speech[:n * 512].astype(np.float64).reshape(n, 512) ** 2, axis=1)
    active = power > power.max() * 10 ** (-30 / 10)
    noise_power = power[active].mean() / 10 ** (snr_db / 10)
    lead = 2 * SAMPLE_RATE_HZ
    rng = np.random.default_rng(1)
    audio = np.concatenate([np.zeros(lead, np.float32), speech,
                            np.zeros(SAMPLE_RATE_HZ // 2, np.float32)])
    audio = audio + rng.normal(0, math.sqrt(noise_power), len(audio)).astype(np.float32)
    out = feed(ProsodyAnalyzer(), audio, [(2.0 + start, 2.0 + end)])
    utt = [u for u in out if isinstance(u, UtteranceProsody)]
    assert len(utt) == 1
    assert utt[0].noise_floor_dbfs == pytest.approx(10 * math.log10(noise_power), abs=1.5)
    assert utt[0].snr_db == pytest.approx(snr_db, abs=2.5)


def test_stage_emits_frames_and_session_normalised_utterances(clips):
    """Three utterances at the speaker's usual level, then one 10 dB louder: only the last
    one stands out in level_z."""
    chosen = clips[:3] + [clips[3]]
    stream = spoken_stream(chosen, seed=2, noise_dbfs=-55.0)
    audio = stream.audio.copy()
    place = int(stream.placements_s[3] * SAMPLE_RATE_HZ)
    audio[place:place + len(chosen[3].audio)] += chosen[3].audio * (10 ** (10 / 20) - 1)
    analyzer = ProsodyAnalyzer()
    out = feed(analyzer, audio, list(stream.spans_s))
    frames = [c for c in out if isinstance(c, ProsodyFrame)]
    utts = [c for c in out if isinstance(c, UtteranceProsody)]
    assert len(frames) == len(audio) // 512
    assert np.allclose(np.diff([f.t_s for f in frames]), 0.032)
    assert len(utts) == 4
    for u, (s, e) in zip(utts, stream.spans_s, strict=True):
        assert u.start_s == pytest.approx(s, abs=0.01) and u.end_s == pytest.approx(e, abs=0.01)
        assert u.t_s >= u.end_s
        assert 120 < u.f0_median_hz < 300  # an adult female voice
        assert 2.0 < u.speaking_rate_syl_per_s < 7.0
        assert len(u.f0_contour_hz) > 50
    assert utts[3].level_z > 1.0
    assert utts[3].level_z > max(u.level_z for u in utts[:3]) + 0.8
    assert utts[3].level_dbfs - np.mean([u.level_dbfs for u in utts[:3]]) > 7.0
    in_speech = [f for f in frames if f.in_speech]
    assert np.mean([f.voiced for f in in_speech]) > 0.5
    assert np.mean([f.snr_db for f in in_speech]) > 20


def test_privacy_drops_the_open_utterance(clips):
    analyzer = ProsodyAnalyzer()
    audio = clips[0].audio
    out = feed(analyzer, audio[:SAMPLE_RATE_HZ], [])
    analyzer.push(SpeechEvent(0.3, "speech_start", 0.1))
    analyzer.push(SourceStatus(0.5, "privacy_on"))
    out = analyzer.push(SpeechEvent(0.9, "speech_end", 0.8))
    assert out == []


def test_running_stats_shrink_to_the_prior():
    stats = RunningStats(prior_mean=-28.0, prior_std=6.0, prior_weight=3.0)
    assert stats.z(-22.0) == pytest.approx(1.0)
    before = stats.z(-16.0)
    for x in (-16.0, -17.0, -15.0, -16.0, -16.5, -15.5) * 5:
        stats.update(x)
    assert stats.mean == pytest.approx(-16.0, abs=1.5)
    assert abs(stats.z(-16.0)) < before / 3
    assert stats.z(-6.0) > 3  # 10 dB louder than this speaker now stands out
    assert math.isnan(stats.z(float("nan")))
