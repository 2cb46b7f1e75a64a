"""The device-audio front-end on real speech in simulated rooms (pyroomacoustics image
sources, RT60 0.35 s): echo cancellation of a recorded playback reference, directions of
two talkers, pass-through of a single microphone, and the pipeline and live wiring."""

from __future__ import annotations

import glob
import json

import numpy as np
import pytest
import soundfile as sf
from array_room import RATE, Room, speech_span
from conftest import REPO

from ntt.calibration.profile import load_profile
from ntt.cli import main
from ntt.cues import AudioChunk, DirectionCue, MicArrayChunk, SpeechEvent
from ntt.device_audio import build_stages
from ntt.io.session import load_session, write_session
from ntt.io.sources import SessionSource
from ntt.settings import DeviceAudioSettings

COMMANDS = sorted(glob.glob(str(REPO.parent / "shared" / "data" / "speech" / "commands"
                                / "*.wav")))
ROOM = Room(rt60_s=0.35)
LOUDSPEAKER_CAM = np.array([0.0, 0.12, 0.0])  # below the screen, in the camera frame
pytestmark = pytest.mark.skipif(len(COMMANDS) < 12, reason="shared speech recordings absent")


def _clip(i: int, peak: float = 0.5) -> np.ndarray:
    """A real spoken command, trimmed to its speech."""
    x = sf.read(COMMANDS[i], dtype="float32")[0]
    a, b = speech_span(x)
    return x[a:b] / np.abs(x[a:b]).max() * peak


def _run_front(front, mics: np.ndarray, playback: np.ndarray | None,
               direction=None, vad=None) -> tuple[np.ndarray, list]:
    """Push 32 ms blocks through the front-end (and the VAD and direction stage)."""
    out, cues = [], []

    def after(chunks):
        for a in chunks:
            if not isinstance(a, AudioChunk):  # the front-end's EchoActivity: the VAD's
                if vad is not None:
                    vad.push(a)
                continue
            out.append(a)
            if vad is None:
                continue
            for item in [*vad.push(a), a]:
                if isinstance(item, SpeechEvent | AudioChunk):
                    cues.extend(direction.push(item))

    for s in range(0, len(mics), 512):
        after(front.push(MicArrayChunk(s / RATE, mics[s:s + 512],
                                       None if playback is None else playback[s:s + 512])))
    after(front.flush())
    if vad is not None:
        for item in vad.flush():
            cues.extend(direction.push(item))
    assert [round(c.t_s * RATE) for c in out] == list(np.cumsum([0] + [len(c.samples)
                                                                  for c in out])[:-1])
    return np.concatenate([c.samples for c in out]), cues


@pytest.fixture(scope="module")
def echo_session(tmp_path_factory, speech_16k):
    """A version-2 laptop session: the device's reply (its own espeak-ng voice, the
    recorded reference) and, while it plays, a real talker 2 m away (double talk)."""
    mic = load_profile("laptop-webcam").microphone
    reply = np.concatenate([speech_16k, speech_16k[::-1] * 0.8, speech_16k, speech_16k,
                            speech_16k[::-1]])
    reply = reply / np.abs(reply).max() * 0.5
    talker = _clip(0, 0.5)
    n = len(reply) + RATE
    echo = ROOM.render(mic.positions_m(), [(ROOM.camera_to_room(LOUDSPEAKER_CAM), reply, 0.0)],
                       n)
    echo *= 0.3 / np.abs(echo).max()  # the loudspeaker near the mics: loud
    start = 5 * RATE
    near = ROOM.render(mic.positions_m(), [(ROOM.talker_at(20.0, 2.0), talker, start / RATE)],
                       n)
    near *= 0.05 / np.abs(near).max()
    playback = np.zeros(n, np.float32)
    playback[:len(reply)] = reply
    path = write_session(tmp_path_factory.mktemp("echo") / "s", audio=echo + near,
                         playback=playback, device="laptop-webcam")
    return path, echo, near, (start, min(n, start + len(talker)))


