"""Streaming VAD and endpointing on real read speech, checked against word alignments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ntt.asr.evaluation import spoken_stream
from ntt.asr.pocketsphinx_backend import align_words, load_pocketsphinx_decoder
from ntt.audio.vad import SileroVad, load_silero_model
from ntt.cues import (
    SAMPLE_RATE_HZ,
    AudioChunk,
    SourceStatus,
    SpeechEvent,
    SpeechPause,
    SpeechProbability,
)
from ntt.settings import VadSettings

REPO_DATA = Path(__file__).resolve().parent / "data"

ALIGN_CONTEXT_S = 0.5


@pytest.fixture(scope="module")
def model():
    return load_silero_model()


@pytest.fixture(scope="module")
def stream(speech_clips):
    return spoken_stream(speech_clips, seed=3)


@pytest.fixture(scope="module")
def word_spans(stream):
    """(first word start, last word end) of every clip in the stream, by forced alignment
    of its transcript with pocketsphinx (an aligner independent of silero)."""
    decoder = load_pocketsphinx_decoder()
    spans = []
    for text, (start, end) in zip(stream.texts, stream.spans_s, strict=True):
        lo = start - ALIGN_CONTEXT_S
        i0, i1 = int(lo * SAMPLE_RATE_HZ), int((end + ALIGN_CONTEXT_S) * SAMPLE_RATE_HZ)
        words = align_words(decoder, stream.audio[i0:i1], text)
        assert len(words) >= len(text.split()) - 1
        spans.append((lo + words[0].start_s, lo + words[-1].end_s))
    return spans


def run_vad(vad: SileroVad, audio: np.ndarray, chunk: int = 512, flush: bool = True) -> list:
    out = []
    for i in range(0, len(audio), chunk):
        out += vad.push(AudioChunk(i / SAMPLE_RATE_HZ, audio[i:i + chunk]))
    return out + (vad.flush() if flush else [])


def pairs(events: list) -> list[tuple[SpeechEvent, SpeechEvent]]:
    events = [e for e in events if isinstance(e, SpeechEvent)]
    starts = [e for e in events if e.kind == "speech_start"]
    ends = [e for e in events if e.kind == "speech_end"]
    assert len(starts) == len(ends)
    assert all(s.t_s <= e.t_s for s, e in zip(starts, ends, strict=True))
    return list(zip(starts, ends, strict=True))


@pytest.fixture(scope="module")
def segments(model, stream):
    return pairs(run_vad(SileroVad(model), stream.audio))


def per_clip(segments, stream) -> list[list[tuple[SpeechEvent, SpeechEvent]]]:
    """The segments overlapping each clip's speech (a clip may be split at a pause between
    its sentences; a segment never spans two clips)."""
    groups = []
    for start, end in stream.spans_s:
        groups.append([(s, e) for s, e in segments
                       if min(e.boundary_s, end) - max(s.boundary_s, start) > 0])
    return groups


def test_every_clip_is_found_and_none_are_merged(segments, stream):
    groups = per_clip(segments, stream)
    assert all(1 <= len(g) <= 2 for g in groups)
    assert sum(len(g) for g in groups) == len(segments)  # no segment in two clips
    # Only clips with a pause between two sentences may be split.
    for group, text in zip(groups, stream.texts, strict=True):
        if len(group) > 1:
            assert text.count(".") + text.count("?") + text.count("!") >= 2, text


def test_boundaries_match_word_alignments(segments, stream, word_spans):
    groups = per_clip(segments, stream)
    onset = [g[0][0].boundary_s - ref[0] for g, ref in zip(groups, word_spans, strict=True)]
    offset = [g[-1][1].boundary_s - ref[1] for g, ref in zip(groups, word_spans, strict=True)]
    assert np.median(np.abs(onset)) <= 0.100
    assert np.median(np.abs(offset)) <= 0.100
    assert max(np.abs(onset)) <= 0.25 and max(np.abs(offset)) <= 0.25


def test_endpoint_known_within_300_ms_of_the_end_of_speech(segments, stream):
    """Measured from where the clean clip's energy ends (within 40 dB of its peak): the
    aligner sometimes hands a word's final decay to silence ("wrong!" ends 0.2 s early)."""
    groups = per_clip(segments, stream)
    latency = [g[-1][1].t_s - end for g, (_, end) in zip(groups, stream.spans_s, strict=True)]
    assert all(0.0 < lat <= 0.300 for lat in latency), np.round(latency, 3).tolist()


