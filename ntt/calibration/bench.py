"""Speed figures of the calibration code, for ``ntt bench``: all of it runs once per
device or user, so these only show it stays interactive (seconds, not minutes)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

BENCH_VIEWS = 10
BENCH_AUDIO_S = 20.0
GAZE_SAMPLES_PER_TARGET = 5


def bench() -> dict[str, Any]:
    """{"camera_find_board_ms_per_view", "camera_calibrate_ms", "gaze_fit_ms",
    "acoustic_rtf"} measured on this machine."""
    from ntt.audio.vad import SileroVad, load_silero_model
    from ntt.calibration import board_views, gaze
    from ntt.calibration.acoustic import measure_recording
    from ntt.calibration.camera import Board, calibrate_camera, find_board
    from ntt.calibration.profile import load_profile
    from ntt.tts import synthesize

    out: dict[str, Any] = {}
    images = board_views.views(BENCH_VIEWS, seed=0)
    board = Board(*board_views.INNER_CORNERS, square_mm=25.0)
    t0 = time.perf_counter()
    for image in images:
        find_board(image, board)
    out["camera_find_board_ms_per_view"] = (time.perf_counter() - t0) * 1000 / len(images)
    t0 = time.perf_counter()
    calibrate_camera([(str(i), im) for i, im in enumerate(images)], board)
    out["camera_calibrate_ms"] = (time.perf_counter() - t0) * 1000

    profile = load_profile("laptop-webcam")
    rng = np.random.default_rng(0)
    samples = []
    for target in gaze.target_layout(profile):
        for _ in range(GAZE_SAMPLES_PER_TARGET):
            eyes = (0.0, 0.0, 0.6)
            point = target.point_m(profile)
            yaw, pitch = gaze.GazeSample(0, 0, eyes, tuple(point)).target_angles()
            samples.append(gaze.GazeSample(yaw + 5 + rng.normal(0, 1.5),
                                           pitch - 4 + rng.normal(0, 1.5), eyes,
                                           tuple(point), target.id))
    t0 = time.perf_counter()
    gaze.fit_gaze_correction(samples)
    out["gaze_fit_ms"] = (time.perf_counter() - t0) * 1000

    speech = synthesize("Turn on the kitchen lights please. What is the weather tomorrow?")
    audio = np.zeros(int(BENCH_AUDIO_S * 16_000), np.float32)
    audio += rng.normal(0, 0.003, len(audio)).astype(np.float32)
    for start in range(16_000, len(audio) - len(speech), 6 * 16_000):
        audio[start:start + len(speech)] += speech
    vad = SileroVad(load_silero_model())
    t0 = time.perf_counter()
    measure_recording(audio, vad)
    out["acoustic_rtf"] = (time.perf_counter() - t0) / BENCH_AUDIO_S
    return out