def test_echo_cancellation_on_the_recorded_reference(echo_session):
    path, echo, near, (t0, t1) = echo_session
    session = load_session(path)
    assert session.channels == 2 and session.playback() is not None
    front, _ = build_stages(DeviceAudioSettings(), load_profile("laptop-webcam").microphone, 2)
    items = list(SessionSource(session, use_video=False, array=True))
    assert all(isinstance(i, MicArrayChunk) for i in items)
    mics = np.concatenate([i.samples for i in items])
    out, _ = _run_front(front, mics, np.concatenate([i.playback for i in items]))
    assert len(out) == len(mics)
    # Echo return loss enhancement over the echo-only part once the filter has adapted
    # (speexdsp takes ~2.5 s of a speech reference; it then keeps the room's path for the
    # next replies), measured on the beam (what the VAD hears) against one microphone.
    settled = slice(int(2.5 * RATE), t0)
    erle = 10 * np.log10((echo[settled, 0] ** 2).sum() / (out[settled] ** 2).sum())
    assert erle >= 20.0, erle
    # The talker survives the double talk: the output still follows the near end.
    corr = np.corrcoef(out[t0:t1], near[t0:t1].mean(axis=1))[0, 1]
    before = np.corrcoef(mics[t0:t1].mean(axis=1), near[t0:t1].mean(axis=1))[0, 1]
    assert corr > 0.8 and corr > before + 0.2, (corr, before)


def test_the_residual_suppressor_takes_the_echo_further_down_than_the_filter_alone(
        ):
    """Two replies 1.5 s apart (the device's own espeak-ng voice, no talker): on the
    second, while the filter is still converging, speexdsp's residual suppressor removes
    much of what the linear filter leaves."""
    from ntt.tts import synthesize

    mic = load_profile("smart-display-8").microphone
    first, reply = (synthesize(t) for t in ("Turning on the kitchen lights.",
                                            "The timer is set for ten minutes."))
    first, reply = first / np.abs(first).max() * 0.5, reply / np.abs(reply).max() * 0.5
    second = int(0.5 * RATE) + len(first) + int(1.5 * RATE)
    n = second + len(reply) + RATE
    playback = np.zeros(n, np.float32)
    playback[int(0.5 * RATE):int(0.5 * RATE) + len(first)] = first
    playback[second:second + len(reply)] = reply
    echo = ROOM.render(mic.positions_m(), [(ROOM.camera_to_room(LOUDSPEAKER_CAM), playback,
                                            0.0)], n)
    echo = echo * (0.3 / np.abs(echo).max()) + 10 ** (-65 / 20) * np.random.default_rng(
        0).standard_normal(echo.shape).astype(np.float32)
    span = slice(second, second + len(reply))
    erle = {}
    for residual in (True, False):
        front, _ = build_stages(DeviceAudioSettings(residual_echo=residual), mic, 4)
        out, _ = _run_front(front, echo, playback)
        erle[residual] = 10 * np.log10((echo[span, 0] ** 2).sum() / (out[span] ** 2).sum())
    assert erle[True] >= 25.0 and erle[True] >= erle[False] + 6.0, erle


