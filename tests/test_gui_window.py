"""The visualizer window driven offscreen: replay the bundled sample session through the real
pipeline, seek, and check what every pane shows; privacy, annotation, live and recording."""

from __future__ import annotations

import inspect
import shutil
import time

import numpy as np
import pytest
from conftest import SAMPLE

pytest.importorskip("PyQt6")
pytest.importorskip("pyqtgraph")
from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtGui import QColor, QImage
from PyQt6.QtTest import QTest

from apps.visualizer.app import application
from apps.visualizer.derive import verdicts
from apps.visualizer.overlay import SPEAKER_COLOUR, track_colour
from apps.visualizer.window import MainWindow
from ntt.io.session import load_session
from ntt.io.video_file import iter_video_frames
from ntt.pipeline import build_pipeline
from ntt.settings import FusionSettings, Settings

SIZE = (1400, 900)
# The GUI is tested on a fixed, fast pipeline: vision + VAD + the hand-set fusion rule.
PIPELINE = Settings(asr="none", fusion=FusionSettings(kind="rule"))
COLOUR_TOLERANCE = 40


def _pixels(image: QImage) -> np.ndarray:
    """H×W×3 RGB array of a QImage."""
    img = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    ptr = img.constBits()
    ptr.setsize(img.sizeInBytes())
    return np.frombuffer(ptr, np.uint8).reshape(h, img.bytesPerLine())[:, :3 * w].reshape(
        h, w, 3).copy()


def _has_colour(pixels: np.ndarray, colour: QColor | tuple, min_count: int = 10) -> int:
    rgb = (colour.red(), colour.green(), colour.blue()) if isinstance(colour, QColor) else colour
    near = np.abs(pixels.astype(int) - np.array(rgb)).sum(axis=2) < COLOUR_TOLERANCE
    return int(near.sum()) if near.sum() >= min_count else 0


def _spin(seconds: float, until=None) -> bool:
    app = application()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        if until is not None and until():
            return True
        time.sleep(0.01)
    return until is None


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    """The sample session (a copy, so annotations can be saved) replayed to the end."""
    root = shutil.copytree(SAMPLE, tmp_path_factory.mktemp("gui") / "living-room")
    application()
    window = MainWindow(settings=PIPELINE)
    window.timer.stop()  # the tests move the playhead themselves
    window.resize(*SIZE)
    window.show()
    window.open_session(root)
    assert window.wait_processed(timeout_s=180), window.pipeline_error
    assert window.worker.finished
    yield window
    window.close()


def test_replay_runs_the_pipeline_over_the_whole_session(replayed):
    store = replayed.store
    assert store.processed_s == pytest.approx(replayed.session.duration_s, abs=0.1)
    # The sample's face is visible throughout: one FacesCue per video frame.
    assert len(store.faces) == replayed.session.video.frame_count
    assert len(store.segments()) >= len(replayed.session.labels.utterances)
    assert store.finals() and store.earlies()


