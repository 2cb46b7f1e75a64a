"""The 3D reference face that head pose is solved against (``ReferenceFace``).

The model is built from Face Mesh's own 3D output on real frontal photos (see
``ntt.vision.build_face_model``, which regenerates ``data/face_model.json``). Its axes are
the camera's when the person looks straight into it: x to image right (the person's left),
y down, z away from the camera; units are millimetres with the interpupillary distance
scaled to an adult mean; the origin is midway between the iris centres. The Face Mesh
landmark indices are in ``ntt.vision.mesh_indices``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).parent / "data" / "face_model.json"

# The adult mean interpupillary distance the model is scaled to (millimetres).
INTERPUPILLARY_MM = 63.0


@dataclass(frozen=True, eq=False)
class ReferenceFace:
    """The mean 3D face in Face Mesh order: 478 model points (mm, axes above) and the
    landmark index of each point's mirror image (the person's left eye corner for their
    right one; midline points map to themselves)."""

    points_mm: np.ndarray
    mirror: np.ndarray
    sources: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> ReferenceFace:
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
