"""Regenerate ``data/face_model.json`` from Face Mesh's 3D output on real frontal photos.

    python -m ntt.vision.build_face_model [--out PATH]

MediaPipe's canonical face model does not ship in its wheel, so we build our own from the
photos in ``ntt.vision.samples`` (the astronaut and Grace Hopper, both looking at the
camera). For each photo:

1. Face Mesh runs on the photo and on its mirror image; the mirror image's landmarks,
   flipped back, are a second estimate of the same face with left and right swapped.
   Matching them to the first (optimal assignment, summed over photos) gives the mirror
   index of every landmark; averaging the two estimates cancels the model's own
   left/right bias.
2. The shape is scaled so the iris centres are ``INTERPUPILLARY_MM`` apart and made
   exactly symmetric: it is averaged with its own reflection, rigidly fitted onto it.
3. It is rotated so its plane of symmetry is the camera's y–z plane (yaw and roll zero);
   pitch is left as the person held it while looking at the camera.

The shapes are then aligned by a rotation about x and averaged, and the average is turned
so that zero pitch is the mean of the sitters' own poses. Face Mesh's landmarks describe the
face as seen along the ray to its crop, so zero pose is "facing the camera".
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from pathlib import Path

import numpy as np

from ntt.vision.face_model import INTERPUPILLARY_MM, MODEL_PATH, ReferenceFace
from ntt.vision.mesh_indices import IRIS_LEFT, IRIS_RIGHT, RIGID_LANDMARKS

log = logging.getLogger(__name__)

# Face Mesh passes per photo: one from the detector's box, then refinements from landmarks.
REFINE_PASSES = 2
SYMMETRISE_ITERATIONS = 3


def photo_landmarks(image_bgr: np.ndarray, detector, mesh) -> np.ndarray:
    """(478, 3) landmarks of the single most confident face, refined from its own ROI."""
    from ntt.vision.landmarks import roi_from_detection, roi_from_landmarks

    rgb = np.ascontiguousarray(image_bgr[:, :, ::-1])
    detections = detector.detect(rgb)
    if not detections:
        raise RuntimeError("no face found in a model source photo")
    pts = mesh.landmarks(rgb, roi_from_detection(detections[0]))
    for _ in range(REFINE_PASSES):
        if pts is None:
            break
        pts = mesh.landmarks(rgb, roi_from_landmarks(pts))
    if pts is None:
        raise RuntimeError("Face Mesh lost the face in a model source photo")
    return pts.astype(np.float64)


def mirror_pair(image_bgr: np.ndarray, detector, mesh) -> tuple[np.ndarray, np.ndarray]:
    """Landmarks of the photo, and of its mirror image flipped back into the photo's frame."""
    direct = photo_landmarks(image_bgr, detector, mesh)
    flipped = photo_landmarks(np.ascontiguousarray(image_bgr[:, ::-1]), detector, mesh)
    flipped[:, 0] = image_bgr.shape[1] - flipped[:, 0]
    return direct, flipped


