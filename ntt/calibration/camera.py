"""Camera intrinsics from views of a printed checkerboard (OpenCV's method, Zhang 2000).

Each image: ``cv2.findChessboardCorners`` (on a copy no larger than ``DETECT_MAX_SIDE``, so
big photos stay fast), then ``cv2.cornerSubPix`` on the full image. Images where the board
is not found — or that cannot be read, or differ in size from the first — are rejected and
counted. ``cv2.calibrateCamera`` then fits focal lengths, principal point and distortion;
its RMS reprojection error (pixels) is the figure of merit: under 0.5 px is a good
calibration, over 1 px usually means blurred views or a wrong square size. With fewer than
``FULL_DISTORTION_VIEWS`` views the third radial term is fixed at 0 (webcam lenses rarely
need it and few views overfit it).

``--board 9x6`` counts *inner* corners (where four squares meet), columns × rows, as
OpenCV does: a board of 10 × 7 squares.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ntt.errors import InputError

log = logging.getLogger(__name__)

MIN_VIEWS = 3
FULL_DISTORTION_VIEWS = 10
DETECT_MAX_SIDE = 1280
FIND_FLAGS = cv2.CALIB_CB_ADAPTIVE_THRESH | cv2.CALIB_CB_NORMALIZE_IMAGE
SUBPIX_CRITERIA = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 50, 1e-3)
# cornerSubPix's half window: this fraction of the smallest corner spacing, within limits.
SUBPIX_WINDOW_FRACTION = 0.4
SUBPIX_WINDOW_PX = (2, 11)
_BOARD = re.compile(r"^\s*(\d+)\s*[xX×]\s*(\d+)\s*$")


@dataclass(frozen=True)
class Board:
    """A checkerboard: inner corners per row (``cols``) and per column (``rows``)."""

    cols: int
    rows: int
    square_mm: float

    @classmethod
    def parse(cls, text: str, square_mm: float) -> Board:
        m = _BOARD.match(text)
        if not m:
            raise InputError("--board", f"must be COLSxROWS of inner corners, e.g. 9x6, got "
                                        f"{text!r}")
        cols, rows = int(m.group(1)), int(m.group(2))
        if cols < 2 or rows < 2 or cols == rows == 2:
            raise InputError("--board", f"needs at least 2x3 inner corners, got {text!r}")
        if not math.isfinite(square_mm) or square_mm <= 0:
            raise InputError("--square-mm", f"must be a positive length, got {square_mm:g}")
        return cls(cols, rows, square_mm)

    @property
    def pattern(self) -> tuple[int, int]:
        return (self.cols, self.rows)

    def object_points(self) -> np.ndarray:
        """Corner positions on the board (mm, z = 0) in OpenCV's detection order."""
        grid = np.mgrid[0:self.cols, 0:self.rows].T.reshape(-1, 2)
        pts = np.zeros((len(grid), 3), np.float32)
        pts[:, :2] = grid * self.square_mm
        return pts


@dataclass(frozen=True)
class View:
    """One input image's outcome. ``error_px``: its RMS reprojection error once calibrated."""

    name: str
    found: bool
    reason: str = ""
    error_px: float | None = None


@dataclass(frozen=True)
class CameraCalibration:
    image_size_wh: tuple[int, int]
    focal_px: tuple[float, float]
    principal_xy: tuple[float, float]
    distortion: tuple[float, ...]
    rms_px: float
    views: tuple[View, ...]

    @property
    def used(self) -> int:
        return sum(v.found for v in self.views)

    @property
    def rejected(self) -> list[View]:
        return [v for v in self.views if not v.found]

    @property
    def hfov_deg(self) -> float:
        return math.degrees(2 * math.atan(self.image_size_wh[0] / 2 / self.focal_px[0]))

    def camera_matrix(self) -> np.ndarray:
        (fx, fy), (cx, cy) = self.focal_px, self.principal_xy
        return np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])

    def profile_changes(self) -> dict[str, Any]:
        """The ``[camera]`` fields this calibration sets in a device profile."""
        r = 3
        return {"camera": {
            "hfov_deg": round(self.hfov_deg, r),
            "focal_px": [round(f, r) for f in self.focal_px],
            "principal_xy": [round(c, r) for c in self.principal_xy],
            "calibrated_size_wh": list(self.image_size_wh),
            "distortion": [round(d, 6) for d in self.distortion],
            "reprojection_error_px": round(self.rms_px, 4)}}

    def summary(self) -> dict[str, Any]:
        return {"image_size_wh": list(self.image_size_wh), "focal_px": list(self.focal_px),
                "principal_xy": list(self.principal_xy), "distortion": list(self.distortion),
                "hfov_deg": self.hfov_deg, "reprojection_error_px": self.rms_px,
                "images": len(self.views), "used": self.used,
                "rejected": len(self.rejected),
                "views": [{"name": v.name, "found": v.found, "reason": v.reason,
                           "error_px": v.error_px} for v in self.views]}


