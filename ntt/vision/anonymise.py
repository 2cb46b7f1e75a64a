"""Blur every face of a video, for sharing a recorded session (``ntt export --blur-faces``).

Faces are looked for with everything at hand, each at a low score threshold: the tracking
face analyzer exactly as ``ntt faces`` runs it (full-range detection on a window cycle,
Face Mesh tracking), MediaPipe's full-range *and* short-range detectors on the whole frame
and on every tile, and OpenCV's profile-face cascade both ways round (when OpenCV ships
it). Each frame's regions are linked into tracks over time; a track's box is interpolated
across the frames between its detections and held — moving on with the track's own
velocity, and growing — for a while before its first and after its last one, so a face
entering at the frame edge or lost for a moment stays covered. Every region, padded, is
averaged down to a coarse grid and blurred (``anonymise``).

The result is then checked on the encoded copy: the tracker as ``ntt faces`` runs it and
the full-range detector on every window, at their usual threshold. What the tracker
follows, and what the detector finds outside the blurred regions, is added and the video
rendered again, until they find nothing (``VERIFY_ROUNDS`` at most; then the export fails
rather than leak a face). A detection on an already blurred patch is not a face left
visible (the detectors do fire on some face-coloured blurs) and is let be.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from ntt.errors import InputError
from ntt.vision.detector import MIN_TILE_PX, FaceDetector, overlap_of_smaller

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]  # x, y, width, height in pixels

FIND_MIN_SCORE = 0.3  # detectors' threshold: a false alarm costs a blurred patch, a miss a face
PAD = 0.35  # grow each region by this share of its size on every side (hair, ears, chin)
HOLD_S = 0.6  # a track's region stays before its first and after its last detection
HOLD_GROWTH = 0.5  # ... growing by up to this share of its size by the end of the hold
BRIDGE_S = 2.0  # detections of one track this far apart are joined by interpolation
LINK_DISTANCE = 1.0  # centres this many box sizes apart (+ one per second apart) are one face
MAX_SPEED = 0.5  # a held region moves at most this many box sizes per frame
VERIFY_ROUNDS = 3
BLURRED_SHARE = 0.5  # a detection this much inside blurred pixels is on a blurred patch
MOSAIC_BLOCKS = 5  # a face is averaged down to this many cells across ...
BLUR_SIGMA_DIVISOR = 8  # ... and blurred with a sigma of its size over this
CHECK_MIN_SCORE = 0.5  # the check on the result: the tracker, and the full-range detector
# on every window at its usual threshold
PROFILE_CASCADE = "haarcascade_profileface.xml"
PROFILE_MIN_PX = 24
PROFILE_EVERY = 3  # the cascade (the slowest finder) runs on every 3rd frame; holds bridge


def anonymise(patch: np.ndarray) -> np.ndarray:
    """Average down to a coarse grid, smooth it back up and blur it again: what is left is
    a soft gradient of the region's colours, with no eye, nose or mouth a detector (or a
    person) could pick out."""
    h, w = patch.shape[:2]
    small = cv2.resize(patch, (MOSAIC_BLOCKS, MOSAIC_BLOCKS), interpolation=cv2.INTER_AREA)
    smooth = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return cv2.GaussianBlur(smooth, (0, 0), max(w, h) / BLUR_SIGMA_DIVISOR)


class _ShortRangeDetector(FaceDetector):
    """MediaPipe's short-range (selfie) model, with the full-range wrapper's windows and
    merging: it finds near, large and tilted faces the full-range model can miss."""

    def __init__(self, min_score: float, min_tile_px: int = MIN_TILE_PX):
        import mediapipe as mp

        self.min_score = min_score
        self.min_tile_px = min_tile_px
        self._detector = mp.solutions.face_detection.FaceDetection(
            model_selection=0, min_detection_confidence=min_score)


def _profile_cascade() -> cv2.CascadeClassifier | None:
    data = getattr(cv2, "data", None)
    path = Path(getattr(data, "haarcascades", "")) / PROFILE_CASCADE
    if not path.is_file():
        log.info("OpenCV's %s is not installed; profile faces rely on MediaPipe",
                 PROFILE_CASCADE)
        return None
    cascade = cv2.CascadeClassifier(str(path))
    return None if cascade.empty() else cascade


class FaceFinder:
    """Every face region of each frame of one video, by every detector and the tracker.
    ``find(frame)`` takes the frames in order; ``reset()`` starts a new video. A context
    manager (frees the MediaPipe graphs)."""

    def __init__(self, min_score: float = FIND_MIN_SCORE, short_range: bool = True,
                 profiles: bool = True):
        from ntt.vision.analyzer import FaceAnalyzer
        from ntt.vision.camera import UNKNOWN_CAMERA
        from ntt.vision.landmarks import FaceMesh

        self._tracking_detector = FaceDetector()  # the analyzer's, as `ntt faces` has it
        self._mesh = FaceMesh()
        self._full = FaceDetector(min_score=min_score)
        self._short = _ShortRangeDetector(min_score) if short_range else None
        self._profile = _profile_cascade() if profiles else None
        # `ntt faces` on a video file: default settings, the camera unknown
        self._analyzer = FaceAnalyzer(self._tracking_detector, self._mesh,
                                      geometry=UNKNOWN_CAMERA)

    def reset(self) -> None:
        self._analyzer.reset()

    def find(self, index: int, t_s: float, image_bgr: np.ndarray
             ) -> tuple[list[Box], list[Box]]:
        """The faces the tracker follows in this frame, and the detectors' boxes."""
        from ntt.cues import VideoFrame

        (cue,) = self._analyzer.push(VideoFrame(t_s, index, image_bgr))
        tracked: list[Box] = [tuple(map(float, f.box_xywh)) for f in cue.faces]
        detected: list[Box] = []
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        for detector in (self._full, self._short):
            if detector is not None:
                detected += [d.box_xywh for d in detector.detect(rgb)]
        if self._profile is not None and index % PROFILE_EVERY == 0:
            detected += self._profiles(image_bgr)
        return tracked, detected

    def _profiles(self, image_bgr: np.ndarray) -> list[Box]:
        gray = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
        w = gray.shape[1]
        found: list[Box] = []
        for flipped in (False, True):
            img = cv2.flip(gray, 1) if flipped else gray
            hits = self._profile.detectMultiScale(img, scaleFactor=1.15, minNeighbors=4,
                                                  minSize=(PROFILE_MIN_PX, PROFILE_MIN_PX))
            for x, y, bw, bh in (hits if len(hits) else ()):
                x = w - x - bw if flipped else x
                found.append((float(x), float(y), float(bw), float(bh)))
        return found

    def close(self) -> None:
        for graph in (self._tracking_detector, self._mesh, self._full, self._short):
            if graph is not None:
                graph.close()

    def __enter__(self) -> FaceFinder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- regions over time --------------------------------------------------------------------


