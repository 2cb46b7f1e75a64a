"""``attending``: how likely a person is looking at the device (its camera or its screen).

Per frame (``attending_now``): the angle between the person's gaze ray and the nearest
device target — the camera's optical centre, or the nearest point of the screen rectangle
(0 when the ray hits the screen) — becomes a score ``exp(-½ (angle / tolerance)²)``. The
tolerance absorbs gaze-estimation error (a few degrees of head pose, more of eye-in-head on
small faces); with the default (``ntt.settings.AttendingSettings``) a gaze 12° off scores 0.61,
24° off 0.14.

Over time (``AttendingSmoother``): a first-order filter with separate time constants for
rising and falling, on the session clock, so that a glance at the device shorter than
about ``rise_s`` does not count, and a brief look away while talking to the device does not
throw the score to zero. A new track starts at its first frame's score (so a still image
is scored on its own).
"""

from __future__ import annotations

import math

import numpy as np

from ntt.settings import AttendingSettings
from ntt.vision.camera import CameraGeometry


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    cos = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def angle_to_device_deg(eyes_m: np.ndarray, gaze: np.ndarray, geometry: CameraGeometry
                        ) -> float:
    """Smallest angle (degrees) between the gaze ray from ``eyes_m`` (camera frame, metres)
    and the device: its camera, or the nearest point of its screen."""
    to_camera = _angle_deg(gaze, -eyes_m)
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
    """This frame's score in 0..1 (no smoothing)."""
    angle = angle_to_device_deg(eyes_m, gaze, geometry)
    return float(math.exp(-0.5 * (angle / tolerance_deg) ** 2))


class AttendingSmoother:
    """Rise/fall first-order smoothing of one track's per-frame scores."""

    def __init__(self, rise_s: float = AttendingSettings.rise_s,
                 fall_s: float = AttendingSettings.fall_s):
        self.rise_s = rise_s
        self.fall_s = fall_s
        self.value: float | None = None
        self._t_s: float | None = None

    def update(self, t_s: float, score: float) -> float:
        if self.value is None or self._t_s is None:
            self.value = score
        else:
            dt = max(0.0, t_s - self._t_s)
            tau = self.rise_s if score > self.value else self.fall_s
            alpha = 1.0 - math.exp(-dt / tau) if tau > 0 else 1.0
            self.value += alpha * (score - self.value)
        self._t_s = t_s
        return self.value
