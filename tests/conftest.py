"""Shared fixtures: real speech (espeak-ng), real photos (scikit-image), real encoded video."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("GLOG_minloglevel", "2")
# Calibration results (and per-user calibrations) go to a scratch directory, never to the
# user's configuration directory, and a profile calibrated there cannot shadow a shipped one.
os.environ["NTT_CALIBRATION_DIR"] = _PROFILES = tempfile.mkdtemp(prefix="ntt-test-profiles-")
atexit.register(shutil.rmtree, _PROFILES, True)
os.environ.pop("NTT_USER_CALIBRATION_DIR", None)

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "datasets" / "samples" / "living-room"
SPEECH_CLIPS = REPO / "tests" / "data" / "audio"  # real read speech (CC-BY-SA-3.0, README)


@pytest.fixture(scope="session")
def speech_clips():
    """The read-speech clips with their transcripts (``tests/data/audio``), 16 kHz mono."""
    from ntt.asr.evaluation import read_speech_clips

    return read_speech_clips(SPEECH_CLIPS)


@pytest.fixture(scope="session")
def astronaut_bgr() -> np.ndarray:
    from skimage import data

    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="session")
def speech_16k() -> np.ndarray:
    """About 1.5 s of real synthesized speech at 16 kHz."""
    from ntt.tts import synthesize

    return synthesize("Turn on the kitchen lights please.")


@pytest.fixture()
def make_session(tmp_path, astronaut_bgr, speech_16k):
    """Build a small valid session on disk: speech + 1 s silence, a video of the astronaut,
    and labels. Returns a function (name, **overrides) → directory."""
    from ntt.io.session import Labels, Utterance, write_session
    from ntt.io.video_file import write_video

    def make(name: str = "s", video_s: float | None = None, with_video: bool = True,
             fps: float = 10.0) -> Path:
        silence = np.zeros(16_000, dtype=np.float32)
        audio = np.concatenate([silence, speech_16k, silence])
        duration = len(audio) / 16_000
        video_path = None
        if with_video:
            small = cv2.resize(astronaut_bgr, (160, 160))
            n = int(round((video_s if video_s is not None else duration) * fps))
            video_path = tmp_path / f"{name}-src.mp4"
            write_video(video_path, [small] * n, fps)
        labels = Labels((Utterance("u1", 1.0, 1.0 + len(speech_16k) / 16_000, "anna", True,
                                   "device", "turn on the kitchen lights please"),))
        return write_session(tmp_path / name, audio=audio, video_path=video_path,
                             fps=fps if with_video else 0.0, participants=("anna",),
                             labels=labels)

    return make
