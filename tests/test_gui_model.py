"""The visualizer's Qt-free parts: the cue store, verdicts, state bands, annotations and the
live recorder (real frames and audio from the bundled sample session)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import SAMPLE

from apps.visualizer.annotations import Annotations
from apps.visualizer.derive import (
    FOLLOW_UP,
    LISTENING,
    SPEAKING,
    bands_from_turns,
    chat_entries,
    mode_text,
    verdicts,
)
from apps.visualizer.recorder import SessionRecorder
from apps.visualizer.store import STALE_FACES_S, CueStore
from ntt.cues import AudioChunk, Decision, Face, FacesCue, SourceStatus, SpeechEvent, VideoFrame
from ntt.errors import InputError
from ntt.io.session import LABELS_FILE, load_session
from ntt.io.video_file import iter_video_frames


def _face(track: int, mouth: float = 0.0, attending: float = 0.5) -> Face:
    return Face(track_id=track, box_xywh=(10, 10, 50, 50), yaw_deg=0, pitch_deg=0, roll_deg=0,
                mouth_activity=mouth, attending=attending)


def _decision(kind, t, start, end, directed, track=0) -> Decision:
    return Decision(t, kind, start, end, track, 0.9 if directed else 0.1, directed)


def test_store_answers_what_was_known_at_the_playhead():
    store = CueStore(duration_s=10.0)
    for k in range(20):  # 10 fps, two faces, track 1 moving its mouth
        store.add(FacesCue(k / 10, k, (_face(0), _face(1, mouth=0.8))))
    store.add(SpeechEvent(1.1, "speech_start", 1.0))
    store.add(_decision("early", 1.4, 1.0, 1.4, True, track=0))
    store.add(SpeechEvent(1.9, "speech_end", 1.7))
    store.add(_decision("final", 1.9, 1.0, 1.7, True, track=0))
    store.add(type("Mystery", (), {"t_s": 1.95})())
    assert store.faces_at(0.55).frame_index == 5
    assert store.faces_at(1.9 + STALE_FACES_S + 0.05) is None  # camera went quiet
    assert store.segments() == [(1.0, 1.7)]
    assert store.active_speaker(0.5) is None  # nobody speaks
    # Before the early decision the mouth decides; after it, the fusion's speaker.
    assert store.active_speaker(1.2) == 1
    assert store.active_speaker(1.5) == 0
    assert store.decision_known_at(1.3) is None
    assert store.decision_known_at(1.5).kind == "early"
    assert len(store.finals()) == 1 and len(store.earlies()) == 1
    assert store.other_counts == {"Mystery": 1}
    assert store.processed_s == pytest.approx(1.95)


def test_store_tracks_privacy_and_running_speech():
    store = CueStore()
    store.add(SourceStatus(2.0, "privacy_on"))
    store.add(SourceStatus(5.0, "privacy_off"))
    store.add(SpeechEvent(6.1, "speech_start", 6.0))
    store.add(SourceStatus(6.5, "camera_lost"))
    assert not store.camera_off_at(1.0)
    assert store.camera_off_at(3.0)
    assert not store.camera_off_at(5.5)
    assert store.camera_off_at(7.0)
    assert store.segments() == [(6.0, 6.5)]  # still running: ends at the processed time


def test_verdicts_mark_false_accepts_and_rejects_against_the_sample_labels():
    labels = load_session(SAMPLE).labels
    u = labels.utterances
    finals = [
        _decision("final", u[0].end_s + 0.1, u[0].start_s, u[0].end_s, True),    # TA
        _decision("final", u[1].end_s + 0.1, u[1].start_s, u[1].end_s, True),    # FA
        _decision("final", u[2].end_s + 0.1, u[2].start_s, u[2].end_s, False),   # TR
        _decision("final", 3.1, 2.7, 3.0, True),  # accepted device speech: FA, no label
        # u003 (not directed) gets no decision: TR; u004 (directed) neither: FR
    ]
    got = verdicts(finals, u)
    kinds = {(v.utterance.id if v.utterance else None): v.kind for v in got}
    assert kinds == {"u000": "true_accept", "u002": "false_accept", "u003": "true_reject",
                     "u004": "true_reject", "u005": "false_reject", None: "false_accept"}
    assert [v.short for v in got if v.error] == ["FA", "FA", "FR"]


def test_state_bands_from_the_sample_device_turns():
    session = load_session(SAMPLE)
    bands = bands_from_turns(session.labels.device_turns, session.duration_s)
    assert bands[0].state == LISTENING and bands[0].start_s == 0.0
    assert bands[-1].end_s == pytest.approx(session.duration_s)
    for a, b in zip(bands, bands[1:], strict=False):
        assert a.end_s == pytest.approx(b.start_s)  # no gaps, no overlaps
    speaking = [b for b in bands if b.state == SPEAKING]
    assert [(b.start_s, b.end_s) for b in speaking] == [
        (t.start_s, t.end_s) for t in session.labels.device_turns]
    assert [b.state for b in bands][:4] == [LISTENING, SPEAKING, FOLLOW_UP, LISTENING]


def test_chat_uses_label_text_without_asr_and_device_turns_without_an_engine():
    session = load_session(SAMPLE)
    u = session.labels.utterances[0]
    store = CueStore()
    store.add(_decision("final", u.end_s + 0.2, u.start_s + 0.05, u.end_s + 0.05, True))
    entries = chat_entries(store, session.labels.utterances, session.labels.device_turns)
    assert [(e.who, e.text) for e in entries] == [
        ("user", u.text), ("device", session.labels.device_turns[0].text),
        ("device", session.labels.device_turns[1].text)]
    assert entries[0].directed is True


@pytest.fixture()
def session_copy(tmp_path):
    return shutil.copytree(SAMPLE, tmp_path / "living-room")


def test_annotations_save_labels_the_reader_accepts(session_copy):
    session = load_session(session_copy)
    notes = Annotations(session.labels, session.participants, session.duration_s)
    i = notes.add(2.7, 3.9, speaker="ben", text="who is at the door")
    notes.mark(i, directed=False, addressee="anna")
    j = notes.at(5.5)  # u002, said to ben
    notes.mark(j, directed=True)
    path = notes.save(session_copy)
    assert path == session_copy / LABELS_FILE
    reread = load_session(session_copy).labels
    assert len(reread.utterances) == 6
    new = next(x for x in reread.utterances if x.text == "who is at the door")
    assert (new.speaker, new.addressee, new.directed) == ("ben", "anna", False)
    u002 = next(x for x in reread.utterances if x.id == "u002")
    assert u002.directed and u002.addressee == "device"
    assert reread.device_turns == session.labels.device_turns
    assert not notes.dirty


def test_annotations_refuse_what_the_session_reader_would_reject(session_copy):
    session = load_session(session_copy)
    before = (session_copy / LABELS_FILE).read_bytes()
    notes = Annotations(session.labels, session.participants, session.duration_s)
    with pytest.raises(InputError, match="not a participant"):
        notes.add(1.0, 2.0, speaker="carol")
    with pytest.raises(InputError, match="after the audio"):
        notes.add(18.0, 25.0)
    with pytest.raises(InputError, match="start < end"):
        notes.update(0, end_s=0.1)
    assert (session_copy / LABELS_FILE).read_bytes() == before


def test_annotations_add_unlabelled_voice_activity():
    session = load_session(SAMPLE)
    notes = Annotations(session.labels, session.participants, session.duration_s)
    segments = [(u.start_s + 0.05, u.end_s + 0.05) for u in session.labels.utterances]
    assert notes.add_segments(segments + [(16.0, 17.0)]) == 1  # only the unlabelled one
    added = notes.utterances[notes.at(16.5)]
    assert not added.directed and added.addressee == "none"


def test_recorder_writes_a_valid_session_from_live_items(tmp_path):
    """Frames arrive off the grid (jittered, some missing); privacy blanks the picture."""
    session = load_session(SAMPLE)
    audio = session.audio()[: 3 * 16_000]
    frames = [f for f in iter_video_frames(session.video_path, session.fps)][:45]
    rng = np.random.default_rng(0)
    rec = SessionRecorder(fps=15.0)
    rec.start(tmp_path / "rec", participants=("anna",))
    chunk = 512
    fi = 0
    for start in range(0, len(audio), chunk):
        item = AudioChunk(10.0 + start / 16_000, audio[start:start + chunk])
        rec.tap(item)
        if start == 16_000 * 1 // chunk * chunk:
            rec.tap(SourceStatus(item.end_s, "privacy_on"))
        if start == 16_000 * 2 // chunk * chunk:
            rec.tap(SourceStatus(item.end_s, "privacy_off"))
        while fi < len(frames) and frames[fi].t_s + 10.0 <= item.end_s:
            if fi % 7 != 3:  # the camera drops some frames
                t = 10.0 + frames[fi].t_s + rng.uniform(-0.01, 0.01)
                rec.tap(VideoFrame(t, fi, frames[fi].image_bgr))
            fi += 1
    assert rec.active and rec.seconds == pytest.approx(len(audio) / 16_000)
    out = rec.stop()
    assert not rec.active
    saved = load_session(out)
    assert saved.participants == ("anna",)
    assert saved.duration_s == pytest.approx(3.0, abs=0.01)
    assert saved.video.frame_count == 45 and saved.fps == 15.0
    np.testing.assert_allclose(saved.audio(), audio, atol=1e-4)
    means = [float(f.image_bgr.mean()) for f in iter_video_frames(saved.video_path, saved.fps)]
    assert all(m > 30 for m in means[:14])  # the room is visible
    assert all(m < 5 for m in means[17:29])  # privacy: black, not a frozen picture
    assert all(m > 30 for m in means[-10:])
    meta = json.loads((out / "session.json").read_text())
    assert "ntt gui" in meta["notes"]


def test_recorder_refuses_a_non_empty_directory(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        SessionRecorder().start(tmp_path / "taken")
    rec = SessionRecorder()
    rec.start(tmp_path / "nothing")
    assert rec.stop() is None  # no audio arrived: nothing written
    assert not (tmp_path / "nothing").exists()


class _SampleMicrophone:
    """The sample session's recorded audio as a microphone (``AudioReader``), paced to the
    clock like a real one and starting over at its end."""

    def __init__(self, block: int = 1600):
        self.audio = load_session(SAMPLE).audio()
        self.block, self.pos = block, 0

    def start(self) -> None:
        self.pos = 0

    def read(self, timeout_s: float):
        import time

        time.sleep(self.block / 16_000)
        if self.pos + self.block > len(self.audio):
            self.pos = 0
        out = self.audio[self.pos:self.pos + self.block]
        self.pos += len(out)
        return out

    def stop(self) -> None:
        pass


def test_live_state_after_a_camera_that_fails_is_audio_only():
    """A live source with a camera index that does not exist: the camera reader reports it
    lost, the stream goes on with audio, and the visualizer's state says audio-only."""
    import time

    from ntt.io.sources import CameraReader, LiveSource

    store = CueStore()
    source = LiveSource(_SampleMicrophone(), CameraReader(99))
    deadline = time.monotonic() + 20
    for item in source:
        store.add(item)
        if store.devices_lost()[0] or time.monotonic() > deadline:
            break
    source.stop()
    assert store.devices_lost() == (True, False)
    assert any(isinstance(c, SourceStatus) and c.kind == "camera_lost" for c in store.status)
    assert mode_text("live", None, False, store) == ("LIVE", "AUDIO-ONLY (camera lost)")
    # The camera comes back; then the microphone goes.
    store.add(SourceStatus(store.processed_s + 0.1, "camera_back"))
    assert mode_text("live", None, False, store) == ("LIVE", None)
    store.add(SourceStatus(store.processed_s + 0.1, "mic_lost", "no audio for 1 s"))
    assert mode_text("live", None, False, store) == ("LIVE", "NO AUDIO (microphone lost)")
    store.add(SourceStatus(store.processed_s + 0.1, "mic_back"))
    store.add(SourceStatus(store.processed_s + 0.1, "privacy_on"))
    assert mode_text("live", None, True, store) == ("LIVE", "AUDIO-ONLY (privacy)")


def test_live_state_after_a_microphone_that_cannot_open_is_stopped():
    """The microphone reader's own error (no such device) is what the state shows."""
    from ntt.io.sources import MicrophoneReader

    with pytest.raises(InputError) as failure:
        MicrophoneReader(99).start()
    text, warning = mode_text("live", None, False, CueStore(), str(failure.value))
    assert text == "LIVE STOPPED" and warning.startswith("microphone: ")
    assert mode_text("replay", "living-room", False, CueStore()) == ("REPLAY living-room", None)
    assert mode_text("idle", None, False, CueStore())[1] is None
