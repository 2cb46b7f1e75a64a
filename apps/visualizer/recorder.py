"""Recording live devices as a session (no Qt). Opt-in only: nothing is kept unless the
user starts a recording, and the window shows it while it runs.

The session format stamps frame k at ``k / fps`` on the audio clock, while a live camera
delivers frames when it can; the recorder maps each frame onto that grid (repeating a frame
when the camera is slow, dropping one when it is fast), so video and audio stay in step.
While privacy mode holds the camera off, black frames are written, never a stale picture.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path

import cv2
import numpy as np

from ntt.cues import SAMPLE_RATE_HZ, AudioChunk, SourceStatus, VideoFrame
from ntt.errors import InputError
from ntt.io.session import write_session

log = logging.getLogger(__name__)

RECORD_FPS = 15.0
DEVICE_PROFILE = "laptop-webcam"


class SessionRecorder:
    """``tap(item)`` from the worker thread; ``start``/``stop`` from the UI thread."""

    def __init__(self, fps: float = RECORD_FPS):
        self.fps = fps
        self._lock = threading.Lock()
        self._active = False
        self._reset()

    def _reset(self) -> None:
        self._audio: list[np.ndarray] = []
        self._samples = 0
        self._t0: float | None = None
        self._writer: cv2.VideoWriter | None = None
        self._video_tmp: Path | None = None
        self._frames_written = 0
        self._last: np.ndarray | None = None
        self._camera_off = False
        self._out: Path | None = None
        self._participants: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self._active

    @property
    def seconds(self) -> float:
        return self._samples / SAMPLE_RATE_HZ

    def start(self, out_dir: str | Path, participants: tuple[str, ...] = ()) -> None:
        out = Path(out_dir)
        if out.exists() and any(out.iterdir()):
            raise InputError(out, "already exists and is not empty")
        with self._lock:
            self._reset()
            self._out = out
            self._participants = participants
            self._active = True

    def tap(self, item) -> None:
        """See one source item (called for every item the live source yields)."""
        with self._lock:
            if not self._active:
                return
            if isinstance(item, AudioChunk):
                if self._t0 is None:
                    self._t0 = item.t_s
                self._audio.append(np.asarray(item.samples, dtype=np.float32).copy())
                self._samples += len(item.samples)
            elif isinstance(item, SourceStatus):
                if item.kind in ("privacy_on", "camera_lost"):
                    self._camera_off = True
                    if self._last is not None:
                        self._last = np.zeros_like(self._last)
                elif item.kind in ("privacy_off", "camera_back"):
                    self._camera_off = False
            elif isinstance(item, VideoFrame) and self._t0 is not None and not self._camera_off:
                self._frame(item)

    def _frame(self, frame: VideoFrame) -> None:
        if self._writer is None:
            h, w = frame.image_bgr.shape[:2]
            parent = self._out.parent
            parent.mkdir(parents=True, exist_ok=True)
            handle = tempfile.NamedTemporaryFile(suffix=".mp4", prefix=".rec-", dir=parent,
                                                 delete=False)
            handle.close()
            self._video_tmp = Path(handle.name)
            self._writer = cv2.VideoWriter(str(self._video_tmp),
                                           cv2.VideoWriter_fourcc(*"mp4v"), self.fps, (w, h))
            if not self._writer.isOpened():
                raise InputError(self._video_tmp, "OpenCV could not open a video writer")
            # Frames before the camera's first picture are black.
            self._last = np.zeros_like(frame.image_bgr)
        image = frame.image_bgr
        if image.shape != self._last.shape:  # the camera changed resolution mid-recording
            image = cv2.resize(image, (self._last.shape[1], self._last.shape[0]))
        slot = int((frame.t_s - self._t0) * self.fps + 1e-6)
        while self._frames_written < slot:  # camera slower than the grid: repeat
            self._writer.write(self._last)
            self._frames_written += 1
        if self._frames_written == slot:  # faster: later frames in the same slot are dropped
            self._writer.write(image)
            self._frames_written += 1
        self._last = image

    def stop(self, notes: str = "recorded live with ntt gui") -> Path | None:
        """Finish the session directory; None if nothing was recorded."""
        with self._lock:
            if not self._active:
                return None
            self._active = False
            audio = np.concatenate(self._audio) if self._audio else np.zeros(0, np.float32)
            video = None
            if self._writer is not None:
                duration = len(audio) / SAMPLE_RATE_HZ
                target = int(np.ceil(duration * self.fps))
                while self._frames_written < target:
                    self._writer.write(self._last)
                    self._frames_written += 1
                self._writer.release()
                video = self._video_tmp
            out, participants = self._out, self._participants
            self._reset()
        if len(audio) == 0:
            if video is not None:
                video.unlink(missing_ok=True)
            log.warning("recording stopped before any audio arrived; nothing written")
            return None
        return write_session(out, audio=audio, video_path=video,
                             fps=self.fps if video is not None else 0.0,
                             device=DEVICE_PROFILE, participants=participants, notes=notes)
