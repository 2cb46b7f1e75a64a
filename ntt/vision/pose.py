"""Head pose from Face Mesh landmarks with ``cv2.solvePnP`` against a generic 3D face.

Conventions (camera frame, degrees, person facing the camera = 0, 0, 0):
  * yaw   > 0 when the person turns to *their* left (their nose moves to image right);
  * pitch > 0 when the person looks up;
  * roll  > 0 when the head tilts clockwise in the image (their right ear towards their
    right shoulder as seen by the camera).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

# Face Mesh indices of the generic-model points below.
POSE_LANDMARKS = (1, 152, 33, 263, 61, 291, 168, 10)
# A generic adult head in millimetres, x right (image), y up, z towards the camera.
# Nose tip, chin, right-eye outer corner (image left), left-eye outer corner, mouth corners,
# nose bridge, forehead.
FACE_MODEL_MM = np.array([
    [0.0, 0.0, 0.0],
    [0.0, -63.6, -12.5],
    [-43.3, 32.7, -26.0],
    [43.3, 32.7, -26.0],
    [-28.9, -28.9, -24.1],
    [28.9, -28.9, -24.1],
    [0.0, 30.0, -20.0],
    [0.0, 80.0, -30.0],
], dtype=np.float64)
DEFAULT_HFOV_DEG = 65.0


def camera_matrix(width: int, height: int, hfov_deg: float = DEFAULT_HFOV_DEG) -> np.ndarray:
    """Pinhole intrinsics from a nominal horizontal field of view (fallback when the device
    profile has no calibrated intrinsics)."""
    fx = (width / 2) / math.tan(math.radians(hfov_deg) / 2)
    return np.array([[fx, 0, width / 2], [0, fx, height / 2], [0, 0, 1]], dtype=np.float64)


def head_pose(landmarks_xy: np.ndarray, camera: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees from 2D landmarks in pixels (N×2, Face Mesh order)."""
    image_points = landmarks_xy[list(POSE_LANDMARKS)].astype(np.float64)
    # Model y is up and z towards the camera; image y is down and camera z looks forward.
    model = FACE_MODEL_MM * np.array([1.0, -1.0, -1.0])
    ok, rvec, _tvec = cv2.solvePnP(model, image_points, camera, None,
                                   flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        return 0.0, 0.0, 0.0
    rot, _ = cv2.Rodrigues(rvec)
    return rotation_to_angles(rot)


def rotation_to_angles(rot: np.ndarray) -> tuple[float, float, float]:
    """Decompose the head-to-camera rotation into yaw/pitch/roll in the documented signs."""
    # Euler angles for R = Rz(roll) @ Ry(yaw) @ Rx(pitch) in camera axes (x right, y down).
    sy = -rot[2, 0]
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, sy))))
    pitch = math.degrees(math.atan2(rot[2, 1], rot[2, 2]))
    roll = math.degrees(math.atan2(rot[1, 0], rot[0, 0]))
    # Person turning to their left moves the nose towards image right: R rotates +z (towards
    # camera in the model) about the image y axis; report that as positive yaw.
    return -yaw, -pitch, roll
