"""The pipeline in a worker thread, and the live devices it can read.

The worker builds the pipeline (loading models takes seconds), pushes every source item
and hands the cues to the UI thread in batches through Qt signals; the UI thread only
files them and draws. Replay runs the whole session ahead of the playhead as fast as the
stages allow; live runs at the devices' pace.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal

from ntt.cues import SAMPLE_RATE_HZ, AudioChunk, VideoFrame
from ntt.errors import InputError
from ntt.io.audio_file import read_audio
from ntt.io.sources import CHUNK_SAMPLES, CameraReader
from ntt.pipeline import Pipeline

log = logging.getLogger(__name__)

BATCH_INTERVAL_S = 0.05  # how often cues cross to the UI thread (faster than its 15 fps)
JOIN_TIMEOUT_S = 5.0

PipelineFactory = Callable[[list[Callable[[Any], None]]], Pipeline]


class PipelineWorker(QObject):
    """Runs ``make_pipeline(observers)`` over ``source`` in a Python thread.

    Signals: ``ready(dict)`` once the pipeline is built (its decision threshold),
    ``cues(list)`` batches of everything the stages emitted, ``media(list)`` the source's
    audio chunks and newest frame (live only), ``progress(float)`` session seconds
    processed, ``done()`` at the end and ``failed(str)`` if building or running failed.
    ``taps`` see every source item on the worker thread (the recorder is one);
    ``call_soon(fn)`` runs ``fn`` on the worker thread before the next item, so the UI never
    touches a stage itself; ``cleanup`` runs there at the end (stages that hold
    thread-bound resources, such as SQLite connections, close there).
    """

    ready = pyqtSignal(object)
    cues = pyqtSignal(object)
    media = pyqtSignal(object)
    progress = pyqtSignal(float)
    done = pyqtSignal()
    failed = pyqtSignal(str)

    def __init__(self, make_pipeline: PipelineFactory, source: Iterable, *,
                 forward_media: bool = False, taps: Iterable[Callable[[Any], None]] = (),
                 batch_interval_s: float = BATCH_INTERVAL_S,
                 cleanup: Callable[[], None] | None = None):
        super().__init__()
        self._make_pipeline = make_pipeline
        self.source = source
        self.forward_media = forward_media
        self.taps = list(taps)
        self.batch_interval_s = batch_interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.finished = False
        self.rtf: dict[str, float] = {}
        self.cleanup = cleanup
        self._calls: queue.Queue[Callable[[], None]] = queue.Queue()

    def call_soon(self, fn: Callable[[], None]) -> None:
        self._calls.put(fn)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ntt-pipeline", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the loop to end and wait for it (a live source is told to stop reading)."""
        self._stop.set()
        stop_source = getattr(self.source, "stop", None)
        if callable(stop_source):
            stop_source()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(JOIN_TIMEOUT_S)
            if self._thread.is_alive():
                log.warning("pipeline worker did not stop within %.0f s", JOIN_TIMEOUT_S)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        pending: list = []
        media: list = []
        try:
            pipeline = self._make_pipeline([pending.append])
            self.ready.emit({"threshold": fusion_threshold(pipeline)})
            processed = 0.0
            last_emit = time.monotonic()
            for item in self.source:
                if self._stop.is_set():
                    break
                while not self._calls.empty():
                    self._calls.get_nowait()()
                for tap in self.taps:
                    tap(item)
                pipeline.push(item)
                if isinstance(item, AudioChunk):
                    processed = item.end_s
                    if self.forward_media:
                        media.append(item)
                elif isinstance(item, VideoFrame) and self.forward_media:
                    media = [m for m in media if not isinstance(m, VideoFrame)] + [item]
                if time.monotonic() - last_emit >= self.batch_interval_s:
                    pending, media = self._send(pending, media, processed)
                    last_emit = time.monotonic()
            if not self._stop.is_set():
                pipeline.flush()
            self.rtf = pipeline.times.rtf()
            self._send(pending, media, processed)
            self.finished = not self._stop.is_set()
        except InputError as exc:  # a missing model or device: the message says it all
            self.failed.emit(str(exc))
            return
        except Exception as exc:  # any failure must reach the user, not kill a thread silently
            log.exception("pipeline worker failed")
            self.failed.emit(str(exc) or type(exc).__name__)
            return
        finally:
            if self.cleanup is not None:
                self.cleanup()
        self.done.emit()

    def _send(self, pending: list, media: list, processed: float) -> tuple[list, list]:
        if pending:
            self.cues.emit(list(pending))
            pending.clear()
        if media:
            self.media.emit(list(media))
            media.clear()
        self.progress.emit(processed)
        return pending, media


def fusion_threshold(pipeline: Pipeline) -> float:
    """The fusion stage's decision threshold (the model's and the rule's alike)."""
    return float(pipeline.stage("fusion").threshold)


