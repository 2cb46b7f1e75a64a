"""``attending``: how likely a person is looking at the device (its camera or its screen).

Per frame (``attending_now``): the angle between the person's gaze ray and the nearest
device target — the camera's optical centre, or the nearest point of the screen rectangle
(0 when the ray hits the screen) — becomes a score ``exp(-½ (angle / tolerance)²)``. The
tolerance absorbs gaze-estimation error (a few degrees of head pose, more of eye-in-head on
small faces); with the default (``ntt.settings.AttendingSettings``) a gaze 12° off scores 0.61,
24° off 0.14. Shut eyes see nothing.

Over time (``AttendingSmoother``), on the session clock: what makes a per-frame score
flicker is not attention but the measurement — a blink, a frame where Face Mesh lost the
face, one frame of bad landmarks. So shut eyes and missing frames hold the last value (up
to ``blink_hold_s``; eyes shut for longer are not attending), a short running median over
the open-eyed frames rejects a lone bad frame, and a light first-order filter takes the
jitter off. A real change of attention passes within about 100 ms (at 15–30 fps; the test
on real video asserts ≤ 150 ms): a glance at the device is a glance at the device, and
how long someone looked over an utterance is fusion's business (``attending_share``). A
new track starts at its first frame's score, so a still image is scored on its own.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from ntt.settings import AttendingSettings
from ntt.vision.camera import CameraGeometry

# Samples this close to the window's start still count (frame times are not exact).
_WINDOW_SLACK_S = 1e-3


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    cos = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def angle_to_device_deg(eyes_m: np.ndarray, gaze: np.ndarray, geometry: CameraGeometry
                        ) -> float:
    """Smallest angle (degrees) between the gaze ray from ``eyes_m`` (camera frame, metres)
    and the device: its camera, or the nearest point of its screen."""
    to_camera = _angle_deg(gaze, -eyes_m)
    if not geometry.has_screen:
        return to_camera
    center = np.asarray(geometry.screen_center_m, dtype=np.float64)
    half = np.asarray(geometry.screen_size_m, dtype=np.float64) / 2
    if gaze[2] < -1e-9:  # towards the screen's plane
        s = (center[2] - eyes_m[2]) / gaze[2]
        hit = eyes_m + max(s, 0.0) * gaze
        nearest = np.array([np.clip(hit[0], center[0] - half[0], center[0] + half[0]),
                            np.clip(hit[1], center[1] - half[1], center[1] + half[1]),
                            center[2]])
    else:
        nearest = center
    to_screen = _angle_deg(gaze, nearest - eyes_m)
    return min(to_camera, to_screen)


def attending_now(eyes_m: np.ndarray, gaze: np.ndarray, geometry: CameraGeometry,
                  tolerance_deg: float = AttendingSettings.tolerance_deg) -> float:
    """This frame's score in 0..1 (no smoothing), for open eyes."""
    angle = angle_to_device_deg(eyes_m, gaze, geometry)
    return float(math.exp(-0.5 * (angle / tolerance_deg) ** 2))


class AttendingSmoother:
    """One track's ``attending`` over time: hold through blinks and lost frames, a running
    median against single bad frames, then a light first-order filter."""

    def __init__(self, settings: AttendingSettings | None = None):
        self.settings = settings or AttendingSettings()
        self.value: float | None = None
        self._t_s: float | None = None
        self._open_t_s: float | None = None  # last frame with the eyes open
        self._recent: deque[tuple[float, float]] = deque()  # (t, score), open-eyed frames
        self._openness: deque[tuple[float, float]] = deque()  # (t, eye_open), every frame

    def closing(self, t_s: float, eye_open: float) -> bool:
        """Whether this frame's eyes are shut or closing: below ``shut_eye_open``, or (over
        video) well below the track's own usual openness."""
        p = self.settings
        self._openness.append((t_s, eye_open))
        while self._openness and self._openness[0][0] < t_s - p.open_level_s:
            self._openness.popleft()
        usual = float(np.median([e for _, e in self._openness]))
        return eye_open < p.shut_eye_open or eye_open < p.blink_ratio * usual

    def update(self, t_s: float, score: float, eye_open: float = 1.0) -> float:
        """``score``: this frame's ``attending_now``; ``eye_open``: ``FaceSignals.eye_open``."""
        p = self.settings
        if self.closing(t_s, eye_open):
            if self.value is None:  # first sight, eyes shut: not looking at anything
                score = 0.0
            elif self._open_t_s is not None and t_s - self._open_t_s <= p.blink_hold_s:
                self._t_s = t_s
                return self.value  # a blink: keep what was there
            else:
                score = 0.0  # shut for longer than a blink
        else:
            self._open_t_s = t_s
        self._recent.append((t_s, score))
        while self._recent and self._recent[0][0] < t_s - p.median_window_s - _WINDOW_SLACK_S:
            self._recent.popleft()
        median = float(np.median([s for _, s in self._recent]))
        if self.value is None or self._t_s is None:
            self.value = median
        else:
            dt = max(0.0, t_s - self._t_s)
            alpha = 1.0 - math.exp(-dt / p.smooth_s) if p.smooth_s > 0 else 1.0
            self.value += alpha * (median - self.value)
        self._t_s = t_s
        return self.value
