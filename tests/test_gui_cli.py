"""``ntt gui``: bad input is one line and exit 2; ``--screenshot`` renders offscreen; the rest
of ``ntt`` never imports Qt."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest
from conftest import REPO, SAMPLE

from ntt.cli import main

pytest.importorskip("PyQt6")


def _one_line_error(capsys, argv: list[str], needle: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith("ntt gui: error:") and needle in err


def test_missing_session_is_one_line(capsys, tmp_path):
    _one_line_error(capsys, ["gui", str(tmp_path / "nope"), "--screenshot",
                             str(tmp_path / "x.png")], "session directory not found")
    assert not (tmp_path / "x.png").exists()


def test_bad_arguments_are_one_line(capsys, tmp_path):
    _one_line_error(capsys, ["gui", "--screenshot", str(tmp_path / "x.png")], "needs a SESSION")
    _one_line_error(capsys, ["gui", str(SAMPLE), "--screenshot", str(tmp_path / "x.png"),
                             "--at", "99"], "past the end")
    _one_line_error(capsys, ["gui", str(SAMPLE), "--at", "-1"], "must be >= 0")
    _one_line_error(capsys, ["gui", str(SAMPLE), "--screenshot",
                             str(tmp_path / "missing" / "x.png")], "does not exist")
    _one_line_error(capsys, ["gui", str(SAMPLE), "--screenshot", str(tmp_path / "x.jpg")],
                    ".png")


def test_no_display_without_screenshot_is_one_line(capsys, monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    _one_line_error(capsys, ["gui", str(SAMPLE)], "no display")


def test_the_rest_of_ntt_does_not_import_qt():
    code = ("import sys; from ntt.cli import build_parser; build_parser(); "
            "print(any(m.startswith(('PyQt6', 'pyqtgraph', 'apps')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO, check=True)
    assert out.stdout.strip() == "False"


def test_screenshot_renders_the_overlays_offscreen(make_session, tmp_path):
    """A small session (the astronaut photo as video, real speech): the face box is drawn."""
    session = make_session("astro")
    out = tmp_path / "shot.png"
    assert main(["gui", str(session), "--screenshot", str(out), "--at", "1.5",
                 "--asr", "none", "--fusion", "rule"]) == 0
    image = cv2.imread(str(out))
    assert image is not None and image.shape[:2] == (900, 1400)
    assert image.std() > 20
    # Track 0's box colour (RGB 0, 200, 255), in BGR, is on screen.
    near = np.abs(image.astype(int) - np.array([255, 200, 0])).sum(axis=2) < 40
    assert near.sum() > 30
