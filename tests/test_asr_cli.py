"""``ntt asr WAV``: JSON shape on real speech, format conversion, and bad input."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import soundfile as sf
import soxr

from ntt.asr.evaluation import spoken_stream, wer
from ntt.cli import main
from ntt.cues import SAMPLE_RATE_HZ
from ntt.io.audio_file import write_wav


@pytest.fixture(scope="module")
def stream(speech_clips):
    return spoken_stream(speech_clips[6:9], seed=7)


@pytest.fixture(scope="module")
def stereo_44k(stream, tmp_path_factory):
    """The stream as a 44.1 kHz stereo float WAV (left louder than right)."""
    path = tmp_path_factory.mktemp("asr") / "stereo.wav"
    audio = soxr.resample(stream.audio, SAMPLE_RATE_HZ, 44_100)
    sf.write(str(path), np.stack([audio * 0.9, audio * 0.6], axis=1), 44_100, subtype="FLOAT")
    return path


def run_json(capsys, *argv) -> dict:
    assert main(["asr", *map(str, argv), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_on_converted_real_speech(capsys, stereo_44k, stream):
    doc = run_json(capsys, stereo_44k)
    assert doc["backend"] == "pocketsphinx"
    segments = doc["segments"]
    assert len(segments) == len(stream.texts)
    for seg, (start, end) in zip(segments, stream.spans_s, strict=True):
        assert abs(seg["start"] - start) < 0.15 and abs(seg["end"] - end) < 0.15
        hyps = seg["hypotheses"]
        assert 1 <= len(hyps) <= 5
        assert set(hyps[0]) >= {"text", "confidence", "words"}
        assert 0 < hyps[0]["confidence"] <= 1
        for word in hyps[0]["words"]:
            assert set(word) == {"w", "start", "end", "conf"}
            assert seg["start"] - 0.25 <= word["start"] < word["end"] <= seg["end"] + 0.3
    # pocketsphinx is the weak default (about 20-40% WER here, worst on a session's first
    # utterance, before its cepstral mean has adapted): the words must still be mostly there.
    assert wer(list(stream.texts), [s["hypotheses"][0]["text"] for s in segments]) < 0.75


def test_nbest_option(capsys, stereo_44k):
    doc = run_json(capsys, stereo_44k, "--nbest", "1")
    assert all(len(s["hypotheses"]) == 1 for s in doc["segments"])


def test_text_output(capsys, stereo_44k):
    assert main(["asr", str(stereo_44k)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[-1].startswith("3 segments")


def test_silence_gives_no_segments(capsys, tmp_path):
    path = tmp_path / "silence.wav"
    write_wav(path, np.zeros(2 * SAMPLE_RATE_HZ, dtype=np.float32))
    assert run_json(capsys, path)["segments"] == []


def one_line_error(capsys, argv) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err
    return lines[0]


def test_truncated_wav(capsys, tmp_path, stream):
    path = tmp_path / "cut.wav"
    write_wav(path, stream.audio[:SAMPLE_RATE_HZ])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert "truncated" in one_line_error(capsys, ["asr", str(path), "--json"])


@pytest.mark.parametrize("name", ["notes.wav", "notes.flac", "notes.ogg"])
def test_non_audio_file(capsys, tmp_path, name):
    path = tmp_path / name
    path.write_text("these are not samples\n" * 50)
    line = one_line_error(capsys, ["asr", str(path), "--json"])
    assert name in line


def test_missing_file(capsys, tmp_path):
    assert "not found" in one_line_error(capsys, ["asr", str(tmp_path / "nope.wav")])


def test_missing_whisper_backend_says_how_to_install(capsys, monkeypatch, stereo_44k):
    monkeypatch.setitem(sys.modules, "faster_whisper", None)
    line = one_line_error(capsys, ["asr", str(stereo_44k), "--asr", "whisper", "--json"])
    assert "pip install -e '.[whisper]'" in line


def test_unknown_backend_is_a_usage_error(capsys, stereo_44k):
    assert main(["asr", str(stereo_44k), "--asr", "kaldi"]) == 2


def test_whisper_backend(capsys, stereo_44k, stream):
    pytest.importorskip("faster_whisper")
    doc = run_json(capsys, stereo_44k, "--asr", "whisper")
    assert doc["backend"] == "whisper"
    texts = [s["hypotheses"][0]["text"] for s in doc["segments"]]
    assert wer(list(stream.texts), texts) <= 0.2
