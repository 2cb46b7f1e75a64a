"""Device profiles: the shipped ones, validation with clear errors, the TOML writer,
comment-preserving atomic updates (issue 10, requirement 1)."""

from __future__ import annotations

import math
import re
import tomllib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ntt.calibration import toml_io
from ntt.calibration.profile import (
    PROFILE_DIR_ENV,
    AcousticLevels,
    from_dict,
    known_profiles,
    load_profile,
    profile_for_session,
    save_profile,
    shipped_profile_dir,
    update_profile,
)
from ntt.cli import main
from ntt.errors import InputError
from ntt.io.session import load_session
from ntt.vision.attending import angle_to_device_deg

SHIPPED = ("laptop-webcam", "smart-display-10", "smart-display-8")


def test_shipped_profiles_load_and_describe_their_devices():
    assert set(SHIPPED) <= set(known_profiles())
    diagonals = {}
    for name in SHIPPED:
        p = load_profile(name)
        assert p.name == name and p.source == shipped_profile_dir() / f"{name}.toml"
        w, h = p.screen.size_mm
        diagonals[name] = p.screen.diagonal_in
        # Every shipped camera sits centred above the screen's top edge.
        x, y, _ = p.camera.position_mm
        assert x == 0 and h / 2 < y < h / 2 + 30
        assert 0 < p.thresholds.directed < 1
        assert p.notes or name == "laptop-webcam"  # the assumed numbers are documented
    assert diagonals["smart-display-10"] == pytest.approx(10.1, abs=0.1)
    assert diagonals["smart-display-8"] == pytest.approx(8.0, abs=0.1)
    assert diagonals["laptop-webcam"] == pytest.approx(14.0, abs=0.1)


@pytest.mark.parametrize("name", SHIPPED)
def test_camera_geometry_places_the_screen_below_the_lens(name):
    p = load_profile(name)
    geometry = p.camera_geometry(1280, 720)
    assert geometry.screen_center_m == pytest.approx((0.0, p.camera.position_mm[1] / 1000, 0))
    assert geometry.screen_size_m == pytest.approx(tuple(s / 1000 for s in p.screen.size_mm))
    k = geometry.camera_matrix(1280, 720)
    assert 2 * math.degrees(math.atan(640 / k[0, 0])) == pytest.approx(p.camera.hfov_deg)
    # Someone 1 m in front of the screen centre looking at it is looking at the device;
    # looking 30° above the lens is not.
    eyes = np.array([0.0, p.camera.position_mm[1] / 1000, 1.0])
    assert angle_to_device_deg(eyes, np.array([0.0, 0.0, -1.0]), geometry) < 0.01
    up = np.array([0.0, -math.sin(math.radians(30)), -math.cos(math.radians(30))])
    assert angle_to_device_deg(np.array([0.0, 0.0, 1.0]), up, geometry) > 20


def test_shipped_profiles_round_trip_byte_for_byte():
    for name in SHIPPED:
        path = shipped_profile_dir() / f"{name}.toml"
        data, comments = toml_io.load(path)
        assert toml_io.dumps(data, comments) == path.read_text(encoding="utf-8")
        assert from_dict(load_profile(name).to_dict(), "x") == load_profile(name)


def _write(tmp_path, text: str):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