def test_video_pane_draws_the_face_box_at_the_playhead(replayed):
    replayed.seek(0.3)  # before the first utterance: a face, nobody speaking
    cue = replayed.store.faces_at(0.3)
    assert replayed.video.boxes_drawn == len(cue.faces) == 1
    face = cue.faces[0]
    pixels = _pixels(replayed.video.composite)
    x, y, w, h = face.box_xywh
    edge = pixels[y - 2:y + 3, x + w // 4:x + 3 * w // 4]  # the top edge of the box
    assert _has_colour(edge, track_colour(face.track_id))
    assert not _has_colour(pixels, SPEAKER_COLOUR)  # no speaker highlight
    # Mid-utterance the speaker's box is highlighted.
    u = replayed.session.labels.utterances[0]
    replayed.seek((u.start_s + u.end_s) / 2)
    assert replayed.store.active_speaker(replayed.t_s) == face.track_id
    around = _pixels(replayed.video.composite)[max(0, y - 30):y + h + 30,
                                              max(0, x - 30):x + w + 30]
    assert _has_colour(around, SPEAKER_COLOUR, min_count=50)


def test_seeking_back_reads_stored_cues(replayed):
    n_faces, n_decisions = len(replayed.store.faces), len(replayed.store.decisions)
    for t in (15.0, 2.0, 0.5, 9.0):
        replayed.seek(t)
        cue = replayed.store.faces_at(t)
        assert replayed.video.boxes_drawn == len(cue.faces)
        assert replayed.timeline.playheads["truth"].value() == pytest.approx(t)
        lo, hi = replayed.timeline.lanes["scores"].getViewBox().viewRange()[0]
        assert lo <= t <= hi  # the lanes scroll with the playhead
    assert (len(replayed.store.faces), len(replayed.store.decisions)) == (n_faces, n_decisions)
    assert not replayed.worker.running


def test_timeline_markers_match_the_decisions(replayed):
    store, tl = replayed.store, replayed.timeline
    replayed.refresh_lanes(force=True)
    assert tl.counts["final"] == len(store.finals()) == len(tl.final_markers.points())
    assert tl.counts["early"] == len(store.earlies()) == len(tl.early_markers.points())
    assert tl.counts["truth"] == len(replayed.session.labels.utterances)
    expected = verdicts(store.finals(), replayed.session.labels.utterances)
    assert tl.counts["errors"] == sum(v.error for v in expected)
    assert tl.counts["states"] >= 2 * len(replayed.session.labels.device_turns)
    assert tl.threshold_line.value() == pytest.approx(store.threshold)


def test_clicking_a_final_marker_opens_the_inspector(replayed):
    decision = replayed.store.finals()[0]
    replayed.seek(decision.t_s)
    replayed.refresh_lanes(force=True)
    application().processEvents()
    vb = replayed.timeline.lanes["scores"].getViewBox()
    scene = vb.mapViewToScene(QPointF(decision.t_s, decision.p_directed))
    pos = replayed.timeline.mapFromScene(scene)
    QTest.mouseClick(replayed.timeline.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, QPoint(pos.x(), pos.y()))
    assert replayed.inspector.decision is decision
    text = replayed.inspector.toPlainText()
    assert "final decision" in text and "contributions" in text
    assert "vision" in text and "true accept" in text
    assert replayed.tabs.currentWidget() is replayed.inspector


def test_chat_shows_the_conversation_up_to_the_playhead(replayed):
    turns = replayed.session.labels.device_turns
    replayed.seek(turns[0].start_s - 0.2)
    assert not [e for e in replayed.chat.entries if e.who == "device"]
    replayed.seek(turns[-1].start_s + 0.5)
    device = [e.text for e in replayed.chat.entries if e.who == "device"]
    assert device == [t.text for t in turns]
    users = [e for e in replayed.chat.entries if e.who == "user"]
    assert users[0].text == replayed.session.labels.utterances[0].text and users[0].directed
    assert turns[-1].text in replayed.chat.view.toPlainText()


def test_screenshot_shows_the_overlays(replayed):
    replayed.seek(1.2)
    image = replayed.screenshot()
    assert (image.width(), image.height()) == SIZE
    pixels = _pixels(image)
    assert pixels.std() > 20  # not blank
    face = replayed.store.faces_at(1.2).faces[0]
    x, y, w, h = face.box_xywh
    rect = replayed.video.image_rect()
    scale = rect.width() / replayed.video.composite.width()
    origin = replayed.video.mapTo(replayed, QPoint(int(rect.x()), int(rect.y())))
    x0, y0 = int(origin.x() + x * scale), int(origin.y() + y * scale)
    region = pixels[y0 - 15:y0 + int(h * scale) + 15, x0 - 15:x0 + int(w * scale) + 15]
    assert _has_colour(region, track_colour(face.track_id))
    assert _has_colour(region, SPEAKER_COLOUR)  # she is speaking at 1.2 s
    assert not _has_colour(pixels[:y0 - 60], track_colour(face.track_id), min_count=200)


def test_annotating_marks_errors_and_saves_labels(replayed):
    tl = replayed.timeline
    u002 = next(u for u in replayed.session.labels.utterances if u.id == "u002")
    tl.truthClicked.emit((u002.start_s + u002.end_s) / 2)
    assert replayed.annotate.selected is not None
    assert replayed.annotations.utterances[replayed.annotate.selected].id == "u002"
    assert tl.selection.isVisible()
    errors = tl.counts["errors"]
    accepted = any(d.directed for d in replayed.store.finals()
                   if d.start_s < u002.end_s and d.end_s > u002.start_s)
    replayed.annotate.directed.click()  # now labelled as said to the device
    assert tl.counts["errors"] == errors + (-1 if accepted else 1)
    if not accepted:  # rejected (or never decided): a false reject, marked on the lane
        assert any(item.toPlainText() == "FR" for item in tl._truth_texts)
    replayed.seek(3.0)  # the device is talking: no voice activity under the playhead
    replayed.add_annotation_at_playhead()
    assert len(replayed.annotations.utterances) == 6
    path = replayed.save_labels()
    assert path is not None
    labels = load_session(replayed.session.root).labels
    assert len(labels.utterances) == 6
    assert next(u for u in labels.utterances if u.id == "u002").addressee == "device"
    assert replayed.session.labels == labels


def test_privacy_in_replay_shows_the_audio_only_decisions():
    application()
    window = MainWindow(settings=PIPELINE)
    window.timer.stop()
    window.resize(*SIZE)
    window.show()
    try:
        window.open_session(SAMPLE)
        window.set_privacy(True)
        assert window.wait_processed(timeout_s=120)
        assert window.store.faces == [] and window.store.finals()
        assert all(d.speaker_track is None and "vision" not in d.contributions
                   for d in window.store.finals())
        window.seek(1.2)
        assert window.video.composite is None and window.video.camera_off
        assert "AUDIO-ONLY" in window.mode_label.text()
        pixels = _pixels(window.screenshot())
        assert _has_colour(pixels, (255, 170, 0), min_count=100)  # the audio-only banner
    finally:
        window.close()


def test_live_session_is_recorded_with_privacy_blanking(tmp_path, monkeypatch):
    """Live from a video file as camera and a WAV as microphone (paced like devices)."""
    monkeypatch.setenv("NTT_DATA_DIR", str(tmp_path / "engine"))  # the engine's store
    application()
    window = MainWindow(settings=PIPELINE)
    window.chat.speak.setChecked(False)  # a test never talks through the speakers
    window.resize(*SIZE)
    window.show()
    session = load_session(SAMPLE)
    try:
        window.start_live(str(session.video_path), str(session.audio_path))
        assert not window.play_button.isEnabled() and window.record_box.isEnabled()
        window.record_dir = tmp_path / "recording"
        window.record_box.setChecked(True)
        assert window.recorder.active and window.video.recording_s is not None
        # Past the first request (0.6-2.0 s), seen with the camera on.
        assert _spin(60, lambda: window.store.processed_s > 2.3 and window.store.faces)
        if "engine" in inspect.signature(build_pipeline).parameters:
            # The conversation engine runs live: it started listening to the request.
            assert any(s.state == "listening" for s in window.store.engine_states)
        window.set_privacy(True)
        assert _spin(30, lambda: window.store.camera_off_at(window.store.processed_s - 0.7))
        window.set_privacy(False)
        assert _spin(30, lambda: any(s.kind == "privacy_off" and window.store.processed_s >
                                     s.t_s + 0.7 for s in window.store.status))
        window.record_box.setChecked(False)
        assert not window.recorder.active and window.video.recording_s is None
        saved = load_session(window.last_recording)
        assert saved.video is not None and saved.duration_s > 1.5
        assert saved.video.frame_count == int(np.ceil(saved.duration_s * saved.fps))
        on = next(s.t_s for s in window.store.status if s.kind == "privacy_on")
        off = next(s.t_s for s in window.store.status if s.kind == "privacy_off")
        means = [float(f.image_bgr.mean())
                 for f in iter_video_frames(saved.video_path, saved.fps)]
        inside = means[int((on + 0.15) * saved.fps):int((off - 0.1) * saved.fps)]
        assert inside and max(inside) < 5  # black while the camera was off
        assert max(means) > 30  # the room before and after
    finally:
        window.stop_live()
        window.close()


def test_asr_lane_and_inspector_show_real_recognition():
    """Partial and final text from pocketsphinx over the sample's first request, through the
    pipeline the window replays with (the session's array and playback, as ``ntt run``):
    one utterance, one final result."""
    from apps.visualizer.panes import InspectorPane
    from apps.visualizer.store import CueStore
    from apps.visualizer.timeline import Timeline
    from apps.visualizer.wiring import make_session_pipeline, replay_source
    from ntt.cues import Decision, MicArrayChunk

    application()
    session = load_session(SAMPLE)
    first = session.labels.utterances[0]
    cues = []
    source = replay_source(session, use_video=False)
    pipeline = make_session_pipeline([cues.append], Settings(fusion=FusionSettings(kind="rule")),
                                     session, source, use_video=False)
    assert source.array and pipeline.takes(MicArrayChunk)  # the four microphones, the playback
    for chunk in source:
        if chunk.t_s > first.end_s + 0.8:
            break
        pipeline.push(chunk)
    store = CueStore(session.duration_s)
    store.add_many(cues)
    assert len(store.asr_finals) == 1 and store.partials
    result = store.asr_finals[0]
    timeline, inspector = Timeline(), InspectorPane()
    timeline.update_asr(store)
    shown = [item.toPlainText() for item in timeline._asr_items]
    assert shown == [result.text] and timeline.counts["asr"] == 1
    assert timeline.asr_note.toPlainText() == ""
    ((start, end),) = store.segments()
    decision = Decision(result.t_s, "final", start, end, None, 0.3, False)
    inspector.show_decision(decision, store, None)
    text = inspector.toPlainText()
    for h in result.hypotheses[:3]:
        assert h.text in text
    assert "pocketsphinx" in text


def test_the_window_says_audio_only_when_the_live_camera_fails_and_stopped_without_a_mic():
    """The status bar's mode label, not only the store behind it: a live camera that does
    not exist (index 99) leaves the stream running on the microphone (a WAV paced like one)
    and the label says so; a microphone that cannot open stops it, and the label names it."""
    application()
    window = MainWindow(settings=PIPELINE)
    window.chat.speak.setChecked(False)
    window.show()
    session = load_session(SAMPLE)
    try:
        window.start_live(99, str(session.audio_path))
        assert _spin(60, lambda: "AUDIO-ONLY (camera lost)" in window.mode_label.text())
        heard = window.store.processed_s
        assert _spin(30, lambda: window.store.processed_s > heard + 1.0)  # still listening
        window.stop_live()
        window.start_live(99, 99)  # no such microphone either
        assert _spin(60, lambda: "LIVE STOPPED" in window.mode_label.text())
        assert "microphone" in window.mode_label.text()
    finally:
        window.stop_live()
        window.close()
