"""Fuzzing the session reader: whatever is in the files, the answer is a valid session or
one InputError — never another exception, never a hang."""

from __future__ import annotations

import json
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ntt.cli import main
from ntt.errors import InputError
from ntt.io.session import load_session

# Shapes the adversarial pass of issue 25 found: numbers too big for a float, names too
# long for the file system or holding NUL, paths out of the directory.
HOSTILE = (st.integers(min_value=2**60, max_value=10**400) | st.integers(max_value=-2**60,
                                                                      min_value=-10**400)
           | st.sampled_from(["x" * 256, "x" * 5000, "a\0b", "\0", "/etc/passwd", "..",
                              "../s/audio.wav", "", "sub/" * 300 + "a.wav"]))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats(allow_nan=True) |
    st.text(max_size=12) | HOSTILE,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10),
                                                                      children, max_size=5),
    max_leaves=12)
SESSION_KEYS = ("format", "version", "audio", "video", "device", "fps", "sample_rate",
                "participants", "notes", "scenario")
LABEL_KEYS = ("id", "start", "end", "speaker", "directed", "addressee", "text")
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture(scope="module")
def valid(tmp_path_factory, astronaut_bgr, speech_16k):
    """One valid session to mutate (built once; each example works on a copy)."""
    import cv2
    import numpy as np

    from ntt.io.session import Labels, Utterance, write_session
    from ntt.io.video_file import write_video

    root = tmp_path_factory.mktemp("fuzz")
    audio = np.concatenate([np.zeros(8000, np.float32), speech_16k])
    video = root / "src.mp4"
    write_video(video, [cv2.resize(astronaut_bgr, (64, 64))] * int(len(audio) / 16000 * 5 + 2),
                5.0)
    labels = Labels((Utterance("u1", 0.5, 0.5 + len(speech_16k) / 16000, "anna", True,
                               "device", "turn on the lights"),))
    return write_session(root / "valid", audio=audio, video_path=video, fps=5.0,
                         participants=("anna",), labels=labels)


def _copy(valid, tmp_path):
    target = tmp_path / "s"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(valid, target)
    return target


def _load_or_input_error(path):
    try:
        load_session(path)
    except InputError:
        pass


@FUZZ
@given(key=st.sampled_from(SESSION_KEYS), value=JSON_VALUES)
def test_mutated_session_json(valid, tmp_path, key, value):
    s = _copy(valid, tmp_path)
    meta = json.loads((s / "session.json").read_text())
    meta[key] = value
    (s / "session.json").write_text(json.dumps(meta))
    _load_or_input_error(s)


@FUZZ
@given(key=st.sampled_from(LABEL_KEYS), value=JSON_VALUES, drop=st.booleans())
def test_mutated_labels(valid, tmp_path, key, value, drop):
    s = _copy(valid, tmp_path)
    labels = json.loads((s / "labels.json").read_text())
    if drop:
        del labels["utterances"][0][key]
    else:
        labels["utterances"][0][key] = value
    (s / "labels.json").write_text(json.dumps(labels))
    _load_or_input_error(s)


@FUZZ
@given(doc=JSON_VALUES)
def test_random_json_documents(valid, tmp_path, doc):
    s = _copy(valid, tmp_path)
    (s / "session.json").write_text(json.dumps(doc))
    _load_or_input_error(s)
    s = _copy(valid, tmp_path)
    (s / "labels.json").write_text(json.dumps(doc))
    _load_or_input_error(s)


@FUZZ
@given(name=st.sampled_from(["audio.wav", "video.mp4", "session.json", "labels.json"]),
       cut=st.floats(0.0, 0.99), garbage=st.binary(max_size=64))
def test_truncated_and_garbage_files(valid, tmp_path, name, cut, garbage):
    s = _copy(valid, tmp_path)
    data = (s / name).read_bytes()
    (s / name).write_bytes(data[: int(len(data) * cut)] + garbage)
    _load_or_input_error(s)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(["run", "faces", "asr", "eval", "export", "calibrate"]),
       args=st.lists(st.sampled_from(["--json", "-1", "/nonexistent", "--asr", "bogus",
                                      "--duration", "nan", "--workers", "x", "%%"]),
                     max_size=4))
def test_command_line_never_tracebacks(command, args, capsys):
    args = [command, *args]
    try:
        code = main(args)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code in (0, 2)


@FUZZ
@given(name=st.sampled_from(["session.json", "labels.json"]),
       depth=st.sampled_from([2_000, 100_000]), brackets=st.sampled_from(["[]", "{}"]),
       digits=st.sampled_from([0, 400, 5_000]))
def test_deep_nesting_and_huge_numbers_as_raw_json(valid, tmp_path, name, depth, brackets,
                                                   digits):
    """JSON text no encoder writes: nesting far past the recursion limit, integers past
    Python's 4300-digit conversion limit."""
    s = _copy(valid, tmp_path)
    if digits:
        inner = "9" * digits
        text = (f'{{"format": "ntt-session", "version": 1, "audio": "audio.wav", "fps": '
                f'{inner}}}' if name == "session.json" else
                f'{{"utterances": [{{"id": "u", "start": {inner}, "end": 1}}]}}')
    else:
        opener = '{"a":' if brackets == "{}" else "["
        text = opener * depth + "1" + brackets[1] * depth
    (s / name).write_text(text)
    with pytest.raises(InputError):
        load_session(s)


@pytest.mark.parametrize("name", ["audio.wav", "video.mp4", "labels.json", "session.json"])
def test_a_symlink_loop_is_an_input_error(valid, tmp_path, name):
    s = _copy(valid, tmp_path)
    (s / name).unlink()
    (s / name).symlink_to(name)
    with pytest.raises(InputError, match="loop"):
        load_session(s)


@pytest.mark.parametrize("value", ["x" * 5000, "a\0b.wav", "d/" * 2100 + "a.wav"])
def test_long_and_nul_audio_names_are_one_line_from_the_cli(valid, tmp_path, capsys, value):
    s = _copy(valid, tmp_path)
    meta = json.loads((s / "session.json").read_text())
    meta["audio"] = value
    (s / "session.json").write_text(json.dumps(meta))
    assert main(["run", str(s), "--asr", "none"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'audio'" in err
