"""The main window: sources and transport, the video pane, the timelines and the side panes
(inspector, chat, annotation), tied to one ``CueStore`` filled by the pipeline worker.

A 15 fps timer drives the playhead. Each tick reads the frame at the playhead and the cues
known then from the store, and moves the timelines; lanes whose data changed are redrawn
at most a few times a second. The pipeline never runs on this thread.
"""

from __future__ import annotations

import html
import logging
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QAction, QCloseEvent, QImage, QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSlider,
    QSplitter,
    QTabWidget,
    QToolBar,
    QWidget,
)

from apps.visualizer import store as cat
from apps.visualizer.annotations import Annotations
from apps.visualizer.derive import Verdict, chat_entries, engine_bands, mode_text, verdicts
from apps.visualizer.frames import FrameReader
from apps.visualizer.overlay import OverlayOptions
from apps.visualizer.panes import AnnotatePane, ChatPane, InspectorPane
from apps.visualizer.recorder import SessionRecorder
from apps.visualizer.store import CueStore
from apps.visualizer.timeline import Timeline
from apps.visualizer.video_pane import VideoPane
from apps.visualizer.wiring import make_engine, make_pipeline, make_session_pipeline, replay_source
from apps.visualizer.worker import (
    AudioOut,
    FileAudioReader,
    PipelineWorker,
    PrivacyCamera,
    list_microphones,
)
from ntt.cues import SAMPLE_RATE_HZ, AudioChunk, Decision, VideoFrame
from ntt.errors import InputError
from ntt.io.session import Session, load_session
from ntt.io.sources import LiveSource, MicrophoneReader
from ntt.settings import Settings

log = logging.getLogger(__name__)

UI_FPS = 15
LANE_REFRESH_S = 0.25  # changed lanes are redrawn at most this often
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
LIVE_HISTORY_S = 300.0  # waveform kept on screen in live mode
ANNOTATION_DEFAULT_S = 1.5
SEEK_STEP_S = 1.0  # left/right arrow keys
RECORDINGS_DIR = Path.home() / "ntt-recordings"
DEFAULT_MIC = "default microphone"


