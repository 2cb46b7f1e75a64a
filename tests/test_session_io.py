"""The session format: valid sessions load, every kind of damage is one clear error."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import soundfile as sf

from ntt.cli import main
from ntt.errors import InputError
from ntt.io.audio_file import read_audio
from ntt.io.session import load_session, write_session


def test_valid_session_loads(make_session):
    s = load_session(make_session())
    assert s.video is not None and s.video.frame_count > 0
    assert s.fps == 10.0 and s.participants == ("anna",)
    assert s.labels is not None and s.labels.utterances[0].directed
    audio = s.audio()
    assert audio.dtype == np.float32 and abs(len(audio) / 16_000 - s.duration_s) < 1e-3


def test_round_trip_keeps_labels(make_session, tmp_path):
    s = load_session(make_session())
    copy = write_session(tmp_path / "copy", audio=s.audio(), labels=s.labels,
                         participants=s.participants)
    again = load_session(copy)
    assert again.labels == s.labels and again.video_path is None


def test_any_rate_and_channels_become_16k_mono(tmp_path, speech_16k):
    import soxr

    stereo = np.stack([speech_16k, speech_16k * 0.5], axis=1)
    stereo_44k = soxr.resample(stereo, 16_000, 44_100)
    path = tmp_path / "stereo.wav"
    sf.write(path, stereo_44k, 44_100)
    mono = read_audio(path)
    assert mono.ndim == 1 and abs(len(mono) - len(speech_16k)) < 50
    # Same content: the mono mix correlates with the original speech.
    n = min(len(mono), len(speech_16k))
    corr = np.corrcoef(mono[:n], speech_16k[:n])[0, 1]
    assert corr > 0.95


def _edit_json(path, edit):
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def _truncate(path, keep_fraction=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep_fraction)])


CASES = {
    "missing session.json": (lambda d: (d / "session.json").unlink(), "session.json"),
    "bad JSON": (lambda d: (d / "session.json").write_text("{\"format\": "), "invalid JSON"),
    "not an object": (lambda d: (d / "session.json").write_text("[1, 2]"), "JSON object"),
    "wrong format": (lambda d: _edit_json(d / "session.json",
                                          lambda j: j.update(format="other")), "format"),
    "version as string": (lambda d: _edit_json(d / "session.json",
                                               lambda j: j.update(version="1")), "'version'"),
    "fps as string": (lambda d: _edit_json(d / "session.json",
                                           lambda j: j.update(fps="10")), "'fps'"),
    "participants wrong": (lambda d: _edit_json(d / "session.json",
                                                lambda j: j.update(participants=[3])),
                           "participants"),
    "missing audio": (lambda d: (d / "audio.wav").unlink(), "audio file not found"),
    "truncated wav": (lambda d: _truncate(d / "audio.wav"), "truncated WAV"),
    "garbage wav": (lambda d: (d / "audio.wav").write_bytes(b"not audio at all" * 100),
                    "not a WAV"),
    "sample rate mismatch": (lambda d: _edit_json(d / "session.json",
                                                  lambda j: j.update(sample_rate=44100)),
                             "sample_rate"),
    "missing video": (lambda d: (d / "video.mp4").unlink(), "video file not found"),
    "undecodable video": (lambda d: (d / "video.mp4").write_bytes(b"\x00garbage" * 500),
                          "not a decodable video"),
    "truncated video": (lambda d: _truncate(d / "video.mp4", 0.3), "video"),
    "bad labels JSON": (lambda d: (d / "labels.json").write_text("{oops"), "invalid JSON"),
    "label after audio": (lambda d: _edit_json(d / "labels.json", lambda j: j["utterances"][0]
                                               .update(end=99.0)), "after the audio"),
    "label end before start": (lambda d: _edit_json(d / "labels.json", lambda j: j[
        "utterances"][0].update(start=2.0, end=1.0)), "start < end"),
    "directed not bool": (lambda d: _edit_json(d / "labels.json", lambda j: j["utterances"][0]
                                               .update(directed="yes")), "'directed'"),
    "duplicate ids": (lambda d: _edit_json(d / "labels.json", lambda j: j["utterances"].append(
        dict(j["utterances"][0]))), "duplicate id"),
    "unknown speaker": (lambda d: _edit_json(d / "labels.json", lambda j: j["utterances"][0]
                                             .update(speaker="zed")), "not a participant"),
    "addressee contradicts": (lambda d: _edit_json(d / "labels.json", lambda j: j[
        "utterances"][0].update(addressee="none")), "contradicts"),
    "audio outside dir": (lambda d: _edit_json(d / "session.json",
                                               lambda j: j.update(audio="../x.wav")),
                          "inside the session"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_damage_is_one_clear_error(make_session, case):
    damage, expected = CASES[case]
    path = make_session()
    damage(path)
    with pytest.raises(InputError) as err:
        load_session(path)
    assert expected in str(err.value)


@pytest.mark.parametrize("case", ["bad JSON", "truncated wav", "undecodable video",
                                  "duplicate ids", "label after audio"])
def test_cli_exits_2_with_one_line(make_session, case, capsys):
    damage, expected = CASES[case]
    path = make_session()
    damage(path)
    code = main(["run", str(path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and expected in err[0] and "Traceback" not in err[0]


def test_video_shorter_than_audio(make_session):
    path = make_session(video_s=0.5)
    with pytest.raises(InputError, match="shorter than the audio"):
        load_session(path)


def test_missing_directory(tmp_path):
    with pytest.raises(InputError, match="not found"):
        load_session(tmp_path / "nope")


def test_interrupted_write_leaves_nothing(tmp_path, speech_16k, make_session, monkeypatch):
    import ntt.io.session as session_module

    labels = load_session(make_session("src")).labels
    out = tmp_path / "out"
    out.mkdir()

    def boom(_labels):
        raise RuntimeError("disk full")

    monkeypatch.setattr(session_module, "labels_to_json", boom)
    with pytest.raises(RuntimeError):
        write_session(out / "s", audio=speech_16k, labels=labels)
    assert list(out.iterdir()) == []


def test_audio_only_session(make_session):
    s = load_session(make_session(with_video=False))
    assert s.video_path is None and s.video is None


def test_copy_of_session_is_independent(make_session, tmp_path):
    src = make_session()
    dst = tmp_path / "copy"
    shutil.copytree(src, dst)
    assert load_session(dst).duration_s == load_session(src).duration_s
