"""``ntt run`` a person can read (issue 23, requirement 4): what was heard, the threshold
and the leading modality per decision; an audio or video file is run as a session made on
the fly."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

from ntt.commands.run import leading_modality
from ntt.cues import Decision
from ntt.io.session import load_session

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "datasets" / "samples"


def _ntt(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))  # this checkout, from any directory
    return subprocess.run([sys.executable, "-m", "ntt.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_leading_modality_supports_the_verdict():
    scores = {"audio": 0.7, "vision": 0.2, "language": 0.55}
    yes = Decision(1.0, "final", 0.0, 1.0, None, 0.6, True, contributions=scores)
    no = Decision(1.0, "final", 0.0, 1.0, None, 0.4, False, contributions=scores)
    assert leading_modality(yes) == ("audio", 0.7)
    assert leading_modality(no) == ("vision", 0.2)
    assert leading_modality(Decision(1.0, "final", 0.0, 1.0, None, 0.4, False)) is None


def test_a_wav_file_runs_and_says_what_was_heard_and_why(tmp_path):
    wav = tmp_path / "kitchen.wav"  # what one microphone heard, as a plain WAV file
    sf.write(wav, load_session(SAMPLES / "camera-off").audio(), 16_000, subtype="PCM_16")
    done = _ntt("run", str(wav), cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert out.startswith("session kitchen: ") and "no video" in out
    assert re.search(r"directed when p >= 0\.\d\d", out)
    heard = re.findall(r"^ {6}heard '([^']*)'; why: (audio|vision|language|asr|context) "
                       r"[01]\.\d\d$", out, flags=re.M)
    assert len(heard) >= 4 and any(len(text.split()) >= 2 for text, _ in heard), out
    assert "labelled utterances decided correctly" not in out  # no labels: nothing to agree
    as_json = json.loads(_ntt("run", str(wav), "--json", "--asr", "none", cwd=tmp_path).stdout)
    assert 0 < as_json["threshold"] < 1 and as_json["agreement"] is None
    assert list(tmp_path.iterdir()) == [tmp_path / "kitchen.wav"]  # nothing left behind


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
def test_a_video_file_runs_with_its_faces_and_its_soundtrack(tmp_path):
    sample = SAMPLES / "living-room"
    clip = tmp_path / "clip.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(sample / "video.mp4"),
                    "-i", str(load_session(sample).audio_path), "-c:v", "copy", "-c:a", "aac",
                    "-shortest", str(clip)], check=True, timeout=120)
    done = _ntt("run", str(clip), "--json", "--asr", "none", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    finals = [d for d in out["decisions"] if d["kind"] == "final"]
    assert len(finals) >= 4 and any(d["speaker_track"] is not None for d in finals)
    assert 17 < out["duration_s"] < 21
    silent = tmp_path / "silent.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(sample / "video.mp4"),
                    "-c:v", "copy", "-an", str(silent)], check=True, timeout=120)
    bad = _ntt("run", str(silent), cwd=tmp_path)
    assert bad.returncode == 2 and "no soundtrack" in bad.stderr
    assert bad.stderr.count("\n") == 1, bad.stderr
