"""Thin wrapper over MediaPipe Face Mesh (468 landmarks + 10 iris points)."""

from __future__ import annotations

import numpy as np


class FaceMesh:
    """``process(image_bgr)`` → list of (478, 3) landmark arrays in pixels (x, y) and
    relative depth (z, same scale as x). A context manager; ``close()`` frees the graph."""

    def __init__(self, max_faces: int = 4, static_images: bool = False,
                 min_detection_confidence: float = 0.5):
        import mediapipe as mp

        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=static_images, max_num_faces=max_faces, refine_landmarks=True,
            min_detection_confidence=min_detection_confidence, min_tracking_confidence=0.5)

    def process(self, image_bgr: np.ndarray) -> list[np.ndarray]:
        if image_bgr.ndim != 3 or image_bgr.shape[2] != 3:
            raise ValueError(f"expected an H×W×3 BGR image, got shape {image_bgr.shape}")
        h, w = image_bgr.shape[:2]
        rgb = np.ascontiguousarray(image_bgr[:, :, ::-1])
        result = self._mesh.process(rgb)
        faces = []
        for lm in result.multi_face_landmarks or ():
            pts = np.array([(p.x * w, p.y * h, p.z * w) for p in lm.landmark], dtype=np.float32)
            faces.append(pts)
        return faces

    def close(self) -> None:
        self._mesh.close()

    def __enter__(self) -> FaceMesh:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
