"""Checkerboard views under a known camera: ground truth for testing and timing
``ntt.calibration.camera``.

The only checkerboard image an installed package ships is scikit-image's
``chessboard_GRAY.png`` (``skimage.data.checkerboard()``: 8 × 8 squares of 25 px, 7 × 7
inner corners) — a digital image, not a photograph, and a single view. Views are made from
it the way a camera would see a print of it: a white paper margin is added, the sheet is
placed at a chosen 3D pose in front of a pinhole camera with known intrinsics (an exact
perspective warp), composited over a real photo (scikit-image's coffee, cat, astronaut,
rocket…), bent by radial and tangential lens distortion (the inverse of OpenCV's model, via
``cv2.undistortPoints``), slightly defocused, given sensor noise and JPEG-compressed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

SQUARE_PX = 25  # scikit-image's chessboard
INNER_CORNERS = (7, 7)
MARGIN_SQUARES = 1.0  # white paper around the printed squares
BACKGROUNDS = ("coffee", "chelsea", "astronaut", "rocket", "camera", "hubble_deep_field")
DEFAULT_SIZE_WH = (640, 480)
DEFAULT_FOCAL_PX = 560.0
DEFAULT_PRINCIPAL_XY = (326.0, 236.0)
DEFAULT_DISTORTION = (-0.18, 0.06, 0.0005, -0.0004, 0.0)
BLUR_SIGMA_PX = 0.6
NOISE_SIGMA = 2.0
JPEG_QUALITY = 90


@dataclass(frozen=True)
class TrueCamera:
    size_wh: tuple[int, int] = DEFAULT_SIZE_WH
    focal_px: float = DEFAULT_FOCAL_PX
    principal_xy: tuple[float, float] = DEFAULT_PRINCIPAL_XY
    distortion: tuple[float, ...] = DEFAULT_DISTORTION

    def matrix(self) -> np.ndarray:
        cx, cy = self.principal_xy
        return np.array([[self.focal_px, 0.0, cx], [0.0, self.focal_px, cy], [0, 0, 1.0]])


def board_texture() -> np.ndarray:
    """scikit-image's chessboard with a white margin, gray uint8."""
    from skimage import data

    board = data.checkerboard()
    pad = int(MARGIN_SQUARES * SQUARE_PX)
    return cv2.copyMakeBorder(board, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


def _background(name: str, size_wh: tuple[int, int]) -> np.ndarray:
    from skimage import data

    image = getattr(data, name)()
    if image.ndim == 3:
        image = cv2.cvtColor(image[:, :, :3], cv2.COLOR_RGB2GRAY)
    return cv2.resize(image, size_wh, interpolation=cv2.INTER_AREA)


def _rotation(tilt_x_deg: float, tilt_y_deg: float, roll_deg: float) -> np.ndarray:
    rx, ry, rz = (math.radians(a) for a in (tilt_x_deg, tilt_y_deg, roll_deg))
    r_x = np.array([[1, 0, 0], [0, math.cos(rx), -math.sin(rx)], [0, math.sin(rx),
                                                                   math.cos(rx)]])
    r_y = np.array([[math.cos(ry), 0, math.sin(ry)], [0, 1, 0], [-math.sin(ry), 0,
                                                                   math.cos(ry)]])
    r_z = np.array([[math.cos(rz), -math.sin(rz), 0], [math.sin(rz), math.cos(rz), 0],
                    [0, 0, 1]])
    return r_z @ r_y @ r_x


def render_view(camera: TrueCamera, rotation: np.ndarray, centre_mm: np.ndarray,
                square_mm: float, background: np.ndarray, rng: np.random.Generator
                ) -> np.ndarray:
    """One JPEG-decoded gray view of the board centred at ``centre_mm`` (camera frame)."""
    texture = board_texture()
    mm_per_px = square_mm / SQUARE_PX
    th, tw = texture.shape
    # Texture pixel → board plane (mm, origin at the sheet centre) → camera → ideal image.
    to_board = np.array([[mm_per_px, 0, -tw / 2 * mm_per_px],
                         [0, mm_per_px, -th / 2 * mm_per_px], [0, 0, 1.0]])
    extrinsic = np.column_stack([rotation[:, 0], rotation[:, 1], centre_mm])
    homography = camera.matrix() @ extrinsic @ to_board
    w, h = camera.size_wh
    # Supersample the warp so the printed edges are area-sampled like a real sensor.
    up = 2
    scale_up = np.diag([up, up, 1.0])
    sheet = cv2.warpPerspective(texture, scale_up @ homography, (w * up, h * up),
                                flags=cv2.INTER_LINEAR, borderValue=0)
    mask = cv2.warpPerspective(np.full_like(texture, 255), scale_up @ homography,
                               (w * up, h * up), flags=cv2.INTER_LINEAR, borderValue=0)
    sheet = cv2.resize(sheet, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32)
    alpha = cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    # Paper is not pure white nor ink pure black under room light.
    sheet = 30 + sheet * (200 - 30) / 255
    ideal = background.astype(np.float32) * (1 - alpha) + sheet * alpha
    # Distort: every output (distorted) pixel samples the ideal image where the ideal,
    # undistorted ray of that pixel lands.
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    pix = np.stack([xs.ravel(), ys.ravel()], axis=1).reshape(-1, 1, 2)
    k = camera.matrix()
    undist = cv2.undistortPoints(pix, k, np.asarray(camera.distortion), P=k).reshape(h, w, 2)
    seen = cv2.remap(ideal, undist[..., 0], undist[..., 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT)
    seen = cv2.GaussianBlur(seen, (0, 0), BLUR_SIGMA_PX)
    seen = np.clip(seen + rng.normal(0, NOISE_SIGMA, seen.shape), 0, 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", seen, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)


def views(n: int, seed: int = 0, camera: TrueCamera | None = None,
          square_mm: float = 25.0) -> list[np.ndarray]:
    """``n`` views with the board spread over the frame and tilted up to ±35°."""
    camera = camera or TrueCamera()
    rng = np.random.default_rng(seed)
    w, h = camera.size_wh
    out = []
    for i in range(n):
        distance_mm = float(rng.uniform(14, 22)) * square_mm
        # Aim the board's centre at a point spread over the frame (corners included).
        u = w * (0.5 + 0.26 * math.cos(2.4 * i)) + rng.normal(0, 10)
        v = h * (0.5 + 0.24 * math.sin(2.4 * i * 1.3)) + rng.normal(0, 10)
        ray = np.linalg.inv(camera.matrix()) @ np.array([u, v, 1.0])
        centre = ray * distance_mm
        rot = _rotation(float(rng.uniform(-35, 35)), float(rng.uniform(-35, 35)),
                        float(rng.uniform(-20, 20)))
        background = _background(BACKGROUNDS[i % len(BACKGROUNDS)], camera.size_wh)
        out.append(render_view(camera, rot, centre, square_mm, background, rng))
    return out
