"""The vision stage: ``push(VideoFrame)`` → one ``FacesCue`` with every face in the frame."""

from __future__ import annotations

import math

import numpy as np

from ntt.cues import Face, FacesCue, VideoFrame
from ntt.vision.landmarks import FaceMesh
from ntt.vision.pose import camera_matrix, head_pose
from ntt.vision.tracker import IouTracker

# A face turned less than this (yaw and pitch, degrees) counts as facing the device.
FACING_SCALE_DEG = 20.0


def facing_score(yaw_deg: float, pitch_deg: float, scale_deg: float = FACING_SCALE_DEG) -> float:
    """1 when looking straight at the camera, falling smoothly with head rotation."""
    angle = math.hypot(yaw_deg, pitch_deg)
    return float(math.exp(-0.5 * (angle / scale_deg) ** 2))


class FaceAnalyzer:
    """Landmarks → tracks → head pose → ``attending`` (head-pose only for now)."""

    def __init__(self, mesh: FaceMesh, hfov_deg: float = 65.0):
        self.mesh = mesh
        self.hfov_deg = hfov_deg
        self.tracker = IouTracker()
        self._camera: np.ndarray | None = None

    def reset(self) -> None:
        self.tracker.reset()

    def push(self, frame: VideoFrame) -> list[FacesCue]:
        h, w = frame.image_bgr.shape[:2]
        if self._camera is None or self._camera[0, 2] != w / 2 or self._camera[1, 2] != h / 2:
            self._camera = camera_matrix(w, h, self.hfov_deg)
        meshes = self.mesh.process(frame.image_bgr)
        boxes = []
        for pts in meshes:
            x0, y0 = pts[:, 0].min(), pts[:, 1].min()
            x1, y1 = pts[:, 0].max(), pts[:, 1].max()
            boxes.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
        ids = self.tracker.assign(frame.t_s, boxes)
        faces = []
        for pts, box, track in zip(meshes, boxes, ids, strict=True):
            yaw, pitch, roll = head_pose(pts[:, :2], self._camera)
            faces.append(Face(track_id=track, box_xywh=box, yaw_deg=yaw, pitch_deg=pitch,
                              roll_deg=roll, attending=facing_score(yaw, pitch),
                              landmarks_xy=pts[:, :2]))
        return [FacesCue(frame.t_s, frame.index, tuple(faces), (w, h))]

    def flush(self) -> list[FacesCue]:
        return []
