"""Head pose from Face Mesh landmarks: ``cv2.solvePnP`` against ``ReferenceFace``.

Angles are of the head in the camera frame (x image right, y down, z forward), in degrees;
(0, 0, 0) is a head whose face points straight back along the optical axis:

* yaw   > 0: the person turns to *their* left, so their nose moves towards image right;
* pitch > 0: the person looks up;
* roll  > 0: the head tilts clockwise in the image (towards the person's left shoulder).

They are the Euler angles of the head-to-camera rotation ``R = Rz(roll) Ry(-yaw)
Rx(-pitch)``. Rotating the image about its centre by θ clockwise changes roll by θ and
leaves yaw and pitch alone. A person off to one side who faces the camera has a non-zero
yaw in this frame; whether someone looks at the device is judged from 3D directions (see
``ntt.vision.attending``), not from these angles.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from ntt.vision.face_model import ReferenceFace
from ntt.vision.mesh_indices import RIGID_LANDMARKS


@dataclass(frozen=True, eq=False)
class HeadPose:
    """Head-to-camera rotation, and the position of the model origin (midway between the
    iris centres) in the camera frame, in millimetres."""

    rotation: np.ndarray
    translation_mm: np.ndarray
    yaw_deg: float
    pitch_deg: float
    roll_deg: float

    @property
    def facing(self) -> np.ndarray:
        """Unit vector the face points along, camera frame."""
        return self.rotation @ np.array([0.0, 0.0, -1.0])


def rotation_to_angles(rot: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees with the module's signs, for ``rot`` = Rz Ry Rx."""
    alpha = math.asin(max(-1.0, min(1.0, -float(rot[2, 0]))))
    beta = math.atan2(float(rot[2, 1]), float(rot[2, 2]))
    gamma = math.atan2(float(rot[1, 0]), float(rot[0, 0]))
    return -math.degrees(alpha), -math.degrees(beta), math.degrees(gamma)


def direction_angles(v: np.ndarray) -> tuple[float, float]:
    """(yaw, pitch) in degrees of a direction in the camera frame, same signs as head pose:
    (0, 0) points back at the camera along the optical axis."""
    x, y, z = (float(c) for c in v)
    return math.degrees(math.atan2(x, -z)), math.degrees(math.atan2(-y, math.hypot(x, z)))


def head_pose(landmarks_xy: np.ndarray, camera: np.ndarray, model: ReferenceFace
              ) -> HeadPose | None:
    """Pose from 2D landmarks in pixels (478×2, Face Mesh order), or None if PnP fails."""
    idx = list(RIGID_LANDMARKS)
    object_points = model.points_mm[idx].astype(np.float64)
    image_points = np.ascontiguousarray(landmarks_xy[idx, :2], dtype=np.float64)
    ok, rvec, tvec = cv2.solvePnP(object_points, image_points, camera, None,
                                  flags=cv2.SOLVEPNP_SQPNP)
    if not ok:
        return None
    rvec, tvec = cv2.solvePnPRefineLM(object_points, image_points, camera, None, rvec, tvec)
    rot, _ = cv2.Rodrigues(rvec)
    if float(tvec[2, 0]) <= 0:  # behind the camera: a degenerate fit
        return None
    yaw, pitch, roll = rotation_to_angles(rot)
    return HeadPose(rot, tvec.reshape(3), yaw, pitch, roll)


def project(points_mm: np.ndarray, pose: HeadPose, camera: np.ndarray) -> np.ndarray:
    """Model points (N×3 mm) → pixels (N×2) under ``pose``."""
    cam = points_mm @ pose.rotation.T + pose.translation_mm
    uvw = cam @ camera.T
    return uvw[:, :2] / uvw[:, 2:3]


def to_face_plane(points_px: np.ndarray, depth_mm: np.ndarray, pose: HeadPose,
                  camera: np.ndarray) -> np.ndarray:
    """Back-project pixels onto the head: each point's camera ray meets the plane
    ``z = depth_mm`` of the head frame (a plane parallel to the face). Returns head-frame
    (x, y) in mm, N×2 — distances there are free of the foreshortening a turned head
    shows in the image."""
    # The pinhole inverse written out: ``np.linalg.inv`` of a 3×3 goes through LAPACK and
    # costs milliseconds on a busy machine, this costs microseconds.
    fx, fy, cx, cy = camera[0, 0], camera[1, 1], camera[0, 2], camera[1, 2]
    rays = np.c_[(points_px[:, 0] - cx) / fx, (points_px[:, 1] - cy) / fy,
                 np.ones(len(points_px))]
    r, t = pose.rotation, pose.translation_mm
    # Head frame: p_h = Rᵀ (s·ray − t); want p_h.z = depth → s = (depth + (Rᵀt).z) / (Rᵀray).z
    rays_h = rays @ r  # rows are Rᵀ ray
    t_h = r.T @ t
    denom = rays_h[:, 2]
    denom = np.where(np.abs(denom) < 1e-9, 1e-9, denom)
    s = (depth_mm + t_h[2]) / denom
    return rays_h[:, :2] * s[:, None] - t_h[:2]
