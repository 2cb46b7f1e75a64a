"""Keep MediaPipe's, TFLite's and absl's log lines off the terminal unless ``-v``.

Their C++ writes straight to file descriptor 2 ("INFO: Created TensorFlow Lite XNNPACK
delegate", "W0000 00:00:... inference_feedback_manager.cc:114] ...", "WARNING: All log
messages before absl::InitializeLog() ..."), past Python's logging and past
``GLOG_minloglevel``. ``filter_native_stderr()`` points descriptor 2 at a pipe whose
reader drops those lines and passes everything else on (a child process's messages, a
native crash report), while Python's own ``sys.stderr`` — logging, tqdm, the CLI's error
line — writes to the terminal directly, as before.
"""

from __future__ import annotations

import atexit
import os
import re
import sys
import threading

NATIVE_LINE = re.compile(
    rb"^(?:[IWE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w.\-]+:\d+\]"  # absl / glog
    rb"|INFO: Created TensorFlow Lite"  # TFLite's delegate notice
    rb"|WARNING: All log messages before absl::InitializeLog)")
"""A line that MediaPipe's native code logs."""

_installed = False


def _pump(read_fd: int, out_fd: int) -> None:
    pending = b""
    while True:
        try:
            chunk = os.read(read_fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        kept = b"".join(line + b"\n" for line in lines if not NATIVE_LINE.match(line))
        if b"\r" in pending:  # a progress line being redrawn: show it now
            cut = pending.rindex(b"\r") + 1
            kept, pending = kept + pending[:cut], pending[cut:]
        if kept:
            os.write(out_fd, kept)
    if pending and not NATIVE_LINE.match(pending):
        os.write(out_fd, pending)
    os.close(read_fd)


def _is_process_stderr(stream) -> bool:
    try:
        return stream is sys.__stderr__ and stream.fileno() == 2
    except (AttributeError, OSError, ValueError):
        return False


def filter_native_stderr() -> None:
    """From now on, drop native log lines written to descriptor 2 (once per process)."""
    global _installed
    if _installed or not _is_process_stderr(sys.stderr):
        return  # already on, or stderr is captured (a test, an embedding application)
    _installed = True
    sys.stderr.flush()
    terminal = os.dup(2)
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 2)
    os.close(write_fd)
    os.set_inheritable(terminal, False)
    sys.stderr = open(terminal, "w", buffering=1, encoding=sys.stderr.encoding,  # noqa: SIM115
                      errors="backslashreplace", closefd=False)
    pump = threading.Thread(target=_pump, args=(read_fd, terminal), daemon=True,
                            name="native-stderr")
    pump.start()

    def _drain() -> None:
        # Put the terminal back on descriptor 2 (closing our end of the pipe), then let
        # the reader pass on what is left; a child that still holds the pipe only delays
        # it by the timeout.
        sys.stderr.flush()
        os.dup2(terminal, 2)
        pump.join(timeout=1.0)

    atexit.register(_drain)
