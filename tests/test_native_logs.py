"""MediaPipe's, TFLite's and absl's native log lines stay off stderr unless ``-v`` (issue
23, requirement 4); everything else written to descriptor 2 still gets through."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NATIVE = ("W0000 00:00:1796165186.666714   30273 inference_feedback_manager.cc:114] "
          "Feedback manager requires a model with a single signature inference.")

WRITER = r"""
import os, subprocess, sys
from ntt.native_logs import filter_native_stderr
filter_native_stderr()
os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")
os.write(2, b"%s\nkept from C\n" % sys.argv[1].encode())
subprocess.run([sys.executable, "-c", "import sys; print('kept from a child', file=sys.stderr)"])
print("kept from Python", file=sys.stderr)
os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called\n50%\r")
"""


def test_the_filter_drops_native_lines_only():
    done = subprocess.run([sys.executable, "-c", WRITER, NATIVE], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert "XNNPACK" not in done.stderr and "W0000" not in done.stderr
    assert "absl" not in done.stderr
    for text in ("kept from C", "kept from a child", "kept from Python", "50%"):
        assert text in done.stderr, done.stderr


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ntt.cli", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


def test_ntt_run_is_quiet_unless_verbose():
    session = str(REPO / "datasets" / "samples" / "camera-off")
    quiet = _run("run", session, "--asr", "none")
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    assert "labelled utterances decided correctly" in quiet.stdout
    assert "XNNPACK" not in quiet.stderr and "W0000" not in quiet.stderr, quiet.stderr
    loud = _run("-v", "run", session, "--asr", "none")
    assert loud.returncode == 0
    assert "W0000" in loud.stderr or "XNNPACK" in loud.stderr  # what the filter hides
    bad = _run("run", session + "-missing")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "not found" in bad.stderr
