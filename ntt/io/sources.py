"""Sources yield ``AudioChunk``/``VideoFrame``/``SourceStatus`` items in session-clock order
(``MicArrayChunk`` instead of ``AudioChunk`` where the pipeline has the device-audio
front-end: a microphone array's channels and the playback reference).

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

from ntt.cues import SAMPLE_RATE_HZ, AudioChunk, MicArrayChunk, SourceStatus, VideoFrame
from ntt.errors import InputError
from ntt.io.playback import PlaybackReference
from ntt.io.session import Session
from ntt.io.video_file import iter_video_frames

log = logging.getLogger(__name__)

CHUNK_SAMPLES = 512  # 32 ms at 16 kHz: silero-vad's native window
SourceItem = AudioChunk | MicArrayChunk | VideoFrame | SourceStatus


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
    """Replays a recorded session: each audio chunk, then the frames it has caught up with.
    ``array``: send every microphone and the playback reference as ``MicArrayChunk``s (for
    a pipeline with the device-audio front-end, ``Pipeline.takes(MicArrayChunk)``); else
    the session's mono audio (``Session.audio()``) as ``AudioChunk``s."""

    def __init__(self, session: Session, *, chunk_samples: int = CHUNK_SAMPLES,
                 use_video: bool = True, realtime: bool = False, speed: float = 1.0,
                 array: bool = False):
        self.session = session
        self.chunk_samples = chunk_samples
        self.use_video = use_video and session.video_path is not None
        self.pacer = Pacer(speed) if realtime else None
        self.array = array

    def _chunks(self) -> tuple[int, Iterator[AudioChunk | MicArrayChunk]]:
        """(samples in the session, the chunks)."""
        n = self.chunk_samples
        if not self.array:
            audio = self.session.audio()
            return len(audio), (AudioChunk(t_s=start / SAMPLE_RATE_HZ,
                                           samples=audio[start:start + n])
                                for start in range(0, len(audio), n))
        mics, playback = self.session.audio_channels(), self.session.playback()
        return len(mics), (MicArrayChunk(t_s=start / SAMPLE_RATE_HZ,
                                         samples=mics[start:start + n],
                                         playback=None if playback is None
                                         else playback[start:start + n])
                           for start in range(0, len(mics), n))

    def __iter__(self) -> Iterator[SourceItem]:
        n_samples, chunks = self._chunks()
        duration_s = n_samples / SAMPLE_RATE_HZ
        frames = (iter_video_frames(self.session.video_path, self.session.fps)
                  if self.use_video else iter(()))
        pending = next(frames, None)
        for chunk in chunks:
            if self.pacer:
                self.pacer.wait_until(chunk.end_s)
            yield chunk
            while pending is not None and pending.t_s < min(chunk.end_s, duration_s):
                yield pending
                pending = next(frames, None)


# --- live ---------------------------------------------------------------------------------


class AudioReader(Protocol):
    """Blocking reader of 16 kHz float32 blocks, (n,) for one microphone or
    (n, channels) for an array (a microphone, or a file in tests)."""

    def start(self) -> None: ...
    def read(self, timeout_s: float) -> np.ndarray | None: ...
    def stop(self) -> None: ...


class MicrophoneReader:
    """sounddevice input stream; the callback only queues copies, nothing else."""

    def __init__(self, device: str | int | None = None, block_samples: int = CHUNK_SAMPLES,
                 channels: int = 1):
        self.device = device
        self.block_samples = block_samples
        self.channels = channels
        self._queue: queue.Queue[np.ndarray] = queue.Queue(maxsize=512)
        self._stream = None

    def start(self) -> None:
        try:
            import sounddevice as sd
        except OSError as exc:  # PortAudio library missing
            raise InputError("microphone", f"PortAudio is not available ({exc})") from None
        try:
            self._open(sd)
        except Exception as exc:  # PortAudioError and ValueError for unknown devices
            if self.channels == 1:
                raise InputError("microphone", f"cannot open input device {self.device!r}: "
                                               f"{exc}") from None
            # An array the operating system only offers mixed to one channel: go on mono
            # (the front-end then cancels echo on it but has no direction).
            log.warning("cannot open %d input channels (%s); using one", self.channels, exc)
            self.channels = 1
            self.start()

    def _open(self, sd) -> None:
        self._stream = sd.InputStream(samplerate=SAMPLE_RATE_HZ, channels=self.channels,
                                      dtype="float32", blocksize=self.block_samples,
                                      device=self.device, callback=self._callback)
        self._stream.start()

    def _callback(self, indata, frames, time_info, status) -> None:
        try:
            self._queue.put_nowait(indata[:, 0].copy() if self.channels == 1
                                   else indata.copy())
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
    Without a camera (absent, failed, privacy) the stream goes on audio-only.

    With a ``playback`` reference (what the device's own speech output plays) or a
    multichannel microphone, each block goes out as a ``MicArrayChunk`` carrying what the
    loudspeaker played over the same stretch of time, for the echo canceller."""

    MIC_TIMEOUT_S = 1.0
    # The reference is read on the microphone's own sample clock, from where the first
    # block ended on the monotonic clock; only a drift beyond this re-anchors it (blocks
    # read late or in a burst from the queue must not repeat or skip reference samples;
    # a stall or dropped blocks that far off re-anchor it).
    RESYNC_S = 0.5

    def __init__(self, audio: AudioReader, camera: CameraReader | None,
                 playback: PlaybackReference | None = None):
        self.audio = audio
        self.camera = camera
        self.playback = playback
        self._stop = threading.Event()
        self._ref_cursor_s: float | None = None

    def _chunk(self, t_s: float, block: np.ndarray, now: float) -> AudioChunk | MicArrayChunk:
        block = np.asarray(block, dtype=np.float32)
        if block.ndim == 1 and self.playback is None:
            return AudioChunk(t_s=t_s, samples=block)
        samples = block if block.ndim == 2 else block[:, None]
        ref = None
        if self.playback is not None:  # the block just read ended "now"
            start = now - len(samples) / SAMPLE_RATE_HZ
            if self._ref_cursor_s is None or abs(start - self._ref_cursor_s) > self.RESYNC_S:
                self._ref_cursor_s = start
            ref = self.playback.read(self._ref_cursor_s, len(samples))
            self._ref_cursor_s += len(samples) / SAMPLE_RATE_HZ
        return MicArrayChunk(t_s=t_s, samples=samples, playback=ref)

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
                chunk = self._chunk(t_audio, block, now)
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
