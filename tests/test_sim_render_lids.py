"""The rendered face's lids follow a downward look (issue 24): the upper lid turns with the
eye (Becker & Fuchs 1988), the aperture narrows as Read et al. 2006 measured, and the real
vision front-end reads the downcast face as less attending than the straight one."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ntt.cues import VideoFrame
from ntt.settings import VisionSettings
from ntt.sim.face_render import APERTURE_LOSS_PER_DEG, EYEBALL_TO_IRIS, FacePose
from ntt.sim.photos import Identity, textured_face
from ntt.vision import samples
from ntt.vision.analyzer import FaceAnalyzer
from ntt.vision.camera import CameraGeometry
from ntt.vision.detector import FaceDetector
from ntt.vision.landmarks import FaceMesh
from ntt.vision.mesh_indices import (
    EYE_LEFT_INNER,
    EYE_LEFT_OUTER,
    EYE_RIGHT_INNER,
    EYE_RIGHT_OUTER,
    IRIS_LEFT_POINTS,
    IRIS_RIGHT_POINTS,
    LID_LEFT_LOWER,
    LID_LEFT_UPPER,
    LID_RIGHT_LOWER,
    LID_RIGHT_UPPER,
)

DOWN_DEG = 25.0
FACE_PX = 200.0
EYES = ((EYE_RIGHT_OUTER, EYE_RIGHT_INNER, LID_RIGHT_UPPER, LID_RIGHT_LOWER, IRIS_RIGHT_POINTS),
        (EYE_LEFT_OUTER, EYE_LEFT_INNER, LID_LEFT_UPPER, LID_LEFT_LOWER, IRIS_LEFT_POINTS))


@pytest.fixture(scope="module")
def rendered():
    """The astronaut's face, head straight, eyes straight and 25° down: image, landmarks."""
    model = textured_face(Identity("astronaut"))
    background = samples.background_bgr(640, 480)
    out = {}
    for name, pitch in (("straight", 0.0), ("down", -DOWN_DEG)):
        canvas = background.copy()
        lm = model.render(canvas, (320.0, 240.0), FACE_PX, FacePose(gaze_pitch_deg=pitch))
        out[name] = (canvas, lm)
    return out


def test_the_upper_lid_drops_with_the_eye_and_the_aperture_narrows(rendered):
    (_, straight), (_, down) = rendered["straight"], rendered["down"]
    for outer, inner, upper, lower, iris in EYES:
        corners = (straight[outer, 1] + straight[inner, 1]) / 2
        assert np.allclose(down[[outer, inner]], straight[[outer, inner]])  # anchored
        # The upper lid comes down over the eye by about the eyeball's turn.
        iris_r = float(np.mean(np.linalg.norm(straight[list(iris[1:])] - straight[iris[0]],
                                              axis=1)))
        ball_r = iris_r * EYEBALL_TO_IRIS
        above = float(straight[iris[0], 1] - straight[upper, 1])  # lid above the iris centre
        elevation = math.asin(min(1.0, above / ball_r))
        expected = ball_r * (math.sin(elevation) - math.sin(elevation - math.radians(DOWN_DEG)))
        drop = float(down[upper, 1] - straight[upper, 1])
        assert 0.6 * expected <= drop <= 1.4 * expected, (drop, expected)
        assert down[upper, 1] - corners > straight[upper, 1] - corners + 0.5 * expected
        # The aperture narrows by Read et al.'s share (34% at 40°, linear).
        gap_straight = float(straight[lower, 1] - straight[upper, 1])
        gap_down = float(down[lower, 1] - down[upper, 1])
        want = 1.0 - APERTURE_LOSS_PER_DEG * DOWN_DEG
        assert abs(gap_down / gap_straight - want) < 0.06, (gap_down / gap_straight, want)


def test_looking_up_or_straight_leaves_the_lids():
    model = textured_face(Identity("astronaut"))
    canvas = np.zeros((480, 640, 3), np.uint8)
    a = model.render(canvas.copy(), (320.0, 240.0), FACE_PX, FacePose())
    b = model.render(canvas.copy(), (320.0, 240.0), FACE_PX, FacePose(gaze_pitch_deg=15.0))
    for _, _, upper, lower, _ in EYES:
        assert a[upper, 1] == b[upper, 1] and a[lower, 1] == b[lower, 1]


def test_the_vision_front_end_scores_the_downcast_face_lower(rendered):
    """Through the real detector, Face Mesh and the lid-based gaze term. What it reads is
    asserted as it stands: Face Mesh lowers its eye corners with the rendered lids, so the
    lid term sees only part of the 25° (about 2-3° more downward than straight)."""
    lens = CameraGeometry(screen_center_m=(0.0, 0.0, 0.0), screen_size_m=(0.0, 0.0))
    with FaceDetector() as detector, FaceMesh() as mesh:
        analyzer = FaceAnalyzer(detector, mesh, geometry=lens,
                                settings=VisionSettings(exhaustive=True))
        faces = {}
        for name, (image, _) in rendered.items():
            analyzer.reset()
            (cue,) = analyzer.push(VideoFrame(0.0, 0, image))
            assert len(cue.faces) == 1
            faces[name] = cue.faces[0]
    straight, down = faces["straight"], faces["down"]
    assert straight.attending >= 0.9
    assert down.attending < straight.attending
    assert down.gaze_pitch_deg < straight.gaze_pitch_deg - 1.5
    assert down.eye_open < straight.eye_open + 0.05  # lowered lids are not read as wider
