"""Camera intrinsics from checkerboard views (issue 10, requirement 2).

The only checkerboard image installed packages ship is scikit-image's ``chessboard_GRAY.png``
(a digital board, one view). It is tested as it is, and views of it are made by real
perspective warps through a known camera with lens distortion, over real photos, with noise
and JPEG compression (``ntt.calibration.board_views``): the known camera is the ground
truth the calibration must recover.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from ntt.calibration import board_views
from ntt.calibration.camera import Board, calibrate_camera, find_board
from ntt.calibration.profile import load_profile, shipped_profile_dir
from ntt.cli import main
from ntt.errors import InputError

N_VIEWS = 10
TRUE = board_views.TrueCamera()


@pytest.fixture(scope="module")
def views() -> list[np.ndarray]:
    return board_views.views(N_VIEWS, seed=3)


@pytest.fixture()
def profile(tmp_path):
    path = tmp_path / "device.toml"
    path.write_text((shipped_profile_dir() / "laptop-webcam.toml").read_text(encoding="utf-8"))
    return path


def test_corners_of_the_real_board_image_land_on_its_squares():
    from skimage import data

    board = data.checkerboard()  # 8x8 squares of 25 px: inner corners at multiples of 25
    corners = find_board(board, Board(7, 7, 25.0))
    assert corners is not None and corners.shape == (49, 1, 2)
    grid = corners.reshape(-1, 2)
    # Pixel centres sit at integer coordinates, so a square edge lies at k*25 - 0.5.
    nearest = np.round((grid + 0.5) / 25) * 25 - 0.5
    assert np.abs(grid - nearest).max() < 0.3
    assert sorted(set(np.round((grid[:, 0] + 0.5) / 25).astype(int))) == list(range(1, 8))
    # The wrong pattern size is not found.
    assert find_board(board, Board(9, 6, 25.0)) is None


def test_cli_recovers_the_known_camera_and_counts_rejects(tmp_path, views, profile, capsys):
    paths = []
    for i, image in enumerate(views):
        paths.append(tmp_path / f"view{i:02d}.jpg")
        cv2.imwrite(str(paths[-1]), image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    # Two images without a board: a real photo, and the board cut in half.
    from skimage import data

    photo = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2GRAY), TRUE.size_wh)
    corners0 = find_board(views[0], Board(7, 7, 25.0))
    assert corners0 is not None
    cut = views[0].copy()
    cut[:, int(np.median(corners0[:, 0, 0])):] = 128  # through the middle of the board
    for name, image in (("photo.png", photo), ("cut.png", cut)):
        paths.append(tmp_path / name)
        cv2.imwrite(str(paths[-1]), image)
    rc = main(["calibrate", "camera", *map(str, paths), "--board", "7x7", "--square-mm",
               "25", "--profile", str(profile), "--json"])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)["camera"]
    rejected = {v["name"].split("/")[-1] for v in doc["views"] if not v["found"]}
    assert {"photo.png", "cut.png"} <= rejected
    assert doc["rejected"] == len(rejected) and doc["used"] == len(paths) - len(rejected)
    assert doc["used"] >= N_VIEWS - 2
    fx, fy = doc["focal_px"]
    assert fx == pytest.approx(TRUE.focal_px, rel=0.01)
    assert fy == pytest.approx(TRUE.focal_px, rel=0.01)
    assert np.allclose(doc["principal_xy"], TRUE.principal_xy, atol=4.0)
    assert doc["distortion"][0] == pytest.approx(TRUE.distortion[0], abs=0.03)
    assert doc["reprojection_error_px"] < 0.3
    assert all(v["error_px"] < 0.5 for v in doc["views"] if v["found"])
    # Written into the profile, and the vision front-end's geometry follows it.
    p = load_profile(profile)
    assert p.camera.calibrated and p.camera.calibrated_size_wh == TRUE.size_wh
    assert p.camera.reprojection_error_px == pytest.approx(doc["reprojection_error_px"],
                                                           abs=1e-3)
    k = p.camera_geometry(*TRUE.size_wh).camera_matrix(*TRUE.size_wh)
    assert k[0, 0] == pytest.approx(TRUE.focal_px, rel=0.01)
    assert p.calibration["camera"]["rejected"] == doc["rejected"]


def test_undistorting_with_the_result_straightens_the_board(views):
    result = calibrate_camera([(str(i), v) for i, v in enumerate(views)], Board(7, 7, 25.0))
    k, dist = result.camera_matrix(), np.array(result.distortion)
    board = Board(7, 7, 25.0)
    for image in views:
        corners = find_board(image, board)
        if corners is None:
            continue
        # In the undistorted image, each row of corners lies on a straight line.
        flat = cv2.undistortPoints(corners, k, dist, P=k).reshape(7, 7, 2)
        for row in flat:
            centred = row - row.mean(axis=0)
            straightness = np.linalg.svd(centred, compute_uv=False)[1]
            assert straightness < 0.3
    assert result.hfov_deg == pytest.approx(
        2 * np.degrees(np.arctan(TRUE.size_wh[0] / 2 / TRUE.focal_px)), abs=0.5)


def test_wrong_board_size_is_one_line_and_writes_nothing(tmp_path, views, profile, capsys):
    paths = []
    for i, image in enumerate(views[:4]):
        paths.append(tmp_path / f"v{i}.png")
        cv2.imwrite(str(paths[-1]), image)
    before = profile.read_text()
    rc = main(["calibrate", "camera", *map(str, paths), "--board", "9x6", "--profile",
               str(profile)])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and len(err.splitlines()) == 1
    assert "found in 0 of 4 images (4 rejected)" in err
    assert profile.read_text() == before


@pytest.mark.parametrize("argv,needle", [
    (["--board", "nine-by-six"], "--board"),
    (["--board", "1x1"], "--board"),
    (["--square-mm", "-3"], "--square-mm"),
])
def test_bad_arguments_are_user_errors(tmp_path, argv, needle, capsys):
    image = tmp_path / "x.png"
    cv2.imwrite(str(image), np.zeros((10, 10), np.uint8))
    assert main(["calibrate", "camera", str(image), *argv]) == 2
    assert needle in capsys.readouterr().err


def test_unreadable_and_odd_sized_images_are_rejected_not_fatal(tmp_path, views):
    board = Board(7, 7, 25.0)
    small = cv2.resize(views[1], (320, 240))
    inputs = [(str(i), v) for i, v in enumerate(views[:5])] + [("junk", None),
                                                               ("small", small)]
    result = calibrate_camera(inputs, board)
    reasons = {v.name: v.reason for v in result.rejected}
    assert reasons["junk"] == "not a readable image"
    assert "differs" in reasons["small"]
    with pytest.raises(InputError, match="need at least 3"):
        calibrate_camera(inputs[:2], board)