@dataclass
class _Track:
    hits: list[tuple[int, Box]] = field(default_factory=list)


def _centre(b: Box) -> tuple[float, float]:
    return b[0] + b[2] / 2, b[1] + b[3] / 2


def _merge_frame(boxes: list[Box]) -> list[Box]:
    """One box per face: overlapping boxes of one frame become their union."""
    merged: list[Box] = []
    for box in sorted(boxes, key=lambda b: -b[2] * b[3]):
        for i, m in enumerate(merged):
            if overlap_of_smaller(box, m) >= 0.3:
                x0, y0 = min(box[0], m[0]), min(box[1], m[1])
                x1, y1 = max(box[0] + box[2], m[0] + m[2]), max(box[1] + box[3], m[1] + m[3])
                merged[i] = (x0, y0, x1 - x0, y1 - y0)
                break
        else:
            merged.append(box)
    return merged


def _link(found: dict[int, list[Box]], fps: float) -> list[_Track]:
    """Greedy frame-by-frame linking: a box joins the nearest track last seen within
    ``BRIDGE_S`` whose centre is close enough, else starts a track."""
    bridge = max(1, int(round(BRIDGE_S * fps)))
    tracks: list[_Track] = []
    for index in sorted(found):
        taken: set[int] = set()
        for box in _merge_frame(found[index]):
            best, best_d = None, math.inf
            for k, tr in enumerate(tracks):
                last_index, last = tr.hits[-1]
                gap = index - last_index
                if k in taken or gap <= 0 or gap > bridge:
                    continue
                (cx, cy), (lx, ly) = _centre(box), _centre(last)
                d = math.hypot(cx - lx, cy - ly) / max(last[2], last[3], box[2], box[3], 1.0)
                if d <= LINK_DISTANCE * (1.0 + gap / fps) and d < best_d:
                    best, best_d = k, d
            if best is None:
                tracks.append(_Track([(index, box)]))
                taken.add(len(tracks) - 1)
            else:
                tracks[best].hits.append((index, box))
                taken.add(best)
    return tracks