def test_start_event_comes_after_its_boundary(segments):
    for start, end in segments:
        assert start.boundary_s < start.t_s <= start.boundary_s + 0.25
        assert end.boundary_s <= end.t_s


def test_hangover_is_configurable(model, stream, segments):
    long = pairs(run_vad(SileroVad(model, VadSettings(hangover_ms=480)), stream.audio))
    assert len(long) == len(stream.texts)  # a long hangover bridges every inner pause
    last = [g[-1][1].t_s for g in per_clip(segments, stream)]
    delays = [e.t_s - t for (_, e), t in zip(long, last, strict=True)]
    assert np.allclose(delays, 0.32, atol=0.033)
    # A very short hangover splits utterances at the pauses between sentences.
    short = pairs(run_vad(SileroVad(model, VadSettings(hangover_ms=32)), stream.audio))
    assert len(short) > len(segments)


def test_silence_and_noise_give_no_events(model):
    rng = np.random.default_rng(0)
    silence = np.zeros(3 * SAMPLE_RATE_HZ, dtype=np.float32)
    noise = rng.normal(0, 0.05, 3 * SAMPLE_RATE_HZ).astype(np.float32)
    for audio in (silence, noise):
        events = [e for e in run_vad(SileroVad(model), audio) if isinstance(e, SpeechEvent)]
        assert events == []


def test_chunk_size_does_not_change_events(model, stream):
    audio = stream.audio[: 12 * SAMPLE_RATE_HZ]
    reference = [e for e in run_vad(SileroVad(model), audio) if isinstance(e, SpeechEvent)]
    assert reference
    for chunk in (160, 1000):
        events = [e for e in run_vad(SileroVad(model), audio, chunk)
                  if isinstance(e, SpeechEvent)]
        assert [(e.kind, round(e.boundary_s, 3)) for e in events] == \
            [(e.kind, round(e.boundary_s, 3)) for e in reference]


def test_causal_prefix_gives_the_same_events(model, stream):
    """What the VAD says up to time T does not depend on audio after T."""
    full = run_vad(SileroVad(model), stream.audio, flush=False)
    cut_s = 20.0
    prefix = run_vad(SileroVad(model), stream.audio[: int(cut_s * SAMPLE_RATE_HZ)],
                     flush=False)
    expected = [e for e in full if isinstance(e, SpeechEvent) and e.t_s <= cut_s]
    assert [e for e in prefix if isinstance(e, SpeechEvent)] == expected


def test_probabilities_per_window(model, stream):
    out = run_vad(SileroVad(model, emit_probabilities=True), stream.audio[:SAMPLE_RATE_HZ * 4])
    probs = [c for c in out if isinstance(c, SpeechProbability)]
    assert len(probs) == 4 * SAMPLE_RATE_HZ // 512
    assert all(0.0 <= p.p_speech <= 1.0 for p in probs)
    assert np.allclose(np.diff([p.t_s for p in probs]), 0.032)


def test_replayed_probabilities_give_the_live_events(model, stream):
    """Scores recorded once and replayed through the hysteresis give exactly the events the
    live VAD gives, for other settings too (what benchmarks/bench_endpoint.py relies on)."""

    out = run_vad(SileroVad(model, emit_probabilities=True), stream.audio)
    probs = [(c.t_s, c.p_speech) for c in out if isinstance(c, SpeechProbability)]
    for config in (VadSettings(), VadSettings(neg_threshold=0.5, hangover_ms=96)):
        live = [e for e in run_vad(SileroVad(model, config), stream.audio)
                if isinstance(e, SpeechEvent)]
        replay = SileroVad(None, config)
        replayed = [e for t, p in probs for e in replay.push_probability(t, p)] + replay.flush()
        assert live and replayed == live


def test_tts_sentences_with_a_pause_are_two_utterances(model):
    from ntt.tts import synthesize

    gap = np.zeros(SAMPLE_RATE_HZ, dtype=np.float32)
    audio = np.concatenate([gap, synthesize("What is the weather like today?"), gap,
                            synthesize("Never mind, I will ask Anna."), gap])
    assert len(pairs(run_vad(SileroVad(model), audio))) == 2


