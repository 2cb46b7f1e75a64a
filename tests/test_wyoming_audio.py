"""Wyoming PCM → the pipeline's audio: real speech converted by sox, decoded by NTT, compared
with the 16 kHz original; and the one-trigger-per-utterance rule."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
import soundfile as sf
from conftest import REPO

from ntt.cues import Decision
from ntt.wyoming.audio import ChunkClock, PcmDecoder, to_pcm16
from ntt.wyoming.directed import DirectedOnsets

# A mono 16 kHz recording (the bundled samples are microphone arrays): the version-1 fixture.
MONO = REPO / "tests" / "data" / "session_v1" / "audio.wav"


def _original() -> np.ndarray:
    audio, rate = sf.read(str(MONO), dtype="float32")
    assert rate == 16_000 and audio.ndim == 1
    return audio[: 5 * rate]


def _sox_raw(rate: int, width: int, channels: int) -> bytes:
    return subprocess.run(
        ["sox", str(MONO), "-t", "raw", "-r", str(rate), "-b", str(8 * width),
         "-c", str(channels), "-e", "signed-integer", "-L", "-", "trim", "0", "5"],
        capture_output=True, check=True).stdout


def _decode_in_pieces(decoder: PcmDecoder, data: bytes, piece: int = 1001) -> np.ndarray:
    # Odd-sized pieces: frames split across chunks must come out whole.
    parts = [decoder.decode(data[i:i + piece]) for i in range(0, len(data), piece)]
    return np.concatenate(parts + [decoder.flush()])


@pytest.mark.parametrize("rate,width,channels", [(16_000, 2, 1), (48_000, 2, 2),
                                                 (44_100, 3, 2), (22_050, 4, 1),
                                                 (8_000, 1, 1)])
def test_any_format_decodes_to_the_16k_mono_speech(rate, width, channels):
    original = _original()
    decoded = _decode_in_pieces(PcmDecoder(rate, width, channels), _sox_raw(rate, width,
                                                                             channels))
    assert abs(len(decoded) - len(original)) <= 16  # the resampler's edges
    n = min(len(decoded), len(original))
    error = decoded[:n] - original[:n]
    snr_db = 10 * np.log10(np.sum(original[:n] ** 2) / (np.sum(error ** 2) + 1e-12))
    # 8 kHz 8-bit keeps only telephone speech; everything else is near transparent.
    assert snr_db > (8 if rate == 8_000 else 35), snr_db


def test_16_bit_at_16k_is_exact_and_chunks_are_the_pipelines():
    original = _original()
    decoded = _decode_in_pieces(PcmDecoder(16_000, 2, 1), to_pcm16(original))
    assert np.max(np.abs(decoded - original)) < 1 / 32767
    clock = ChunkClock()
    chunks = clock.push(decoded[:1000]) + clock.push(decoded[1000:]) + clock.flush()
    assert [c.t_s for c in chunks[:3]] == [0.0, 0.032, 0.064]
    assert {len(c.samples) for c in chunks[:-1]} == {512}
    assert np.array_equal(np.concatenate([c.samples for c in chunks]), decoded)


@pytest.mark.parametrize("rate,width,channels", [(0, 2, 1), (16_000, 5, 1), (16_000, 2, 0),
                                                 (16.5, 2, 1), (10**7, 2, 1)])
def test_a_format_no_pcm_has_is_refused(rate, width, channels):
    with pytest.raises(ValueError):
        PcmDecoder(rate, width, channels)


def _decision(kind, start_s, directed, t_s=None):
    return Decision(t_s=t_s or start_s + 0.1, kind=kind, start_s=start_s,
                    end_s=start_s + 0.1, speaker_track=None, p_directed=0.6 if directed
                    else 0.4, directed=directed)


def test_one_trigger_per_utterance_at_its_first_directed_decision():
    onsets = DirectedOnsets()
    pushed = [
        _decision("early", 1.0, True), _decision("final", 1.0, True),     # early fires
        _decision("early", 3.0, False), _decision("final", 3.0, True),    # final fires
        _decision("early", 5.0, True), _decision("final", 5.0, False),    # early fired
        _decision("early", 7.0, False), _decision("final", 7.0, False),   # side talk
    ]
    fired = [(d.kind, d.start_s) for d in pushed if onsets.push(d) is not None]
    assert fired == [("early", 1.0), ("final", 3.0), ("early", 5.0)]
