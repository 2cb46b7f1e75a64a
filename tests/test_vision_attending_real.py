"""``attending`` on real people (issue 24): looking down, aside, up, at someone else, eyes
shut, into the camera — photos and a video that packages ship, labelled by hand
(``tests/data/attending_real/README.md`` has the sources, licences and labelling rule).

The pictures are of unknown origin, so the stage runs with ``UNKNOWN_CAMERA`` (the lens
only, focal length unknown), as ``ntt faces`` does. Mirrored and rotated copies keep
their labels. What the shipped gaze does not yet get right on this set is asserted as it
stands (see the comments), so that a change that makes it worse fails.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from ntt.cues import VideoFrame
from ntt.settings import AttendingSettings, VisionSettings
from ntt.vision import samples
from ntt.vision.analyzer import FaceAnalyzer
from ntt.vision.camera import UNKNOWN_CAMERA, CameraGeometry
from ntt.vision.detector import FaceDetector
from ntt.vision.landmarks import FaceMesh

DATA = Path(__file__).parent / "data" / "attending_real"
LABELS = json.loads((DATA / "labels.json").read_text(encoding="utf-8"))
PACKAGE_PHOTOS = {"astronaut": samples.astronaut, "grace_hopper": samples.grace_hopper,
                  "cameraman": samples.cameraman}
# The largest frame-to-frame change of attending that still counts as steady.
STEADY = 0.06


@pytest.fixture(scope="module")
def models():
    with FaceDetector() as detector, FaceMesh() as mesh:
        yield detector, mesh


def still_analyzer(models, **settings) -> FaceAnalyzer:
    detector, mesh = models
    return FaceAnalyzer(detector, mesh, geometry=UNKNOWN_CAMERA,
                        settings=VisionSettings(exhaustive=True, **settings))


def image(name: str) -> np.ndarray:
    if name in PACKAGE_PHOTOS:
        return PACKAGE_PHOTOS[name]().image_bgr
    decoded = cv2.imread(str(DATA / name), cv2.IMREAD_COLOR)
    assert decoded is not None, name
    return decoded


def labelled() -> dict[str, bool]:
    return {name: doc["attending"]
            for name, doc in {**LABELS["images"], **LABELS["package_images"]}.items()}


def rotate(img: np.ndarray, degrees_ccw: float) -> np.ndarray:
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees_ccw, 1.0)
    return cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE)


def score(analyzer: FaceAnalyzer, img: np.ndarray):
    """The largest face's ``Face`` (every picture here is of one person)."""
    analyzer.reset()
    (cue,) = analyzer.push(VideoFrame(0.0, 0, img))
    assert cue.faces, "no face found"
    return max(cue.faces, key=lambda f: f.box_xywh[2] * f.box_xywh[3])


@pytest.fixture(scope="module")
def scores(models):
    """attending of every labelled picture and of its mirror image."""
    analyzer = still_analyzer(models)
    out = {}
    for name in labelled():
        img = image(name)
        out[name] = score(analyzer, img).attending
        out[name + " (mirrored)"] = score(analyzer, np.ascontiguousarray(img[:, ::-1])).attending
    return out


def wrong(scores: dict[str, float], names) -> list[str]:
    truth = {**labelled(), **{n + " (mirrored)": a for n, a in labelled().items()}}
    return [f"{n}: {scores[n]:.2f}" for n in names if (scores[n] >= 0.5) != truth[n]]


def test_the_set_is_what_the_readme_says():
    names = labelled()
    assert sum(names.values()) == 9 and sum(not a for a in names.values()) == 14
    for name in LABELS["images"]:
        assert (DATA / name).is_file(), name
    assert (DATA / LABELS["video"]["file"]).is_file()


def test_nobody_looking_down_or_with_eyes_shut_is_attending(scores, models):
    """The issue's case: lowered eyes scored 0.95. Original, mirrored, and turned ±15°."""
    down = [n for n, d in {**LABELS["images"], **LABELS["package_images"]}.items()
            if d["looks_at"].startswith(("down", "eyes shut"))]
    assert len(down) == 6
    assert wrong(scores, down + [n + " (mirrored)" for n in down]) == []
    analyzer = still_analyzer(models)
    for name in down:
        for degrees in (15.0, -15.0):
            face = score(analyzer, rotate(image(name), degrees))
            assert face.attending < 0.5, f"{name} turned {degrees}: {face.attending:.2f}"


