"""Mouth activity: a visual voice-activity cue for telling which person is speaking.

Speech opens and closes the mouth several times a second; a silent face (even smiling or
with the mouth held open) keeps its lip gap steady. The score is the standard deviation of
the inner-lip gap (mm, on the face) over the last ``window_s`` of session time, less what
landmark jitter alone produces at this face's size (``jitter_px`` pixels' worth of mm),
over ``full_std_mm`` (lively speech), clipped to 0..1. A face only a few pixels across has
a jitter as large as speech itself and so shows little activity: the cue is not there.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ntt.settings import VisionSettings

# Standard deviation of the lip gap (mm) that counts as fully active speech.
MOUTH_FULL_STD_MM = 4.0
# Landmark jitter of a still mouth, in pixels (measured on still real faces, drifting and
# JPEG-compressed: ~0.35 px at 30+ px between the eyes, ~1 px below 20 px).
MOUTH_JITTER_PX = 1.0
# Fewer samples than this in the window give no activity (not enough to judge).
MIN_SAMPLES = 3


class MouthActivity:
    """One track's mouth activity; ``update`` with each frame's lip gap."""

    def __init__(self, window_s: float = VisionSettings.mouth_window_s,
                 full_std_mm: float = MOUTH_FULL_STD_MM,
                 jitter_px: float = MOUTH_JITTER_PX):
        self.window_s = window_s
        self.full_std_mm = full_std_mm
        self.jitter_px = jitter_px
        self._samples: deque[tuple[float, float, float]] = deque()

    def update(self, t_s: float, gap_mm: float, mm_per_px: float) -> float:
        """``gap_mm``: inner-lip gap on the face; ``mm_per_px``: the face's image scale."""
        self._samples.append((t_s, max(0.0, gap_mm), mm_per_px))
        while self._samples and self._samples[0][0] < t_s - self.window_s:
            self._samples.popleft()
        if len(self._samples) < MIN_SAMPLES:
            return 0.0
        gaps = np.array([g for _, g, _ in self._samples])
        noise_mm = self.jitter_px * float(np.mean([s for _, _, s in self._samples]))
        score = (float(np.std(gaps)) - noise_mm) / self.full_std_mm
        return float(min(1.0, max(0.0, score)))
