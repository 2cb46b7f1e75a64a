"""A run writes nothing outside the places the README declares (issue 25, item 4): no
onnxruntime telemetry (a device id and a per-run "ProcessInfo" event under
``~/.cache/Microsoft/DeveloperTools/.onnxruntime/``, a ``.ses`` session file), and nothing
else in the home, temporary or current directory. Each command runs in a real subprocess
with HOME, the XDG directories and TMPDIR pointing into an empty temporary directory."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import REPO, SAMPLE

from ntt.io.session import load_session

# Variables that turn onnxruntime's telemetry off by themselves (a CI machine sets some):
# removed, so that the test sees what a user's machine would do.
TELEMETRY_SWITCHES = ("ORT_DISABLE_TELEMETRY", "ORT_RUNNING_UNIT_TESTS", "CI",
                      "GITHUB_ACTIONS", "TF_BUILD")
# What the README's privacy section declares a run may write: matplotlib's font list (it is
# imported by MediaPipe).
DECLARED = ("home/.cache/matplotlib/fontlist-",)


def _run_isolated(tmp_path, *args: str) -> list[str]:
    """Run ``ntt ARGS`` with a fresh home; return every file it left under the home,
    temporary and working directories (relative to ``tmp_path``) but the declared ones."""
    home, tmp, cwd = tmp_path / "home", tmp_path / "tmp", tmp_path / "cwd"
    for d in (home, tmp, cwd):
        d.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in TELEMETRY_SWITCHES and not k.startswith("XDG_")}
    env.update(HOME=str(home), TMPDIR=str(tmp), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_DATA_HOME=str(home / ".local" / "share"),
               XDG_CONFIG_HOME=str(home / ".config"),
               XDG_STATE_HOME=str(home / ".local" / "state"),
               XDG_RUNTIME_DIR=str(tmp / "runtime"), PYTHONDONTWRITEBYTECODE="1")
    env.pop("NTT_DATA_DIR", None)
    result = subprocess.run([sys.executable, "-m", "ntt.cli", *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    files = (str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    return sorted(f for f in files if not f.startswith(DECLARED))


@pytest.mark.parametrize("args", [
    ("asr", str(load_session(SAMPLE).audio_path), "--json"),  # silero VAD on onnxruntime
    ("faces", str(SAMPLE / "video.mp4"), "--json", "--max-frames", "3"),  # MediaPipe
], ids=["asr", "faces"])
def test_a_run_writes_nothing_outside_the_declared_places(tmp_path, args):
    assert _run_isolated(tmp_path, *args) == []


def test_ntt_turns_onnxruntime_telemetry_off_before_it_is_imported():
    code = ("import os, sys; os.environ['ORT_DISABLE_TELEMETRY'] = '0'; import ntt; "
            "assert 'onnxruntime' not in sys.modules; "
            "print(os.environ['ORT_DISABLE_TELEMETRY'])")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "1"
