"""Progress bars (issue 23, requirement 4): ``ntt run``, ``simulate``, ``bench`` and ``faces``
on a video draw one on a terminal (stderr a real pseudo-terminal), and none with ``--json``
or when stderr is a pipe."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE

NTT = [sys.executable, "-m", "ntt.cli"]


def _run(args: list[str], cwd: Path, tty: bool) -> tuple[int, str, str]:
    """Exit code, stdout (a pipe) and stderr (a pseudo-terminal when ``tty``)."""
    env = dict(os.environ)
    if not tty:
        done = subprocess.run(NTT + args, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=300)
        return done.returncode, done.stdout, done.stderr
    master, slave = os.openpty()
    # A terminal 100 columns wide (a fresh pseudo-terminal has no size: tqdm draws nothing).
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the last writer closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        proc = subprocess.Popen(NTT + args, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                stderr=slave, text=True)
        os.close(slave)
        out, _ = proc.communicate(timeout=300)
        reader.join(timeout=10)
    finally:
        os.close(master)
    return proc.returncode, out, b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    """40 frames of the astronaut photo as an MP4."""
    import cv2
    from skimage import data

    from ntt.io.video_file import write_video

    frame = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (256, 256))
    path = tmp_path_factory.mktemp("video") / "astronaut.mp4"
    write_video(path, [frame] * 40, 10.0)
    return path


def test_faces_on_a_video_shows_a_bar_on_a_terminal_only(video, tmp_path):
    code, out, err = _run(["faces", str(video)], tmp_path, tty=True)
    assert code == 0, err
    assert "ntt faces:" in err and "40/40" in err
    assert out.count("face(s)") == 40 and "ntt faces" not in out  # stdout: only the lines
    code, out, err = _run(["faces", str(video), "--json"], tmp_path, tty=True)
    assert code == 0 and "ntt faces" not in err
    code, out, err = _run(["faces", str(video)], tmp_path, tty=False)
    assert code == 0 and "ntt faces" not in err and "\r" not in err


def test_run_shows_a_bar_on_a_terminal_only(tmp_path):
    session = SAMPLE.parent / "camera-off"
    code, out, err = _run(["run", str(session), "--asr", "none"], tmp_path, tty=True)
    assert code == 0, err
    assert "ntt run:" in err and " s" in err and "ntt run" not in out
    code, out, err = _run(["run", str(session), "--asr", "none", "--json"], tmp_path, tty=True)
    assert code == 0 and "ntt run:" not in err
    code, out, err = _run(["run", str(session), "--asr", "none"], tmp_path, tty=False)
    assert code == 0 and "ntt run:" not in err


def test_simulate_shows_a_bar_over_the_sessions(tmp_path):
    code, out, err = _run(["simulate", str(tmp_path / "out"), "--sessions", "1",
                           "--duration", "5", "--scenario", "camera-off"], tmp_path, tty=True)
    assert code == 0, err
    assert "ntt simulate:" in err and "1/1" in err
    assert "camera-off-00000" in err  # the path is still reported, above the bar


def test_bench_shows_a_bar_but_not_with_json(tmp_path):
    skip = ["--session", str(SAMPLE.parent / "camera-off"), "--skip", "faces", "asr", "gui",
            "conversation"]
    code, out, err = _run(["bench", *skip], REPO, tty=True)
    assert code == 0, err
    assert "ntt bench:" in err and "2/2" in err
    code, out, err = _run(["bench", *skip, "--json"], REPO, tty=True)
    assert code == 0 and "ntt bench" not in err
