"""What the front-end and the direction stage share: the array's recent spectra, and
where the beam should look.

The direction of an utterance needs the VAD's boundaries, which only exist after the
front-end has made the mono signal the VAD listens to. So the front-end keeps the
multichannel STFT frames of the last few seconds here (only the bins the DOA uses, after
echo cancellation), and the direction stage after the VAD reads the frames of each
utterance. The direction stage writes back where the talker is, and the front-end steers
its beam there. Neither stage imports the other; the pipeline passes both the same
``ArrayHistory``.
"""

from __future__ import annotations

from collections import deque

import numpy as np


class ArrayHistory:
    """Multichannel STFT frames stamped with their centre time on the session clock, for
    at most ``keep_s`` seconds; ``steer_deg`` is where the beam looks (camera-frame
    azimuth, 0 = straight out of the lens until a talker has been located)."""

    def __init__(self, freqs_hz: np.ndarray, keep_s: float = 8.0):
        self.freqs_hz = np.asarray(freqs_hz, dtype=float)
        self.keep_s = keep_s
        self.reset()

    def reset(self) -> None:
        self._frames: deque[tuple[float, np.ndarray]] = deque()
        self.steer_deg = 0.0

    def append(self, t_s: float, spectrum: np.ndarray) -> None:
        """One frame, (len(freqs_hz), channels) complex, centred at ``t_s``."""
        self._frames.append((t_s, spectrum))
        while self._frames and self._frames[0][0] < t_s - self.keep_s:
            self._frames.popleft()

    def span(self, start_s: float, end_s: float) -> np.ndarray:
        """The frames centred in [start_s, end_s] as (channels, freqs, frames) —
        pyroomacoustics' DOA layout — possibly with no frames."""
        chosen = [s for t, s in self._frames if start_s <= t <= end_s]
        if not chosen:
            return np.zeros((0, len(self.freqs_hz), 0), dtype=np.complex64)
        return np.stack(chosen, axis=-1).transpose(1, 0, 2)

    @property
    def latest_s(self) -> float | None:
        return self._frames[-1][0] if self._frames else None
