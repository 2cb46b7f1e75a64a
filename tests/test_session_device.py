"""A session's ``device``: a profile name (the profile directories), an inline profile, or
a ``.toml`` file inside the session directory — never any other file on the machine."""

from __future__ import annotations

import json
import shutil

import pytest

from ntt.calibration.profile import profile_for_session
from ntt.cli import main
from ntt.errors import InputError
from ntt.io.session import load_session
from ntt.paths import SHIPPED_PROFILES


def _set_device(session, device):
    meta = json.loads((session / "session.json").read_text())
    meta["device"] = device
    (session / "session.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("device", ["/etc/passwd", "../outside.toml", "sub/../../outside.toml",
                                    str(SHIPPED_PROFILES / "laptop-webcam.toml")])
def test_a_device_file_outside_the_session_is_refused(make_session, device):
    session = make_session(with_video=False)
    shutil.copy(SHIPPED_PROFILES / "laptop-webcam.toml", session.parent / "outside.toml")
    _set_device(session, device)
    with pytest.raises(InputError, match="'device' must name a file inside the session"):
        load_session(session)


def test_a_run_with_etc_passwd_as_device_is_one_line(make_session, capsys):
    session = make_session(with_video=False)
    _set_device(session, "/etc/passwd")
    assert main(["run", str(session), "--asr", "none"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "device" in err and "root:" not in err


def test_a_profile_file_inside_the_session_is_found_from_anywhere(make_session, tmp_path,
                                                                  monkeypatch):
    session = make_session(with_video=False)
    text = (SHIPPED_PROFILES / "laptop-webcam.toml").read_text()
    (session / "profiles").mkdir()
    (session / "profiles" / "mine.toml").write_text(text.replace(
        'name = "laptop-webcam"', 'name = "my-device"', 1))
    _set_device(session, "profiles/mine.toml")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # relative to the session, not to the working directory
    loaded = load_session(session)
    assert loaded.device == "profiles/mine.toml"  # as written: an export copies it as is
    assert profile_for_session(loaded).name == "my-device"


def test_names_and_inline_profiles_still_load(make_session):
    session = make_session(with_video=False)
    _set_device(session, "smart-display-8")
    assert profile_for_session(load_session(session)).name == "smart-display-8"
