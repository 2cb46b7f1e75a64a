"""Sources yield ``AudioChunk``/``VideoFrame``/``SourceStatus`` items in session-clock order.

Offline (``SessionSource``) and live (``LiveSource``) sources have the same shape, so the
pipeline that consumes them is one code path. The audio sample count is the master clock:
a recorded frame is stamped ``index / fps``; a live frame is stamped by mapping its capture
time onto the microphone's sample clock.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from typing import Protocol

import cv2
import numpy as np

from ntt.cues import SAMPLE_RATE_HZ, AudioChunk, SourceStatus, VideoFrame
from ntt.errors import InputError
from ntt.io.session import Session
from ntt.io.video_file import iter_video_frames

log = logging.getLogger(__name__)

CHUNK_SAMPLES = 512  # 32 ms at 16 kHz: silero-vad's native window
SourceItem = AudioChunk | VideoFrame | SourceStatus


class Pacer:
    """Sleeps so that items come out no faster than the session clock (``--realtime``)."""

    def __init__(self, speed: float = 1.0):
        self.speed = speed
        self._t0: float | None = None

    def wait_until(self, t_s: float) -> None:
        now = time.monotonic()
        if self._t0 is None:
            self._t0 = now - t_s / self.speed
        delay = self._t0 + t_s / self.speed - now
        if delay > 0:
            time.sleep(delay)


class SessionSource:
    """Replays a recorded session: each audio chunk, then the frames it has caught up with."""

    def __init__(self, session: Session, *, chunk_samples: int = CHUNK_SAMPLES,
                 use_video: bool = True, realtime: bool = False, speed: float = 1.0):
        self.session = session
        self.chunk_samples = chunk_samples
        self.use_video = use_video and session.video_path is not None
        self.pacer = Pacer(speed) if realtime else None

    def __iter__(self) -> Iterator[SourceItem]:
        audio = self.session.audio()
        duration_s = len(audio) / SAMPLE_RATE_HZ
        frames = (iter_video_frames(self.session.video_path, self.session.fps)
                  if self.use_video else iter(()))
        pending = next(frames, None)
        for start in range(0, len(audio), self.chunk_samples):
            chunk = AudioChunk(t_s=start / SAMPLE_RATE_HZ,
                               samples=audio[start:start + self.chunk_samples])
            if self.pacer:
                self.pacer.wait_until(chunk.end_s)
            yield chunk
            while pending is not None and pending.t_s < min(chunk.end_s, duration_s):
                yield pending
                pending = next(frames, None)


# --- live ---------------------------------------------------------------------------------


class AudioReader(Protocol):
    """Blocking reader of mono 16 kHz float32 blocks (a microphone, or a file in tests)."""

    def start(self) -> None: ...
    def read(self, timeout_s: float) -> np.ndarray | None: ...
    def stop(self) -> None: ...


class MicrophoneReader:
    """sounddevice input stream; the callback only queues copies, nothing else."""

    def __init__(self, device: str | int | None = None, block_samples: int = CHUNK_SAMPLES):
        self.device = device
        self.block_samples = block_samples
        self._queue: queue.Queue[np.ndarray] = queue.Queue(maxsize=512)
        self._stream = None

    def start(self) -> None:
        try:
            import sounddevice as sd
        except OSError as exc:  # PortAudio library missing
            raise InputError("microphone", f"PortAudio is not available ({exc})") from None
        try:
            self._stream = sd.InputStream(samplerate=SAMPLE_RATE_HZ, channels=1,
                                          dtype="float32", blocksize=self.block_samples,
                                          device=self.device, callback=self._callback)
            self._stream.start()
        except Exception as exc:  # PortAudioError and ValueError for unknown devices
            raise InputError("microphone", f"cannot open input device {self.device!r}: "
                                           f"{exc}") from None

    def _callback(self, indata, frames, time_info, status) -> None:
        try:
            self._queue.put_nowait(indata[:, 0].copy())
        except queue.Full:
            log.warning("microphone queue full: dropping %d samples", frames)

    def read(self, timeout_s: float) -> np.ndarray | None:
        try:
            return self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return None

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None


class CameraReader:
    """``cv2.VideoCapture`` in its own thread; keeps only the newest frames so a slow
    consumer sees the present, not a backlog. ``device`` is a camera index or a video path."""

    REOPEN_INTERVAL_S = 2.0

    def __init__(self, device: int | str = 0, max_queued: int = 4):
        self.device = device
        self._frames: queue.Queue[tuple[float, np.ndarray]] = queue.Queue(maxsize=max_queued)
        self._status: queue.Queue[str] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="camera", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        cap = None
        online = None
        while not self._stop.is_set():
            if cap is None:
                cap = cv2.VideoCapture(self.device)
                if not cap.isOpened():
                    cap.release()
                    cap = None
                    if online is not False:
                        self._status.put("camera_lost")
                        online = False
                    self._stop.wait(self.REOPEN_INTERVAL_S)
                    continue
            ok, frame = cap.read()
            if not ok or frame is None:
                cap.release()
                cap = None
                if online is not False:
                    self._status.put("camera_lost")
                    online = False
                self._stop.wait(self.REOPEN_INTERVAL_S)
                continue
            if online is not True:
                if online is False:
                    self._status.put("camera_back")
                online = True
            self._offer(frame)
        if cap is not None:
            cap.release()

    def _offer(self, frame: np.ndarray) -> None:
        """Queue a frame with its capture time, dropping the oldest when the queue is full."""
        if self._frames.full():
            try:
                self._frames.get_nowait()
            except queue.Empty:
                pass
        self._frames.put((time.monotonic(), frame))

    def drain(self) -> tuple[list[tuple[float, np.ndarray]], list[str]]:
        frames, status = [], []
        while not self._frames.empty():
            frames.append(self._frames.get_nowait())
        while not self._status.empty():
            status.append(self._status.get_nowait())
        return frames, status

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)


class LiveSource:
    """Microphone + camera on one clock. The microphone's sample count is session time; a
    frame captured at monotonic time m is stamped with the audio time that m corresponds to.
    Without a camera (absent, failed, privacy) the stream goes on audio-only."""

    MIC_TIMEOUT_S = 1.0

    def __init__(self, audio: AudioReader, camera: CameraReader | None):
        self.audio = audio
        self.camera = camera
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def __iter__(self) -> Iterator[SourceItem]:
        self.audio.start()
        if self.camera is not None:
            self.camera.start()
        samples_seen = 0
        frame_index = 0
        mic_online = True
        try:
            while not self._stop.is_set():
                block = self.audio.read(self.MIC_TIMEOUT_S)
                now = time.monotonic()
                t_audio = samples_seen / SAMPLE_RATE_HZ
                if block is None:
                    if mic_online:
                        mic_online = False
                        yield SourceStatus(t_audio, "mic_lost", "no audio for 1 s")
                    continue
                if not mic_online:
                    mic_online = True
                    yield SourceStatus(t_audio, "mic_back")
                chunk = AudioChunk(t_s=t_audio, samples=np.asarray(block, dtype=np.float32))
                samples_seen += len(block)
                yield chunk
                if self.camera is None:
                    continue
                frames, status = self.camera.drain()
                for kind in status:
                    yield SourceStatus(chunk.end_s, kind)  # type: ignore[arg-type]
                for captured, image in frames:
                    # The block just read ended "now" on the audio clock.
                    t_frame = max(0.0, chunk.end_s - (now - captured))
                    yield VideoFrame(t_s=t_frame, index=frame_index, image_bgr=image)
                    frame_index += 1
        finally:
            self.audio.stop()
            if self.camera is not None:
                self.camera.stop()
