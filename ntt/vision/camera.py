"""Camera geometry: intrinsics, and where the screen is relative to the camera.

Until device profiles exist (they will fill this in), the defaults describe a laptop
webcam: ~65° horizontal field of view, centred above a 14-inch 16:9 screen.

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


@dataclass(frozen=True)
class CameraGeometry:
    """Intrinsics (calibrated, or from a nominal field of view) and the screen's place.

    ``focal_px``/``principal_xy`` are for images of ``calibrated_size_wh``; they are scaled
    to other frame sizes. Without them the focal length comes from ``hfov_deg`` and the
    principal point is the image centre. The screen is a rectangle ``screen_size_m``
    (width, height) centred at ``screen_center_m`` in the camera frame, facing the room
    (in the camera's x–y plane).
    """

    hfov_deg: float = LAPTOP_HFOV_DEG
    focal_px: float | None = None
    principal_xy: tuple[float, float] | None = None
    calibrated_size_wh: tuple[int, int] | None = None
    screen_center_m: tuple[float, float, float] = LAPTOP_SCREEN_CENTER_M
    screen_size_m: tuple[float, float] = LAPTOP_SCREEN_SIZE_M

    def camera_matrix(self, width: int, height: int) -> np.ndarray:
        """3×3 pinhole intrinsics for a ``width``×``height`` frame."""
        if self.focal_px is not None and self.calibrated_size_wh is not None:
            scale = width / self.calibrated_size_wh[0]
            fx = self.focal_px * scale
            cx, cy = (self.principal_xy if self.principal_xy is not None
                      else (self.calibrated_size_wh[0] / 2, self.calibrated_size_wh[1] / 2))
            cx, cy = cx * scale, cy * height / self.calibrated_size_wh[1]
        else:
            fx = (width / 2) / math.tan(math.radians(self.hfov_deg) / 2)
            cx, cy = width / 2, height / 2
        return np.array([[fx, 0.0, cx], [0.0, fx, cy], [0.0, 0.0, 1.0]])
