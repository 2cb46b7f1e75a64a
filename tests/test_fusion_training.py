"""``ntt train`` end to end on the bundled sessions: real front-ends record the cue streams,
an ensemble is trained from consecutive seeds, calibrated, saved with its model card, and a
second run with the same seed gives the same weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ntt.cli import main
from ntt.eval.evaluate import replay
from ntt.eval.record import record_session
from ntt.fusion.runtime import FusionModel, model_fusion
from ntt.io.session import load_session

SAMPLES = Path(__file__).resolve().parents[1] / "datasets" / "samples"


def test_training_is_reproducible_and_ships_a_working_ensemble(tmp_path):
    cache = tmp_path / "records"
    args = ["train", str(SAMPLES), "--asr", "pocketsphinx", "--epochs", "3", "--members", "2",
            "--target-far", "0.2", "--cache", str(cache), "--workers", "1",
            "--force"]  # three small samples: below what ntt train accepts by itself
    assert main([*args, "--out", str(tmp_path / "a.npz")]) == 0
    assert main([*args, "--out", str(tmp_path / "b.npz")]) == 0  # records come from the cache

    a, b = FusionModel.load(tmp_path / "a.npz"), FusionModel.load(tmp_path / "b.npz")
    assert len(a.nets) == 2
    for net_a, net_b in zip(a.nets, b.nets, strict=True):
        assert net_a.arrays.keys() == net_b.arrays.keys()
        assert all(np.array_equal(net_a.arrays[k], net_b.arrays[k]) for k in net_a.arrays)
    assert a.calibration == b.calibration
    # The utterance head that makes the final decisions is reproducible too.
    assert a.head is not None and (tmp_path / "a_head.npz").is_file()
    assert np.array_equal(a.head.value, b.head.value) and a.head.temperature == \
        b.head.temperature
    # Members come from different seeds, so they differ.
    assert not all(np.array_equal(a.nets[0].arrays[k], a.nets[1].arrays[k])
                   for k in a.nets[0].arrays)
    card = (tmp_path / "a.md").read_text()
    assert "An ensemble of 2" in card and "seeds 0 to\n1" in card
    assert "utterance head" in card

    # The trained model decides on a real session's cue stream: one final per utterance.
    session = load_session(SAMPLES / "living-room")
    record = record_session(session, asr="pocketsphinx", cache_dir=cache)
    decisions = replay(record, model_fusion(a))
    finals = [d for d in decisions if d.kind == "final"]
    assert len(finals) >= len(session.labels.utterances)
    assert all(0.0 <= d.p_directed <= 1.0 and set(d.contributions) for d in finals)
