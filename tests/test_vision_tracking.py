"""The vision stage over time: track ids, occlusion, people leaving, mouth activity,
attending smoothing and geometry, control items."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from ntt.cues import FacesCue, SourceStatus, VideoFrame
from ntt.vision import samples
from ntt.vision.analyzer import FaceAnalyzer
from ntt.vision.attending import AttendingSmoother, angle_to_device_deg, attending_now
from ntt.vision.camera import CameraGeometry
from ntt.vision.detector import FaceDetector, overlap_of_smaller
from ntt.vision.landmarks import FaceMesh
from ntt.vision.mouth import MouthActivity

FPS = 15.0
FRAME_WH = (640, 480)


@pytest.fixture(scope="module")
def models():
    with FaceDetector() as detector, FaceMesh() as mesh:
        yield detector, mesh


@pytest.fixture
def analyzer(models):
    return FaceAnalyzer(*models)


@pytest.fixture(scope="module")
def scene():
    """Three real faces on a real background, 640×480."""
    return samples.group_scene(*FRAME_WH, [90.0, 70.0, 80.0], seed=3)


def drifted(image: np.ndarray, i: int, radius_px: float = 8.0) -> np.ndarray:
    phase = 2 * math.pi * i / 20
    m = np.float32([[1, 0, radius_px * math.cos(phase)], [0, 1, radius_px * math.sin(phase)]])
    return cv2.warpAffine(image, m, FRAME_WH, borderMode=cv2.BORDER_REFLECT)


def push(analyzer: FaceAnalyzer, image: np.ndarray, i: int) -> FacesCue:
    out = analyzer.push(VideoFrame(t_s=i / FPS, index=i, image_bgr=image))
    assert len(out) == 1 and isinstance(out[0], FacesCue) and out[0].frame_index == i
    return out[0]


def ids_by_truth(cue: FacesCue, truth) -> list[int | None]:
    """The track id on each true face (None if none covers it)."""
    out = []
    for box in truth:
        hits = [f.track_id for f in cue.faces if overlap_of_smaller(box, f.box_xywh) > 0.5]
        out.append(hits[0] if len(hits) == 1 else None)
    return out


def test_ids_stay_stable_while_people_move(analyzer, scene):
    image, truth = scene
    first = None
    for i in range(30):
        cue = push(analyzer, drifted(image, i), i)
        if i < 12:  # give the tile cycle time to find everyone
            continue
        assert len(cue.faces) == len(truth)
        ids = ids_by_truth(cue, truth)
        first = first or ids
        assert ids == first
    assert len(set(first)) == len(truth) and None not in first


def test_short_occlusion_keeps_the_id_long_absence_does_not(analyzer, scene):
    image, truth = scene
    background = samples.background_bgr(*FRAME_WH)
    x, y, w, h = (int(v) for v in truth[0])
    hidden = image.copy()
    hidden[max(0, y - h):y + 2 * h, max(0, x - w):x + 2 * w] = \
        background[max(0, y - h):y + 2 * h, max(0, x - w):x + 2 * w]
    schedule = [image] * 15 + [hidden] * 5 + [image] * 15 + [hidden] * 30 + [image] * 20
    seen: list[int | None] = []
    for i, frame in enumerate(schedule):
        seen.append(ids_by_truth(push(analyzer, frame, i), truth[:1])[0])
    before, during = seen[14], seen[15:20]
    after_short, after_long = seen[34], seen[-1]
    assert before is not None
    assert all(s is None for s in during)
    assert after_short == before  # 0.33 s behind something: same person
    assert after_long is not None and after_long != before  # 2 s gone: a new track


def test_entering_person_gets_a_new_id_and_others_keep_theirs(analyzer, scene):
    image, truth = scene
    background = samples.background_bgr(*FRAME_WH)
    x, y, w, h = (int(v) for v in truth[2])
    without = image.copy()
    without[:, max(0, x - w):x + 2 * w] = background[:, max(0, x - w):x + 2 * w]
    for i in range(12):
        cue = push(analyzer, without, i)
    before = ids_by_truth(cue, truth[:2])
    assert None not in before
    for i in range(12, 30):
        cue = push(analyzer, image, i)
    after = ids_by_truth(cue, truth)
    assert after[:2] == before
    assert after[2] is not None and after[2] not in before


def test_reset_and_camera_lost_restart_tracks(analyzer, scene):
    image, truth = scene
    for i in range(12):
        push(analyzer, image, i)
    assert analyzer.push(SourceStatus(t_s=12 / FPS, kind="camera_lost")) == []
    cue = push(analyzer, image, 13)
    assert len(cue.faces) >= 1
    assert min(f.track_id for f in cue.faces) >= len(truth)  # new ids after the loss
    analyzer.reset()
    cue = push(analyzer, image, 0)
    assert min(f.track_id for f in cue.faces) == 0
    assert analyzer.flush() == []


def open_mouth(image: np.ndarray, landmarks: np.ndarray, drop_px: float) -> np.ndarray:
    """The same real face with its jaw lowered by ``drop_px``: everything below the lip
    line is pulled down, fading out beside the mouth and below the chin."""
    h, w = image.shape[:2]
    y_lip = (landmarks[13, 1] + landmarks[14, 1]) / 2
    x_mid = (landmarks[78, 0] + landmarks[308, 0]) / 2
    half = abs(landmarks[308, 0] - landmarks[78, 0]) * 1.2
    y_chin = landmarks[152, 1]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    across = np.clip(1 - np.abs(xx - x_mid) / (1.6 * half), 0, 1) ** 0.7
    below = np.clip((yy - y_lip) / 3.0, 0, 1)
    fade = np.clip(1 - (yy - y_chin) / (0.6 * (y_chin - y_lip)), 0, 1)
    return cv2.remap(image, xx, yy - drop_px * across * below * fade, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT)


def test_mouth_activity_rises_for_a_moving_mouth_only(analyzer):
    photo = samples.grace_hopper()
    landmarks = push(analyzer, photo.image_bgr, 0).faces[0].landmarks_xy
    closed = photo.image_bgr
    half_open = open_mouth(closed, landmarks, 8.0)
    wide = open_mouth(closed, landmarks, 14.0)
    assert push(analyzer, wide, 1).faces[0].mouth_open > \
        push(analyzer, closed, 2).faces[0].mouth_open + 0.2

    def activity(frames: list[np.ndarray]) -> float:
        analyzer.reset()
        cue = None
        for i, frame in enumerate(frames):
            cue = push(analyzer, frame, i)
        assert cue is not None and len(cue.faces) == 1
        return cue.faces[0].mouth_activity

    talking = [closed, half_open, wide, half_open] * 5  # ~4 syllables a second at 15 fps
    assert activity(talking) > 0.5
    assert activity([half_open] * 20) < 0.15  # held open, not moving: silent
    assert activity([closed] * 20) < 0.15


def test_mouth_activity_discounts_jitter_of_small_faces():
    rng = np.random.default_rng(0)
    large, small = MouthActivity(), MouthActivity()
    for i in range(20):
        jitter_px = rng.normal(0, 0.5)
        large.update(i / FPS, 2.0 + jitter_px * 1.0, mm_per_px=1.0)
        last = small.update(i / FPS, 2.0 + jitter_px * 4.0, mm_per_px=4.0)
    assert last < 0.1
    assert large.update(20 / FPS, 2.0, 1.0) < 0.1


def _lag_s(fps: float, before: float, after: float) -> float:
    """Session time from the first frame of a step in the per-frame score to the first
    smoothed value on the other side of 0.5."""
    smoother = AttendingSmoother()
    for i in range(30):
        smoother.update(i / fps, before)
    for i in range(30, 60):
        if (smoother.update(i / fps, after) - 0.5) * (before - 0.5) < 0:
            return (i - 30) / fps
    return math.inf


@pytest.mark.parametrize("fps", [15.0, 24.0, 30.0])
def test_attending_follows_a_real_change_within_150_ms(fps):
    assert _lag_s(fps, 0.05, 0.95) <= 0.15  # looks at the device
    assert _lag_s(fps, 0.95, 0.05) <= 0.15  # looks away
    assert _lag_s(fps, 0.3, 0.8) <= 0.15


@pytest.mark.parametrize("fps", [15.0, 30.0])
def test_one_bad_frame_does_not_flip_attending(fps):
    smoother = AttendingSmoother()
    values = [smoother.update(i / fps, 0.0 if i == 20 else 0.9) for i in range(40)]
    assert min(values[10:]) > 0.5
    away = AttendingSmoother()
    values = [away.update(i / fps, 0.9 if i == 20 else 0.05) for i in range(40)]
    assert max(values[10:]) < 0.5


def test_a_blink_holds_attending_and_shut_eyes_do_not_attend():
    smoother = AttendingSmoother()
    for i in range(30):
        smoother.update(i / FPS, 0.9, eye_open=0.8)
    # A 200 ms blink: the lids close (lid-based gaze reads "down", score 0.1), open again.
    blink = [smoother.update((30 + i) / FPS, 0.1, eye_open=e)
             for i, e in enumerate((0.4, 0.1, 0.05, 0.35))]
    assert min(blink) > 0.85
    assert smoother.update(34 / FPS, 0.9, eye_open=0.8) > 0.85
    # Eyes kept shut for longer than a blink: not attending any more.
    shut = [smoother.update((35 + i) / FPS, 0.9, eye_open=0.05) for i in range(15)]
    assert shut[0] > 0.85 and shut[-1] < 0.1
    # A still image (a new track) of shut eyes: not attending.
    assert AttendingSmoother().update(0.0, 0.95, eye_open=0.05) == 0.0


def test_attending_geometry_uses_camera_and_screen():
    # A camera above a TV-sized screen whose centre is 40 cm below it.
    geometry = CameraGeometry(screen_center_m=(0.0, 0.4, 0.0), screen_size_m=(0.6, 0.35))
    eyes = np.array([0.3, -0.1, 1.2])
    at_camera = -eyes / np.linalg.norm(eyes)
    screen_point = np.array([0.1, 0.4, 0.0]) - eyes
    at_screen = screen_point / np.linalg.norm(screen_point)
    aside = np.array([1.0, 0.0, -0.2]) / np.linalg.norm([1.0, 0.0, -0.2])
    assert angle_to_device_deg(eyes, at_camera, geometry) < 0.01
    assert angle_to_device_deg(eyes, at_screen, geometry) < 0.01
    assert attending_now(eyes, at_camera, geometry) > 0.99
    assert attending_now(eyes, at_screen, geometry) > 0.99
    assert attending_now(eyes, aside, geometry) < 0.01
    # The same look lands on nothing when the screen is elsewhere (above the camera), or
    # when there is no screen (a picture of unknown origin: the lens only).
    other = CameraGeometry(screen_center_m=(0.0, -0.6, 0.0), screen_size_m=(0.25, 0.15))
    assert attending_now(eyes, at_screen, other) < 0.5
    lens_only = CameraGeometry(screen_center_m=(0.0, 0.0, 0.0), screen_size_m=(0.0, 0.0))
    assert attending_now(eyes, at_screen, lens_only) < 0.5
    assert attending_now(eyes, at_camera, lens_only) > 0.99
    # A wider tolerance forgives more.
    off = np.array([0.0, 0.0, -1.0])
    assert attending_now(eyes, off, geometry, tolerance_deg=30.0) > \
        attending_now(eyes, off, geometry, tolerance_deg=8.0)
