"""Real photos of faces that ship inside installed packages, and scenes built from them.

Used to build the 3D face model, by the tests and by the speed benchmark; nothing here is
downloaded. No installed package ships a photo of a group, so ``group_scene`` pastes real
faces at chosen sizes onto a real photo.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np


@dataclass(frozen=True)
class SamplePhoto:
    """A real photo and its face box (x, y, w, h pixels, from the full-range detector)."""

    name: str
    image_bgr: np.ndarray
    face_xywh: tuple[int, int, int, int]


def astronaut() -> SamplePhoto:
    """Eileen Collins, frontal, looking at the camera (scikit-image, public domain)."""
    from skimage import data

    return SamplePhoto("astronaut", cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR),
                       (174, 68, 104, 104))


def grace_hopper() -> SamplePhoto:
    """Grace Hopper's portrait, frontal, looking at the camera (matplotlib sample data)."""
    from matplotlib import cbook

    path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(path)
    return SamplePhoto("grace_hopper", image, (166, 128, 200, 200))


def cameraman() -> SamplePhoto:
    """The grayscale cameraman, face in three-quarter view (scikit-image)."""
    from skimage import data

    return SamplePhoto("cameraman", cv2.cvtColor(data.camera(), cv2.COLOR_GRAY2BGR),
                       (200, 123, 76, 76))


def faces() -> list[SamplePhoto]:
    return [astronaut(), grace_hopper(), cameraman()]


def background_bgr(width: int, height: int) -> np.ndarray:
    """A real photo without faces (scikit-learn's ``china.jpg``) resized to fill the frame."""
    import sklearn

    path = Path(sklearn.__file__).parent / "datasets" / "images" / "china.jpg"
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(path)
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)


# A pasted head includes this much of the photo around the face box (fraction of the box
# on each side), so the face keeps its hair, neck and some background.
HEAD_MARGIN = 0.6


def head_patch(photo: SamplePhoto, face_height_px: float, mirror: bool = False
               ) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """The face with its surroundings scaled so the face box is ``face_height_px`` tall;
    returns the patch and the face box inside it."""
    x, y, w, h = photo.face_xywh
    img = photo.image_bgr
    x0, y0 = max(0, int(x - HEAD_MARGIN * w)), max(0, int(y - HEAD_MARGIN * h))
    x1 = min(img.shape[1], int(x + w + HEAD_MARGIN * w))
    y1 = min(img.shape[0], int(y + h + HEAD_MARGIN * h))
    scale = face_height_px / h
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    patch = cv2.resize(img[y0:y1, x0:x1], None, fx=scale, fy=scale, interpolation=interp)
    fx, fy, fw, fh = (x - x0) * scale, (y - y0) * scale, w * scale, h * scale
    if mirror:
        patch = np.ascontiguousarray(patch[:, ::-1])
        fx = patch.shape[1] - fx - fw
    return patch, (fx, fy, fw, fh)


def group_scene(width: int, height: int, face_heights_px: list[float], seed: int = 0
                ) -> tuple[np.ndarray, list[tuple[float, float, float, float]]]:
    """Real faces (cycling through ``faces()``, every other one mirrored) pasted side by side
    on a real background, each at its requested face height, at random heights in the
    frame. Returns the image and the true face boxes. Faces that do not fit are skipped."""
    rng = np.random.default_rng(seed)
    image = background_bgr(width, height).copy()
    photos = faces()
    patches = [head_patch(photos[i % len(photos)], fh, mirror=i % 2 == 1)
               for i, fh in enumerate(face_heights_px)]
    total_w = sum(p.shape[1] for p, _ in patches)
    gap = max(0.0, (width - total_w) / (len(patches) + 1))
    boxes = []
    x = gap
    for patch, (fx, fy, fw, fh) in patches:
        ph, pw = patch.shape[:2]
        if x + pw > width or ph > height:
            continue
        top = int(rng.integers(0, height - ph + 1))
        left = int(x)
        image[top:top + ph, left:left + pw] = patch
        boxes.append((left + fx, top + fy, fw, fh))
        x += pw + gap
    return image, boxes
