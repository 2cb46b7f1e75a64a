"""The 3D face model that head pose is solved against, and the Face Mesh indices we use.

The model is built from Face Mesh's own 3D output on real frontal photos (see
``ntt.vision.build_face_model``, which regenerates ``data/face_model.json``). Its axes are
the camera's when the person looks straight into it: x to image right (the person's left),
y down, z away from the camera; units are millimetres with the interpupillary distance
scaled to an adult mean; the origin is midway between the iris centres.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).parent / "data" / "face_model.json"

# Face Mesh indices. "Right"/"left" are the person's: their right eye is on the image left.
IRIS_RIGHT, IRIS_LEFT = 468, 473
EYE_RIGHT_OUTER, EYE_RIGHT_INNER = 33, 133
EYE_LEFT_INNER, EYE_LEFT_OUTER = 362, 263
LID_RIGHT_UPPER, LID_RIGHT_LOWER = 159, 145
LID_LEFT_UPPER, LID_LEFT_LOWER = 386, 374
LIP_INNER_UPPER, LIP_INNER_LOWER = 13, 14

# Points that move little with expression (forehead, temples, nose, eye corners,
# cheekbones), closed under left/right mirroring. Mouth, jaw, eyebrows and lids are out.
RIGID_LANDMARKS = (
    10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1,
    33, 263, 133, 362,
    234, 454, 127, 356, 162, 389, 21, 251, 54, 284, 103, 332, 67, 297, 109, 338,
    116, 345, 123, 352, 50, 280, 98, 327, 129, 358,
)

# The adult mean interpupillary distance the model is scaled to (millimetres).
INTERPUPILLARY_MM = 63.0


@dataclass(frozen=True, eq=False)
class FaceModel:
    """478 model points (mm, axes above) and the landmark index of each point's mirror
    image (the person's left eye corner for their right one; midline points map to
    themselves)."""

    points_mm: np.ndarray
    mirror: np.ndarray
    sources: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> FaceModel:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        points = np.asarray(doc["points_mm"], dtype=np.float64)
        mirror = np.asarray(doc["mirror"], dtype=np.int64)
        if points.shape != (len(mirror), 3):
            raise ValueError(f"{path}: points_mm and mirror disagree in length")
        return cls(points, mirror, tuple(doc.get("sources", ())))

    def save(self, path: Path = MODEL_PATH) -> None:
        doc = {
            "format": "ntt-face-model", "version": 1, "units": "mm",
            "axes": "x image right (person's left), y down, z away from the camera; "
                    "origin midway between the iris centres; pose zero = facing the camera",
            "sources": list(self.sources),
            "mirror": [int(i) for i in self.mirror],
            "points_mm": [[round(float(v), 3) for v in p] for p in self.points_mm],
        }
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