def test_people_looking_aside_or_up_are_not_attending(scores):
    aside = [n for n, d in labelled().items() if not d and n not in _down_names()]
    assert len(aside) == 8
    assert max(scores[n] for n in aside if n.startswith("whitehouse")) < 0.2
    # Frames 264 and 336 (eyes up and to the side, ~15° off the lens) come out near 0.5
    # (0.49-0.55), original or mirrored: the gaze error on this face is about that size.
    assert len(wrong(scores, aside)) <= 2
    assert len(wrong(scores, [n + " (mirrored)" for n in aside])) <= 2
    assert max(scores[n] for n in aside + [n + " (mirrored)" for n in aside]) < 0.6


def test_people_looking_at_the_camera_are_attending(scores):
    at_camera = [n for n, a in labelled().items() if a]
    photos = [n for n in at_camera if not n.startswith("pexels")]
    assert wrong(scores, photos + [n + " (mirrored)" for n in photos]) == []
    # The woman smiles into the lens with her head tilted back and turned ~14° away, eyes
    # turned back to the lens: Face Mesh under-reads that eye turn (its iris barely moves
    # sideways), so these come out near 0.5 (0.44-0.60), original or mirrored. (Before the
    # mirror average her mirror image came out lower, 0.35-0.51.)
    video_frames = [n for n in at_camera if n.startswith("pexels")]
    assert len(wrong(scores, video_frames)) <= 2
    assert min(scores[n] for n in video_frames) > 0.4
    assert min(scores[n + " (mirrored)"] for n in video_frames) > 0.4


def test_a_picture_and_its_mirror_image_score_alike(scores):
    """Whether a person looks at the lens does not change when the picture is mirrored.
    Face Mesh alone is not mirror-equivariant (up to 0.22 apart on this set); still images
    average each pass with the mirror image's (``ntt.vision.landmarks.mirror_averaged``)."""
    gaps = {n: abs(scores[n] - scores[n + " (mirrored)"]) for n in labelled()}
    assert max(gaps.values()) <= 0.05, gaps


def test_the_whole_set(scores):
    assert len(wrong(scores, scores)) <= 8  # of 46 (23 pictures and their mirrors); 7 now


def test_without_the_lids_or_with_the_laptop_geometry_it_is_worse(scores, models):
    """The two causes the issue names: iris-only vertical gaze, and the laptop's camera
    with its screen below assumed for any picture."""
    detector, mesh = models
    iris_only = still_analyzer(models, lid_weight=0.0)
    laptop = FaceAnalyzer(detector, mesh, settings=VisionSettings(exhaustive=True))
    names = list(labelled())
    for analyzer in (iris_only, laptop):
        theirs = {n: score(analyzer, image(n)).attending for n in names}
        assert len(wrong(theirs, names)) >= len(wrong(scores, names)) + 2


def _down_names() -> set[str]:
    return {n for n, d in {**LABELS["images"], **LABELS["package_images"]}.items()
            if d["looks_at"].startswith(("down", "eyes shut"))}


# --- position compensation: the uncertainty of an unknown lens --------------------------

