"""Vision front-end speed: milliseconds per 640×480 frame with one and with four faces;
and ``attending`` on the hand-labelled real pictures, for each gaze approach compared.

    python benchmarks/bench_vision.py              # {"faces_1": ms, "faces_4": ms,
                                                   #  "faces_1_unknown_camera": ms,
                                                   #  "cpu": {the same in CPU ms}}
    python benchmarks/bench_vision.py --attending  # per approach: right / all, by label

The frames are real faces (``ntt.vision.samples``) on a real background, drifting a few
pixels per frame so that tracking does real work; the analyzer runs in its streaming mode
(tracking, one detection window every other frame). The first frames, which pay for model
warm-up and the initial detections, are not timed.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import cv2
import numpy as np

FRAME_WH = (640, 480)
FPS = 15.0
WARMUP_FRAMES = 10
TIMED_FRAMES = 60
# Face heights (px) of the people in each scene: one person ~1 m from a laptop webcam;
# four people at 1–2.5 m.
ONE_FACE_PX = [110.0]
FOUR_FACES_PX = [80.0, 60.0, 70.0, 55.0]
DRIFT_PX = 6.0


def moving_frames(face_heights_px: list[float], count: int, seed: int = 0) -> list[np.ndarray]:
    """``count`` frames of one scene, shifted along a slow circle (``DRIFT_PX`` radius)."""
    from ntt.vision.samples import group_scene

    image, _ = group_scene(*FRAME_WH, face_heights_px, seed=seed)
    frames = []
    for i in range(count):
        phase = 2 * math.pi * i / 30
        shift = np.float32([[1, 0, DRIFT_PX * math.cos(phase)],
                            [0, 1, DRIFT_PX * math.sin(phase)]])
        frames.append(cv2.warpAffine(image, shift, FRAME_WH, borderMode=cv2.BORDER_REFLECT))
    return frames


def time_analyzer(face_heights_px: list[float], geometry=None) -> tuple[float, float, float]:
    """(mean wall ms per timed frame, mean CPU ms per timed frame — every thread of the
    process, which is the fairer figure on a machine others are using too — and mean faces
    reported per timed frame)."""
    from ntt.cues import VideoFrame
    from ntt.vision.analyzer import FaceAnalyzer
    from ntt.vision.detector import FaceDetector
    from ntt.vision.landmarks import FaceMesh

    frames = moving_frames(face_heights_px, WARMUP_FRAMES + TIMED_FRAMES)
    with FaceDetector() as detector, FaceMesh() as mesh:
        analyzer = FaceAnalyzer(detector, mesh, geometry=geometry)
        elapsed, cpu, faces = 0.0, 0.0, 0
        for i, image in enumerate(frames):
            frame = VideoFrame(t_s=i / FPS, index=i, image_bgr=image)
            t0, c0 = time.perf_counter(), time.process_time()
            (cue,) = analyzer.push(frame)
            if i >= WARMUP_FRAMES:
                elapsed += time.perf_counter() - t0
                cpu += time.process_time() - c0
                faces += len(cue.faces)
    return 1000.0 * elapsed / TIMED_FRAMES, 1000.0 * cpu / TIMED_FRAMES, faces / TIMED_FRAMES


def bench_faces(unknown_camera: bool = False) -> dict[str, float]:
    """Milliseconds per 640×480 frame: ``faces_1`` (one person), ``faces_4`` (four) with
    the device's camera. With ``unknown_camera``, also ``faces_1_unknown_camera`` where the
    lens is unknown (each face is also scored under the two extreme focal lengths, as
    ``ntt faces`` does), and the same three as CPU milliseconds under ``cpu``."""
    from ntt.vision.camera import UNKNOWN_CAMERA

    os.environ.setdefault("GLOG_minloglevel", "2")
    one, one_cpu, _ = time_analyzer(ONE_FACE_PX)
    four, four_cpu, _ = time_analyzer(FOUR_FACES_PX)
    out = {"faces_1": round(one, 2), "faces_4": round(four, 2)}
    if unknown_camera:
        unknown, unknown_cpu, _ = time_analyzer(ONE_FACE_PX, UNKNOWN_CAMERA)
        out["faces_1_unknown_camera"] = round(unknown, 2)
        out["cpu"] = {"faces_1": round(one_cpu, 2), "faces_4": round(four_cpu, 2),
                      "faces_1_unknown_camera": round(unknown_cpu, 2)}
    return out


# --- attending on the labelled real pictures --------------------------------------------

ATTENDING_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "attending_real"
# Eye-model contour points 0..15 as Face Mesh indices, for the eye on the image's left (the
# person's right); the model sees that eye, the other one is mirrored in and out.
EYE_PATCH_CONTOUR = (33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157,
                     173)
EYE_PATCH_SCALE = 2.3  # the eye crop's side over the corner-to-corner distance (MediaPipe's)
_EYE_PATCH_GRAPH = """
input_stream: "image"
input_stream: "roi"
output_stream: "eye"
output_stream: "iris"
node {
  calculator: "ImageToTensorCalculator"
  input_stream: "IMAGE:image"
  input_stream: "NORM_RECT:roi"
  output_stream: "TENSORS:input_tensors"
  options: { [mediapipe.ImageToTensorCalculatorOptions.ext] {
    output_tensor_width: 64 output_tensor_height: 64 keep_aspect_ratio: true
    output_tensor_float_range { min: 0.0 max: 1.0 } border_mode: BORDER_REPLICATE } }
}
node {
  calculator: "InferenceCalculator"
  input_stream: "TENSORS:input_tensors"
  output_stream: "TENSORS:output_tensors"
  options: { [mediapipe.InferenceCalculatorOptions.ext] {
    model_path: "mediapipe/modules/iris_landmark/iris_landmark.tflite"
    delegate { xnnpack {} } } }
}
node {
  calculator: "SplitTensorVectorCalculator"
  input_stream: "output_tensors"
  output_stream: "eye_tensor"
  output_stream: "iris_tensor"
  options: { [mediapipe.SplitVectorCalculatorOptions.ext] {
    ranges: { begin: 0 end: 1 } ranges: { begin: 1 end: 2 } } }
}
node {
  calculator: "TensorsToLandmarksCalculator"
  input_stream: "TENSORS:eye_tensor"
  output_stream: "NORM_LANDMARKS:eye_n"
  options: { [mediapipe.TensorsToLandmarksCalculatorOptions.ext] {
    num_landmarks: 71 input_image_width: 64 input_image_height: 64 } }
}
node {
  calculator: "TensorsToLandmarksCalculator"
  input_stream: "TENSORS:iris_tensor"
  output_stream: "NORM_LANDMARKS:iris_n"
  options: { [mediapipe.TensorsToLandmarksCalculatorOptions.ext] {
    num_landmarks: 5 input_image_width: 64 input_image_height: 64 } }
}
node {
  calculator: "LandmarkProjectionCalculator"
  input_stream: "NORM_LANDMARKS:0:eye_n"
  input_stream: "NORM_LANDMARKS:1:iris_n"
  input_stream: "NORM_RECT:roi"
  output_stream: "NORM_LANDMARKS:0:eye"
  output_stream: "NORM_LANDMARKS:1:iris"
}
"""


class EyePatchMesh:
    """Face Mesh, with each eye's contour and iris replaced by MediaPipe's eye-patch model
    (``iris_landmark.tflite``, a learned model of a 64×64 eye crop that ships in the
    mediapipe wheel): the one learned eye-appearance model installed here. No registry
    package ships the weights of an appearance-based gaze model (MPIIGaze, Gaze360, L2CS,
    ETH-XGaze: ptgaze, pygaze, uniface, gaze-estimation-lib, webeyetrack, unigaze all
    download them at run time)."""

    def __init__(self, mesh):
        from google.protobuf import text_format
        from mediapipe.framework import calculator_pb2
        from mediapipe.framework.formats import rect_pb2
        from mediapipe.python.solution_base import SolutionBase

        self.mesh = mesh
        config = text_format.Parse(_EYE_PATCH_GRAPH, calculator_pb2.CalculatorGraphConfig())
        self._graph = SolutionBase(graph_config=config, outputs=["eye", "iris"])
        self._rect = rect_pb2.NormalizedRect

    def _eye(self, rgb, outer, inner, flip: bool):
        centre = (outer + inner) / 2
        size = float(np.linalg.norm(outer - inner)) * EYE_PATCH_SCALE
        x0, y0 = (max(0, int(c - size - 2)) for c in centre)
        x1 = min(rgb.shape[1], int(centre[0] + size + 2))
        y1 = min(rgb.shape[0], int(centre[1] + size + 2))
        crop = rgb[y0:y1, x0:x1]
        h, w = crop.shape[:2]
        a, b = outer - (x0, y0), inner - (x0, y0)
        if flip:
            crop = crop[:, ::-1]
            a, b = np.array([w - a[0], a[1]]), np.array([w - b[0], b[1]])
        left, right = (a, b) if a[0] < b[0] else (b, a)
        rotation = -math.atan2(-(right[1] - left[1]), right[0] - left[0])
        mid = (a + b) / 2
        rect = self._rect(x_center=mid[0] / w, y_center=mid[1] / h, width=size / w,
                          height=size / h, rotation=rotation)
        out = self._graph.process({"image": np.ascontiguousarray(crop), "roi": rect})
        eye = np.array([(p.x * w, p.y * h) for p in out.eye.landmark][:16])
        iris = np.array([(p.x * w, p.y * h) for p in out.iris.landmark])
        if flip:
            eye[:, 0], iris[:, 0] = w - eye[:, 0], w - iris[:, 0]
        return eye + (x0, y0), iris + (x0, y0)

    def landmarks(self, rgb, roi):
        from ntt.vision import mesh_indices as m
        from ntt.vision.face_model import ReferenceFace

        found = self.mesh.landmarks(rgb, roi)
        if found is None:
            return None
        out = found.copy()
        mirror = ReferenceFace.load().mirror
        for corners, flip, iris in (((m.EYE_RIGHT_OUTER, m.EYE_RIGHT_INNER), False,
                                     m.IRIS_RIGHT_POINTS),
                                    ((m.EYE_LEFT_OUTER, m.EYE_LEFT_INNER), True,
                                     m.IRIS_LEFT_POINTS)):
            eye, iris_xy = self._eye(rgb, found[corners[0], :2].astype(np.float64),
                                     found[corners[1], :2].astype(np.float64), flip)
            for k, index in enumerate(EYE_PATCH_CONTOUR):
                out[index if not flip else mirror[index], :2] = eye[k]
            out[list(iris), :2] = iris_xy
        return out


def labelled_pictures() -> list[tuple[str, str, bool, np.ndarray]]:
    """(name, what they look at, attending?, image) for every labelled picture and its
    mirror image."""
    from ntt.vision import samples

    doc = json.loads((ATTENDING_SET / "labels.json").read_text(encoding="utf-8"))
    photos = {"astronaut": samples.astronaut, "grace_hopper": samples.grace_hopper,
              "cameraman": samples.cameraman}
    out = []
    for name, label in {**doc["images"], **doc["package_images"]}.items():
        image = photos[name]().image_bgr if name in photos else \
            cv2.imread(str(ATTENDING_SET / name), cv2.IMREAD_COLOR)
        for suffix, img in (("", image), (" (mirrored)", np.ascontiguousarray(image[:, ::-1]))):
            out.append((name + suffix, label["looks_at"], label["attending"], img))
    return out


def compare_approaches() -> dict[str, dict]:
    """Right / all of each approach on the labelled pictures (and their mirrors), by what
    the person looks at, with the pictures each gets wrong."""
    from ntt.cues import VideoFrame
    from ntt.settings import VisionSettings
    from ntt.vision.analyzer import FaceAnalyzer
    from ntt.vision.camera import UNKNOWN_CAMERA, CameraGeometry
    from ntt.vision.detector import FaceDetector
    from ntt.vision.landmarks import FaceMesh

    os.environ.setdefault("GLOG_minloglevel", "2")
    pictures = labelled_pictures()
    results = {}
    with FaceDetector() as detector, FaceMesh() as mesh:
        eye_patch = EyePatchMesh(mesh)
        approaches = {
            "iris only, laptop camera (before)": (mesh, CameraGeometry(), 0.0),
            "iris only, unknown camera": (mesh, UNKNOWN_CAMERA, 0.0),
            "iris + upper lid, unknown camera (shipped)": (mesh, UNKNOWN_CAMERA, None),
            "eye-patch model + upper lid, unknown camera": (eye_patch, UNKNOWN_CAMERA, None),
        }
        for title, (landmarker, geometry, lid_weight) in approaches.items():
            settings = VisionSettings(exhaustive=True) if lid_weight is None else \
                VisionSettings(exhaustive=True, lid_weight=lid_weight)
            analyzer = FaceAnalyzer(detector, landmarker, geometry=geometry, settings=settings)
            by_kind: dict[str, list[int]] = {}
            wrong = []
            for name, looks_at, attending, image in pictures:
                analyzer.reset()
                (cue,) = analyzer.push(VideoFrame(0.0, 0, image))
                face = max(cue.faces, key=lambda f: f.box_xywh[2] * f.box_xywh[3])
                kind = "camera" if attending else \
                    ("down or eyes shut" if looks_at.startswith(("down", "eyes shut"))
                     else "aside or up")
                right = (face.attending >= 0.5) == attending
                tally = by_kind.setdefault(kind, [0, 0])
                tally[0] += right
                tally[1] += 1
                if not right:
                    wrong.append(f"{name}: {face.attending:.2f}")
            results[title] = {
                "right": sum(r for r, _ in by_kind.values()),
                "of": sum(n for _, n in by_kind.values()),
                "by_label": {k: f"{r}/{n}" for k, (r, n) in by_kind.items()},
                "wrong": wrong}
    return results


if __name__ == "__main__":
    import sys

    if "--attending" in sys.argv:
        print(json.dumps(compare_approaches(), indent=1))
    else:
        print(json.dumps(bench_faces(unknown_camera=True)))
