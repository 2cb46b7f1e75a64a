"""Face finding, head pose, gaze and attending on real photos (issue 3, requirement 6).

Photos come from installed packages (``ntt.vision.samples``): scikit-image's astronaut and
cameraman, matplotlib's Grace Hopper. No installed package ships a group photo, so the
multi-face test pastes these real faces at known sizes onto a real background photo.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from ntt.cues import FacesCue, VideoFrame
from ntt.settings import VisionSettings
from ntt.vision import samples
from ntt.vision.analyzer import FaceAnalyzer
from ntt.vision.detector import FaceDetector, overlap_of_smaller
from ntt.vision.face_model import ReferenceFace
from ntt.vision.landmarks import FaceMesh
from ntt.vision.mesh_indices import RIGID_LANDMARKS

MIRROR_TOL_DEG = 3.0
ROLL_TOL_DEG = 3.0
YAW_PITCH_DRIFT_DEG = 4.0


@pytest.fixture(scope="module")
def models():
    with FaceDetector() as detector, FaceMesh() as mesh:
        yield detector, mesh


@pytest.fixture(scope="module")
def analyze(models):
    detector, mesh = models
    analyzer = FaceAnalyzer(detector, mesh, settings=VisionSettings(exhaustive=True))

    def run(image_bgr: np.ndarray) -> FacesCue:
        analyzer.reset()
        out = analyzer.push(VideoFrame(t_s=0.0, index=0, image_bgr=image_bgr))
        assert len(out) == 1 and isinstance(out[0], FacesCue)
        return out[0]

    return run


def only_face(cue: FacesCue):
    assert len(cue.faces) == 1, f"expected one face, got {len(cue.faces)}"
    return cue.faces[0]


def rotate(image: np.ndarray, degrees_ccw: float) -> np.ndarray:
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees_ccw, 1.0)
    return cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE)


def test_astronaut_is_found_and_attending(analyze):
    photo = samples.astronaut()
    face = only_face(analyze(photo.image_bgr))
    assert overlap_of_smaller(face.box_xywh, photo.face_xywh) > 0.7
    assert face.attending >= 0.5
    assert face.eye_open > 0.6
    assert face.landmarks_xy is not None and face.landmarks_xy.shape == (478, 2)


@pytest.mark.parametrize("make", [samples.astronaut, samples.grace_hopper])
def test_mirror_flips_yaw_and_gaze_yaw(analyze, make):
    image = make().image_bgr
    face = only_face(analyze(image))
    mirrored = only_face(analyze(np.ascontiguousarray(image[:, ::-1])))
    assert abs(face.yaw_deg + mirrored.yaw_deg) <= MIRROR_TOL_DEG
    assert abs(face.roll_deg + mirrored.roll_deg) <= MIRROR_TOL_DEG
    assert abs(face.pitch_deg - mirrored.pitch_deg) <= MIRROR_TOL_DEG
    if make is samples.astronaut:  # the criterion; Hopper's glasses add iris noise
        assert abs(face.gaze_yaw_deg + mirrored.gaze_yaw_deg) <= MIRROR_TOL_DEG


@pytest.mark.parametrize("make", [samples.astronaut, samples.grace_hopper])
@pytest.mark.parametrize("degrees_ccw", [15.0, -15.0])
def test_in_plane_rotation_changes_roll_only(analyze, make, degrees_ccw):
    image = make().image_bgr
    face = only_face(analyze(image))
    turned = only_face(analyze(rotate(image, degrees_ccw)))
    # Counter-clockwise image rotation = negative roll change (roll > 0 is clockwise).
    assert abs((turned.roll_deg - face.roll_deg) + degrees_ccw) <= ROLL_TOL_DEG
    assert abs(turned.yaw_deg - face.yaw_deg) <= YAW_PITCH_DRIFT_DEG
    assert abs(turned.pitch_deg - face.pitch_deg) <= YAW_PITCH_DRIFT_DEG


def test_turned_head_looking_down_is_not_attending(analyze):
    # The cameraman faces image right and looks down into his camera's viewfinder.
    face = only_face(analyze(samples.cameraman().image_bgr))
    assert face.yaw_deg > 30.0
    assert face.pitch_deg < -10.0
    assert face.gaze_yaw_deg > 30.0
    assert face.attending < 0.2


def test_frontal_sitters_look_level_relative_to_the_camera_ray(analyze):
    """Both sitters face the lens: their head direction must point back at the camera
    within a few degrees, wherever their face sits in the frame."""
    for photo in (samples.astronaut(), samples.grace_hopper()):
        face = only_face(analyze(photo.image_bgr))
        h, w = photo.image_bgr.shape[:2]
        f = (w / 2) / np.tan(np.radians(65.0) / 2)  # the default geometry's focal length
        x, y, bw, bh = face.box_xywh
        ray_yaw = -np.degrees(np.arctan2(x + bw / 2 - w / 2, f))
        ray_pitch = np.degrees(np.arctan2(y + bh / 2 - h / 2, f))
        assert abs(face.yaw_deg - ray_yaw) < 8.0
        assert abs(face.pitch_deg - ray_pitch) < 8.0


def test_group_scene_finds_small_faces_without_duplicates(analyze):
    heights = [40.0, 48.0, 60.0, 75.0, 95.0, 120.0]
    found = total = extra = 0
    for seed in range(2):
        image, truth = samples.group_scene(1280, 886, heights, seed=seed)
        faces = analyze(image).faces
        total += len(truth)
        found += sum(any(overlap_of_smaller(t, f.box_xywh) > 0.5 for f in faces) for t in truth)
        extra += sum(not any(overlap_of_smaller(t, f.box_xywh) > 0.5 for t in truth)
                     for f in faces)
        ids = [f.track_id for f in faces]
        assert len(ids) == len(set(ids))
    assert total >= 10
    assert found >= 0.9 * total
    assert extra == 0


def test_no_face_gives_empty_cue(analyze):
    cue = analyze(samples.background_bgr(640, 480))
    assert cue.faces == ()
    assert cue.image_size_wh == (640, 480)


def test_mesh_indices_pair_left_with_right_on_the_reference_face():
    """The one table of Face Mesh indices (``ntt.vision.mesh_indices``) against the mirror
    map measured on real faces: each right-side index mirrors onto its left twin, and the
    midline sets onto themselves."""
    from ntt.vision import mesh_indices as m

    mirror = ReferenceFace.load().mirror
    assert len(mirror) == m.NUM_LANDMARKS == m.MESH_POINTS + m.IRIS_POINTS
    pairs = [(m.IRIS_RIGHT, m.IRIS_LEFT), (m.EYE_RIGHT_OUTER, m.EYE_LEFT_OUTER),
             (m.EYE_RIGHT_INNER, m.EYE_LEFT_INNER), (m.LID_RIGHT_UPPER, m.LID_LEFT_UPPER),
             (m.LID_RIGHT_LOWER, m.LID_LEFT_LOWER), m.CHEEKS]
    for right, left in pairs:
        assert mirror[right] == left
    # An iris's rim points swap sides under mirroring; the contours map point for point.
    assert set(mirror[list(m.IRIS_RIGHT_POINTS)]) == set(m.IRIS_LEFT_POINTS)
    for right, left in [(m.EYE_RIGHT_CONTOUR, m.EYE_LEFT_CONTOUR),
                        (m.LID_RIGHT_UPPER_CONTOUR, m.LID_LEFT_UPPER_CONTOUR),
                        (m.LID_RIGHT_LOWER_CONTOUR, m.LID_LEFT_LOWER_CONTOUR)]:
        assert list(mirror[list(right)]) == list(left)
    for midline in (m.FACE_OVAL, m.LIPS_INNER_CONTOUR, m.LIP_INNER_UPPER_CONTOUR,
                    m.LIP_INNER_LOWER_CONTOUR, m.RIGID_LANDMARKS):
        assert set(mirror[list(midline)]) == set(midline)
    for point in (m.FOREHEAD, m.CHIN, m.NOSE_TIP, m.LIP_INNER_UPPER, m.LIP_INNER_LOWER):
        assert mirror[point] == point
    assert {m.LID_RIGHT_UPPER, m.LID_RIGHT_LOWER} <= set(m.EYE_RIGHT_CONTOUR)
    assert {m.EYE_RIGHT_OUTER, m.EYE_RIGHT_INNER} <= set(m.EYE_RIGHT_CONTOUR)
    assert {m.LIP_INNER_UPPER, m.LIP_INNER_LOWER} <= set(m.LIPS_INNER_CONTOUR)


def test_face_model_is_symmetric_and_rebuilds(models):
    from ntt.vision.build_face_model import build

    model = ReferenceFace.load()
    mirror = model.mirror
    assert np.array_equal(mirror[mirror], np.arange(len(mirror)))
    assert set(mirror[list(RIGID_LANDMARKS)]) == set(RIGID_LANDMARKS)
    reflected = model.points_mm[mirror] * np.array([-1.0, 1.0, 1.0])
    assert np.abs(reflected - model.points_mm).max() < 0.01
    detector, mesh = models
    rebuilt = build([samples.astronaut(), samples.grace_hopper()], detector, mesh)
    assert np.array_equal(rebuilt.mirror, mirror)
    assert np.abs(rebuilt.points_mm - model.points_mm).max() < 0.5


def test_frames_in_gray_bgra_and_16_bit_are_accepted(analyze):
    image = samples.grace_hopper().image_bgr
    reference = only_face(analyze(image))
    variants = [cv2.cvtColor(image, cv2.COLOR_BGR2GRAY),
                cv2.cvtColor(image, cv2.COLOR_BGR2BGRA),
                image.astype(np.uint16) * 257]
    for variant in variants:
        face = only_face(analyze(variant))
        assert overlap_of_smaller(face.box_xywh, reference.box_xywh) > 0.8
    with pytest.raises(ValueError):
        analyze(np.zeros((10, 10, 2), dtype=np.uint8))
