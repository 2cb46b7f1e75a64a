"""Session format version 2: a microphone array's channels and the playback reference, on
real speech; version-1 sessions read as before; every mismatch is one clear error."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from ntt.cli import main
from ntt.errors import InputError
from ntt.io.session import SESSION_FILE, load_session, write_session

RATE = 16_000


@pytest.fixture(scope="module")
def two_voices(speech_clips) -> tuple[np.ndarray, np.ndarray]:
    """Two real read-speech clips cut to one length: a 'talker' and a 'device reply'."""
    a, b = speech_clips[0].audio, speech_clips[1].audio
    n = min(len(a), len(b))
    return a[:n], b[:n]


def _array(talker: np.ndarray, channels: int) -> np.ndarray:
    """The talker on ``channels`` microphones, each a little later and quieter (not a
    physical room, just distinct channels whose order must survive the round trip)."""
    cols = [np.roll(talker, 3 * k) * (0.9 ** k) for k in range(channels)]
    return np.stack(cols, axis=1).astype(np.float32)


def test_v2_round_trip_keeps_channels_order_and_playback(tmp_path, two_voices):
    talker, reply = two_voices
    mics = _array(talker, 4)
    path = write_session(tmp_path / "s", audio=mics, playback=reply * 0.5,
                         device="smart-display-8")
    meta = json.loads((path / SESSION_FILE).read_text())
    assert meta["version"] == 2 and meta["channels"] == 4 and meta["playback"] == "playback.wav"
    s = load_session(path)
    assert (s.version, s.channels) == (2, 4)
    got = s.audio_channels()
    assert got.shape == mics.shape and got.dtype == np.float32
    assert np.abs(got - mics).max() < 1e-4  # 16-bit PCM
    assert np.array_equal(s.audio(), got[:, 0])  # mono = the first microphone
    pb = s.playback()
    assert pb is not None and pb.shape == (len(talker),)
    assert np.abs(pb - reply * 0.5).max() < 1e-4


def test_mono_without_playback_stays_version_1(tmp_path, two_voices):
    talker, _ = two_voices
    path = write_session(tmp_path / "s", audio=talker)
    s = load_session(path)
    assert json.loads((path / SESSION_FILE).read_text())["version"] == 1
    assert (s.version, s.channels, s.playback()) == (1, 1, None)
    assert s.audio_channels().shape == (len(talker), 1)


def test_mono_with_playback_is_version_2(tmp_path, two_voices):
    talker, reply = two_voices
    s = load_session(write_session(tmp_path / "s", audio=talker, playback=reply))
    assert (s.version, s.channels) == (2, 1) and s.playback() is not None


def test_version_1_stereo_file_still_mixes_to_mono(make_session):
    """Version 1 says nothing about an array: any channel count is one microphone."""
    path = make_session(with_video=False)
    mono = load_session(path).audio()
    stereo = np.stack([mono, mono * 0.5], axis=1)
    sf.write(path / "audio.wav", stereo, RATE, subtype="PCM_16")
    s = load_session(path)
    assert s.channels == 1 and s.audio().ndim == 1
    assert np.abs(s.audio() - mono * 0.75).max() < 1e-3


def _v2(tmp_path, two_voices, channels=2, device="laptop-webcam", playback=True):
    talker, reply = two_voices
    return write_session(tmp_path / "s", audio=_array(talker, channels),
                         playback=reply if playback else None, device=device)


def _edit(path, **changes):
    meta = json.loads((path / SESSION_FILE).read_text())
    meta.update(changes)
    (path / SESSION_FILE).write_text(json.dumps(meta))


def test_channel_count_against_the_profile(tmp_path, two_voices):
    path = _v2(tmp_path, two_voices, channels=3, device="laptop-webcam")
    with pytest.raises(InputError) as err:
        load_session(path)
    text = str(err.value)
    assert "audio.wav" in text and "microphone.positions_mm" in text and "laptop-webcam" in text


def test_channels_field_must_match_the_file(tmp_path, two_voices):
    path = _v2(tmp_path, two_voices)
    _edit(path, channels=4)
    with pytest.raises(InputError, match="'channels' says 4"):
        load_session(path)


def test_playback_length_rate_and_channels(tmp_path, two_voices):
    path = _v2(tmp_path, two_voices)
    talker, reply = two_voices
    sf.write(path / "playback.wav", reply[:-160], RATE, subtype="PCM_16")
    with pytest.raises(InputError, match="playback.wav.*sample-aligned"):
        load_session(path)
    sf.write(path / "playback.wav", reply, 8_000, subtype="PCM_16")
    with pytest.raises(InputError, match="playback.wav.*'sample_rate'"):
        load_session(path)
    sf.write(path / "playback.wav", np.stack([reply, reply], 1), RATE, subtype="PCM_16")
    with pytest.raises(InputError, match="one channel"):
        load_session(path)
    (path / "playback.wav").unlink()
    with pytest.raises(InputError, match="playback.wav"):
        load_session(path)
    _edit(path, playback="../elsewhere.wav")
    with pytest.raises(InputError, match="'playback'"):
        load_session(path)


def test_unknown_version_is_refused(tmp_path, two_voices):
    path = _v2(tmp_path, two_voices)
    _edit(path, version=3)
    with pytest.raises(InputError, match="unsupported version 3"):
        load_session(path)


def test_bad_shapes_are_refused_on_write(tmp_path, two_voices):
    talker, reply = two_voices
    with pytest.raises(ValueError, match="playback"):
        write_session(tmp_path / "a", audio=talker, playback=reply[:-1])
    with pytest.raises(ValueError, match="audio"):
        write_session(tmp_path / "b", audio=np.zeros((10, 2, 2), np.float32))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_channel_mismatch_is_exit_2_with_one_line(tmp_path, two_voices, capsys):
    path = _v2(tmp_path, two_voices, channels=3)
    code = main(["run", str(path), "--asr", "none", "--no-video"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "Traceback" not in err[0]
    assert "channels" in err[0] and "audio.wav" in err[0]


def test_shipped_profiles_place_their_arrays_in_the_camera_frame():
    from ntt.calibration.profile import from_dict, load_profile

    counts = {"laptop-webcam": 2, "smart-display-8": 4, "smart-display-10": 6}
    for name, count in counts.items():
        p = load_profile(name)
        mic = p.microphone
        assert mic.is_array and mic.channels == count == len(mic.positions_mm)
        m = mic.positions_m()
        assert m.shape == (3, count)
        # Near the lens (within 10 cm), spread across x: the azimuth is observable.
        assert np.abs(m).max() < 0.1 and np.ptp(m[0]) > 0.05
        assert from_dict(p.to_dict(), "round trip").microphone == mic


def test_export_keeps_every_microphone_and_the_playback(tmp_path, two_voices, capsys):
    src = _v2(tmp_path, two_voices, channels=2)
    out = tmp_path / "exported"
    assert main(["export", str(src), str(out)]) == 0
    a, b = load_session(src), load_session(out)
    assert (b.version, b.channels) == (2, 2)
    assert np.array_equal(a.audio_channels(), b.audio_channels())
    assert np.array_equal(a.playback(), b.playback())
