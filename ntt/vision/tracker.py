"""Stable track ids across frames by box overlap (IoU), tolerant to short gaps."""

from __future__ import annotations

from dataclasses import dataclass

Box = tuple[int, int, int, int]


def iou(a: Box, b: Box) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


@dataclass
class _Track:
    id: int
    box: Box
    last_seen_s: float


class IouTracker:
    """Greedy IoU matching; a track survives ``max_gap_s`` without a detection."""

    def __init__(self, min_iou: float = 0.2, max_gap_s: float = 1.0):
        self.min_iou = min_iou
        self.max_gap_s = max_gap_s
        self.reset()

    def reset(self) -> None:
        self._tracks: list[_Track] = []
        self._next_id = 0

    def assign(self, t_s: float, boxes: list[Box]) -> list[int]:
        self._tracks = [tr for tr in self._tracks if t_s - tr.last_seen_s <= self.max_gap_s]
        pairs = sorted(((iou(tr.box, b), ti, bi) for ti, tr in enumerate(self._tracks)
                        for bi, b in enumerate(boxes)), reverse=True)
        ids: list[int | None] = [None] * len(boxes)
        used: set[int] = set()
        for score, ti, bi in pairs:
            if score < self.min_iou or ti in used or ids[bi] is not None:
                continue
            used.add(ti)
            ids[bi] = self._tracks[ti].id
            self._tracks[ti].box = boxes[bi]
            self._tracks[ti].last_seen_s = t_s
        for bi, box in enumerate(boxes):
            if ids[bi] is None:
                ids[bi] = self._next_id
                self._tracks.append(_Track(self._next_id, box, t_s))
                self._next_id += 1
        return [i for i in ids if i is not None]
