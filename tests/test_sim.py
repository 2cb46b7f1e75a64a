"""The simulator: deterministic per seed, labels that match the audio, faces the real vision
front-end finds with the pose the renderer used."""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest
import soundfile as sf

from ntt.cli import main
from ntt.cues import AudioChunk, VideoFrame
from ntt.io.session import load_session
from ntt.sim.face_render import FacePose
from ntt.sim.photos import Identity, textured_face
from ntt.sim.render import LOOKING_AT_DEVICE_DEG, pose_at, render_session
from ntt.sim.room import draw_room
from ntt.sim.scenarios import SCENARIOS, make_script
from ntt.sim.stats import REQUEST_LIKE_SOURCES

SHORT_S = 8.0


@pytest.fixture(scope="module")
def two_renders(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim")
    script = make_script("two-people", 3, SHORT_S)
    a = render_session(script, root / "a")
    b = render_session(script, root / "b")
    return a, b


def _frames(path):
    cap = cv2.VideoCapture(str(path))
    out = []
    while True:
        ok, frame = cap.read()
        if not ok:
            return out
        out.append(frame)


def test_same_seed_same_session(two_renders):
    a, b = two_renders
    assert (a / "audio.wav").read_bytes() == (b / "audio.wav").read_bytes()
    assert (a / "labels.json").read_text() == (b / "labels.json").read_text()
    assert (a / "truth.json").read_text() == (b / "truth.json").read_text()
    fa, fb = _frames(a / "video.mp4"), _frames(b / "video.mp4")
    assert len(fa) == len(fb) == int(SHORT_S * 15)
    assert all(np.array_equal(x, y) for x, y in zip(fa, fb, strict=True))


def test_other_seed_other_session():
    a, b = make_script("two-people", 3, SHORT_S), make_script("two-people", 4, SHORT_S)
    assert a.lines != b.lines


def test_labels_agree_with_the_audio(two_renders):
    """Every labelled utterance is where the real VAD hears speech, and the session loads."""
    from ntt.audio.vad import SileroVad, load_silero_model

    session = load_session(two_renders[0])
    assert session.labels.utterances, "the script has people talking"
    audio = session.audio()
    vad = SileroVad(load_silero_model())
    events = []
    for i in range(0, len(audio), 512):
        events += vad.push(AudioChunk(i / 16_000, audio[i:i + 512]))
    events += vad.flush()
    starts = [e.boundary_s for e in events if e.kind == "speech_start"]
    ends = [e.boundary_s for e in events if e.kind == "speech_end"]
    spans = list(zip(starts, ends, strict=True))
    for u in session.labels.utterances:
        assert u.end_s <= session.duration_s
        assert any(min(u.end_s, e) - max(u.start_s, s) > 0.5 * (u.end_s - u.start_s)
                   for s, e in spans), u


def test_truth_per_frame(two_renders):
    truth = json.loads((two_renders[0] / "truth.json").read_text())
    session = load_session(two_renders[0])
    assert len(truth["frames"]) == session.video.frame_count
    people = set(truth["frames"][0]["persons"])
    assert people <= set(session.participants)
    spoken = {u.speaker for u in session.labels.utterances}
    speaking = {pid for f in truth["frames"] for pid, p in f["persons"].items() if p["speaking"]}
    assert speaking <= spoken


@pytest.mark.parametrize("photo", ["astronaut", "grace_hopper"])
def test_vision_recovers_rendered_head_pose(photo):
    """Head-pose mean absolute error ≤ 5° for |yaw| ≤ 45° on rendered faces of known pose."""
    from ntt.settings import VisionSettings
    from ntt.vision.analyzer import FaceAnalyzer
    from ntt.vision.detector import FaceDetector
    from ntt.vision.landmarks import FaceMesh

    model = textured_face(Identity(photo))
    room = draw_room(640, 480, np.random.default_rng(0))
    errors_yaw, errors_pitch, found = [], [], 0
    poses = [(y, p) for y in (-45, -30, -15, 0, 15, 30, 45) for p in (-15, 0, 15)]
    with FaceDetector() as detector, FaceMesh() as mesh:
        for i, (yaw, pitch) in enumerate(poses):
            canvas = room.copy()
            model.render(canvas, (320, 240), 150, FacePose(yaw_deg=yaw, pitch_deg=pitch))
            analyzer = FaceAnalyzer(detector, mesh, settings=VisionSettings(exhaustive=True))
            (cue,) = analyzer.push(VideoFrame(0.0, i, canvas))
            if len(cue.faces) != 1:
                continue
            found += 1
            errors_yaw.append(abs(cue.faces[0].yaw_deg - yaw))
            errors_pitch.append(abs(cue.faces[0].pitch_deg - pitch))
    assert found == len(poses)
    assert np.mean(errors_yaw) <= 5.0 and np.mean(errors_pitch) <= 5.0


@pytest.fixture(scope="module")
def mixed_scripts():
    return [make_script("mixed", seed, 60.0) for seed in range(60)]


def _looking(script, line) -> bool:
    looks = sorted((lk for lk in script.looks if lk.person == line.speaker),
                   key=lambda lk: lk.t_s)
    yaw, pitch, gyaw, gpitch = pose_at(looks, line.start_s + 0.6)
    return math.hypot(yaw + gyaw, pitch + gpitch) < LOOKING_AT_DEVICE_DEG


def test_no_single_cue_gives_it_away(mixed_scripts):
    """The behaviour table (ntt.sim.behaviour): requests usually come with a look, but busy
    cooks and some people do not look; people glance at the device while talking to each
    other; talk between people is often worded like a request; directed speech is about
    3 dB louder (a tendency inside the ordinary spread, not a give-away)."""
    directed, other = [], []
    for script in mixed_scripts:
        visible = {p.id for p in script.persons if p.visible and script.camera_on}
        for line in script.lines:
            if line.speaker in ("device", "tv"):
                continue
            (directed if line.addressee == "device" else other).append((script, line, visible))
    not_looking = [not _looking(s, ln) for s, ln, vis in directed if ln.speaker in vis]
    looking = [_looking(s, ln) for s, ln, vis in other if ln.speaker in vis]
    request_like = [ln.category in REQUEST_LIKE_SOURCES for _, ln, _ in other]
    assert 0.05 <= np.mean(not_looking) <= 0.35
    assert 0.10 <= np.mean(looking) <= 0.40
    assert np.mean(request_like) >= 0.15
    gains_d = np.array([ln.gain_db for _, ln, _ in directed])
    gains_o = np.array([ln.gain_db for _, ln, _ in other])
    assert 2.0 < gains_d.mean() - gains_o.mean() < 4.0  # the table's +3 dB ...
    lo, hi = np.percentile(gains_o, [5, 95])
    assert np.mean((gains_d >= lo) & (gains_d <= hi)) > 0.5  # ... not a give-away


def test_mixed_blends_scenarios(mixed_scripts):
    from ntt.commands.simulate import SCENARIOS as COMMAND_SCENARIOS

    assert COMMAND_SCENARIOS == SCENARIOS  # the command lists them without importing the sim
    names = {s.scenario for s in mixed_scripts}
    assert len(names) >= 6 and names <= set(SCENARIOS)


def test_camera_off_and_tv_scenarios():
    off = make_script("camera-off", 1, 30.0)
    assert not off.camera_on
    tv = make_script("family-tv", 1, 60.0)
    assert any(p.is_media for p in tv.persons)
    assert any(ln.speaker == "tv" and ln.addressee == "none" for ln in tv.lines)


def test_simulate_command_and_stats(tmp_path, capsys):
    out = tmp_path / "set"
    assert main(["simulate", str(out), "--sessions", "1", "--seed", "2", "--scenario",
                 "camera-off", "--duration", "6", "--stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["sessions"] == 1 and stats["scenarios"] == {"camera-off": 1}
    session = load_session(out / "camera-off-00002")
    assert session.video_path is None
    audio, rate = sf.read(session.audio_path)
    assert rate == 16_000 and len(audio) == 6 * 16_000


def test_simulate_bad_arguments(tmp_path, capsys):
    assert main(["simulate", str(tmp_path), "--duration", "1"]) == 2
    assert "--duration" in capsys.readouterr().err