class FileAudioReader:
    """An ``AudioReader`` over an audio file: a stand-in microphone for demos without one
    and for tests. Paced to the wall clock unless ``realtime`` is False; when the file ends
    it reads nothing (the live source then reports the microphone lost)."""

    def __init__(self, path: str | Path, block_samples: int = CHUNK_SAMPLES,
                 realtime: bool = True):
        self.path = Path(path)
        self.block_samples = block_samples
        self.realtime = realtime
        self._audio = np.zeros(0, np.float32)
        self._pos = 0
        self._t0 = 0.0

    def start(self) -> None:
        self._audio = read_audio(self.path)
        self._pos = 0
        self._t0 = time.monotonic()

    def read(self, timeout_s: float) -> np.ndarray | None:
        if self._pos >= len(self._audio):
            time.sleep(min(timeout_s, 0.05))
            return None
        block = self._audio[self._pos:self._pos + self.block_samples]
        self._pos += len(block)
        if self.realtime:
            delay = self._t0 + self._pos / SAMPLE_RATE_HZ - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        return block

    def stop(self) -> None:
        self._pos = len(self._audio)


class FileCamera(CameraReader):
    """A video file played as a camera at its own frame rate, with ``CameraReader``'s
    interface (demos without a camera, tests). At the end of the file the camera is lost."""

    DEFAULT_FPS = 15.0

    def __init__(self, path: str | Path, max_queued: int = 4):
        super().__init__(str(path), max_queued)
        self.path = Path(path)

    def _run(self) -> None:
        cap = cv2.VideoCapture(str(self.path))
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0) or self.DEFAULT_FPS
        t0 = time.monotonic()
        index = 0
        try:
            while not self._stop.is_set():
                ok, frame = cap.read()
                if not ok or frame is None:
                    self._status.put("camera_lost")
                    return
                delay = t0 + index / fps - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    return
                self._offer(frame)
                index += 1
        finally:
            cap.release()


def open_camera(device: int | str):
    """A ``CameraReader`` for a camera index, a ``FileCamera`` for a video file."""
    if isinstance(device, str) and Path(device).is_file():
        return FileCamera(device)
    return CameraReader(device)


class PrivacyCamera:
    """A ``CameraReader`` with a privacy switch. Privacy on releases the camera device (the
    capture thread ends) and tells the pipeline ``privacy_on``; off opens it again. The live
    source reads it exactly like a plain ``CameraReader``."""

    def __init__(self, device: int | str = 0, make_reader: Callable[[int | str], Any]
                 = open_camera):
        self.device = device
        self._make_reader = make_reader
        self._reader = None
        self._privacy = False
        self._pending: list[str] = []
        self._lock = threading.Lock()

    @property
    def privacy(self) -> bool:
        return self._privacy

    def start(self) -> None:
        with self._lock:
            if not self._privacy and self._reader is None:
                self._reader = self._make_reader(self.device)
                self._reader.start()

    def set_privacy(self, on: bool) -> None:
        with self._lock:
            if on == self._privacy:
                return
            self._privacy = on
            self._pending.append("privacy_on" if on else "privacy_off")
            old, self._reader = self._reader, None
            if not on:
                self._reader = self._make_reader(self.device)
                self._reader.start()
        if old is not None:  # joining the capture thread may take a frame time: not on the UI
            threading.Thread(target=old.stop, name="camera-release", daemon=True).start()

    def drain(self) -> tuple[list, list[str]]:
        with self._lock:
            status, self._pending = self._pending, []
            reader = self._reader
        if reader is None:
            return [], status
        frames, more = reader.drain()
        return frames, status + more

    def stop(self) -> None:
        with self._lock:
            reader, self._reader = self._reader, None
        if reader is not None:
            reader.stop()


def list_microphones() -> list[tuple[int, str]]:
    """(index, name) of every input device PortAudio sees; empty without PortAudio."""
    try:
        import sounddevice as sd

        devices = sd.query_devices()
    except (OSError, ImportError) as exc:
        log.info("no microphones listed: %s", exc)
        return []
    return [(i, d["name"]) for i, d in enumerate(devices) if d.get("max_input_channels", 0) > 0]


class AudioOut:
    """Plays audio (the session in replay, the device's spoken replies) through
    sounddevice when PortAudio and an output device exist; silently does nothing else."""

    def __init__(self):
        self._sd = None
        try:
            import sounddevice as sd

            if any(d.get("max_output_channels", 0) > 0 for d in sd.query_devices()):
                self._sd = sd
        except (OSError, ImportError) as exc:
            log.info("no audio output: %s", exc)

    @property
    def available(self) -> bool:
        return self._sd is not None

    def play(self, samples: np.ndarray, rate_hz: int = SAMPLE_RATE_HZ) -> None:
        if self._sd is None or len(samples) == 0:
            return
        try:
            self._sd.play(samples, rate_hz)
        except Exception as exc:  # PortAudioError: a busy or vanished device
            log.warning("audio output failed: %s", exc)

    def stop(self) -> None:
        if self._sd is not None:
            try:
                self._sd.stop()
            except Exception as exc:  # PortAudioError
                log.warning("audio output stop failed: %s", exc)