def test_the_next_session_starts_from_the_echo_memory_and_cancels_its_first_reply(tmp_path):
    """A cold canceller lets most of a session's first reply through while it adapts; the
    same device's next session, primed from the memory the first one stored, does not."""
    from ntt.tts import synthesize

    mic = load_profile("laptop-webcam").microphone
    reply = synthesize("Turning on the kitchen lights.")
    reply = reply / np.abs(reply).max() * 0.5
    n = int(0.5 * RATE) + len(reply) + RATE
    playback = np.zeros(n, np.float32)
    playback[int(0.5 * RATE):int(0.5 * RATE) + len(reply)] = reply
    echo = ROOM.render(mic.positions_m(), [(ROOM.camera_to_room(LOUDSPEAKER_CAM), playback,
                                            0.0)], n)
    echo *= 0.3 / np.abs(echo).max()
    span = slice(int(0.5 * RATE), int(0.5 * RATE) + len(reply))
    settings = DeviceAudioSettings(echo_memory_file=str(tmp_path / "echo.npz"))
    erle = []
    for _ in range(2):
        front, _ = build_stages(settings, mic, 2)
        out, _ = _run_front(front, echo, playback)
        erle.append(10 * np.log10((echo[span, 0] ** 2).sum() / (out[span] ** 2).sum()))
    assert (tmp_path / "echo.npz").exists()
    assert erle[0] < 15.0 and erle[1] >= 20.0, erle


def test_a_single_microphone_without_playback_passes_through_unchanged(speech_16k):
    front, direction = build_stages(DeviceAudioSettings(), None, 1)
    mono = speech_16k[:, None]
    out, _ = _run_front(front, mono, None)
    assert direction is None and np.array_equal(out, speech_16k)


def test_beam_is_sample_aligned_with_the_microphones():
    """The STFT's latency is taken off: a talker straight ahead (every capsule in phase)
    comes out of the beam at the same samples as it reached the first microphone."""
    mic = load_profile("smart-display-8").microphone
    talker = _clip(1)
    mics = ROOM.render(mic.positions_m(), [(ROOM.talker_at(0.0, 1.5, 1.0), talker, 0.2)],
                       len(talker) + RATE)
    front, _ = build_stages(DeviceAudioSettings(), mic, 4)
    out, _ = _run_front(front, mics, None)
    lags = np.arange(-40, 41)
    xc = [np.dot(out[100 + k:len(out) - 100 + k], mics[100:len(out) - 100, 0]) for k in lags]
    assert lags[int(np.argmax(xc))] == 0 and len(out) == len(mics)


@pytest.fixture(scope="module")
def two_talkers():
    """Two real talkers 65 degrees apart, one after the other, for each array."""
    a, b = _clip(3, 0.4), _clip(7, 0.4)
    truth = (-35.0, 30.0)
    out = {}
    for name in ("smart-display-10", "smart-display-8", "laptop-webcam"):
        mic = load_profile(name).microphone
        sources = [(ROOM.talker_at(truth[0], 1.8, 1.25), a, 0.5),
                   (ROOM.talker_at(truth[1], 1.5, 1.15), b, 1.5 + len(a) / RATE)]
        n = int((2.5 + (len(a) + len(b)) / RATE) * RATE)
        x = ROOM.render(mic.positions_m(), sources, n)
        out[name] = (mic, x * (0.1 / np.abs(x).max()))
    return truth, out


# A ring resolves azimuth cleanly; a line of capsules hears the floor and ceiling
# reflections from directions nearer broadside, which pulls its estimate a few degrees in.
@pytest.mark.parametrize(("profile", "tolerance_deg"), [
    ("smart-display-10", 8.0), ("smart-display-8", 12.0), ("laptop-webcam", 12.0)])
def test_direction_of_two_talkers_in_a_room(two_talkers, profile, tolerance_deg):
    from ntt.audio.vad import SileroVad, load_silero_model

    truth, rendered = two_talkers
    mic, x = rendered[profile]
    front, direction = build_stages(DeviceAudioSettings(), mic, x.shape[1])
    _, cues = _run_front(front, x, None, direction, SileroVad(load_silero_model()))
    finals = [c for c in cues if isinstance(c, DirectionCue) and c.final]
    assert len(finals) == 2, finals
    for cue, want in zip(finals, truth, strict=True):
        assert abs(cue.azimuth_deg - want) <= tolerance_deg, (cue, want)
        assert cue.confidence >= 0.3
    provisional = [c for c in cues if not c.final]
    assert provisional and all(c.start_s in {f.start_s for f in finals} for c in provisional)


