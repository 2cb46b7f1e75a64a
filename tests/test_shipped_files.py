"""``ntt calibrate`` and ``ntt train --lexical`` never write over the files NTT ships (issue
23, requirement 5): with default arguments a calibration goes to the writable profile
directory (``$NTT_CALIBRATION_DIR``, set by conftest), a shipped profile named by its path
is refused unless ``--out`` says where, and the lexical model is rebuilt only into the
directory ``--out`` names. The shipped files' bytes are compared before and after."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import pytest
from conftest import SAMPLE

from ntt.cli import main
from ntt.paths import MODELS, SHIPPED_PROFILES

CAMERA_OFF = SAMPLE.parent / "camera-off"  # its device: laptop-webcam


def _digests(paths: list[Path]) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.fixture()
def shipped_profiles():
    files = sorted(SHIPPED_PROFILES.glob("*.toml"))
    before = _digests(files)
    yield
    assert _digests(files) == before


def _one_line(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    return err


def test_a_calibration_by_name_goes_to_the_profile_directory(shipped_profiles, tmp_path,
                                                             capsys, monkeypatch):
    """``ntt calibrate acoustic SESSION`` and ``nudge FEEDBACK`` with default arguments: the
    result is the writable copy of the session's profile, the shipped one is unchanged."""
    monkeypatch.setenv("NTT_CALIBRATION_DIR", str(tmp_path / "profiles"))
    mine = tmp_path / "profiles" / "laptop-webcam.toml"
    assert main(["calibrate", "acoustic", str(CAMERA_OFF)]) == 0
    assert str(mine) in capsys.readouterr().out
    acoustic = tomllib.loads(mine.read_text(encoding="utf-8"))["calibration"]["acoustic"]
    assert acoustic["inputs"] == ["camera-off"] and acoustic["speech_s"] > 1
    feedback = tmp_path / "feedback.jsonl"
    feedback.write_text('{"kind": "false_reject"}\n' * 3, encoding="utf-8")
    assert main(["calibrate", "nudge", str(feedback)]) == 0  # default profile laptop-webcam
    assert str(mine) in capsys.readouterr().out
    assert "household" in tomllib.loads(mine.read_text(encoding="utf-8"))["thresholds"]


def test_a_shipped_profile_by_path_is_refused_unless_out(shipped_profiles, tmp_path, capsys,
                                                         monkeypatch):
    monkeypatch.setenv("NTT_CALIBRATION_DIR", str(tmp_path / "profiles"))
    shipped = SHIPPED_PROFILES / "laptop-webcam.toml"
    feedback = tmp_path / "feedback.jsonl"
    feedback.write_text('{"kind": "false_accept"}\n', encoding="utf-8")
    err = _one_line(capsys, ["calibrate", "nudge", str(feedback), "--profile", str(shipped)])
    assert "a shipped profile is never written over" in err
    assert "--profile laptop-webcam" in err and "--out" in err
    out = tmp_path / "mine.toml"
    assert main(["calibrate", "nudge", str(feedback), "--profile", str(shipped),
                 "--out", str(out)]) == 0
    assert "household" in tomllib.loads(out.read_text(encoding="utf-8"))["thresholds"]


def test_train_lexical_needs_out_and_leaves_the_shipped_model(capsys):
    files = sorted(MODELS.glob("lexical*"))
    before = _digests(files)
    err = _one_line(capsys, ["train", "--lexical"])
    assert err.startswith("ntt train: error: ntt train --lexical: say where")
    assert f"--out {MODELS}" in err
    assert _digests(files) == before
