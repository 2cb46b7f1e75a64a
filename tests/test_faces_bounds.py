"""``ntt faces`` bounds its work (issue 25, item 10): a 2x5000 PNG made the tiled detector
run 5,000 windows (40-85 s); absurd aspect ratios and sizes are refused, one line, exit 2,
before any detection, for images and video frames alike."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

import ntt.vision.detector
from ntt.cli import main
from ntt.commands import faces
from ntt.io.video_file import write_video
from ntt.vision import samples


@pytest.fixture
def detector_used(monkeypatch):
    """Records every FaceDetector made; the real one still runs."""
    made = []
    real = ntt.vision.detector.FaceDetector

    def counting(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ntt.vision.detector, "FaceDetector", counting)
    return made


def refused(capfd, path) -> str:
    capfd.readouterr()
    assert main(["faces", str(path)]) == 2
    captured = capfd.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert str(path) in lines[0]
    return lines[0]


@pytest.mark.parametrize("width,height", [(2, 5000), (5000, 2), (2, 10000)])
def test_thin_image_is_refused_before_detection(tmp_path, capfd, detector_used, width, height):
    path = tmp_path / f"thin_{width}x{height}.png"
    assert cv2.imwrite(str(path), np.full((height, width, 3), 128, np.uint8))
    line = refused(capfd, path)
    assert f"{width}x{height}" in line and "aspect ratio" in line
    assert detector_used == []


def test_too_many_pixels_is_refused_before_detection(tmp_path, capfd, detector_used,
                                                     monkeypatch):
    monkeypatch.setattr(faces, "MAX_IMAGE_PIXELS", 100_000)
    path = tmp_path / "astronaut.png"
    cv2.imwrite(str(path), samples.astronaut().image_bgr)
    assert "megapixels" in refused(capfd, path)
    assert detector_used == []


def test_thin_video_is_refused_before_detection(tmp_path, capfd, detector_used):
    path = tmp_path / "thin.mp4"
    frames = [np.full((1000, 32, 3), 100 + i, np.uint8) for i in range(3)]
    write_video(path, frames, fps=10.0)
    assert "aspect ratio" in refused(capfd, path)
    assert detector_used == []


def test_normal_and_panorama_shaped_images_still_work(tmp_path, capfd, detector_used):
    path = tmp_path / "astronaut.png"
    cv2.imwrite(str(path), samples.astronaut().image_bgr)
    capfd.readouterr()
    assert main(["faces", str(path), "--json"]) == 0
    assert len(json.loads(capfd.readouterr().out)) == 1
    strip = tmp_path / "strip.png"  # exactly the largest aspect ratio analysed
    width = int(32 * faces.MAX_ASPECT_RATIO)
    cv2.imwrite(str(strip), samples.background_bgr(width, 32))
    assert main(["faces", str(strip), "--json"]) == 0
    assert json.loads(capfd.readouterr().out) == []
    assert len(detector_used) == 2