class MainWindow(QMainWindow):
    """``settings``: the pipeline's settings (default ``ntt.settings.Settings()``)."""

    def __init__(self, parent: QWidget | None = None,
                 settings: Settings | None = None):
        super().__init__(parent)
        self.settings = settings or Settings()
        self._engine_holder: dict[str, Any] = {"engine": None}
        self.pipeline_error: str | None = None
        self.setWindowTitle("NTT — natural turn-taking visualizer")
        self.resize(1400, 900)
        self.mode = "idle"  # idle | replay | live
        self.session: Session | None = None
        self.store = CueStore()
        self.worker: PipelineWorker | None = None
        self.frames: FrameReader | None = None
        self.annotations: Annotations | None = None
        self.recorder = SessionRecorder()
        self.last_recording: Path | None = None
        self.record_dir: Path | None = None  # where the next recording goes (None: ask)
        self.camera: PrivacyCamera | None = None
        self.audio_out = AudioOut()
        self.t_s = 0.0
        self.playing = False
        self.speed = 1.0
        self.privacy = False
        self._live_frame: VideoFrame | None = None
        self._wall = time.monotonic()
        self._dirty: set[str] = set()
        self._last_lane_update = 0.0
        self._verdicts: list[Verdict] = []
        self._chat: list = []
        self._pipeline_ready = False
        self._build()
        self.timer = QTimer(self)
        self.timer.setInterval(int(1000 / UI_FPS))
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self._update_mode_label()

    # --- layout --------------------------------------------------------------------------

    def _build(self) -> None:
        bar = QToolBar("controls")
        bar.setMovable(False)
        self.addToolBar(bar)
        open_action = QAction("Open session…", self)
        open_action.triggered.connect(self._open_dialog)
        bar.addAction(open_action)
        bar.addSeparator()
        bar.addWidget(QLabel(" camera "))
        self.camera_box = QComboBox()
        self.camera_box.setEditable(True)
        self.camera_box.addItems(["0", "1", "2"])
        self.camera_box.setToolTip("camera index, or a video file to use as the camera")
        bar.addWidget(self.camera_box)
        bar.addWidget(QLabel(" mic "))
        self.mic_box = QComboBox()
        self.mic_box.setEditable(True)
        self.mic_box.addItem(DEFAULT_MIC, None)
        for index, name in list_microphones():
            self.mic_box.addItem(name, index)
        self.mic_box.setToolTip("input device, or an audio file to use as the microphone")
        bar.addWidget(self.mic_box)
        self.live_button = QPushButton("Start live")
        self.live_button.clicked.connect(self._toggle_live)
        bar.addWidget(self.live_button)
        bar.addSeparator()
        self.play_button = QPushButton("Play")
        self.play_button.clicked.connect(self.toggle_play)
        bar.addWidget(self.play_button)
        self.speed_box = QComboBox()
        for s in SPEEDS:
            self.speed_box.addItem(f"{s:g}×", s)
        self.speed_box.setCurrentIndex(SPEEDS.index(1.0))
        self.speed_box.currentIndexChanged.connect(
            lambda i: self.set_speed(self.speed_box.itemData(i)))
        bar.addWidget(self.speed_box)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimumWidth(220)
        self.slider.valueChanged.connect(lambda v: self.seek(v / 100.0))
        bar.addWidget(self.slider)
        self.time_label = QLabel(" 0.00 s ")
        bar.addWidget(self.time_label)
        self.addToolBarBreak()
        bar = QToolBar("view")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.toggles: dict[str, QCheckBox] = {}
        for key, text, on in (("landmarks", "Landmarks", False), ("axes", "Head axes", True),
                              ("gaze", "Gaze", True), ("follow", "Follow", True),
                              ("sound", "Sound", False)):
            box = QCheckBox(text)
            box.setChecked(on)
            box.toggled.connect(self._overlay_toggled)
            bar.addWidget(box)
            self.toggles[key] = box
        self.toggles["sound"].setEnabled(self.audio_out.available)
        self.privacy_box = QCheckBox("Privacy (camera off)")
        self.privacy_box.toggled.connect(self.set_privacy)
        bar.addWidget(self.privacy_box)
        self.record_box = QCheckBox("● Record")
        self.record_box.setToolTip("Record the live camera and microphone as a session "
                                   "(off unless you turn it on)")
        self.record_box.setEnabled(False)
        self.record_box.toggled.connect(self.set_recording)
        bar.addWidget(self.record_box)

        self.video = VideoPane()
        self.tabs = QTabWidget()
        self.inspector = InspectorPane()
        self.chat = ChatPane()
        self.annotate = AnnotatePane()
        self.tabs.addTab(self.inspector, "Inspector")
        self.tabs.addTab(self.chat, "Chat")
        self.tabs.addTab(self.annotate, "Annotate")
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.video)
        top.addWidget(self.tabs)
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        self.timeline = Timeline()
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(top)
        main.addWidget(self.timeline)
        main.setStretchFactor(0, 1)
        main.setStretchFactor(1, 1)
        main.setSizes([430, 470])
        self.setCentralWidget(main)

        self.mode_label = QLabel()
        self.progress_label = QLabel()
        self.rec_label = QLabel()
        self.statusBar().addPermanentWidget(self.progress_label)
        self.statusBar().addPermanentWidget(self.rec_label)
        self.statusBar().addPermanentWidget(self.mode_label)

        self.timeline.seekRequested.connect(self.seek)
        self.timeline.decisionClicked.connect(self.inspect)
        self.timeline.truthClicked.connect(self._truth_clicked)
        self.timeline.selection.sigRegionChangeFinished.connect(self._region_moved)
        self.annotate.selectionChanged.connect(self._annotation_selected)
        self.annotate.changed.connect(self._annotations_changed)
        self.annotate.saveRequested.connect(self.save_labels)
        self.annotate.addFromSelection.connect(self.add_annotation_at_playhead)
        self.annotate.addFromVad.connect(self._add_vad_segments)
        self.chat.conversationToggled.connect(self.set_conversation_mode)
        for key, action in ((Qt.Key.Key_Space, self.toggle_play),
                            (Qt.Key.Key_Left, lambda: self.seek(self.t_s - SEEK_STEP_S)),
                            (Qt.Key.Key_Right, lambda: self.seek(self.t_s + SEEK_STEP_S))):
            QShortcut(QKeySequence(key), self, activated=action)

    # --- sources -------------------------------------------------------------------------

    def _open_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a recorded session")
        if path:
            try:
                self.open_session(path)
            except InputError as exc:
                QMessageBox.warning(self, "Cannot open session", str(exc))

    def open_session(self, path: str | Path) -> None:
        """Replay a recorded session (raises InputError if it does not validate)."""
        session = load_session(path)
        self.stop_live()  # saves a recording in progress
        self._stop_sources()
        self.session = session
        self.mode = "replay"
        self.store = CueStore(session.duration_s)
        if self.frames is not None:
            self.frames.close()
        self.frames = (FrameReader(session.video_path, session.fps, session.video.frame_count)
                       if session.video_path is not None and session.video is not None
                       else None)
        self._audio = session.audio()
        self.timeline.set_audio(self._audio)
        self.annotations = Annotations(session.labels, session.participants,
                                       session.duration_s)
        self.annotate.set_model(self.annotations)
        self.slider.blockSignals(True)
        self.slider.setRange(0, int(session.duration_s * 100))
        self.slider.blockSignals(False)
        self.record_box.setEnabled(False)
        self.live_button.setText("Start live")
        self._set_transport_enabled(True)
        self._start_replay_worker()
        self.setWindowTitle(f"NTT — {session.name}")
        self.playing = False
        self.seek(0.0)
        self._update_mode_label()

    def _start_replay_worker(self) -> None:
        session = self.session
        use_video = not self.privacy and session.video_path is not None
        self.store.clear()
        self._dirty = {cat.FACES, cat.SPEECH, cat.DECISIONS, cat.ASR, cat.SCORES, cat.ENGINE}
        source = replay_source(session, use_video=use_video)
        settings = self.settings
        # Like ``ntt run``: the engine answers only where there is recognised text.
        with_engine = settings.asr != "none"
        holder: dict[str, Any] = {"engine": None, "dispose": None}

        def build(observers):  # on the worker thread, like everything the engine does
            if with_engine:
                holder["engine"], holder["dispose"] = make_engine(live=False)
            return make_session_pipeline(observers, settings, session, source,
                                         use_video=use_video, engine=holder["engine"])

        self._start_worker(build, source, holder)

    def _start_worker(self, build, source, holder: dict[str, Any], **kwargs) -> None:
        def cleanup() -> None:
            if holder["dispose"] is not None:
                holder["dispose"]()

        self._engine_holder = holder
        self.worker = PipelineWorker(build, source, cleanup=cleanup, **kwargs)
        self._connect_worker(self.worker)
        self.worker.start()

    def start_live(self, camera: int | str = 0, mic: str | int | None = None) -> None:
        """Live from devices. ``camera`` is an index or a video file; ``mic`` a device
        index/name, None for the default, or an audio file."""
        self._stop_sources()
        self.mode = "live"
        self.session = None
        self.frames = None
        self.annotations = None
        self.annotate.set_model(None)
        self.store = CueStore()
        self._dirty = {cat.FACES, cat.SPEECH, cat.DECISIONS, cat.ASR, cat.SCORES, cat.ENGINE}
        self._live_frame = None
        self.timeline.set_audio(np.zeros(0, np.float32))
        if isinstance(mic, str) and Path(mic).is_file():
            reader = FileAudioReader(mic)
        else:
            reader = MicrophoneReader(mic)
        self.camera = PrivacyCamera(camera)
        if self.privacy:
            self.camera.set_privacy(True)
        source = LiveSource(reader, self.camera)
        settings = self.settings
        speak = self.chat.speak.isChecked()

        holder: dict[str, Any] = {"engine": None, "dispose": None}

        def build(observers):  # on the worker thread, like everything the engine does
            holder["engine"], holder["dispose"] = make_engine(live=True, speak=speak)
            return make_pipeline(observers, settings, use_video=True,
                                 engine=holder["engine"])

        self._start_worker(build, source, holder, forward_media=True, taps=[self.recorder.tap])
        self.playing = True
        self._set_transport_enabled(False)
        self.record_box.setEnabled(True)
        self.live_button.setText("Stop live")
        self._update_mode_label()

    def stop_live(self) -> None:
        if self.mode != "live":
            return
        if self.recorder.active:
            self.record_box.setChecked(False)
        self._stop_sources()
        self.mode = "idle"
        self.playing = False
        self._set_transport_enabled(True)
        self.record_box.setEnabled(False)
        self.live_button.setText("Start live")
        self._update_mode_label()

    def _set_transport_enabled(self, on: bool) -> None:
        """Play, speed and seek make sense for a recording, not for the live present."""
        for w in (self.play_button, self.speed_box, self.slider):
            w.setEnabled(on)

    def _toggle_live(self) -> None:
        if self.mode == "live":
            self.stop_live()
            return
        text = self.camera_box.currentText().strip()
        camera: int | str = int(text) if text.isdigit() else text
        mic_text = self.mic_box.currentText().strip()
        data = self.mic_box.currentData()
        mic = data if data is not None else (None if mic_text in ("", DEFAULT_MIC) else mic_text)
        self.start_live(camera, mic)

    def _connect_worker(self, worker: PipelineWorker) -> None:
        self._pipeline_ready = False
        self.pipeline_error = None
        worker.ready.connect(self._on_ready)
        worker.cues.connect(self._on_cues)
        worker.media.connect(self._on_media)
        worker.progress.connect(self._on_progress)
        worker.failed.connect(self._on_failed)
        worker.done.connect(self._update_mode_label)

    def _stop_sources(self) -> None:
        if self.worker is not None:
            for signal in (self.worker.ready, self.worker.cues, self.worker.media,
                           self.worker.progress, self.worker.failed, self.worker.done):
                signal.disconnect()
            self.worker.stop()
            self.worker = None
        self.camera = None
        self._engine_holder = {"engine": None}
        self.audio_out.stop()

    # --- worker signals ------------------------------------------------------------------

    def _on_ready(self, info: dict) -> None:
        self._pipeline_ready = True
        self.store.threshold = info.get("threshold", self.store.threshold)
        self._dirty.add(cat.DECISIONS)

    def _on_cues(self, batch: list) -> None:
        changed = self.store.add_many(batch)
        self._dirty |= changed
        if cat.STATUS in changed:  # a device lost or back: the mode label says so
            self._update_mode_label()

    def _on_media(self, items: list) -> None:
        for item in items:
            if isinstance(item, AudioChunk):
                self.timeline.append_audio(item.samples, item.t_s, LIVE_HISTORY_S)
                self.store.processed_s = max(self.store.processed_s, item.end_s)
            elif isinstance(item, VideoFrame):
                self._live_frame = item

    def _on_progress(self, t_s: float) -> None:
        self.store.processed_s = max(self.store.processed_s, t_s)
        if self.mode == "live":
            self._dirty.add(cat.ENGINE)  # the last state band grows with the present

    def _on_failed(self, message: str) -> None:
        self.pipeline_error = message
        self.statusBar().showMessage(f"pipeline failed: {message}")
        self.progress_label.setText("pipeline failed")
        self._update_mode_label()
        log.debug("pipeline failed: %s", message)

    # --- transport -----------------------------------------------------------------------

    @property
    def duration_s(self) -> float:
        if self.mode == "replay" and self.session is not None:
            return self.session.duration_s
        return self.store.processed_s

    @property
    def processing_done(self) -> bool:
        return self.worker is None or (not self.worker.running and self.mode != "live")

    def toggle_play(self) -> None:
        self.pause() if self.playing else self.play()

    def play(self) -> None:
        if self.mode != "replay":
            return
        if self.t_s >= self.duration_s - 1e-3:
            self.t_s = 0.0
        self.playing = True
        self._wall = time.monotonic()
        self.play_button.setText("Pause")
        self._start_sound()

    def pause(self) -> None:
        if self.mode == "live":
            return
        self.playing = False
        self.play_button.setText("Play")
        self.audio_out.stop()

    def set_speed(self, speed: float) -> None:
        self.speed = float(speed)
        self._wall = time.monotonic()
        self._start_sound()

    def seek(self, t_s: float) -> None:
        if self.mode == "live":
            return
        self.t_s = float(min(max(t_s, 0.0), self.duration_s))
        self._wall = time.monotonic()
        self.render()
        self._start_sound()

    def _start_sound(self) -> None:
        self.audio_out.stop()
        if (self.playing and self.mode == "replay" and self.toggles["sound"].isChecked()
                and self.speed == 1.0):
            self.audio_out.play(self._audio[int(self.t_s * SAMPLE_RATE_HZ):])

    def _tick(self) -> None:
        now = time.monotonic()
        if self.mode == "replay" and self.playing:
            target = self.t_s + (now - self._wall) * self.speed
            if not self.processing_done:
                target = min(target, self.store.processed_s)  # wait for the pipeline
            if target >= self.duration_s:
                target = self.duration_s
                self.pause()
            self.t_s = target
        elif self.mode == "live":
            self.t_s = self.store.processed_s
        self._wall = now
        if self.recorder.active:
            self._show_recording()
        self.render()

    def _show_recording(self) -> None:
        self.video.set_recording(self.recorder.seconds)
        self.rec_label.setText(f"<b style='color:#d00'>● REC {self.recorder.seconds:.0f} s</b>")

    # --- drawing -------------------------------------------------------------------------

    def refresh_lanes(self, force: bool = False) -> None:
        """Redraw the lanes whose data changed (throttled unless ``force``)."""
        now = time.monotonic()
        if not self._dirty or (not force and now - self._last_lane_update < LANE_REFRESH_S):
            return
        dirty, self._dirty = self._dirty, set()
        self._last_lane_update = now
        if cat.SPEECH in dirty:
            self.timeline.update_speech(self.store)
        if cat.ASR in dirty:
            self.timeline.update_asr(self.store)
        if dirty & {cat.FACES, cat.SCORES}:
            self.timeline.update_scores(self.store)
        if cat.DECISIONS in dirty:
            self.timeline.update_decisions(self.store)
        if dirty & {cat.DECISIONS, cat.ENGINE, cat.SPEECH, "truth"}:
            self._update_truth_and_engine()
        if dirty & {cat.DECISIONS, cat.ASR, cat.ENGINE, "truth"}:
            utts = self.annotations.utterances if self.annotations else ()
            turns = self._device_turns()
            self._chat = chat_entries(self.store, utts, turns)

    def _device_turns(self) -> tuple:
        if self.annotations is not None:
            return self.annotations.device_turns
        return ()

    def _update_truth_and_engine(self) -> None:
        utts = self.annotations.utterances if self.annotations else []
        labelled = self.annotations is not None and (
            bool(utts) or (self.session is not None and self.session.labels is not None))
        # Without ground truth there is nothing to be right or wrong against.
        self._verdicts = verdicts(self.store.finals(), utts) if labelled else []
        self.timeline.update_truth(utts, self._verdicts, self.annotate.selected)
        bands, source = engine_bands(self.store, self._device_turns(),
                                     max(self.duration_s, self.store.processed_s))
        self.timeline.update_engine(bands, source)

    def render(self) -> None:
        """Show the playhead's moment in every pane."""
        self.refresh_lanes()
        t = self.t_s
        image = None
        if self.mode == "replay" and self.frames is not None and not self.privacy:
            image = self.frames.frame(self.frames.index_at(t))
        elif self.mode == "live" and self._live_frame is not None and not self.privacy:
            image = self._live_frame.image_bgr
        cue = self.store.faces_at(t)
        speaker = self.store.active_speaker(t)
        camera_off = self.privacy or (self.mode != "idle" and self.store.camera_off_at(t))
        decision = self.store.decision_known_at(t)
        caption = f"{t:6.2f} s · {len(cue.faces) if cue else 0} face(s)"
        if self.worker is not None and not self._pipeline_ready:
            caption += " · starting the pipeline (loading models)…"
        if speaker is not None:
            caption += f" · speaking: #{speaker}"
        if decision is not None:
            caption += (f" · {decision.kind} p={decision.p_directed:.2f} "
                        f"{'DIRECTED' if decision.directed else 'not directed'}")
        self.video.show_frame(image, cue, speaker_track=speaker,
                              threshold=self.store.threshold, camera_off=camera_off,
                              caption=caption, privacy=self.privacy)
        self.timeline.follow = self.toggles["follow"].isChecked()
        self.timeline.set_playhead(t)
        self.slider.blockSignals(True)
        self.slider.setValue(int(t * 100))
        self.slider.blockSignals(False)
        self.time_label.setText(f" {t:6.2f} / {self.duration_s:.2f} s ")
        self.chat.set_entries(self._chat, t)
        if self.mode == "replay" and self.session is not None:
            state = "done" if self.processing_done else "running"
            self.progress_label.setText(f"pipeline {state}: {self.store.processed_s:.1f} / "
                                        f"{self.session.duration_s:.1f} s")

    def _overlay_toggled(self) -> None:
        self.video.options = OverlayOptions(landmarks=self.toggles["landmarks"].isChecked(),
                                            axes=self.toggles["axes"].isChecked(),
                                            gaze=self.toggles["gaze"].isChecked())
        if self.sender() is self.toggles["sound"]:
            self._start_sound()
        self.render()

    def _update_mode_label(self) -> None:
        text, warning = mode_text(self.mode, self.session.name if self.session else None,
                                  self.privacy, self.store, self.pipeline_error)
        if warning is not None:
            text += f" · <b style='color:#e80'>{html.escape(warning)}</b>"
        self.mode_label.setText(text)

    def set_conversation_mode(self, on: bool) -> None:
        """Live: tell the engine to stay in (or leave) the conversation without being
        addressed each time. A replay is a recording: nothing to tell."""
        engine = self._engine_holder["engine"]
        if self.mode != "live" or engine is None or self.worker is None:
            self.statusBar().showMessage("conversation mode applies to the live engine")
            return
        self.worker.call_soon(lambda: engine.set_conversation_mode(on))

    # --- privacy and recording -----------------------------------------------------------

    def set_privacy(self, on: bool) -> None:
        """Camera off: live releases the device; replay re-runs the pipeline without video,
        so every decision shown is the audio-only one."""
        if on == self.privacy:
            return
        self.privacy = on
        self.privacy_box.blockSignals(True)
        self.privacy_box.setChecked(on)
        self.privacy_box.blockSignals(False)
        if self.mode == "live" and self.camera is not None:
            self.camera.set_privacy(on)
            self._live_frame = None
        elif self.mode == "replay" and self.session is not None:
            t = self.t_s
            self._stop_sources()
            self._start_replay_worker()
            self.t_s = t
        self._update_mode_label()
        self.render()

    def set_recording(self, on: bool) -> None:
        if on == self.recorder.active:
            return
        if on:
            if self.mode != "live":
                self.record_box.setChecked(False)
                return
            out = self.record_dir or self._ask_record_dir()
            if out is None:
                self.record_box.setChecked(False)
                return
            try:
                self.recorder.start(out)
            except InputError as exc:
                self.record_box.setChecked(False)
                self.statusBar().showMessage(str(exc))
                return
            self.statusBar().showMessage(f"recording to {out}")
            self._show_recording()
        else:
            path = self.recorder.stop()
            self.video.set_recording(None)
            self.rec_label.setText("")
            if path is not None:
                self.last_recording = path
                self.statusBar().showMessage(f"saved session {path} — open it to annotate")

    def _ask_record_dir(self) -> Path | None:
        default = RECORDINGS_DIR / datetime.now().strftime("%Y%m%d-%H%M%S")
        path, _ = QFileDialog.getSaveFileName(self, "Record session to directory",
                                              str(default))
        return Path(path) if path else None

    # --- inspector and annotation --------------------------------------------------------

    def inspect(self, decision: Decision) -> None:
        verdict = next((v for v in self._verdicts if v.decision is decision), None)
        if verdict is None:
            verdict = next((v for v in self._verdicts if v.start_s <= decision.end_s
                            and decision.start_s <= v.end_s), None)
        self.inspector.show_decision(decision, self.store, verdict)
        self.timeline.select_decision(decision)
        self.tabs.setCurrentWidget(self.inspector)

    def _truth_clicked(self, t_s: float) -> None:
        if self.annotations is None:
            self.seek(t_s)
            return
        self.annotate.select(self.annotations.at(t_s))
        self.tabs.setCurrentWidget(self.annotate)

    def _annotation_selected(self, index) -> None:
        if self.annotations is None or index is None:
            self.timeline.show_selection(None)
        else:
            u = self.annotations.utterances[index]
            self.timeline.show_selection((u.start_s, u.end_s))
        self._dirty.add("truth")
        self.refresh_lanes(force=True)

    def _annotations_changed(self) -> None:
        self._dirty.add("truth")
        self.refresh_lanes(force=True)

    def _region_moved(self) -> None:
        if self.annotations is None or self.annotate.selected is None:
            return
        start, end = self.timeline.selection.getRegion()
        self.annotate.apply(start_s=round(float(start), 3), end_s=round(float(end), 3))

    def add_annotation_at_playhead(self) -> None:
        if self.annotations is None:
            return
        seg = self.store.segment_at(self.t_s)
        start, end = seg if seg else (self.t_s, self.t_s + ANNOTATION_DEFAULT_S)
        end = min(end, self.duration_s)
        self.annotate.edit(lambda: self.annotations.add(start, end))

    def _add_vad_segments(self) -> None:
        if self.annotations is None:
            return
        n = self.annotations.add_segments(self.store.segments())
        self.annotate.status.setText(f"added {n} voice-activity segment(s)")
        self.annotate.refresh()
        self._annotations_changed()

    def save_labels(self) -> Path | None:
        if self.annotations is None or self.session is None:
            return None
        try:
            path = self.annotations.save(self.session.root)
        except InputError as exc:
            self.annotate.status.setText(f"not saved: {exc}")
            return None
        self.annotate.status.setText(f"saved {path}")
        self.session = load_session(self.session.root)
        return path

    # --- headless use --------------------------------------------------------------------

    def wait_processed(self, until_s: float | None = None, timeout_s: float = 120.0) -> bool:
        """Run the event loop until the worker is done (or has processed ``until_s``)."""
        app = QApplication.instance()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            app.processEvents()
            if self.pipeline_error is not None:
                return False
            if self.processing_done:
                app.processEvents()  # the last batches are queued signals
                self.refresh_lanes(force=True)
                return True
            if until_s is not None and self.store.processed_s >= until_s:
                self.refresh_lanes(force=True)
                return True
            time.sleep(0.01)
        return False

    def screenshot(self) -> QImage:
        self.refresh_lanes(force=True)
        self.render()
        QApplication.instance().processEvents()
        return self.grab().toImage()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if self.recorder.active:
            self.set_recording(False)
        self.timer.stop()
        self._stop_sources()
        if self.frames is not None:
            self.frames.close()
        super().closeEvent(event)
