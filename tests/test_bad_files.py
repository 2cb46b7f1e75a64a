"""Files a user hands NTT that are not what they claim — a model of random bytes or with a
bad sidecar, a home file that is not UTF-8 or not YAML, JSON or TOML nested thousands deep,
a video without its index — are one line and exit 2, never a traceback (issue 25, item 7)."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from conftest import SAMPLE

from ntt.cli import main
from ntt.errors import InputError
from ntt.fusion.runtime import DEFAULT_MODEL, FusionModel


def _cli(argv, capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    return code, err


@pytest.fixture()
def model(tmp_path):
    """A copy of the shipped model (weights and sidecar) to damage."""
    shutil.copy(DEFAULT_MODEL, tmp_path / "m.npz")
    shutil.copy(DEFAULT_MODEL.with_suffix(".json"), tmp_path / "m.json")
    return tmp_path / "m.npz"


def _sidecar(model, change):
    meta = json.loads(model.with_suffix(".json").read_text())
    change(meta)
    model.with_suffix(".json").write_text(json.dumps(meta))


DAMAGE = {
    "random bytes": lambda m: m.write_bytes(os.urandom(4096)),
    "empty": lambda m: m.write_bytes(b""),
    "a zip of nothing": lambda m: shutil.copy(SAMPLE / "session.json", m),
    "sidecar not JSON": lambda m: m.with_suffix(".json").write_text("{nope"),
    "sidecar a list": lambda m: m.with_suffix(".json").write_text("[1, 2]"),
    "sidecar not UTF-8": lambda m: m.with_suffix(".json").write_bytes(b'{"a": "\xff"}'),
    "sidecar nested deep": lambda m: m.with_suffix(".json").write_text("[" * 100_000),
    "temperature 0": lambda m: _sidecar(m, lambda d: d["calibration"].update(temperature=0)),
    "temperature nan": lambda m: _sidecar(m, lambda d: d["calibration"].update(
        temperature=float("nan"))),
    "threshold 2": lambda m: _sidecar(m, lambda d: d["calibration"].update(threshold=2)),
    "calibration a list": lambda m: _sidecar(m, lambda d: d.update(calibration=[1])),
    "members huge": lambda m: _sidecar(m, lambda d: d.update(members=10**400)),
    "hidden a string": lambda m: _sidecar(m, lambda d: d.update(hidden="32")),
}


@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_a_damaged_model_is_one_input_error(model, damage):
    DAMAGE[damage](model)
    with pytest.raises(InputError) as exc:
        FusionModel.load(model)
    assert "\n" not in str(exc.value)


def test_the_shipped_model_still_loads():
    model = FusionModel.load(DEFAULT_MODEL)
    assert model.calibration.temperature > 0 and 0 <= model.calibration.threshold <= 1


def test_eval_with_a_random_bytes_model_is_one_line(model, tmp_path, capsys):
    DAMAGE["random bytes"](model)
    code, err = _cli(["eval", str(SAMPLE), "--model", str(model), "--cache",
                      str(tmp_path / "c")], capsys)
    assert code == 2 and len(err.splitlines()) == 1 and str(model) in err


@pytest.mark.parametrize("content", [b"areas: [\xff\xfe]\n", b"areas: [a, b\nentities: {\n",
                                     b"[" * 50_000])
def test_a_bad_home_file_is_one_line(tmp_path, content):
    """What ``ntt text --home`` reads (ntt.datafile): one line, YAML's four folded into it."""
    from ntt.language.intents import Home

    home = tmp_path / "home.yaml"
    home.write_bytes(content)
    with pytest.raises(InputError) as exc:
        Home.load(home)
    assert "\n" not in str(exc.value) and str(home) in str(exc.value)


@pytest.mark.parametrize("content", [b'{"a": "\xff"}\n', b"[" * 50_000 + b"\n",
                                     b'{"n": ' + b"9" * 5000 + b"}\n"])
def test_a_bad_nudge_file_is_one_line(tmp_path, capsys, content):
    feedback = tmp_path / "feedback.jsonl"
    feedback.write_bytes(content)
    code, err = _cli(["calibrate", "nudge", str(feedback), "--dry-run"], capsys)
    assert code == 2 and len(err.splitlines()) == 1 and str(feedback) in err


@pytest.mark.parametrize("content", [b"[" * 50_000 + b"\n", b'"\xff"\n'])
def test_a_bad_manifest_is_one_line(tmp_path, capsys, content):
    manifest = tmp_path / "sessions.jsonl"
    manifest.write_bytes(content)
    code, err = _cli(["eval", str(manifest), "--cache", str(tmp_path / "c")], capsys)
    assert code == 2 and len(err.splitlines()) == 1 and str(manifest) in err


def test_a_deeply_nested_profile_is_one_line(tmp_path, capsys):
    profile = tmp_path / "deep.toml"
    profile.write_text("a = " + "[" * 50_000 + "\n")
    feedback = tmp_path / "feedback.jsonl"
    feedback.write_text("")
    code, err = _cli(["calibrate", "nudge", str(feedback), "--profile", str(profile),
                      "--dry-run"], capsys)
    assert code == 2 and len(err.splitlines()) == 1 and str(profile) in err


def test_a_video_without_its_index_is_ntts_line_only(make_session):
    """FFmpeg's own 'moov atom not found' is not printed before NTT's line."""
    import subprocess
    import sys
    from pathlib import Path

    session = make_session()
    video = session / "video.mp4"
    video.write_bytes(video.read_bytes()[:2000])  # the index (moov) is at the end
    run = subprocess.run([str(Path(sys.executable).parent / "ntt"), "run", str(session),
                          "--asr", "none"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ntt run: error:") and "video" in lines[0]