def _velocity(hits: list[tuple[int, Box]]) -> tuple[float, float]:
    """Centre velocity (pixels per frame) over up to five detections, capped."""
    if len(hits) < 2:
        return 0.0, 0.0
    (i0, b0), (i1, b1) = hits[0], hits[-1]
    (x0, y0), (x1, y1) = _centre(b0), _centre(b1)
    vx, vy = (x1 - x0) / (i1 - i0), (y1 - y0) / (i1 - i0)
    cap = MAX_SPEED * max(b1[2], b1[3])
    speed = math.hypot(vx, vy)
    return (vx * cap / speed, vy * cap / speed) if speed > cap else (vx, vy)


def _held(box: Box, velocity: tuple[float, float], frames: int, hold: int) -> Box:
    grow = 1.0 + HOLD_GROWTH * frames / max(hold, 1)
    cx, cy = _centre(box)
    cx, cy = cx + velocity[0] * frames, cy + velocity[1] * frames
    w, h = box[2] * grow, box[3] * grow
    return (cx - w / 2, cy - h / 2, w, h)


def regions_over_time(found: dict[int, list[Box]], fps: float, frame_count: int
                      ) -> dict[int, list[Box]]:
    """Frame index → every region to blur: each track's detections, boxes interpolated
    between them, and held before the first and after the last."""
    fps = fps if fps > 0 else 15.0
    hold = max(1, int(round(HOLD_S * fps)))
    regions: dict[int, list[Box]] = {}

    def add(index: int, box: Box) -> None:
        if 0 <= index < frame_count:
            regions.setdefault(index, []).append(box)

    for tr in _link(found, fps):
        hits = tr.hits
        for (i0, b0), (i1, b1) in zip(hits, hits[1:], strict=False):
            for i in range(i0, i1):
                a = (i - i0) / (i1 - i0)
                add(i, tuple(p + a * (q - p) for p, q in zip(b0, b1, strict=True)))
        add(*hits[-1])
        first, last = hits[0], hits[-1]
        back = _velocity(hits[:5])
        ahead = _velocity(hits[-5:])
        for k in range(1, hold + 1):
            add(first[0] - k, _held(first[1], (-back[0], -back[1]), k, hold))
            add(last[0] + k, _held(last[1], ahead, k, hold))
    return regions


def blur_regions(image_bgr: np.ndarray, boxes: list[Box]) -> np.ndarray:
    """``image_bgr`` with every box, padded by ``PAD``, anonymised (in place)."""
    h, w = image_bgr.shape[:2]
    for box in boxes:
        r = _padded(box, w, h)
        if r is not None:
            x0, y0, x1, y1 = r
            image_bgr[y0:y1, x0:x1] = anonymise(image_bgr[y0:y1, x0:x1])
    return image_bgr


# --- the whole video ------------------------------------------------------------------------


@dataclass(frozen=True)
class BlurReport:
    frames: int
    frames_with_faces: int  # in the original, by any finder
    regions: int  # blurred regions over all frames
    rounds: int  # render-and-check rounds it took


def _frames(path: Path, fps: float) -> Iterator[tuple[int, float, np.ndarray]]:
    from ntt.io.video_file import iter_video_frames

    for frame in iter_video_frames(path, fps):
        yield frame.index, frame.t_s, frame.image_bgr


