"""``ntt faces IMAGE_OR_VIDEO``: JSON shape, image kinds, video, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from ntt.cli import main
from ntt.io.video_file import write_video
from ntt.vision import samples

DATA = Path(__file__).parent / "data" / "attending_real"

FACE_KEYS = {"box", "track", "yaw", "pitch", "roll", "gaze_yaw", "gaze_pitch", "eye_open",
             "mouth_open", "mouth_activity", "attending", "attending_uncertainty"}


def faces_json(capfd, *args) -> object:
    capfd.readouterr()
    assert main(["faces", *map(str, args), "--json"]) == 0
    return json.loads(capfd.readouterr().out)


def bad_input(capfd, path, *args, names=None) -> str:
    """The one line of a refused command; it names ``names`` (default: the file)."""
    capfd.readouterr()
    assert main(["faces", str(path), "--json", *map(str, args)]) == 2
    captured = capfd.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert str(path if names is None else names) in lines[0]
    return lines[0]


def test_image_gives_a_list_of_faces(tmp_path, capfd):
    path = tmp_path / "astronaut.png"
    cv2.imwrite(str(path), samples.astronaut().image_bgr)
    doc = faces_json(capfd, path)
    assert isinstance(doc, list) and len(doc) == 1
    face = doc[0]
    assert set(face) == FACE_KEYS
    assert len(face["box"]) == 4 and all(isinstance(v, int) for v in face["box"])
    assert face["attending"] >= 0.5
    assert all(math.isfinite(face[k]) for k in FACE_KEYS - {"box", "track"})


def test_grayscale_and_rgba_images(tmp_path, capfd):
    gray = tmp_path / "gray.png"
    cv2.imwrite(str(gray), cv2.cvtColor(samples.grace_hopper().image_bgr, cv2.COLOR_BGR2GRAY))
    assert len(faces_json(capfd, gray)) == 1
    rgba = tmp_path / "rgba.png"
    bgra = cv2.cvtColor(samples.astronaut().image_bgr, cv2.COLOR_BGR2BGRA)
    bgra[:, :, 3] = 200
    cv2.imwrite(str(rgba), bgra)
    assert len(faces_json(capfd, rgba)) == 1
    deep = tmp_path / "sixteen_bit.png"
    cv2.imwrite(str(deep), samples.astronaut().image_bgr.astype(np.uint16) * 257)
    assert len(faces_json(capfd, deep)) == 1


@pytest.mark.parametrize("size", [1, 7, 40])
def test_tiny_images_give_no_faces(tmp_path, capfd, size):
    path = tmp_path / f"tiny{size}.png"
    cv2.imwrite(str(path), cv2.resize(samples.astronaut().image_bgr, (size, size),
                                      interpolation=cv2.INTER_AREA))
    assert faces_json(capfd, path) == []


def test_huge_image_finds_the_face(tmp_path, capfd):
    background = samples.background_bgr(4000, 3000)
    patch, (fx, fy, fw, fh) = samples.head_patch(samples.astronaut(), 300.0)
    background[1000:1000 + patch.shape[0], 2500:2500 + patch.shape[1]] = patch
    path = tmp_path / "huge.jpg"
    cv2.imwrite(str(path), background)
    doc = faces_json(capfd, path)
    assert len(doc) == 1
    x, y, w, h = doc[0]["box"]
    assert abs((x + w / 2) - (2500 + fx + fw / 2)) < fw / 2
    assert abs((y + h / 2) - (1000 + fy + fh / 2)) < fh / 2


def test_photo_without_a_face_gives_empty_list(tmp_path, capfd):
    path = tmp_path / "scenery.jpg"
    cv2.imwrite(str(path), samples.background_bgr(640, 480))
    assert faces_json(capfd, path) == []


def test_video_gives_one_entry_per_frame_with_stable_tracks(tmp_path, capfd):
    image = samples.astronaut().image_bgr
    frames = [np.roll(image, 3 * i, axis=1) for i in range(8)]
    path = tmp_path / "clip.mp4"
    write_video(path, frames, fps=10.0)
    doc = faces_json(capfd, path)
    assert [entry["frame"] for entry in doc] == list(range(8))
    assert doc[1]["t_s"] == pytest.approx(0.1)
    assert all(len(entry["faces"]) == 1 for entry in doc)
    assert {entry["faces"][0]["track"] for entry in doc} == {0}
    assert all(set(entry["faces"][0]) == FACE_KEYS for entry in doc)


def test_text_output_names_every_face(tmp_path, capfd):
    path = tmp_path / "hopper.jpg"
    cv2.imwrite(str(path), samples.grace_hopper().image_bgr)
    capfd.readouterr()
    assert main(["faces", str(path)]) == 0
    out = capfd.readouterr().out
    assert "1 face(s)" in out and "track 0" in out and "attending" in out


def test_non_image_file_is_one_line_exit_2(tmp_path, capfd):
    path = tmp_path / "notes.txt"
    path.write_text("not a picture\n")
    assert "not an image or video" in bad_input(capfd, path)


def test_truncated_image_is_one_line_exit_2(tmp_path, capfd):
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), samples.astronaut().image_bgr)
    path = tmp_path / "cut.png"
    path.write_bytes(good.read_bytes()[:5000])
    assert "could not be decoded" in bad_input(capfd, path)


def test_random_bytes_as_video_is_one_line_exit_2(tmp_path, capfd):
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    bad_input(capfd, path)


def test_missing_file_and_directory_are_one_line_exit_2(tmp_path, capfd):
    assert "not found" in bad_input(capfd, tmp_path / "nowhere.png")
    assert "not a file" in bad_input(capfd, tmp_path)


def test_the_camera_can_be_named_and_a_picture_defaults_to_the_lens_alone(capfd):
    """A woman looking down (a real frame, ``tests/data/attending_real``): of an unknown
    camera she is not attending; through a laptop webcam her look lands on the screen
    below it."""
    path = DATA / "pexels_langer_000.jpg"
    (unknown,) = faces_json(capfd, path)
    (lens,) = faces_json(capfd, path, "--hfov", 30)
    (laptop,) = faces_json(capfd, path, "--device", "laptop-webcam")
    assert unknown["attending"] < 0.5 and lens["attending"] < 0.5
    assert laptop["attending"] > unknown["attending"] + 0.2
    assert unknown["attending_uncertainty"] > 0.0
    assert lens["attending_uncertainty"] == 0.0 == laptop["attending_uncertainty"]


def test_bad_camera_arguments_are_one_line_exit_2(capfd):
    path = DATA / "pexels_langer_000.jpg"
    assert "no device profile" in bad_input(capfd, path, "--device", "no-such-device",
                                            names="no-such-device")
    assert "not both" in bad_input(capfd, path, "--device", "laptop-webcam", "--hfov", 60,
                                   names="--hfov")