BASE = (shipped_profile_dir() / "laptop-webcam.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("old,new,field", [
    ("hfov_deg = 65.0", "hfov_deg = \"wide\"", "camera.hfov_deg"),
    ("hfov_deg = 65.0", "hfov_deg = 650.0", "camera.hfov_deg"),
    ("hfov_deg = 65.0", "", "camera.hfov_deg"),
    ("hfov_deg = 65.0", "hfov_deg = 65.0\nhfov = 60.0", "camera.hfov"),
    ("resolution_wh = [1280, 720]", "resolution_wh = [1280]", "camera.resolution_wh"),
    ("resolution_wh = [1280, 720]", "resolution_wh = [1280.5, 720]", "camera.resolution_wh"),
    ("position_mm = [0.0, 100.0, 0.0]", "position_mm = [0.0, 0.1, 0.0, 1.0]",
     "camera.position_mm"),
    ("size_mm = [310.0, 174.0]", "size_mm = [0.31, 0.174]", "screen.size_mm"),
    ("directed = 0.5", "directed = 1.5", "thresholds.directed"),
    ("directed = 0.5", "directed = 0.5\nhousehold = 0.9", "thresholds.household"),
    ("channels = 2", "channels = true", "microphone.channels"),
    ("channels = 2", "channels = 3", "microphone.channels"),  # vs positions_mm
    ("[[-35.0, 0.0, 0.0], [35.0", "[[-35.0, 0.0], [35.0", "microphone.positions_mm[0]"),
    ("[[-35.0, 0.0, 0.0], [35.0", "[[35.0, 0.0, 0.0], [35.0", "microphone.positions_mm"),
    ("positions_mm = [[-35.0, 0.0, 0.0], [35.0, 0.0, 0.0]]", "positions_mm = []",
     "microphone.positions_mm"),
    ('name = "laptop-webcam"', 'name = "my laptop!"', "name"),
    ('name = "laptop-webcam"', "", "name"),
])
def test_bad_fields_are_named_with_the_file(tmp_path, old, new, field):
    assert old in BASE
    path = _write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(InputError) as err:
        load_profile(path)
    assert err.value.where == str(path)
    assert f"'{field}'" in err.value.problem


def test_focal_length_needs_the_frame_size_it_holds_for(tmp_path):
    path = _write(tmp_path, BASE.replace("hfov_deg = 65.0", "focal_px = [900.0, 900.0]"))
    with pytest.raises(InputError, match="calibrated_size_wh"):
        load_profile(path)
    ok = _write(tmp_path, BASE.replace(
        "hfov_deg = 65.0", "focal_px = [900.0, 900.0]\ncalibrated_size_wh = [1280, 720]"))
    p = load_profile(ok)  # the field of view follows from the calibration
    assert p.camera.hfov_deg == pytest.approx(2 * math.degrees(math.atan(640 / 900)))
    assert p.camera_geometry(640, 360).camera_matrix(640, 360)[0, 0] == pytest.approx(450)


def test_syntax_errors_and_unknown_names_are_user_errors(tmp_path, capsys):
    path = _write(tmp_path, "name = \n")
    with pytest.raises(InputError, match="invalid TOML"):
        load_profile(path)
    with pytest.raises(InputError, match="laptop-webcam"):  # lists the known profiles
        load_profile("no-such-device")
    feedback = tmp_path / "f.jsonl"
    feedback.write_text('{"kind": "false_reject"}\n')
    rc = main(["calibrate", "nudge", str(feedback), "--profile", str(path)])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1


def test_session_device_may_be_an_inline_profile(make_session):
    import json

    root = make_session()
    session_json = root / "session.json"
    meta = json.loads(session_json.read_text())
    inline = tomllib.loads(BASE)
    inline["name"] = "kiosk"
    inline["camera"]["hfov_deg"] = 90.0
    meta["device"] = inline
    session_json.write_text(json.dumps(meta))
    p = profile_for_session(load_session(root))
    assert p.name == "kiosk" and p.camera.hfov_deg == 90.0
    inline["camera"]["hfov_deg"] = -5
    session_json.write_text(json.dumps(meta))
    with pytest.raises(InputError) as err:
        profile_for_session(load_session(root))
    assert "session.json: device" in str(err.value) and "camera.hfov_deg" in str(err.value)


