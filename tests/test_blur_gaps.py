"""``ntt export --blur-faces`` pads face boxes and keeps blurring through short detection
gaps (issue 23, requirement 5), on the astronaut's face as the real finders see it: the
frames a detector misses inside ``BRIDGE_S`` are covered by the interpolated region, the
``HOLD_S`` after the last detection too, and the blurred patch reaches ``PAD`` beyond the
detector's box (hair, ears, chin)."""

from __future__ import annotations

import numpy as np
import pytest

from ntt.vision.anonymise import (
    BRIDGE_S,
    HOLD_S,
    PAD,
    FaceFinder,
    blur_regions,
    regions_over_time,
)

FPS = 10.0


@pytest.fixture(scope="module")
def face_box(astronaut_bgr):
    with FaceFinder() as finder:
        tracked, detected = finder.find(0, 0.0, astronaut_bgr)
    boxes = tracked + detected
    assert boxes, "the finders see the astronaut's face"
    return max(boxes, key=lambda b: b[2] * b[3])


def _covers(regions: list, box) -> bool:
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    return any(rx <= cx <= rx + rw and ry <= cy <= ry + rh for rx, ry, rw, rh in regions)


def test_a_short_detection_gap_stays_blurred(face_box):
    gap = range(10, 20)  # 1 s without a detection, under BRIDGE_S
    assert len(gap) / FPS < BRIDGE_S
    found = {i: [face_box] for i in range(30) if i not in gap}
    regions = regions_over_time(found, FPS, 45)
    assert all(_covers(regions.get(i, []), face_box) for i in range(30))
    hold = int(round(HOLD_S * FPS))
    assert all(_covers(regions.get(i, []), face_box) for i in range(30, 30 + hold))
    assert not regions.get(30 + hold + 1)  # the hold ends


def test_a_long_gap_is_not_bridged(face_box):
    found = {i: [face_box] for i in list(range(5)) + list(range(30, 35))}  # 2.5 s apart
    assert (30 - 4) / FPS > BRIDGE_S
    regions = regions_over_time(found, FPS, 40)
    assert not regions.get(17)  # the middle of the gap: neither bridged nor held


def test_the_blur_reaches_beyond_the_detector_box(face_box, astronaut_bgr):
    image = astronaut_bgr.copy()
    blur_regions(image, [face_box])
    x, y, w, h = (int(round(v)) for v in face_box)
    changed = np.abs(image.astype(int) - astronaut_bgr.astype(int)).sum(axis=2) > 0
    margin = int(w * PAD * 0.8)  # inside the padding, outside the box
    ring = changed[y + h // 2, max(x - margin, 0):x]
    assert ring.mean() > 0.5
    far = changed[y + h // 2, :max(x - int(w * PAD) - 5, 0)]
    assert far.size == 0 or not far.any()