def test_a_face_at_the_edge_of_an_unknown_lens_is_less_certain(models):
    patch, _ = samples.head_patch(samples.astronaut(), 110.0)
    ph, pw = patch.shape[:2]
    canvas_wh = (1600, 600)

    def placed(x: int):
        canvas = samples.background_bgr(*canvas_wh).copy()
        canvas[(canvas_wh[1] - ph) // 2:(canvas_wh[1] + ph) // 2, x:x + pw] = patch
        return canvas

    analyzer = still_analyzer(models)
    centre = score(analyzer, placed((canvas_wh[0] - pw) // 2))
    edge = score(analyzer, placed(canvas_wh[0] - pw - 10))
    assert edge.attending_uncertainty > 2 * centre.attending_uncertainty
    assert edge.attending_uncertainty > 0.02
    detector, mesh = models
    known = FaceAnalyzer(detector, mesh, geometry=CameraGeometry(),
                         settings=VisionSettings(exhaustive=True))
    assert score(known, placed(canvas_wh[0] - pw - 10)).attending_uncertainty == 0.0


# --- over time: the real clip --------------------------------------------------------------

def clip_frames() -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(DATA / LABELS["video"]["file"]))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    assert len(frames) == 92
    return frames


def run_clip(models, frames, attending: AttendingSettings | None = None, start: int = 0,
             stop: int | None = None) -> dict[int, object]:
    """Faces of the clip's frames ``start..stop`` (by clip frame number; None: no face)."""
    detector, mesh = models
    settings = VisionSettings() if attending is None else VisionSettings(attending=attending)
    analyzer = FaceAnalyzer(detector, mesh, geometry=UNKNOWN_CAMERA, settings=settings)
    fps = 24000 / 1001
    out = {}
    for i in range(start, len(frames) if stop is None else stop):
        (cue,) = analyzer.push(VideoFrame(i / fps, i, frames[i]))
        out[i] = cue.faces[0] if cue.faces else None
    return out


def _span(key: str, k: int = 0) -> range:
    spans = LABELS["video"]["frames"][key]
    lo, hi = spans[k] if isinstance(spans[0], list) else spans
    return range(lo, hi + 1)


@pytest.fixture(scope="module")
def clip():
    return clip_frames()


@pytest.fixture(scope="module")
def clip_faces(models, clip):
    return run_clip(models, clip)


def test_a_real_blink_does_not_move_attending(models, clip, clip_faces):
    blink = _span("blink", 1)
    around = range(blink.start - 2, blink.stop + 2)
    values = [clip_faces[i].attending for i in around]
    assert np.abs(np.diff(values)).max() <= STEADY, values
    assert min(values) > 0.5  # she looks at the camera before and after: no flicker
    # Without the blink handling the closing lids read as a downward look, and it flickers.
    no_hold = dataclasses.replace(AttendingSettings(), shut_eye_open=0.0, blink_ratio=0.0)
    plain = run_clip(models, clip, no_hold, around.start - 24, around.stop)
    assert min(plain[i].attending for i in around) < min(values) - 0.05


def test_eyes_that_stay_shut_stop_attending_after_a_blink_length(clip_faces):
    closing = _span("lids_closing_looking_down")
    hold_frames = math.ceil(AttendingSettings().blink_hold_s * 24000 / 1001)
    later = [clip_faces[i].attending for i in closing if i >= closing.start + hold_frames + 4]
    assert later and max(later) < 0.2
    at_camera = [clip_faces[i].attending for i in _span("at_camera", 1)]
    assert min(at_camera) > 0.5


@pytest.mark.parametrize("glitch", ["dropped", "smeared"])
def test_one_bad_frame_does_not_move_attending(models, clip, glitch):
    """A frame where Face Mesh loses the face (a black frame from the camera), or fits it
    on a smeared picture, while she looks at the camera."""
    frames = list(clip)
    bad = 30
    frames[bad] = np.zeros_like(frames[bad]) if glitch == "dropped" else \
        cv2.GaussianBlur(frames[bad], (0, 0), 25)
    faces = run_clip(models, frames, start=bad - 12, stop=bad + 3)
    if glitch == "dropped":
        assert faces[bad] is None
    before, after = faces[bad - 1], faces[bad + 1]
    assert before is not None and after is not None and after.track_id == before.track_id
    assert abs(after.attending - before.attending) <= STEADY
    if faces[bad] is not None:
        assert abs(faces[bad].attending - before.attending) <= STEADY


# --- lag: a rendered look away and back, where the truth is known to the frame -------------

@pytest.mark.parametrize("fps", [15.0, 30.0])
def test_attending_follows_a_rendered_look_within_150_ms(models, fps):
    """A real face photo (the astronaut) rendered looking into the lens, then 30° aside
    (head 15°, eyes 15°), then back: the smoothed score crosses 0.5 within 150 ms of the
    first frame of each change. The lens is the target (a laptop's screen would span the
    look aside at this distance)."""
    from ntt.sim.face_render import FacePose
    from ntt.sim.photos import Identity, textured_face

    model = textured_face(Identity("astronaut"))
    background = samples.background_bgr(640, 480)
    detector, mesh = models
    lens = CameraGeometry(screen_center_m=(0.0, 0.0, 0.0), screen_size_m=(0.0, 0.0))
    analyzer = FaceAnalyzer(detector, mesh, geometry=lens)
    n = int(round(0.6 * fps))
    looks = [FacePose()] * n + [FacePose(yaw_deg=15.0, gaze_yaw_deg=15.0)] * n + \
        [FacePose()] * n
    values = []
    for i, pose in enumerate(looks):
        canvas = background.copy()
        model.render(canvas, (320.0, 240.0), 200.0, pose)
        (cue,) = analyzer.push(VideoFrame(i / fps, i, canvas))
        values.append(cue.faces[0].attending)
    assert values[n - 1] > 0.5
    away = next(i for i in range(n, 2 * n) if values[i] < 0.5)
    assert (away - n) / fps <= 0.15
    assert values[2 * n - 1] < 0.5
    back = next(i for i in range(2 * n, 3 * n) if values[i] >= 0.5)
    assert (back - 2 * n) / fps <= 0.15
