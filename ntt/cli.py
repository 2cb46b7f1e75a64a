"""The ``ntt`` command. Each subcommand lives in ``ntt/commands/<name>.py`` with
``add_arguments(parser)`` and ``run(args) -> int``; this module only dispatches, sets up
logging (stderr) and turns user errors into one line and exit code 2."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from ntt import __version__
from ntt.errors import InputError

EXIT_USAGE = 2
# name → one-line help; the module ntt.commands.<name> implements it.
COMMANDS = {
    "run": "full pipeline over a recorded session: decisions + transcript",
    "live": "the same from the camera and microphone",
    "faces": "faces, head pose, gaze and attending in an image or video",
    "asr": "voice activity and recognition hypotheses for a WAV file",
    "text": "lexical directedness and intent of utterances",
    "simulate": "render synthetic household sessions with labels",
    "train": "train the fusion (and lexical) models",
    "eval": "metrics over labelled sessions",
    "calibrate": "camera, gaze, threshold calibration",
    "bench": "speed figures: real-time factor, per-stage ms, peak memory",
    "gui": "the Qt visualizer: live or replaying a session",
    "export": "copy a session, optionally with faces blurred",
    "forget": "erase what the device stored about the household",
    "wyoming": "Home Assistant over Wyoming: a wake service, or NTT as a satellite",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own usage errors: one line, exit 2
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ntt", description="Natural turn-taking: is this person talking to "
                     "the device? Logs go to stderr; --json output to stdout.")
    parser.add_argument("--version", action="version", version=f"ntt {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        _command_module(name).add_arguments(p)
        p.set_defaults(command=name)
    return parser


def _command_module(name: str):
    return importlib.import_module(f"ntt.commands.{name}")


def _quiet_native_logs() -> None:
    # MediaPipe/TFLite and absl write INFO noise to stderr from C++; keep stderr for our logs.
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # FFmpeg inside OpenCV prints "moov atom not found" and the like before NTT's own one
    # line about the file; OpenCV adds its "[ERROR] ... VIDEOIO" lines. NTT says it once.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
    os.environ.setdefault("OPENCV_LOG_LEVEL", "OFF")


def main(argv: list[str] | None = None) -> int:
    _quiet_native_logs()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # a usage error (one line, 2), --help or --version (0)
        return int(exc.code or 0)
    if not args.verbose:
        from ntt.native_logs import filter_native_stderr

        filter_native_stderr()
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    module = _command_module(args.command)
    try:
        return int(module.run(args) or 0)
    except InputError as exc:
        print(f"ntt {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the machine's answer about a user's path: full, read-only, ...
        print(f"ntt {args.command}: error: {_os_error_line(exc)}", file=sys.stderr)
        return EXIT_USAGE


def _os_error_line(exc: OSError) -> str:
    text = str(exc).splitlines()
    what = exc.strerror or (text[0] if text else type(exc).__name__)
    return f"{exc.filename}: {what}" if exc.filename is not None else what


if __name__ == "__main__":
    sys.exit(main())
