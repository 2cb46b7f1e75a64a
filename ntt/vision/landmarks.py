"""MediaPipe Face Mesh (468 points + 10 iris points) run on a given region of the frame.

MediaPipe's own Face Mesh solution finds faces with its short-range (selfie) detector, which
misses people more than a couple of metres away. Here the landmark model runs on a region of
interest we choose — from the full-range detector, or from the previous frame's landmarks —
so detection and tracking stay ours. MediaPipe warps the rotated square region to the
model's 192×192 input, which upscales small faces and undoes in-plane rotation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ntt.vision.detector import Detection
from ntt.vision.mesh_indices import EYE_LEFT_OUTER, EYE_RIGHT_OUTER, NUM_LANDMARKS

# A region of interest is this many times the face's extent (MediaPipe's own factor).
ROI_SCALE = 1.5
# The in-plane rotation of a region is that of the line through the outer eye corners (the
# person's right, on the image left, then left).

# The landmark model alone, fed a region of interest per call (a ``FaceLandmarkCpu``
# subgraph from MediaPipe's own registry).
_LANDMARK_GRAPH = """
input_stream: "image"
input_stream: "roi"
output_stream: "landmarks"
input_side_packet: "with_attention"
node {
  calculator: "FaceLandmarkCpu"
  input_stream: "IMAGE:image"
  input_stream: "ROI:roi"
  output_stream: "LANDMARKS:landmarks"
  input_side_packet: "WITH_ATTENTION:with_attention"
}
"""


@dataclass(frozen=True)
class Roi:
    """A rotated square region in pixels: centre, side, rotation (radians, MediaPipe's sign:
    positive when the face is turned clockwise in the image)."""

    cx: float
    cy: float
    size: float
    rotation_rad: float

    def box_xywh(self) -> tuple[float, float, float, float]:
        return (self.cx - self.size / 2, self.cy - self.size / 2, self.size, self.size)


def _rotation(p_start: np.ndarray, p_end: np.ndarray) -> float:
    """MediaPipe's rect rotation from two points that should lie on a horizontal line."""
    angle = -math.atan2(-(float(p_end[1]) - float(p_start[1])),
                        float(p_end[0]) - float(p_start[0]))
    return (angle + math.pi) % (2 * math.pi) - math.pi


def roi_from_detection(det: Detection, scale: float = ROI_SCALE) -> Roi:
    """Square region around a detector box, rotated so the eyes are level."""
    x, y, w, h = det.box_xywh
    rotation = _rotation(det.keypoints_xy[0], det.keypoints_xy[1])
    return Roi(x + w / 2, y + h / 2, max(w, h) * scale, rotation)


def roi_from_landmarks(landmarks: np.ndarray, scale: float = ROI_SCALE) -> Roi:
    """Region for the next frame: the landmarks' extent in the face's own upright frame."""
    rotation = _rotation(landmarks[EYE_RIGHT_OUTER], landmarks[EYE_LEFT_OUTER])
    pts = landmarks[:, :2].astype(np.float64)
    c, s = math.cos(rotation), math.sin(rotation)
    # Express points in axes rotated by ``rotation`` (image y down), find the extent there.
    u = pts[:, 0] * c + pts[:, 1] * s
    v = -pts[:, 0] * s + pts[:, 1] * c
    uc, vc = (u.min() + u.max()) / 2, (v.min() + v.max()) / 2
    side = max(u.max() - u.min(), v.max() - v.min()) * scale
    return Roi(uc * c - vc * s, uc * s + vc * c, side, rotation)


def mirror_averaged(mesh: FaceMesh, image_rgb: np.ndarray, roi: Roi,
                    mirror: np.ndarray) -> np.ndarray | None:
    """Landmarks averaged with those of the mirror image (flipped back, each point swapped
    with its mirror twin, ``ReferenceFace.mirror``), or whichever of the two was found.

    Face Mesh is not mirror-equivariant: on real photos a face and its mirror image differ
    by up to 0.22 in ``attending`` (an eye turn under-read on one side only); averaging
    makes the landmarks, and everything measured on them, symmetric by construction, at the
    cost of a second pass (used on still images, ``VisionSettings.exhaustive``).
    """
    direct = mesh.landmarks(image_rgb, roi)
    width = image_rgb.shape[1]
    # A flipped view, not a copy: ``FaceMesh.landmarks`` copies only the region it needs.
    flipped = mesh.landmarks(image_rgb[:, ::-1],
                             Roi(width - roi.cx, roi.cy, roi.size, -roi.rotation_rad))
    if flipped is None:
        return direct
    flipped[:, 0] = width - flipped[:, 0]
    flipped = flipped[mirror]
    return flipped if direct is None else (direct + flipped) / 2


class FaceMesh:
    """``landmarks(image_rgb, roi)`` → (478, 3) float32 array in pixels (x, y) and relative
    depth (z, same scale as x, larger = further from the camera), or None when the model
    finds no face in the region. A context manager; ``close()`` frees the graph."""

    def __init__(self) -> None:
        from google.protobuf import text_format
        from mediapipe.framework import calculator_pb2
        from mediapipe.framework.formats import rect_pb2
        from mediapipe.python.solution_base import SolutionBase

        config = text_format.Parse(_LANDMARK_GRAPH, calculator_pb2.CalculatorGraphConfig())
        self._graph = SolutionBase(graph_config=config, side_inputs={"with_attention": True},
                                   outputs=["landmarks"])
        self._rect = rect_pb2.NormalizedRect

    def landmarks(self, image_rgb: np.ndarray, roi: Roi) -> np.ndarray | None:
        if image_rgb.ndim != 3 or image_rgb.shape[2] != 3 or image_rgb.dtype != np.uint8:
            raise ValueError(f"expected an H×W×3 uint8 RGB image, got {image_rgb.shape} "
                             f"{image_rgb.dtype}")
        if roi.size < 1 or not all(map(math.isfinite, (roi.cx, roi.cy, roi.size))):
            return None
        # Hand MediaPipe only the part of the frame the rotated region covers (clipped to
        # the frame, so borders fall where they would): it copies whatever it is given.
        reach = roi.size * math.sqrt(0.5) + 1
        x0, y0 = max(0, int(roi.cx - reach)), max(0, int(roi.cy - reach))
        x1 = min(image_rgb.shape[1], int(math.ceil(roi.cx + reach)))
        y1 = min(image_rgb.shape[0], int(math.ceil(roi.cy + reach)))
        if x1 - x0 < 2 or y1 - y0 < 2:
            return None
        crop = np.ascontiguousarray(image_rgb[y0:y1, x0:x1])
        h, w = crop.shape[:2]
        rect = self._rect(x_center=(roi.cx - x0) / w, y_center=(roi.cy - y0) / h,
                          width=roi.size / w, height=roi.size / h, rotation=roi.rotation_rad)
        result = self._graph.process({"image": crop, "roi": rect})
        if result.landmarks is None or len(result.landmarks.landmark) != NUM_LANDMARKS:
            return None
        pts = np.array([(p.x, p.y, p.z) for p in result.landmarks.landmark], dtype=np.float32)
        return pts * np.array([w, h, w], dtype=np.float32) + np.array([x0, y0, 0],
                                                                       dtype=np.float32)

    def close(self) -> None:
        self._graph.close()

    def __enter__(self) -> FaceMesh:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
