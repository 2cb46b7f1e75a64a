"""Face tracks: stable ids across frames, kept through short losses.

A track follows its face by landmark motion: each frame's landmarks give the region where
the landmark model looks in the next frame. Detections only start tracks (or revive a
recently lost one); a detection that overlaps a face already tracked is ignored, and two
tracks that land on the same face are merged into the older one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ntt.vision.attending import AttendingSmoother
from ntt.vision.detector import overlap_of_smaller
from ntt.vision.landmarks import Roi, roi_from_landmarks
from ntt.vision.mesh_indices import MESH_POINTS
from ntt.vision.mouth import MouthActivity

BoxF = tuple[float, float, float, float]

# A lost track is revived by a new face whose box overlaps its last box this much (IoU) or
# whose centre lies within this fraction of its size.
REVIVE_IOU = 0.3
REVIVE_CENTER_FRACTION = 0.5


def iou(a: BoxF, b: BoxF) -> float:
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def landmark_box(landmarks: np.ndarray) -> BoxF:
    pts = landmarks[:MESH_POINTS, :2]  # the face surface; the irises lie inside it
    x0, y0 = (float(v) for v in pts.min(axis=0))
    x1, y1 = (float(v) for v in pts.max(axis=0))
    return (x0, y0, x1 - x0, y1 - y0)


@dataclass(eq=False)
class Track:
    """One person's face over time, with the per-track state of the temporal cues."""

    id: int
    first_seen_s: float
    last_seen_s: float
    box: BoxF
    roi: Roi
    landmarks: np.ndarray
    attending: AttendingSmoother = field(default_factory=AttendingSmoother)
    mouth: MouthActivity = field(default_factory=MouthActivity)
    missed: int = 0  # frames since the face was last seen

    def observe(self, t_s: float, landmarks: np.ndarray) -> None:
        self.missed = 0
        self.last_seen_s = t_s
        self.landmarks = landmarks
        self.box = landmark_box(landmarks)
        self.roi = roi_from_landmarks(landmarks)


class TrackSet:
    """The live tracks of one video stream; ids count up from 0 per stream."""

    def __init__(self, max_gap_s: float, same_face_overlap: float,
                 new_attending, new_mouth):
        self.max_gap_s = max_gap_s
        self.same_face_overlap = same_face_overlap
        self._new_attending = new_attending
        self._new_mouth = new_mouth
        self.reset()

    def reset(self) -> None:
        """A new stream: no tracks, ids from 0."""
        self.tracks: list[Track] = []
        self._next_id = 0

    def clear(self) -> None:
        """Drop every track but keep counting ids, so that no id is ever reused within a
        stream (someone seen after the camera comes back is a new track)."""
        self.tracks = []

    def expire(self, t_s: float) -> None:
        """Forget tracks unseen for longer than ``max_gap_s``."""
        self.tracks = [tr for tr in self.tracks if t_s - tr.last_seen_s <= self.max_gap_s]

    def covers(self, box: BoxF, seen: list[Track]) -> bool:
        """Whether ``box`` is a face some track in ``seen`` already follows."""
        return any(overlap_of_smaller(box, tr.box) >= self.same_face_overlap for tr in seen)

    def add(self, t_s: float, landmarks: np.ndarray, seen: list[Track]) -> Track:
        """A newly detected face: revive the best-matching lost track, or start one."""
        box = landmark_box(landmarks)
        lost = [tr for tr in self.tracks if tr not in seen]
        best, best_score = None, 0.0
        for tr in lost:
            score = iou(box, tr.box)
            dx = (box[0] + box[2] / 2) - (tr.box[0] + tr.box[2] / 2)
            dy = (box[1] + box[3] / 2) - (tr.box[1] + tr.box[3] / 2)
            near = np.hypot(dx, dy) <= REVIVE_CENTER_FRACTION * max(tr.box[2], tr.box[3])
            if (score >= REVIVE_IOU or near) and score >= best_score:
                best, best_score = tr, score
        if best is None:
            best = Track(self._next_id, t_s, t_s, box, roi_from_landmarks(landmarks), landmarks,
                         self._new_attending(), self._new_mouth())
            self._next_id += 1
            self.tracks.append(best)
        best.observe(t_s, landmarks)
        return best

    def merge_duplicates(self, seen: list[Track]) -> list[Track]:
        """Keep the oldest of tracks that sit on the same face; drop the others."""
        kept: list[Track] = []
        for tr in sorted(seen, key=lambda tr: (tr.first_seen_s, tr.id)):
            if self.covers(tr.box, kept):
                self.tracks.remove(tr)
            else:
                kept.append(tr)
        return sorted(kept, key=lambda tr: tr.id)
