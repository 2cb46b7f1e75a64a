"""Starting the visualizer: interactively, or headless to render one screenshot.

Qt is imported only here and below, so ``ntt --help`` and every other command run without
it. Without a display, a screenshot is rendered with Qt's offscreen platform.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from ntt.errors import InputError
from ntt.settings import Settings

log = logging.getLogger(__name__)

SCREENSHOT_SIZE = (1400, 900)
PROCESS_TIMEOUT_S = 600.0
# The screenshot waits for the pipeline to get this far past the moment shown, so the
# visible timeline around it is complete.
SCREENSHOT_LOOKAHEAD_S = 6.0


def has_display() -> bool:
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


_app = None  # PyQt deletes a QApplication nobody references; this one lives with the process


def _forget_opencv_qt() -> None:
    """Importing the non-headless OpenCV wheel (mediapipe 0.10.21 requires
    ``opencv-contrib-python``; no release that still has the solutions API allows the
    headless one) points Qt at that wheel's own Qt 5 plugins and fonts through the
    environment. PyQt6's Qt 6 must look only at its own."""
    import cv2

    mine = os.path.dirname(os.path.abspath(cv2.__file__))
    for name in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        if os.environ.get(name, "").startswith(mine):
            del os.environ[name]


def application():
    """The process's QApplication (created once)."""
    global _app
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        _forget_opencv_qt()
        app = QApplication(sys.argv[:1])
        app.setApplicationName("ntt-visualizer")
    _app = app
    return app


def render_screenshot(session: str | Path, out: str | Path, at_s: float,
                      size: tuple[int, int] = SCREENSHOT_SIZE,
                      settings: Settings | None = None) -> Path:
    """Replay ``session`` offscreen up to ``at_s`` and save the window as a PNG."""
    from apps.visualizer.window import MainWindow

    application()
    window = MainWindow(settings=settings)
    try:
        window.resize(*size)
        window.open_session(session)
        if at_s > window.duration_s:
            raise InputError("--at", f"{at_s:g} s is past the end of the session "
                                     f"({window.duration_s:.2f} s)")
        window.show()
        if not window.wait_processed(min(at_s + SCREENSHOT_LOOKAHEAD_S, window.duration_s),
                                     PROCESS_TIMEOUT_S):
            if window.pipeline_error is not None:
                raise InputError("pipeline", window.pipeline_error)
            raise InputError(session, "the pipeline did not get that far in "
                                      f"{PROCESS_TIMEOUT_S:.0f} s")
        window.seek(at_s)
        image = window.screenshot()
        out = Path(out)
        if not image.save(str(out), "PNG"):
            raise InputError(out, "could not write the PNG")
        return out
    finally:
        window.close()


def run_gui(session: str | Path | None = None, *, screenshot: str | Path | None = None,
            at_s: float = 0.0, camera: int | str | None = None, mic: str | int | None = None,
            settings: Settings | None = None) -> int:
    """``ntt gui``: a screenshot (headless) or the interactive window."""
    if screenshot is not None:
        if not has_display():
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        render_screenshot(session, screenshot, at_s, settings=settings)
        return 0
    if not has_display() and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        raise InputError("display", "no display to open a window on (DISPLAY is not set); "
                                    "use --screenshot PNG --at SECONDS to render offscreen")
    from apps.visualizer.window import MainWindow

    app = application()
    window = MainWindow(settings=settings)
    if session is not None:
        window.open_session(session)
        if at_s:
            window.seek(at_s)
    elif camera is not None or mic is not None:
        window.start_live(camera if camera is not None else 0, mic)
    window.show()
    return app.exec()