def mirror_indices(pairs: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The landmark index each landmark maps to under left/right mirroring."""
    from scipy.optimize import linear_sum_assignment

    cost = np.zeros((len(pairs[0][0]),) * 2)
    for direct, flipped in pairs:
        scale = np.linalg.norm(direct[IRIS_RIGHT, :2] - direct[IRIS_LEFT, :2])
        cost += np.linalg.norm(flipped[:, None, :2] - direct[None, :, :2], axis=2) / scale
    _, mirror = linear_sum_assignment(cost + cost.T)
    if not np.array_equal(mirror[mirror], np.arange(len(mirror))):
        raise RuntimeError("the mirror matching is not an involution")
    return mirror


def kabsch(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotation R and translation t minimising |R src + t - dst| (proper rotation)."""
    cs, cd = src.mean(axis=0), dst.mean(axis=0)
    u, _, vt = np.linalg.svd((src - cs).T @ (dst - cd))
    d = np.sign(np.linalg.det(vt.T @ u.T))
    rot = vt.T @ np.diag([1.0, 1.0, d]) @ u.T
    return rot, cd - rot @ cs


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The smallest rotation taking unit vector ``a`` onto unit vector ``b``."""
    import cv2

    axis = np.cross(a, b)
    s, c = np.linalg.norm(axis), float(np.dot(a, b))
    if s < 1e-12:
        return np.eye(3)
    rot, _ = cv2.Rodrigues(axis / s * math.atan2(s, c))
    return rot


def symmetric_shape(direct: np.ndarray, flipped: np.ndarray, mirror: np.ndarray) -> np.ndarray:
    """One photo's face: scaled to mm, symmetric, plane of symmetry = y–z, origin between
    the iris centres."""
    shape = (direct + flipped[mirror]) / 2
    shape = shape * INTERPUPILLARY_MM / np.linalg.norm(shape[IRIS_RIGHT] - shape[IRIS_LEFT])
    rigid = list(RIGID_LANDMARKS)
    reflect = np.array([-1.0, 1.0, 1.0])
    for _ in range(SYMMETRISE_ITERATIONS):
        reflected = shape[mirror] * reflect
        rot, t = kabsch(reflected[rigid], shape[rigid])
        shape = (shape + reflected @ rot.T + t) / 2
    # Plane normal: the dominant direction of (point - its mirror) over all pairs.
    diffs = shape - shape[mirror]
    _, _, vt = np.linalg.svd(diffs, full_matrices=False)
    normal = vt[0] * np.sign(np.dot(vt[0], diffs[IRIS_LEFT]))
    shape = shape @ rotation_between(normal, np.array([1.0, 0.0, 0.0])).T
    return shape - (shape[IRIS_RIGHT] + shape[IRIS_LEFT]) / 2


def rotation_about_x(src: np.ndarray, dst: np.ndarray) -> float:
    """Angle θ (radians) of the rotation about x that best maps ``src`` onto ``dst``
    (both centred on the same origin, in y–z)."""
    s = src[:, 1:] - src[:, 1:].mean(axis=0)
    d = dst[:, 1:] - dst[:, 1:].mean(axis=0)
    cross = np.sum(s[:, 0] * d[:, 1] - s[:, 1] * d[:, 0])
    dot = np.sum(s * d)
    return math.atan2(cross, dot)


def rot_x(theta: float) -> np.ndarray:
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def build(photos, detector, mesh) -> ReferenceFace:
    pairs = [mirror_pair(p.image_bgr, detector, mesh) for p in photos]
    mirror = mirror_indices(pairs)
    shapes = [symmetric_shape(d, f, mirror) for d, f in pairs]
    rigid = list(RIGID_LANDMARKS)
    angles = [rotation_about_x(s[rigid], shapes[0][rigid]) for s in shapes]
    aligned = [s @ rot_x(a).T for s, a in zip(shapes, angles, strict=True)]
    mean = np.mean(aligned, axis=0)
    model = mean @ rot_x(-float(np.mean(angles))).T
    model -= (model[IRIS_RIGHT] + model[IRIS_LEFT]) / 2
    for photo, angle in zip(photos, angles, strict=True):
        log.info("%s: pitch offset from the first photo %.1f deg", photo.name,
                 math.degrees(angle))
    return ReferenceFace(model, mirror, tuple(p.name for p in photos))


def main(argv: list[str] | None = None) -> int:
    from ntt.vision import samples
    from ntt.vision.detector import FaceDetector
    from ntt.vision.landmarks import FaceMesh

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    with FaceDetector() as detector, FaceMesh() as mesh:
        model = build([samples.astronaut(), samples.grace_hopper()], detector, mesh)
    model.save(args.out)
    log.info("wrote %s (%d points)", args.out, len(model.points_mm))
    return 0


if __name__ == "__main__":
    sys.exit(main())
