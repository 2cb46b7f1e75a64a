"""The visualizer starts on a plain X display (issue 23, requirement 3): ``xvfb-run ntt gui
--screenshot`` through Qt's xcb platform plugin, not the offscreen one the other GUI tests
use; PyQt6 loads its own plugin, never the Qt 5 one the non-headless OpenCV wheel points
the environment at. The X server and the xcb libraries PyQt6's plugin links against are
Debian packages that ``scripts/bootstrap.sh`` installs with the ``gui`` extra."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

pytest.importorskip("PyQt6")
XVFB_RUN = shutil.which("xvfb-run")
pytestmark = pytest.mark.skipif(
    XVFB_RUN is None, reason="xvfb-run is not installed and could not be here (Debian's "
                             "xvfb; scripts/bootstrap.sh installs it with the gui extra)")


def test_gui_screenshot_on_an_x_display(make_session, tmp_path):
    session = make_session("astro")
    out = tmp_path / "shot.png"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"  # the X plugin or nothing: no silent fall-back offscreen
    env["QT_DEBUG_PLUGINS"] = "1"  # Qt says which plugin files it looks at and loads
    ntt = Path(sys.executable).with_name("ntt")
    done = subprocess.run([XVFB_RUN, "-a", "-s", "-screen 0 1600x1000x24", str(ntt), "gui",
                           str(session), "--screenshot", str(out), "--at", "1.5",
                           "--asr", "none", "--fusion", "rule"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "could not load the Qt platform plugin" not in done.stderr
    # PyQt6's own xcb plugin, and Qt never pointed at OpenCV's bundled Qt 5 plugins.
    assert "PyQt6/Qt6/plugins/platforms/libqxcb.so\" loaded library" in done.stderr
    assert "cv2/qt/plugins" not in done.stderr
    image = cv2.imread(str(out))
    assert image is not None and image.shape[:2] == (900, 1400)
    assert image.std() > 20
    # Track 0's box colour (RGB 0, 200, 255), in BGR: the face in the video was drawn.
    near = np.abs(image.astype(int) - np.array([255, 200, 0])).sum(axis=2) < 40
    assert near.sum() > 30