def test_vectorised_srp_equals_pyroomacoustics(two_talkers):
    """The locator's one-product SRP-PHAT is pyroomacoustics' SRP, value for value."""
    import pyroomacoustics as pra

    from ntt.device_audio import ArrayGeometry, SrpLocator
    from ntt.device_audio.frontend import band_bins

    _, rendered = two_talkers
    for name in ("smart-display-10", "laptop-webcam"):
        mic, x = rendered[name]
        bins = band_bins((300.0, 3500.0))
        spectra = pra.transform.stft.analysis(x[: 2 * RATE], 512, 256,
                                              win=pra.hann(512)).transpose(2, 1, 0)
        loc = SrpLocator(ArrayGeometry.from_positions(mic.positions_m()), bins, 512,
                         grid_step_deg=2.0)
        fast, slow = loc.spectrum(spectra[:, bins]), loc.reference_spectrum(spectra[:, bins])
        assert np.allclose(fast, slow, atol=1e-9) and np.ptp(fast) > 0.1


def test_version_2_session_runs_through_ntt_run(tmp_path, two_talkers, capsys):
    """``ntt run`` on a version-2 array session: the front-end and the direction stage are
    wired in, and the event log holds one final direction per utterance."""
    _, rendered = two_talkers
    _, x = rendered["smart-display-8"]
    path = write_session(tmp_path / "s", audio=x, device="smart-display-8")
    events = tmp_path / "events.jsonl"
    code = main(["run", str(path), "--asr", "none", "--no-video", "--json", "--events",
                 str(events)])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    directions = [e for e in lines if e.get("type") == "DirectionCue" and e.get("final")]
    finals = [d for d in doc["decisions"] if d["kind"] == "final"]
    assert len(directions) == len(finals) == 2


