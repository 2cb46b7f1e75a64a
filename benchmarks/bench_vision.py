"""Vision front-end speed: milliseconds per 640×480 frame with one and with four faces.

    python benchmarks/bench_vision.py        # prints {"faces_1": ms, "faces_4": ms}

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


def time_analyzer(face_heights_px: list[float]) -> tuple[float, float]:
    """(mean ms per timed frame, mean faces reported per timed frame)."""
    from ntt.cues import VideoFrame
    from ntt.vision.analyzer import FaceAnalyzer
    from ntt.vision.detector import FaceDetector
    from ntt.vision.landmarks import FaceMesh

    frames = moving_frames(face_heights_px, WARMUP_FRAMES + TIMED_FRAMES)
    with FaceDetector() as detector, FaceMesh() as mesh:
        analyzer = FaceAnalyzer(detector, mesh)
        elapsed, faces = 0.0, 0
        for i, image in enumerate(frames):
            frame = VideoFrame(t_s=i / FPS, index=i, image_bgr=image)
            t0 = time.perf_counter()
            (cue,) = analyzer.push(frame)
            if i >= WARMUP_FRAMES:
                elapsed += time.perf_counter() - t0
                faces += len(cue.faces)
    return 1000.0 * elapsed / TIMED_FRAMES, faces / TIMED_FRAMES


def bench_faces() -> dict[str, float]:
    """Milliseconds per 640×480 frame: ``faces_1`` (one person), ``faces_4`` (four)."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    one, _ = time_analyzer(ONE_FACE_PX)
    four, _ = time_analyzer(FOUR_FACES_PX)
    return {"faces_1": round(one, 2), "faces_4": round(four, 2)}


if __name__ == "__main__":
    print(json.dumps(bench_faces()))
