"""``ntt train`` refuses to write a model on too little data or with a threshold that can
never fire (issue 23, requirement 5)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ntt.fusion.guard import refusal

REPO = Path(__file__).resolve().parent.parent
GOOD = {"calibration_utterances": 94, "calibration_directed": 40, "calibration_eer": 0.3,
        "threshold": 0.56, "calibration_recall": 0.4}


def test_a_sound_training_record_passes_and_each_trap_is_named():
    assert refusal(GOOD) is None
    assert "too little data: 12 held-out" in refusal({**GOOD, "calibration_utterances": 12})
    assert "3 directed" in refusal({**GOOD, "calibration_directed": 1})
    assert "3 directed" in refusal({**GOOD, "calibration_eer": None})  # one class only
    assert "can never fire" in refusal({**GOOD, "threshold": 1.0})
    assert "fires on none" in refusal({**GOOD, "calibration_recall": 0.0})


def test_ntt_train_on_the_three_samples_writes_nothing(tmp_path):
    out = tmp_path / "fusion.npz"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "ntt.cli", "train",
                           str(REPO / "datasets" / "samples"), "--out", str(out),
                           "--asr", "pocketsphinx", "--epochs", "1", "--members", "1",
                           "--workers", "1", "--cache", str(tmp_path / "cache")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "no model written: too little data" in done.stderr
    assert not out.exists() and not out.with_suffix(".md").exists()
