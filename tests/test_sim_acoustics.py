"""The simulator's rooms, array and voices: measured reverberation in the configured range,
the sources' delays across the array, the same session for the same seed, a v2 session
the pipeline runs, and a voice catalogue of many distinct natural speakers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import soundfile as sf

from ntt.cli import main
from ntt.io.session import load_session
from ntt.sim.acoustics import (
    RT60_RANGE_S,
    SOUND_SPEED_M_S,
    direct_path_responses,
    draw_acoustic_room,
    measure_rt60_s,
    room_impulse_responses,
)
from ntt.sim.array_mix import (
    DRY_RMS,
    TALKER_DI_DB,
    Source,
    band_filter,
    mix_array,
    source_rirs,
    talker_radiation,
)
from ntt.sim.render import microphones_cam, render_session
from ntt.sim.script import Line, Person, Script
from ntt.sim.voices import VoiceBank, engine_available, household_voices, load_voices

RATE = 16_000
# A room is kept when its simulated response, measured from one position, is in range;
# from another position T30 differs by up to 0.1 s (the late field is not fully diffuse;
# seen here over 12 rooms).
RT60_TOLERANCE_S = 0.1


@pytest.mark.parametrize("kind", ["living-room", "kitchen"])
def test_measured_rt60_is_in_the_configured_range(kind):
    for seed in range(2):
        room = draw_acoustic_room(kind, np.random.default_rng(seed))
        mics = room.from_camera(np.zeros((1, 3)), clamp=False)
        source = room.from_camera(np.array([[0.8, 0.0, 2.5]]))
        (h,) = room_impulse_responses(room, source, mics, seed)
        rt60 = measure_rt60_s(band_filter(h[0], 350, 1400))
        lo, hi = RT60_RANGE_S
        assert lo - RT60_TOLERANCE_S <= rt60 <= hi + RT60_TOLERANCE_S, (kind, seed, rt60)
        assert lo <= room.rt60_s <= hi  # as measured when the room was drawn


def _lag_samples(a: np.ndarray, b: np.ndarray, max_lag: int) -> int:
    """GCC-PHAT lag of b behind a."""
    n = 2 * len(a)
    spec = np.fft.rfft(b, n) * np.conj(np.fft.rfft(a, n))
    cc = np.fft.irfft(spec / (np.abs(spec) + 1e-12), n)
    cc = np.concatenate([cc[-max_lag:], cc[:max_lag + 1]])
    return int(np.argmax(cc)) - max_lag


def test_a_talker_facing_the_device_keeps_the_direct_path_and_sends_less_into_the_room():
    room = draw_acoustic_room("living-room", np.random.default_rng(3))
    mics = room.from_camera(np.zeros((1, 3)), clamp=False)
    at = room.from_camera(np.array([[0.3, 0.0, 2.0]]))
    (omni,) = room_impulse_responses(room, at, mics, 0)
    (direct,) = direct_path_responses(room, at, mics)
    mouth = talker_radiation(omni, direct)
    k = int(np.argmax(np.abs(direct[0])))
    assert int(np.argmax(np.abs(mouth[0]))) == k
    assert mouth[0, k] == pytest.approx(omni[0, k], rel=0.05)  # the direct path stays
    late = slice(k + int(0.02 * RATE), None)  # 20 ms on: only the room
    for lo, hi, di in ((700, 1400, TALKER_DI_DB[3]), (3000, 4500, TALKER_DI_DB[5])):
        weaker_db = 10 * np.log10(np.sum(band_filter(omni[0], lo, hi)[late] ** 2)
                                  / np.sum(band_filter(mouth[0], lo, hi)[late] ** 2))
        assert weaker_db == pytest.approx(di, abs=0.5)
    # ... and the renderer applies it to a talker that faces the device, not to others
    plain, facing = source_rirs(room, mics, [Source("a", at[0], np.zeros(1), "talker"),
                                             Source("b", at[0], np.zeros(1), "talker", True)],
                                0)
    assert np.sum(facing[0, k + 320:] ** 2) < 0.7 * np.sum(plain[0, k + 320:] ** 2)


def test_two_sources_arrive_with_their_delays_across_the_array():
    """Two talkers 70 deg apart: between the ring's two farthest capsules, each burst
    arrives with the lag its position gives (within one sample)."""
    rng = np.random.default_rng(3)
    room = draw_acoustic_room("living-room", rng, 3.0)
    mics = room.from_camera(microphones_cam("smart-display-10"), clamp=False)
    n, burst = RATE * 2, RATE // 2
    cams = [np.array([2.0 * math.sin(a), 0.0, 2.0 * math.cos(a)])
            for a in np.radians([-40.0, 30.0])]
    sources = []
    for k, cam in enumerate(cams):
        track = np.zeros(n, np.float32)
        start = k * RATE
        track[start:start + burst] = rng.standard_normal(burst) * DRY_RMS
        sources.append(Source(f"s{k}", room.from_camera(cam)[0], track, "talker"))
    mix = mix_array(room, mics, sources, n, snr_db=60.0, ser_db=0.0, seed=1, rng=rng,
                    playback=None)
    far = np.argmax(np.linalg.norm(mics - mics[0], axis=1))
    for k, s in enumerate(sources):
        seg = slice(k * RATE, k * RATE + burst)
        expected = (np.linalg.norm(s.position_m - mics[far]) -
                    np.linalg.norm(s.position_m - mics[0])) / SOUND_SPEED_M_S * RATE
        got = _lag_samples(mix.audio[seg, 0], mix.audio[seg, far], 16)
        assert abs(got - expected) <= 1.0, (k, got, expected)
    assert abs(np.sign(_lag_samples(mix.audio[:burst, 0], mix.audio[:burst, far], 16)) -
               np.sign(_lag_samples(mix.audio[RATE:RATE + burst, 0],
                                    mix.audio[RATE:RATE + burst, far], 16))) == 2


def _script(seed: int = 5) -> Script:
    anna = Person("anna", None, voice="f-nezumi-us", x_frac=0.3, distance_m=1.5)
    ben = Person("ben", None, voice="m-kumo-rp", x_frac=0.8, distance_m=2.5)
    lines = (Line("anna", 0.3, "Turn on the kitchen lights.", "device"),
             Line("device", 2.2, "Okay, it's on.", "none"),
             Line("ben", 4.0, "Thanks.", "anna"))
    return Script(duration_s=6.0, persons=(anna, ben), lines=lines, seed=seed,
                  camera_on=False, device="smart-display-8", hfov_deg=75.0, room="kitchen",
                  noise=("kitchen",), snr_db=15.0, ser_db=-5.0, scenario="camera-off")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("array")
    bank = VoiceBank()
    return render_session(_script(), root / "a", bank), render_session(_script(), root / "b",
                                                                       bank)


def test_same_seed_same_array_session(rendered):
    a, b = rendered
    for name in ("audio.wav", "playback.wav", "truth.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_the_session_is_v2_with_the_profiles_array_and_the_playback(rendered):
    session = load_session(rendered[0])
    audio = session.audio_channels()
    assert audio.shape[1] == 4  # smart-display-8's line of four
    playback = session.playback()
    assert playback is not None and len(playback) == len(audio)
    turn = session.labels.device_turns[0]
    inside = slice(int(turn.start_s * RATE), int(turn.end_s * RATE))
    outside = slice(0, int(session.labels.utterances[0].start_s * RATE))
    assert np.std(playback[inside]) > 100 * (np.std(playback[outside]) + 1e-9)
    acoustics = json.loads((rendered[0] / "truth.json").read_text())["acoustics"]
    assert acoustics["room"]["kind"] == "kitchen"
    assert set(acoustics["sources"]) == {"anna", "ben", "device", "kitchen"}
    # Anna stands left of the lens, Ben right: their azimuths say so.
    assert acoustics["sources"]["anna"]["azimuth_deg"] < 0 < \
        acoustics["sources"]["ben"]["azimuth_deg"]


def test_a_rendered_session_runs_through_the_pipeline(rendered, capsys):
    assert main(["run", str(rendered[0]), "--asr", "none", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["decisions"], "the VAD finds the talkers' speech after the front-end"


def test_the_catalogue_has_many_natural_speakers_of_both_sexes_and_several_accents():
    voices = load_voices()
    household = [voices[v] for v in household_voices()]
    assert len(household) >= 20
    assert {v.sex for v in household} == {"female", "male"}
    assert len({v.dialect for v in household}) >= 5
    assert len({(v.style, v.dialect, v.formant, v.model) for v in household}) == \
        len(household), "every speaker differs in timbre, accent or vocal tract"


@pytest.mark.skipif(not engine_available("kokoro"), reason="kokoro voice packages absent")
def test_kokoro_speaks_the_same_samples_twice_and_voices_differ():
    bank = VoiceBank()
    a = bank.speak("What time is it?", "f-alpha-us")
    assert np.array_equal(a, bank.speak("What time is it?", "f-alpha-us"))
    assert 0.5 < len(a) / RATE < 3.0
    b = bank.speak("What time is it?", "m-kumo-us")
    assert len(a) != len(b) or not np.allclose(a, b)


def _assemble_kokoro_model(_: int) -> int:
    import importlib

    from ntt.sim.voices import KOKORO_VOICES_PACKAGE, _kokoro_model

    return _kokoro_model(importlib.import_module(KOKORO_VOICES_PACKAGE)).stat().st_size


@pytest.mark.skipif(not engine_available("kokoro"), reason="kokoro voice packages absent")
def test_simulate_workers_on_a_fresh_machine_assemble_the_voice_model_in_turn(tmp_path,
                                                                             monkeypatch):
    """``ntt simulate``'s first workers on a new machine all find the voice model's cache
    empty; the package writes it through one fixed temporary name, so without the lock one
    worker renamed the file from under another (FileNotFoundError: a lost session)."""
    import multiprocessing

    monkeypatch.setenv("KOKORO_JA_CACHE", str(tmp_path))
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        sizes = pool.map(_assemble_kokoro_model, range(3))
    assert len(set(sizes)) == 1 and sizes[0] > 50_000_000
    assert [p.name for p in tmp_path.iterdir()] == ["kokoro-v1.0.int8.onnx"]


def test_without_the_neural_voices_espeak_speaks(tmp_path):
    bank = VoiceBank(use_neural=False)
    assert bank.engine_for(bank.voice("f-alpha-us")) == "espeak"
    audio = bank.speak("Hello there.", "f-alpha-us")
    assert len(audio) > RATE // 4
    sf.write(tmp_path / "x.wav", audio, RATE)  # a playable clip


def test_a_line_said_facing_the_device_sends_less_into_the_room_than_one_turned_away(
        tmp_path):
    """The renderer picks the talker's radiation per line from the head pose: the same words
    facing the device leave a weaker reverberant tail (relative to the words) than turned
    away, and truth.json says which was which."""
    from ntt.sim.photos import Identity
    from ntt.sim.script import Look

    anna = Person("anna", Identity.random(np.random.default_rng(3)), voice="f-nezumi-us",
                  x_frac=0.5, distance_m=2.5)
    text = "Turn on the kitchen lights."
    script = Script(duration_s=8.0, persons=(anna,), seed=11, room="living-room",
                    lines=(Line("anna", 0.5, text, "device"), Line("anna", 4.5, text, "none")),
                    looks=(Look("anna", 0.0, 0.0), Look("anna", 3.0, 70.0)), noise=(),
                    snr_db=60.0, device_echo=False, device="smart-display-8", hfov_deg=75.0)
    root = render_session(script, tmp_path / "s", VoiceBank(), video=False)
    info = json.loads((root / "truth.json").read_text())["utterances"]
    assert [u["faces_device"] for u in info.values()] == [True, False]
    session = load_session(root)
    audio = session.audio_channels()[:, 0].astype(float)

    def tail_db(u) -> float:
        end = int(u.end_s * RATE)
        words = audio[int(u.start_s * RATE):end]
        tail = audio[end:end + int(0.06 * RATE)]  # the room's decay before the mic's floor
        return 10 * math.log10(np.mean(tail ** 2) / np.mean(words ** 2))

    facing, away = (tail_db(u) for u in session.labels.utterances)
    assert facing < away - 1.5, (facing, away)