def test_update_keeps_comments_and_never_leaves_half_a_file(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(BASE, encoding="utf-8")
    p = update_profile(path, {"thresholds": {"directed": 0.42},
                              "calibration": {"threshold": {"sessions": 3}}})
    text = path.read_text(encoding="utf-8")
    assert p.thresholds.directed == 0.42 and "directed = 0.42" in text
    assert "# Nominal horizontal field of view, degrees" in text
    assert text.startswith("# NTT device profile")
    assert load_profile(path).calibration == {"threshold": {"sessions": 3}}
    # An invalid change is refused before anything is written.
    with pytest.raises(InputError, match="thresholds.directed"):
        update_profile(path, {"thresholds": {"directed": 7.0}})
    assert path.read_text(encoding="utf-8") == text
    assert [f.name for f in tmp_path.iterdir()] == ["p.toml"]
    # A None deletes a key; --out leaves the source alone.
    out = tmp_path / "copy.toml"
    update_profile(path, {"thresholds": {"early": None}}, out=out)
    assert load_profile(out).thresholds.early == 0.42  # defaults to `directed`
    assert path.read_text(encoding="utf-8") == text


def test_calibrating_a_shipped_profile_writes_an_override_not_the_package(tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv(PROFILE_DIR_ENV, str(tmp_path / "profiles"))
    shipped = shipped_profile_dir() / "smart-display-8.toml"
    before = shipped.read_text(encoding="utf-8")
    p = update_profile("smart-display-8", {"thresholds": {"directed": 0.37}})
    written = tmp_path / "profiles" / "smart-display-8.toml"
    assert p.source == written and written.is_file()
    assert shipped.read_text(encoding="utf-8") == before  # package data is never written
    # From now on the name means the calibrated copy; its comments came along.
    again = load_profile("smart-display-8")
    assert again.source == written and again.thresholds.directed == 0.37
    assert written.read_text(encoding="utf-8").startswith("# ")
    # A second calibration updates the copy; the other shipped profiles are unaffected.
    update_profile("smart-display-8", {"thresholds": {"early": 0.3}})
    again = load_profile("smart-display-8")
    assert (again.thresholds.directed, again.thresholds.early) == (0.37, 0.3)
    assert load_profile("laptop-webcam").source == shipped_profile_dir() / "laptop-webcam.toml"
    assert set(SHIPPED) <= set(known_profiles())
    # A profile only the user has is found by name too.
    (tmp_path / "profiles" / "kiosk.toml").write_text(
        BASE.replace('name = "laptop-webcam"', 'name = "kiosk"'), encoding="utf-8")
    assert "kiosk" in known_profiles() and load_profile("kiosk").name == "kiosk"


def test_save_profile_writes_a_loadable_file(tmp_path):
    p = load_profile("smart-display-8")
    dest = save_profile(p, tmp_path / "sd8.toml")
    assert load_profile(dest) == p


def test_acoustic_levels_normalise_between_floor_and_speech():
    levels = AcousticLevels(noise_floor_dbfs=-60.0, speech_level_dbfs=-30.0)
    assert levels.normalise(-60.0) == 0.0 and levels.normalise(-30.0) == 1.0
    assert levels.level_re_speech_db(-24.0) == 6.0 and levels.snr_db(-30.0) == 30.0
    quiet_only = AcousticLevels(noise_floor_dbfs=-60.0)
    assert quiet_only.normalise(-35.0) == 1.0  # the default 25 dB speech SNR


_scalar = st.one_of(
    st.booleans(), st.integers(-2 ** 63, 2 ** 63 - 1),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30))
_value = st.one_of(_scalar, st.lists(st.floats(allow_nan=False, allow_infinity=False),
                                     max_size=4),
                   st.lists(st.lists(st.integers(-5, 5), max_size=3), max_size=3))
_key = st.text(min_size=1, max_size=12)
_doc = st.recursive(st.dictionaries(_key, _value, max_size=5),
                    lambda inner: st.dictionaries(_key, st.one_of(_value, inner), max_size=4),
                    max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(_doc)
def test_toml_writer_round_trips_through_tomllib(doc):
    assert tomllib.loads(toml_io.dumps(doc)) == doc


def test_comments_stay_with_their_keys():
    text = ('# header\n\n# about a\na = 1\n[t]\n# about b\nb = """\n# not a comment\n"""\n'
            "# about c\nc = 2\n")
    comments = toml_io.read_comments(text)
    assert comments == {"": ["header"], "a": ["about a"], "t.b": ["about b"],
                        "t.c": ["about c"]}
    out = toml_io.dumps(tomllib.loads(text), comments)
    assert tomllib.loads(out) == tomllib.loads(text)
    assert re.search(r"# about b\nb = ", out) and re.search(r"# about c\nc = 2", out)
