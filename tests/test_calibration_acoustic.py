"""Acoustic calibration (issue 10, requirement 4): noise floor and speech level from real
speech (espeak-ng) in noise of known level, found by the real silero-vad."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ntt.calibration import acoustic as ac
from ntt.calibration.profile import load_profile, shipped_profile_dir
from ntt.cli import main
from ntt.cues import SAMPLE_RATE_HZ
from ntt.io.audio_file import write_wav

NOISE_DBFS = -55.0


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    from ntt.tts import synthesize

    return synthesize("Turn on the kitchen lights please. What is the weather tomorrow?")


@pytest.fixture(scope="module")
def vad():
    from ntt.audio.vad import SileroVad, load_silero_model

    return SileroVad(load_silero_model())


def _room(speech: np.ndarray, gain_db: float, noise_dbfs: float, seed: int = 0):
    """Speech twice between silences, white noise of exactly ``noise_dbfs`` under it."""
    gap = np.zeros(2 * SAMPLE_RATE_HZ, np.float32)
    clean = np.concatenate([gap, speech, gap, speech, gap]) * ac.db_to_gain(gain_db)
    rng = np.random.default_rng(seed)
    noise = rng.normal(0, ac.db_to_gain(noise_dbfs), len(clean)).astype(np.float32)
    return (clean + noise).astype(np.float32), clean


def _reference_speech_level(clean: np.ndarray) -> float:
    """Active level of the clean speech: the power of its windows within 40 dB of its
    loudest (independent of the VAD)."""
    power = ac.window_power(clean)
    level = 10 * np.log10(power + 1e-20)
    return float(10 * np.log10(power[level > level.max() - 40].mean()))


@pytest.mark.parametrize("gain_db", [0.0, -12.0])
def test_floor_and_speech_level_match_the_truth(speech, vad, gain_db):
    audio, clean = _room(speech, gain_db, NOISE_DBFS)
    m = ac.measure_recording(audio, vad)
    assert m.noise_floor_dbfs == pytest.approx(NOISE_DBFS, abs=0.5)
    assert m.speech_level_dbfs == pytest.approx(_reference_speech_level(clean), abs=1.5)
    assert m.speech_s == pytest.approx(2 * len(speech) / SAMPLE_RATE_HZ, rel=0.35)
    assert not m.noise_from_percentile


def test_levels_follow_the_gain(speech, vad):
    loud = ac.measure_recording(_room(speech, 0.0, NOISE_DBFS)[0], vad)
    soft = ac.measure_recording(_room(speech, -10.0, NOISE_DBFS)[0], vad)
    assert loud.speech_level_dbfs - soft.speech_level_dbfs == pytest.approx(10.0, abs=1.0)
    assert loud.noise_floor_dbfs == pytest.approx(soft.noise_floor_dbfs, abs=0.3)
    # Normalised: the same utterance level reads 1.0 in its own room.
    assert loud.levels().normalise(loud.speech_level_dbfs) == pytest.approx(1.0)


def test_noise_only_has_no_speech_level(vad):
    rng = np.random.default_rng(1)
    noise = rng.normal(0, ac.db_to_gain(-40.0), 5 * SAMPLE_RATE_HZ).astype(np.float32)
    m = ac.measure_recording(noise, vad)
    assert m.speech_level_dbfs is None
    assert m.noise_floor_dbfs == pytest.approx(-40.0, abs=0.5)


def test_cli_writes_the_room_into_the_profile(tmp_path, speech, capsys):
    audio, _ = _room(speech, -6.0, NOISE_DBFS)
    wav = tmp_path / "room.wav"
    write_wav(wav, audio, SAMPLE_RATE_HZ)
    profile = tmp_path / "p.toml"
    profile.write_text((shipped_profile_dir() / "smart-display-8.toml").read_text())
    assert main(["calibrate", "acoustic", str(wav), "--profile", str(profile),
                 "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)["acoustic"]
    p = load_profile(profile)
    assert p.acoustic.noise_floor_dbfs == pytest.approx(doc["noise_floor_dbfs"], abs=0.01)
    assert p.acoustic.speech_level_dbfs == pytest.approx(doc["speech_level_dbfs"], abs=0.01)
    assert p.acoustic.noise_floor_dbfs == pytest.approx(NOISE_DBFS, abs=0.5)
    assert p.calibration["acoustic"]["inputs"] == ["room.wav"]
    # A session names its device; --dry-run writes nothing.
    before = profile.read_text()
    assert main(["calibrate", "acoustic", str(wav), "--profile", str(profile),
                 "--dry-run"]) == 0
    assert "nothing written" in capsys.readouterr().out
    assert profile.read_text() == before


def test_cli_reads_a_session(make_session, tmp_path, capsys):
    root = make_session()
    profile = tmp_path / "p.toml"
    profile.write_text((shipped_profile_dir() / "laptop-webcam.toml").read_text())
    assert main(["calibrate", "acoustic", str(root), "--profile", str(profile)]) == 0
    p = load_profile(profile)
    # The fixture's session is digital silence around clean speech.
    assert p.acoustic.noise_floor_dbfs <= -90
    assert -40 < p.acoustic.speech_level_dbfs < -3


def test_bad_audio_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF0000WAVEjunk")
    assert main(["calibrate", "acoustic", str(bad), "--profile", "laptop-webcam",
                 "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad.wav" in err
    # No profile named and none in the inputs: say so.
    wav = tmp_path / "ok.wav"
    write_wav(wav, np.zeros(SAMPLE_RATE_HZ, np.float32), SAMPLE_RATE_HZ)
    assert main(["calibrate", "acoustic", str(wav)]) == 2
    assert "--profile" in capsys.readouterr().err