def test_version_1_session_still_runs(make_session, capsys):
    path = make_session(with_video=False)
    assert main(["run", str(path), "--asr", "none", "--no-video", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["decisions"]


def _face_at(track: int, azimuth_deg: float, camera, wh=(1280, 720), mouth=0.0):
    """A face whose centre lies at ``azimuth_deg`` in a frame of ``wh`` (pinhole)."""
    from ntt.cues import Face

    k = camera.camera_matrix(*wh)
    u = k[0, 2] + k[0, 0] * np.tan(np.radians(azimuth_deg))
    return Face(track_id=track, box_xywh=(int(u - 40), 300, 80, 100), yaw_deg=0.0,
                pitch_deg=0.0, roll_deg=0.0, mouth_open=mouth, mouth_activity=0.5)


def test_the_direction_picks_the_face_that_spoke(two_talkers):
    """Two faces at the two talkers' image positions whose lips both move with the voice
    (synchrony cannot tell them apart): the measured direction of each utterance gives it
    to the right face; with only the first talker in view, the second talker's voice is
    from off camera although the face in view moves its lips with it."""
    from ntt.audio.vad import SileroVad, load_silero_model
    from ntt.fusion.speaker import SpeakerAssociation

    truth, rendered = two_talkers
    mic, x = rendered["smart-display-8"]
    camera = load_profile("smart-display-8").camera_geometry()
    front, direction = build_stages(DeviceAudioSettings(), mic, x.shape[1])
    mono, cues = _run_front(front, x, None, direction, SileroVad(load_silero_model()))
    finals = [c for c in cues if isinstance(c, DirectionCue) and c.final]
    windows = mono[:len(mono) // 1067 * 1067].reshape(-1, 1067)  # 15 fps frames
    level = 10 * np.log10((windows ** 2).mean(axis=1) + 1e-10)
    envelope = np.clip((level - level.max() + 40) / 40, 0, 1)

    def choose(with_direction: bool, in_view: tuple[int, ...]):
        picks = []
        for cue in finals:
            assoc = SpeakerAssociation(camera if with_direction else None)
            for i, t in enumerate(np.arange(len(envelope)) / 15):
                if cue.start_s <= t <= cue.end_s:
                    assoc.observe_level(t, level[i])
                    assoc.observe_faces(t, tuple(_face_at(k, truth[k], camera,
                                                          mouth=envelope[i]) for k in in_view))
            assoc.observe_direction(cue)
            faces = tuple(_face_at(k, truth[k], camera) for k in in_view)
            c = assoc.choose(cue.end_s, faces, cue.start_s, (1280, 720))
            picks.append(c.face.track_id if c.visible else None)
        return picks

    assert choose(True, (0, 1)) == [0, 1]
    assert choose(False, (0, 1)) in ([0, 0], [1, 1])  # synchrony alone: a coin toss
    assert choose(True, (0,)) == [0, None]
    assert choose(False, (0,)) == [0, 0]


def test_live_source_sends_what_the_loudspeaker_played():
    """Live wiring without audio hardware: a two-channel file microphone and a playback
    reference the speech output fills; every block carries the reference for its own
    stretch of time."""
    import time

    from ntt.io.playback import PlaybackReference
    from ntt.io.sources import LiveSource

    reply = _clip(2, 0.5)[: RATE]
    ref = PlaybackReference()

    class FileMic:
        blocks = [np.zeros((512, 2), np.float32) for _ in range(50)]

        def start(self):
            self.t0 = time.monotonic()

        def read(self, timeout_s):
            if not self.blocks:
                return None
            k = 50 - len(self.blocks) + 1  # blocks come at the microphone's pace
            time.sleep(max(0.0, self.t0 + k * 512 / RATE - time.monotonic()))
            if k == 10:
                ref.played(reply)  # the device starts speaking
            if k == 30:
                ref.stopped()  # barge-in: cut short
            return self.blocks.pop(0)

        def stop(self):
            pass

    source = LiveSource(FileMic(), None, playback=ref)
    chunks = []
    for item in source:
        chunks.append(item)
        if len(chunks) == 50:
            source.stop()
    assert all(isinstance(c, MicArrayChunk) and c.samples.shape == (512, 2) for c in chunks)
    played = np.concatenate([c.playback for c in chunks])
    assert not played[: 9 * 512].any() and not played[31 * 512:].any()
    # What came back is the reply itself, from its start, for the ~20 blocks it played.
    onset = int(np.flatnonzero(played)[0])
    n = int(np.flatnonzero(played)[-1]) - onset + 1
    assert abs(n - 20 * 512) < 3 * 512
    assert np.allclose(played[onset:onset + n], reply[:n], atol=1e-6)


def test_playback_reference_reads_zeros_where_nothing_played():
    from ntt.io.playback import PlaybackReference

    ref = PlaybackReference()
    ref.played(np.ones(RATE, np.float32), at_s=10.0)
    assert np.array_equal(ref.read(9.5, 16_000)[:8000], np.zeros(8000, np.float32))
    assert ref.read(9.5, 16_000)[8000:].all()
    ref.stopped(at_s=10.25)
    assert ref.read(10.0, RATE)[4000:].sum() == 0 and ref.read(10.0, RATE)[:4000].all()


def test_optional_noise_suppression_keeps_the_clock_and_lowers_the_noise(speech_16k):
    """WebRTC noise suppression on the beam (off by default): real kitchen noise under real
    speech; the output keeps every sample's time and the noise-only part gets quieter."""
    noise_path = REPO.parent / "shared" / "data" / "speech" / "kitchen-noise.wav"
    noise = sf.read(noise_path, dtype="float32")[0][: 3 * RATE]
    if noise.ndim > 1:
        noise = noise.mean(axis=1)
    mic = load_profile("laptop-webcam").microphone
    speech = np.zeros(len(noise), np.float32)
    speech[RATE:RATE + len(speech_16k)] = speech_16k[: 2 * RATE]
    x = np.stack([speech + 0.1 * noise, speech + 0.1 * np.roll(noise, 7)], axis=1)
    plain, _ = _run_front(build_stages(DeviceAudioSettings(), mic, 2)[0], x, None)
    quiet, _ = _run_front(build_stages(DeviceAudioSettings(noise_suppression=3), mic, 2)[0], x,
                          None)
    assert len(quiet) == len(plain) == len(x)
    head = slice(RATE // 2, RATE)  # noise only, after the suppressor has learnt it
    assert (quiet[head] ** 2).mean() < 0.5 * (plain[head] ** 2).mean()


def test_the_device_own_voice_opens_no_utterance_and_a_barge_in_still_does():
    """A cold session's first reply (the canceller has not learnt the room) and a second
    reply a talker interrupts at the echo's level: the front-end's EchoActivity keeps the
    reply's residue out of the VAD, the talker over the second reply opens an utterance
    within 0.2 s of their first word. Without the cue, the first reply is heard."""
    from ntt.audio.vad import SileroVad, load_silero_model
    from ntt.cues import EchoActivity
    from ntt.tts import synthesize

    mic = load_profile("smart-display-8").microphone
    replies = [synthesize(t) for t in ("It is sunny today with a high of twenty one degrees.",
                                       "Playing your morning playlist in the living room.")]
    replies = [r / np.abs(r).max() * 0.5 for r in replies]
    s0 = int(0.5 * RATE)
    s1 = s0 + len(replies[0]) + int(1.5 * RATE)
    n = s1 + len(replies[1]) + RATE
    playback = np.zeros(n, np.float32)
    playback[s0:s0 + len(replies[0])] = replies[0]
    playback[s1:s1 + len(replies[1])] = replies[1]
    echo = ROOM.render(mic.positions_m(), [(ROOM.camera_to_room(LOUDSPEAKER_CAM), playback,
                                            0.0)], n)
    echo *= 0.3 / np.abs(echo).max()
    talker, start = _clip(3, 0.5), s1 + int(0.8 * RATE)
    near = ROOM.render(mic.positions_m(), [(ROOM.talker_at(25.0, 2.0), talker, start / RATE)],
                       n)
    near *= np.sqrt((echo[s0:s1, 0] ** 2).mean() / (near[start:start + len(talker), 0] ** 2
                                                     ).mean())
    mics = (echo + near).astype(np.float32)
    model = load_silero_model()

    def starts(gate: bool) -> list[float]:
        front, _ = build_stages(DeviceAudioSettings(), mic, mic.channels)
        vad, events = SileroVad(model), []
        for s in [*range(0, n, 512), None]:
            items = front.flush() if s is None else front.push(
                MicArrayChunk(s / RATE, mics[s:s + 512], playback[s:s + 512]))
            for item in items:
                if gate or not isinstance(item, EchoActivity):
                    events += vad.push(item)
        return [e.boundary_s for e in events + vad.flush() if e.kind == "speech_start"]

    gated = starts(True)
    assert [t for t in starts(False) if t < s1 / RATE], "the cold reply reaches an ungated VAD"
    assert not [t for t in gated if t < s1 / RATE], gated
    assert gated and abs(gated[0] - start / RATE) < 0.2, gated


def test_the_residual_suppressor_prints_nothing_on_stderr():
    """speexdsp warns on stderr ("The VAD has been replaced by a hack…") when its
    preprocessor's VAD is set; the suppressor leaves it at its default, so the native
    library writes nothing while the canceller runs."""
    import subprocess
    import sys

    code = ("import numpy as np; from ntt.device_audio.echo import EchoCanceller\n"
            "a = EchoCanceller(2)\n"
            "r = np.random.default_rng(0).standard_normal(256).astype(np.float32) * 0.1\n"
            "for _ in range(20): a.process(np.stack([r, r], 1) * 0.5, r)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "hack" not in done.stderr and not done.stderr.strip(), done.stderr
