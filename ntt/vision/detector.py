"""Far-field face detection: MediaPipe's full-range detector over the frame and over tiles.

The full-range model sees a 192×192 letterboxed copy of its input, so in one pass it only
finds faces taller than about a tenth of the image (measured on real photos pasted at known
sizes: 80 px faces in a 640 px frame all found, 40 px ones rarely). Running it on
overlapping tiles as well as on the whole frame brings 40 px faces within reach; detections
from all windows are merged so that each face comes out once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# Smallest tile side (pixels): a 40 px face then spans ~12% of the tile, where the
# full-range model finds it reliably.
MIN_TILE_PX = 320
# Tiles are never smaller than the image's long side over this, which bounds the work on
# huge images (a 4000 px photo gets ~100 windows, not ~400).
MAX_TILE_DIVISOR = 8
# Neighbouring tiles overlap by this fraction of their side, so that a face up to that size
# lies wholly inside at least one tile.
TILE_OVERLAP = 0.3
# Two boxes whose intersection covers this fraction of the smaller one are the same face.
SAME_FACE_OVERLAP = 0.5
# A detection whose box comes this close (fraction of its size) to a tile edge that lies
# inside the image may be a cut-off face; a neighbouring tile or a coarser window sees it
# whole.
EDGE_MARGIN = 0.05
DEFAULT_MIN_SCORE = 0.5

Window = tuple[int, int, int, int]  # x, y, width, height in pixels


@dataclass(frozen=True, eq=False)
class Detection:
    """One face found by the detector, in full-image pixels.

    ``keypoints_xy`` holds MediaPipe's six key points in its order: the person's right eye,
    left eye, nose tip, mouth centre, right ear tragion, left ear tragion.
    """

    box_xywh: tuple[float, float, float, float]
    score: float
    keypoints_xy: np.ndarray


def detection_windows(width: int, height: int, min_tile_px: int = MIN_TILE_PX,
                      overlap: float = TILE_OVERLAP) -> list[Window]:
    """The whole frame, then square tiles halving in size down to ``min_tile_px`` (or an
    eighth of the long side, whichever is larger)."""
    windows: list[Window] = [(0, 0, width, height)]
    sides = []
    min_tile_px = max(min_tile_px, max(width, height) // MAX_TILE_DIVISOR)
    side = max(width, height) // 2
    while side > min_tile_px:
        sides.append(side)
        side //= 2
    if max(width, height) > min_tile_px:
        sides.append(min_tile_px)
    for side in sides:
        tile = min(side, width, height)
        stride = max(1, int(tile * (1.0 - overlap)))
        xs = _starts(width, tile, stride)
        ys = _starts(height, tile, stride)
        windows += [(x, y, tile, tile) for y in ys for x in xs if (x, y, tile, tile) not in windows]
    return windows


def _starts(length: int, tile: int, stride: int) -> list[int]:
    if tile >= length:
        return [0]
    starts = list(range(0, length - tile, stride)) + [length - tile]
    return sorted(set(starts))


def overlap_of_smaller(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection area over the smaller box's area (0..1)."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    smaller = min(a[2] * a[3], b[2] * b[3])
    return ix * iy / smaller if smaller > 0 else 0.0


def merge_detections(detections: Iterable[Detection],
                     same_face_overlap: float = SAME_FACE_OVERLAP) -> list[Detection]:
    """Keep the best-scoring detection of each face (greedy suppression by overlap)."""
    kept: list[Detection] = []
    for det in sorted(detections, key=lambda d: d.score, reverse=True):
        if all(overlap_of_smaller(det.box_xywh, k.box_xywh) < same_face_overlap for k in kept):
            kept.append(det)
    return kept


class FaceDetector:
    """MediaPipe full-range face detection on chosen windows of an RGB frame.

    A context manager; ``close()`` frees the MediaPipe graph. Not thread-safe.
    """

    def __init__(self, min_score: float = DEFAULT_MIN_SCORE, min_tile_px: int = MIN_TILE_PX):
        import mediapipe as mp

        self.min_score = min_score
        self.min_tile_px = min_tile_px
        self._detector = mp.solutions.face_detection.FaceDetection(
            model_selection=1, min_detection_confidence=min_score)

    def windows(self, width: int, height: int) -> list[Window]:
        return detection_windows(width, height, self.min_tile_px)

    def detect(self, image_rgb: np.ndarray, windows: Iterable[Window] | None = None
               ) -> list[Detection]:
        """Faces in ``image_rgb`` (H×W×3 uint8) found in any of ``windows`` (default: the
        whole frame and every tile), merged so each face appears once."""
        h, w = image_rgb.shape[:2]
        found: list[Detection] = []
        for window in self.windows(w, h) if windows is None else windows:
            found += self._detect_window(image_rgb, window)
        return merge_detections(found)

    def _detect_window(self, image_rgb: np.ndarray, window: Window) -> list[Detection]:
        x0, y0, ww, wh = window
        crop = np.ascontiguousarray(image_rgb[y0:y0 + wh, x0:x0 + ww])
        if crop.shape[0] < 2 or crop.shape[1] < 2:
            return []
        result = self._detector.process(crop)
        out = []
        for det in result.detections or ():
            loc = det.location_data
            bb = loc.relative_bounding_box
            box = (x0 + bb.xmin * ww, y0 + bb.ymin * wh, bb.width * ww, bb.height * wh)
            if not all(math.isfinite(v) for v in box) or box[2] <= 1 or box[3] <= 1:
                continue
            if _cut_by_inner_edge(box, window, image_rgb.shape[1], image_rgb.shape[0]):
                continue
            kps = np.array([(x0 + k.x * ww, y0 + k.y * wh) for k in loc.relative_keypoints],
                           dtype=np.float32)
            out.append(Detection(box_xywh=box, score=float(det.score[0]), keypoints_xy=kps))
        return out

    def close(self) -> None:
        self._detector.close()

    def __enter__(self) -> FaceDetector:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _cut_by_inner_edge(box: tuple[float, ...], window: Window, width: int, height: int) -> bool:
    x, y, bw, bh = box
    wx, wy, ww, wh = window
    mx, my = EDGE_MARGIN * bw, EDGE_MARGIN * bh
    return ((wx > 0 and x < wx + mx) or (wy > 0 and y < wy + my)
            or (wx + ww < width and x + bw > wx + ww - mx)
            or (wy + wh < height and y + bh > wy + wh - my))
