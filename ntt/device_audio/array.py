"""The microphone array in the camera's horizontal plane: steering vectors for a
delay-and-sum beam, and the grid of directions the DOA searches.

The device profile places each capsule in the camera frame (x to image right, y down, z
out of the lens; ``ntt.calibration.profile.MicrophoneSpec``). Talkers stand around the
device, not above it, so directions are azimuths in the x–z plane: ``azimuth_deg`` 0 is
straight out of the lens, positive towards image right (``atan2(x, z)``), the same angle
a face's image position gives. pyroomacoustics measures its azimuth φ in its own 2-D
(first, second) coordinates from the first axis; with (first, second) = (x, z),
φ = 90° − azimuth.

A line of capsules (every laptop pair, a bar on a display's top edge) cannot tell a
direction from its mirror image behind the line; its grid covers the half-plane in front
of the device (−90°..90°), where the people are. A ring covers every azimuth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SPEED_OF_SOUND_M_S = 343.0
COLLINEAR_TOLERANCE_M = 1e-3  # capsules within 1 mm of one line count as a line array


@dataclass(frozen=True)
class ArrayGeometry:
    """Capsule positions projected on the camera's x–z plane, (2, channels) metres."""

    plane_m: np.ndarray

    @classmethod
    def from_positions(cls, positions_m: np.ndarray) -> ArrayGeometry:
        """``positions_m``: (3, channels) in the camera frame (``MicrophoneSpec.positions_m``)."""
        positions_m = np.asarray(positions_m, dtype=float)
        if positions_m.ndim != 2 or positions_m.shape[0] != 3 or positions_m.shape[1] < 2:
            raise ValueError(f"need (3, channels >= 2) positions, got {positions_m.shape}")
        centred = positions_m[[0, 2]] - positions_m[[0, 2]].mean(axis=1, keepdims=True)
        return cls(centred)

    @property
    def channels(self) -> int:
        return self.plane_m.shape[1]

    @property
    def is_line(self) -> bool:
        """All capsules on one line in the plane: directions in front only."""
        singular = np.linalg.svd(self.plane_m, compute_uv=False)
        return singular[-1] < COLLINEAR_TOLERANCE_M

    @property
    def aperture_m(self) -> float:
        d = self.plane_m[:, :, None] - self.plane_m[:, None, :]
        return float(np.sqrt((d ** 2).sum(axis=0)).max())

    def grid_deg(self, step_deg: float) -> np.ndarray:
        """The azimuths (camera frame) the DOA searches."""
        if self.is_line:
            return np.arange(-90.0, 90.0 + 1e-9, step_deg)
        return np.arange(-180.0, 180.0, step_deg)

    def steering(self, azimuth_deg: float, freqs_hz: np.ndarray) -> np.ndarray:
        """(freqs, channels) far-field steering vectors for a wave from ``azimuth_deg``:
        the phase each capsule sees relative to the array centre (pyroomacoustics'
        convention, ``exp(j ω τ)`` with τ the capsule's lead on the centre)."""
        theta = math.radians(azimuth_deg)
        direction = np.array([math.sin(theta), math.cos(theta)])  # (x, z) towards the source
        lead_s = direction @ self.plane_m / SPEED_OF_SOUND_M_S  # (channels,)
        omega = 2 * np.pi * np.asarray(freqs_hz, dtype=float)
        return np.exp(1j * omega[:, None] * lead_s[None, :])


def pra_azimuth_rad(azimuth_deg: np.ndarray) -> np.ndarray:
    """Camera-frame azimuths → pyroomacoustics' φ (radians, from the x axis towards z)."""
    return np.radians(90.0 - np.asarray(azimuth_deg, dtype=float))


def camera_azimuth_deg(phi_rad: float) -> float:
    """pyroomacoustics' φ → camera-frame azimuth in (−180, 180]."""
    a = 90.0 - math.degrees(phi_rad)
    return (a + 180.0) % 360.0 - 180.0 if a != 180.0 else 180.0


def delay_and_sum(spectrum: np.ndarray, steering: np.ndarray) -> np.ndarray:
    """One STFT frame (freqs, channels) → the beam (freqs,): every capsule's phase lead
    for the look direction undone, then averaged, so the talker adds up in phase and
    sound from elsewhere partly cancels."""
    return (np.conj(steering) * spectrum).mean(axis=1)
