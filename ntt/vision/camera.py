"""Camera geometry: intrinsics, how sure we are of them, and where the screen is.

The defaults describe a laptop webcam: ~65° horizontal field of view, centred above a
14-inch 16:9 screen (device profiles fill in their own: ``DeviceProfile.camera_geometry``).

A picture of unknown origin (``ntt faces IMAGE``) has neither a known lens nor a screen:
``UNKNOWN_CAMERA`` assumes a 35 mm-equivalent focal length of ``UNKNOWN_EQUIV_FOCAL_MM``
over the image diagonal (so a portrait-orientation photo gets the same lens as a landscape
one), allows anything from ``UNKNOWN_EQUIV_FOCAL_RANGE_MM`` (a phone's wide camera to a
portrait lens), and has only the lens as its target: ``attending`` then means "looking at
the camera". ``camera_matrices`` gives the nominal intrinsics first and then the extremes
the geometry cannot rule out; the analyzer scores a face under each, and the spread is the
uncertainty it passes on (a face near the edge of a wide lens spreads most).

Camera frame (used by every 3D quantity in ``ntt.vision``): origin at the camera's optical
centre, x to image right, y down, z forward into the scene; metres unless a name says mm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LAPTOP_HFOV_DEG = 65.0
# A 14-inch 16:9 panel, its top edge ~1 cm below the lens: centre ~10 cm below the camera.
LAPTOP_SCREEN_CENTER_M = (0.0, 0.10, 0.0)
LAPTOP_SCREEN_SIZE_M = (0.31, 0.174)
# The diagonal of a 36×24 mm frame: 35 mm-equivalent focal lengths are relative to it.
FULL_FRAME_DIAGONAL_MM = math.hypot(36.0, 24.0)
# An unknown camera: a 35 mm-equivalent focal length of 35 mm (63° diagonal; between a
# phone's main camera, 24-28 mm, and a portrait lens), and anything from a wide phone
# camera to a short telephoto.
UNKNOWN_EQUIV_FOCAL_MM = 35.0
UNKNOWN_EQUIV_FOCAL_RANGE_MM = (24.0, 135.0)


@dataclass(frozen=True)
class CameraGeometry:
    """Intrinsics (calibrated, from a 35 mm-equivalent focal length, or from a nominal
    field of view) and the screen's place.

    ``focal_px``/``principal_xy`` are for images of ``calibrated_size_wh``; they are scaled
    to other frame sizes. Else ``equiv_focal_mm`` (35 mm-equivalent, over the image
    diagonal) or ``hfov_deg`` (over the width) gives the focal length and the principal
    point is the image centre. ``equiv_focal_range_mm`` marks the focal length as unknown
    within that range (``None``: known). The screen is a rectangle ``screen_size_m``
    (width, height) centred at ``screen_center_m`` in the camera frame, facing the room
    (in the camera's x–y plane); a zero size means no screen, only the lens.
    """

    hfov_deg: float = LAPTOP_HFOV_DEG
    focal_px: float | None = None
    principal_xy: tuple[float, float] | None = None
    calibrated_size_wh: tuple[int, int] | None = None
    screen_center_m: tuple[float, float, float] = LAPTOP_SCREEN_CENTER_M
    screen_size_m: tuple[float, float] = LAPTOP_SCREEN_SIZE_M
    equiv_focal_mm: float | None = None
    equiv_focal_range_mm: tuple[float, float] | None = None

    def camera_matrix(self, width: int, height: int) -> np.ndarray:
        """3×3 pinhole intrinsics for a ``width``×``height`` frame."""
        if self.focal_px is not None and self.calibrated_size_wh is not None:
            scale = width / self.calibrated_size_wh[0]
            fx = self.focal_px * scale
            cx, cy = (self.principal_xy if self.principal_xy is not None
                      else (self.calibrated_size_wh[0] / 2, self.calibrated_size_wh[1] / 2))
            cx, cy = cx * scale, cy * height / self.calibrated_size_wh[1]
            return _matrix(fx, cx, cy)
        if self.equiv_focal_mm is not None:
            return _matrix(_equiv_focal_px(self.equiv_focal_mm, width, height),
                           width / 2, height / 2)
        fx = (width / 2) / math.tan(math.radians(self.hfov_deg) / 2)
        return _matrix(fx, width / 2, height / 2)

    def camera_matrices(self, width: int, height: int) -> list[np.ndarray]:
        """The nominal intrinsics, then (if the focal length is unknown) those at the two
        ends of the range it may lie in."""
        nominal = self.camera_matrix(width, height)
        if self.equiv_focal_range_mm is None:
            return [nominal]
        cx, cy = nominal[0, 2], nominal[1, 2]
        return [nominal] + [_matrix(_equiv_focal_px(f, width, height), cx, cy)
                            for f in self.equiv_focal_range_mm]

    @property
    def has_screen(self) -> bool:
        return self.screen_size_m[0] > 0 and self.screen_size_m[1] > 0


def _matrix(f: float, cx: float, cy: float) -> np.ndarray:
    return np.array([[f, 0.0, cx], [0.0, f, cy], [0.0, 0.0, 1.0]])


def _equiv_focal_px(equiv_focal_mm: float, width: int, height: int) -> float:
    return equiv_focal_mm / FULL_FRAME_DIAGONAL_MM * math.hypot(width, height)


UNKNOWN_CAMERA = CameraGeometry(equiv_focal_mm=UNKNOWN_EQUIV_FOCAL_MM,
                                equiv_focal_range_mm=UNKNOWN_EQUIV_FOCAL_RANGE_MM,
                                screen_center_m=(0.0, 0.0, 0.0), screen_size_m=(0.0, 0.0))
"""A picture from a camera nobody described: see the module docstring."""
