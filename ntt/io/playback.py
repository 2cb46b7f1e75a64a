"""The playback reference, live: what the device's own loudspeaker is playing, so the
echo canceller can take it out of the microphones.

The speech output (``ntt.conversation.speech``) says what it starts playing and when it
stops, on the monotonic clock; the live source asks, for each microphone block, what was
playing over the same stretch of monotonic time and sends it beside the block
(``MicArrayChunk.playback``). The output device plays a little after ``played`` is called
(its latency), so the reference leads the echo by a few tens of milliseconds, well inside
the canceller's filter. Thread-safe: the speech output and the microphone loop run in
different threads.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from ntt.cues import SAMPLE_RATE_HZ

KEEP_S = 30.0  # replies older than this can no longer overlap a microphone block


class PlaybackReference:
    def __init__(self, sample_rate_hz: int = SAMPLE_RATE_HZ):
        self.sample_rate_hz = sample_rate_hz
        self._lock = threading.Lock()
        self._plays: list[tuple[float, np.ndarray]] = []  # (monotonic start, samples)

    def played(self, samples: np.ndarray, at_s: float | None = None) -> None:
        """The loudspeaker starts playing ``samples`` (mono float32) at monotonic ``at_s``
        (default now), replacing anything still playing."""
        at = time.monotonic() if at_s is None else at_s
        with self._lock:
            self._cut(at)
            self._plays.append((at, np.asarray(samples, dtype=np.float32)))
            self._plays = [(t, s) for t, s in self._plays
                           if t + len(s) / self.sample_rate_hz > at - KEEP_S]

    def stopped(self, at_s: float | None = None) -> None:
        """The loudspeaker stops at monotonic ``at_s`` (default now)."""
        with self._lock:
            self._cut(time.monotonic() if at_s is None else at_s)

    def _cut(self, at_s: float) -> None:
        cut = []
        for t, s in self._plays:
            keep = max(0, int(round((at_s - t) * self.sample_rate_hz)))
            if keep > 0:
                cut.append((t, s[:keep]))
        self._plays = cut

    def read(self, start_s: float, n_samples: int) -> np.ndarray:
        """What played over ``n_samples`` from monotonic ``start_s`` (zeros where
        nothing did)."""
        out = np.zeros(n_samples, dtype=np.float32)
        with self._lock:
            for t, s in self._plays:
                offset = int(round((t - start_s) * self.sample_rate_hz))
                lo, hi = max(0, offset), min(n_samples, offset + len(s))
                if lo < hi:
                    out[lo:hi] += s[lo - offset:hi - offset]
        return out