def _padded(box: Box, width: int, height: int) -> tuple[int, int, int, int] | None:
    """The pixels a region blurs: ``box`` grown by ``PAD``, clipped (x0, y0, x1, y1)."""
    x, y, bw, bh = box
    mx, my = bw * PAD, bh * PAD
    x0, y0 = max(int(math.floor(x - mx)), 0), max(int(math.floor(y - my)), 0)
    x1, y1 = min(int(math.ceil(x + bw + mx)), width), min(int(math.ceil(y + bh + my)), height)
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def _share_blurred(box: Box, regions: list[Box], width: int, height: int) -> float:
    """How much of ``box`` lies in pixels the regions blurred (0..1)."""
    x, y, bw, bh = box
    x0, y0 = max(int(x), 0), max(int(y), 0)
    x1, y1 = min(int(math.ceil(x + bw)), width), min(int(math.ceil(y + bh)), height)
    if x1 <= x0 or y1 <= y0:
        return 1.0  # nothing of it is in the picture
    mask = np.zeros((y1 - y0, x1 - x0), bool)
    for region in regions:
        r = _padded(region, width, height)
        if r is not None:
            mask[max(r[1] - y0, 0):max(r[3] - y0, 0), max(r[0] - x0, 0):max(r[2] - x0, 0)] = True
    return float(mask.mean())


def _find_all(finder: FaceFinder, path: Path, fps: float
              ) -> tuple[dict[int, tuple[list[Box], list[Box]]], int, tuple[int, int]]:
    """Frame index → (tracked, detected) boxes, for frames with any; the frame count and
    size."""
    finder.reset()
    found: dict[int, tuple[list[Box], list[Box]]] = {}
    count, size = 0, (0, 0)
    for index, t_s, image in _frames(path, fps):
        tracked, detected = finder.find(index, t_s, image)
        if tracked or detected:
            found[index] = (tracked, detected)
        count, size = count + 1, (image.shape[1], image.shape[0])
    return found, count, size


def blur_video(video_in: Path, video_out: Path, fps: float) -> BlurReport:
    """Write ``video_out``: ``video_in`` with every face blurred, then checked. The check
    runs the tracker as ``ntt faces`` does and the full-range detector on every window,
    on the encoded result: whatever the tracker follows, and whatever the detector finds
    outside the blurred regions (a detection on an already blurred patch shows nothing of
    a face), is added and the video rendered again. Raises InputError if faces remain
    after ``VERIFY_ROUNDS`` rounds (``video_out`` is then the caller's to discard)."""
    from ntt.io.video_file import write_video

    with FaceFinder() as finder:
        first, count, _size = _find_all(finder, video_in, fps)
    found = {index: tracked + detected for index, (tracked, detected) in first.items()}
    with FaceFinder(CHECK_MIN_SCORE, short_range=False, profiles=False) as finder:
        for round_no in range(1, VERIFY_ROUNDS + 1):
            regions = regions_over_time(found, fps, count)
            write_video(video_out, (blur_regions(image, regions.get(index, []))
                                    for index, _t, image in _frames(video_in, fps)), fps)
            seen, _count, (w, h) = _find_all(finder, video_out, fps)
            left = {index: tracked + [b for b in detected if _share_blurred(
                        b, regions.get(index, []), w, h) < BLURRED_SHARE]
                    for index, (tracked, detected) in seen.items()}
            left = {index: boxes for index, boxes in left.items() if boxes}
            log.info("blur round %d: faces in %d of %d frames of the original; in the copy "
                     "%d frames with a face, %d with a detection on a blurred patch",
                     round_no, len(found), count, len(left), len(seen) - len(left))
            if not left:
                return BlurReport(count, len(first), sum(map(len, regions.values())),
                                  round_no)
            for index, boxes in left.items():
                found.setdefault(index, []).extend(boxes)
    raise InputError(video_in, f"faces still found in {len(left)} frames of the blurred "
                               f"copy after {VERIFY_ROUNDS} rounds; not exporting it")
