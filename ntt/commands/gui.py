"""``ntt gui [SESSION]``: the Qt visualizer, replaying a session or live from devices;
``--screenshot PNG --at SECONDS`` renders one moment offscreen and exits.

The application lives in ``apps/visualizer``; it (and Qt) is imported only when the command
runs, so the rest of ``ntt`` never needs a GUI stack.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path

from ntt import argtypes
from ntt.errors import InputError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("session", nargs="?", help="session directory to replay (default: live)")
    p.add_argument("--screenshot", metavar="PNG",
                   help="render the window at --at offscreen, save it as PNG and exit")
    p.add_argument("--at", type=argtypes.number(0), default=0.0, metavar="SECONDS",
                   help="session time to show (default 0)")
    p.add_argument("--camera", default=None, metavar="N_OR_FILE",
                   help="live: camera index, or a video file played as the camera")
    p.add_argument("--mic", default=None, metavar="NAME_OR_FILE",
                   help="live: input device name/index, or an audio file played as the mic")
    p.add_argument("--asr", default=None, choices=["pocketsphinx", "whisper", "none"],
                   help="speech recognizer backend (default: the pipeline's)")
    p.add_argument("--fusion", default=None, choices=["model", "rule"],
                   help="fusion: the trained model or the hand-set rule (default: the "
                        "pipeline's)")


def _load_app():
    """``apps.visualizer.app``, which installs with ``ntt`` (both are in the wheel)."""
    try:
        return importlib.import_module("apps.visualizer.app")
    except ModuleNotFoundError as exc:
        top = (exc.name or "").split(".")[0]
        if top in ("PyQt6", "pyqtgraph"):
            raise InputError(top, "not installed (pip install 'ntt[gui]')") from None
        if exc.name in ("apps", "apps.visualizer", "apps.visualizer.app"):
            raise InputError("apps/visualizer", "the visualizer is not installed with this "
                                                "ntt") from None
        raise


def run(args: argparse.Namespace) -> int:
    from ntt.io.session import load_session

    if args.at < 0:
        raise InputError("--at", f"must be >= 0, got {args.at:g}")
    if args.session is not None:
        session = load_session(args.session)  # a bad session fails here, before Qt starts
        if args.at > session.duration_s:
            raise InputError("--at", f"{args.at:g} s is past the end of the session "
                                     f"({session.duration_s:.2f} s)")
    if args.screenshot is not None:
        if args.session is None:
            raise InputError("--screenshot", "needs a SESSION to replay")
        out = Path(args.screenshot)
        if not out.parent.is_dir():
            raise InputError(out, "its directory does not exist")
        if out.suffix.lower() != ".png":
            raise InputError(out, "the screenshot must be a .png file")
    for name in ("PyQt6", "pyqtgraph"):
        if importlib.util.find_spec(name) is None:
            raise InputError(name, "not installed (pip install 'ntt[gui]')")
    camera = args.camera
    if isinstance(camera, str) and camera.isdigit():
        camera = int(camera)
    from ntt.settings import FusionSettings, Settings

    settings = Settings(asr=args.asr or Settings.asr,
                        fusion=FusionSettings(kind=args.fusion or FusionSettings.kind))
    app = _load_app()
    return app.run_gui(args.session, screenshot=args.screenshot, at_s=args.at, camera=camera,
                       mic=args.mic, settings=settings)