def test_privacy_closes_the_utterance_and_mutes(model, stream):
    vad = SileroVad(model)
    start, end = stream.spans_s[0]
    cut = int((start + 0.8) * SAMPLE_RATE_HZ)
    events = [e for e in run_vad(vad, stream.audio[:cut], flush=False)
              if isinstance(e, SpeechEvent)]
    assert [e.kind for e in events] == ["speech_start"]
    closed = vad.push(SourceStatus(cut / SAMPLE_RATE_HZ, "privacy_on"))
    assert [e.kind for e in closed] == ["speech_end"]
    muted = vad.push(AudioChunk(cut / SAMPLE_RATE_HZ, stream.audio[cut:cut + 16000]))
    assert muted == []
    vad.push(SourceStatus(cut / SAMPLE_RATE_HZ + 1, "privacy_off"))
    assert not vad.speaking


def test_long_speech_is_cut(model, stream):
    events = run_vad(SileroVad(model, VadSettings(max_speech_s=1.0)), stream.audio[:6 * 16000])
    segs = pairs(events)
    assert len(segs) >= 3
    assert all(e.boundary_s - s.boundary_s <= 1.0 + 0.033 for s, e in segs)


def test_rejects_other_sample_rates(model):
    with pytest.raises(ValueError):
        SileroVad(model).push(AudioChunk(0.0, np.zeros(480, np.float32), sample_rate_hz=48000))


def test_a_drifting_silero_state_is_started_afresh(model):
    """On a far-field stream after echo cancellation, silero's state left alone hears
    nothing for 27 s (snakers4/silero-vad#725); with the second scorer that starts afresh
    in silence, the VAD hears the two people talking at 20-25 s as the labels have them."""
    from ntt.io.audio_file import read_audio

    audio = read_audio(REPO_DATA / "vad" / "far-field-after-echo-cancel.opus")
    drifting = pairs(run_vad(SileroVad(model, VadSettings(state_reset_s=0)), audio))
    assert drifting == []
    heard = [(s.boundary_s, e.boundary_s) for s, e in pairs(run_vad(SileroVad(model), audio))]
    for a, b in ((20.0, 21.7), (23.5, 24.0), (24.1, 25.2)):
        assert any(s < b and e > a for s, e in heard), (a, b, heard)
    # Nothing is heard where the labels have no one speaking (before the reply, 5.9-6.6 s,
    # and 15.4-20.0 s).
    assert not any(s < 19.9 and e > 15.6 for s, e in heard), heard


def test_silero_without_torch_scores_as_silero_vads_own_wrapper():
    """``SileroModel`` (onnxruntime on the shipped ONNX file) gives silero-vad's
    ``OnnxWrapper`` scores window by window, where that package is installed."""
    silero_vad = pytest.importorskip("silero_vad")
    torch = pytest.importorskip("torch")
    from ntt.audio.vad import SileroModel
    from ntt.io.session import load_session

    audio = load_session(REPO_DATA.parents[1] / "datasets" / "samples" / "living-room").audio()
    audio = (audio[:, 0] if audio.ndim > 1 else audio)[: 8 * SAMPLE_RATE_HZ]
    theirs, ours = silero_vad.load_silero_vad(onnx=True), SileroModel()
    scores = []
    for i in range(0, len(audio) - 512, 512):
        window = audio[i:i + 512].astype(np.float32)
        scores.append((float(theirs(torch.from_numpy(window.copy()), 16_000).item()),
                       ours(window)))
    assert max(abs(a - b) for a, b in scores) < 1e-6
    assert max(b for _, b in scores) > 0.9  # it hears the speech in it


def test_a_pause_is_said_once_per_silence_before_the_hangover_ends_it():
    """Asked for pauses, the hysteresis says one ``pause_ms`` into every silence inside an
    utterance, with the boundary its end would carry; a silence the voice breaks sooner
    says nothing, and without ``emit_pauses`` nothing changes."""
    window = 0.032
    scores = [0.9] * 10 + [0.1] + [0.9] * 5 + [0.1] * 3 + [0.9] * 5 + [0.1] * 8
    vad, plain = SileroVad(None, emit_pauses=True), SileroVad(None)
    out = [e for i, p in enumerate(scores) for e in vad.push_probability(i * window, p)]
    events = [e for i, p in enumerate(scores) for e in plain.push_probability(i * window, p)]
    pauses = [e for e in out if isinstance(e, SpeechPause)]
    assert [e for e in out if not isinstance(e, SpeechPause)] == events
    (end,) = [e for e in events if e.kind == "speech_end"]
    assert [p.boundary_s for p in pauses] == pytest.approx([16 * window, 24 * window])
    assert pauses[1].boundary_s == end.boundary_s and pauses[1].t_s < end.t_s
    assert pauses[0].t_s == pytest.approx(18 * window)  # two windows (64 ms) of silence