def find_board(image: np.ndarray, board: Board) -> np.ndarray | None:
    """Sub-pixel inner corners (N×1×2 float32, OpenCV order) or None if not found."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if gray.dtype != np.uint8:
        gray = cv2.normalize(gray, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    h, w = gray.shape
    scale = min(1.0, DETECT_MAX_SIDE / max(h, w))
    small = gray if scale == 1.0 else cv2.resize(gray, (round(w * scale), round(h * scale)),
                                                 interpolation=cv2.INTER_AREA)
    found, corners = cv2.findChessboardCorners(small, board.pattern, flags=FIND_FLAGS)
    if not found:
        return None
    corners = (corners / scale).astype(np.float32)
    grid = corners.reshape(board.rows, board.cols, 2)
    spacing = min(np.linalg.norm(np.diff(grid, axis=0), axis=2).min(),
                  np.linalg.norm(np.diff(grid, axis=1), axis=2).min())
    half = int(np.clip(SUBPIX_WINDOW_FRACTION * spacing, *SUBPIX_WINDOW_PX))
    return cv2.cornerSubPix(gray, corners, (half, half), (-1, -1), SUBPIX_CRITERIA)


def read_images(paths: Iterable[str | Path]) -> list[tuple[str, np.ndarray | None]]:
    """(name, image or None if unreadable). A path that does not exist is a user error."""
    out = []
    for p in paths:
        path = Path(p)
        if not path.is_file():
            raise InputError(path, "image file not found")
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        out.append((str(path), image))
    if not out:
        raise InputError("IMAGES", "no images given")
    return out


def calibrate_camera(images: Sequence[tuple[str, np.ndarray | None]], board: Board
                     ) -> CameraCalibration:
    """Intrinsics from (name, image) pairs; see the module docstring."""
    views: list[View] = []
    corners: list[np.ndarray] = []
    size_wh: tuple[int, int] | None = None
    for name, image in images:
        if image is None or image.size == 0:
            views.append(View(name, False, "not a readable image"))
            continue
        wh = (int(image.shape[1]), int(image.shape[0]))
        if size_wh is None:
            size_wh = wh
        elif wh != size_wh:
            views.append(View(name, False, f"size {wh[0]}x{wh[1]} differs from the first "
                                           f"image's {size_wh[0]}x{size_wh[1]}"))
            continue
        found = find_board(image, board)
        if found is None:
            views.append(View(name, False, "board not found"))
            continue
        views.append(View(name, True))
        corners.append(found)
    n_found = len(corners)
    rejected = len(views) - n_found
    log.info("board found in %d of %d images", n_found, len(views))
    if n_found < MIN_VIEWS or size_wh is None:
        raise InputError("IMAGES", f"the {board.cols}x{board.rows} board was found in "
                                   f"{n_found} of {len(views)} images ({rejected} rejected); "
                                   f"need at least {MIN_VIEWS} (--board counts inner "
                                   f"corners, columns x rows)")
    obj = board.object_points()
    flags = 0 if n_found >= FULL_DISTORTION_VIEWS else cv2.CALIB_FIX_K3
    rms, k, dist, rvecs, tvecs = cv2.calibrateCamera([obj] * n_found, corners, size_wh,
                                                     None, None, flags=flags)
    errors = iter(_view_error(obj, c, r, t, k, dist)
                  for c, r, t in zip(corners, rvecs, tvecs, strict=True))
    views = [View(v.name, True, error_px=next(errors)) if v.found else v for v in views]
    return CameraCalibration(size_wh, (float(k[0, 0]), float(k[1, 1])),
                             (float(k[0, 2]), float(k[1, 2])),
                             tuple(float(d) for d in dist.ravel()), float(rms), tuple(views))


def _view_error(obj: np.ndarray, corners: np.ndarray, rvec, tvec, k, dist) -> float:
    projected, _ = cv2.projectPoints(obj, rvec, tvec, k, dist)
    diff = projected.reshape(-1, 2) - corners.reshape(-1, 2)
    return float(np.sqrt(np.mean(np.sum(diff ** 2, axis=1))))
