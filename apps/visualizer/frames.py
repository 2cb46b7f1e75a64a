"""Random access to a session's video for the playhead: playing reads on sequentially,
seeking jumps, and the last frame is kept so a paused playhead costs nothing."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


class FrameReader:
    """``frame(index)`` → BGR image or None past the end. Not thread-safe: the UI owns it."""

    def __init__(self, path: str | Path, fps: float, frame_count: int):
        self.path = Path(path)
        self.fps = fps
        self.frame_count = frame_count
        self._cap = cv2.VideoCapture(str(self.path))
        self._next = 0
        self._last_index = -1
        self._last: np.ndarray | None = None

    def index_at(self, t_s: float) -> int:
        return max(0, min(self.frame_count - 1, int(t_s * self.fps + 1e-6)))

    def frame(self, index: int) -> np.ndarray | None:
        if index == self._last_index:
            return self._last
        if index < 0 or index >= self.frame_count:
            return None
        if index != self._next:
            # A short hop forward is cheaper to decode through than to seek.
            if 0 < index - self._next <= int(self.fps):
                while self._next < index and self._cap.grab():
                    self._next += 1
            else:
                self._cap.set(cv2.CAP_PROP_POS_FRAMES, index)
                self._next = index
        ok, image = self._cap.read()
        if not ok or image is None:
            return self._last
        self._next = index + 1
        self._last_index, self._last = index, image
        return image

    def close(self) -> None:
        self._cap.release()
