"""Real face photos that installed packages ship (never downloaded)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np

from ntt.sim.face_render import FaceModel


def _astronaut() -> np.ndarray:
    from skimage import data

    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def _grace_hopper() -> np.ndarray:
    import matplotlib

    path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    return cv2.imread(str(path))


PHOTOS = {"astronaut": _astronaut, "grace_hopper": _grace_hopper}


def load_photo(name: str) -> np.ndarray:
    return PHOTOS[name]()


@cache
def face_model(name: str) -> FaceModel:
    """The textured mesh of one photo (Face Mesh runs once per process and photo). A posed
    close-up portrait is what MediaPipe's own selfie-range pipeline is made for, so the
    solution API is used directly here rather than the far-field vision front-end."""
    import mediapipe as mp

    photo = load_photo(name)
    h, w = photo.shape[:2]
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1,
                                         refine_landmarks=True) as mesh:
        result = mesh.process(np.ascontiguousarray(photo[:, :, ::-1]))
    if not result.multi_face_landmarks:
        raise RuntimeError(f"no face found in the bundled photo {name!r}")
    pts = np.array([(p.x * w, p.y * h, p.z * w)
                    for p in result.multi_face_landmarks[0].landmark], dtype=np.float32)
    return FaceModel(photo, pts)
