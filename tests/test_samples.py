"""The bundled samples (``datasets/samples``) are version-2 array sessions within their
size budget, written from explicit scripts; and a real version-1 session still runs."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from conftest import REPO

from ntt.calibration.profile import profile_for_session
from ntt.cli import main
from ntt.io.session import load_session
from ntt.sim import samples

SAMPLES = REPO / "datasets" / "samples"
V1 = REPO / "tests" / "data" / "session_v1"  # the old living-room sample's first 5 s


def test_samples_are_version_2_arrays_with_their_reference_within_budget():
    dirs = sorted(p for p in SAMPLES.iterdir() if p.is_dir())
    assert [p.name for p in dirs] == sorted(samples.SAMPLES)
    total = sum(f.stat().st_size for d in dirs for f in d.iterdir())
    assert total <= samples.SIZE_BUDGET_MB * 1e6, total
    for d in dirs:
        session = load_session(d)
        placed = len(profile_for_session(session).microphone.positions_mm)
        assert session.version == 2 and session.channels == placed > 1, d.name
        assert session.audio_path.suffix == ".flac"
        played = bool(session.labels.device_turns)
        assert (session.playback() is not None) == played, d.name


def test_sample_scripts_do_not_depend_on_the_scenario_generator():
    """A change to ``ntt.sim.scenarios`` must not silently change a bundled sample."""
    tree = ast.parse(Path(samples.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "ntt.sim.scenarios" not in imported
    for name, make in samples.SAMPLES.items():
        script = make()
        labels = json.loads((SAMPLES / name / "labels.json").read_text())
        spoken = [ln.text for ln in sorted(script.lines, key=lambda ln: ln.start_s)
                  if ln.speaker != "device"]
        assert [u["text"] for u in labels["utterances"]] == spoken, name


def test_a_real_version_1_session_still_runs(tmp_path, capsys):
    """One omni microphone, no playback: no front-end, no direction; the request is heard
    once, on the face looking at the camera, and the hand-set rule takes it as a request."""
    session = load_session(V1)
    assert session.version == 1 and session.channels == 1 and session.playback() is None
    events = tmp_path / "events.jsonl"
    assert main(["run", str(V1), "--asr", "none", "--rule", "--json",
                 "--events", str(events)]) == 0
    doc = json.loads(capsys.readouterr().out)
    (request,) = session.labels.utterances
    finals = [d for d in doc["decisions"] if d["kind"] == "final"]
    heard = [d for d in finals if d["start_s"] < request.end_s and d["end_s"] > request.start_s]
    assert len(heard) == 1 and abs(heard[0]["start_s"] - request.start_s) < 0.3
    assert heard[0]["directed"] and heard[0]["speaker_track"] is not None
    kinds = {json.loads(line)["type"] for line in events.read_text().splitlines()}
    assert "FacesCue" in kinds and "SpeechEvent" in kinds and "DirectionCue" not in kinds
