"""Decode video files with OpenCV, frames stamped by index / fps on the session clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ntt.cues import VideoFrame
from ntt.errors import InputError


@dataclass(frozen=True)
class VideoInfo:
    fps: float
    frame_count: int
    width: int
    height: int

    @property
    def duration_s(self) -> float:
        return self.frame_count / self.fps if self.fps > 0 else 0.0


def probe_video(path: str | Path) -> VideoInfo:
    """Open the file, decode its first frame and count frames; raise InputError if it is not
    a decodable video."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "video file not found")
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise InputError(path, "not a decodable video (OpenCV could not open it)")
        ok, frame = cap.read()
        if not ok or frame is None:
            raise InputError(path, "not a decodable video (no frame could be decoded)")
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        if count <= 0:  # some containers do not say; count by decoding
            count = 1
            while cap.grab():
                count += 1
        return VideoInfo(fps=fps, frame_count=count, width=frame.shape[1], height=frame.shape[0])
    finally:
        cap.release()


def iter_video_frames(path: str | Path, fps: float) -> Iterator[VideoFrame]:
    """Yield frames stamped ``index / fps``. A stream that ends early simply ends; the
    caller compares the count with what the container promised."""
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise InputError(path, "not a decodable video (OpenCV could not open it)")
    try:
        index = 0
        while True:
            ok, frame = cap.read()
            if not ok or frame is None:
                return
            yield VideoFrame(t_s=index / fps, index=index, image_bgr=frame)
            index += 1
    finally:
        cap.release()


def write_video(path: str | Path, frames: Iterator[np.ndarray] | list[np.ndarray],
                fps: float) -> int:
    """Encode BGR frames as MPEG-4 part 2 (``mp4v``), the codec OpenCV's wheel has; write to a
    temporary name and rename. Returns the frame count."""
    path = Path(path)
    tmp = path.with_name(path.stem + ".part" + path.suffix)
    fourcc = cv2.VideoWriter_fourcc(*("MJPG" if path.suffix.lower() == ".avi" else "mp4v"))
    writer = None
    count = 0
    try:
        for frame in frames:
            if writer is None:
                h, w = frame.shape[:2]
                writer = cv2.VideoWriter(str(tmp), fourcc, fps, (w, h))
                if not writer.isOpened():
                    raise InputError(path, "OpenCV could not open a video writer")
            writer.write(frame)
            count += 1
    finally:
        if writer is not None:
            writer.release()
    if count == 0:
        tmp.unlink(missing_ok=True)
        raise InputError(path, "no frames to write")
    tmp.replace(path)
    return count
