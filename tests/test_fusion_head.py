"""The utterance head on the bundled sessions' real cue streams: its rows are what the
runtime sees at each final decision, the exported trees are exactly sklearn's, the file
round-trips and a damaged one is refused, and a model with a head decides with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingClassifier

from ntt.cues import Decision
from ntt.errors import InputError
from ntt.eval.record import record_session, session_camera
from ntt.fusion import utterance_head as uh
from ntt.fusion.features import N_FEATURES, N_MODALITIES
from ntt.fusion.runtime import FusionModel, model_fusion
from ntt.fusion.train import HEAD_DROPOUT_COPIES, head_rows
from ntt.io.session import load_session
from ntt.npz_model import load_npz_model, save_npz_model

SAMPLES = Path(__file__).resolve().parents[1] / "datasets" / "samples"


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    cache = tmp_path_factory.mktemp("records")
    out = []
    for name in ("living-room", "two-people", "camera-off"):
        session = load_session(SAMPLES / name)
        record = record_session(session, asr="pocketsphinx", cache_dir=cache)
        out.append((record.cues, session.labels, session_camera(session)))
    return out


@pytest.fixture(scope="module")
def rows(pairs):
    return head_rows(FusionModel.load().nets, pairs)


def test_rows_are_the_final_decisions_with_dropped_copies(pairs, rows):
    x, y = rows
    copies = 1 + HEAD_DROPOUT_COPIES
    assert x.shape[1] == N_FEATURES + N_MODALITIES and len(x) % copies == 0
    labelled = sum(len(p[1].utterances) for p in pairs)
    assert len(x) // copies >= labelled - 2  # one final per heard utterance (+ false triggers)
    directed = sum(u.directed for p in pairs for u in p[1].utterances)
    assert 0 < y.sum() // copies <= directed
    masks = x[:, N_FEATURES:]
    assert set(np.unique(masks)) <= {0.0, 1.0}
    # A dropped modality's values are zero in its copies.
    assert (masks[1::copies] < masks[0::copies]).any()


def test_exported_trees_are_sklearns(rows, tmp_path):
    x, y = rows
    head = uh.fit_utterance_head(x, y, seed=3)
    ref = GradientBoostingClassifier(n_estimators=uh.TREES, max_depth=uh.DEPTH,
                                     learning_rate=uh.RATE, subsample=uh.SUBSAMPLE,
                                     min_samples_leaf=uh.MIN_LEAF, random_state=3).fit(x, y)
    probe = np.concatenate([x, x[::-1] * 0.5])  # rows it saw and rows it did not
    assert np.allclose([head.logit(r) for r in probe], ref.decision_function(probe), atol=1e-6)

    path = tmp_path / "head.npz"
    head.calibrated(2.0).save(path)
    again = uh.UtteranceHead.load(path)
    assert again.temperature == 2.0
    assert again.p(x[0]) == pytest.approx(1 / (1 + np.exp(-head.logit(x[0]) / 2.0)))

    # A child pointing back up the tree would loop: refused by name.
    header, arrays = load_npz_model(path, uh.FORMAT, uh.VERSION)
    inner = np.flatnonzero(arrays["feature"] >= 0)
    arrays["left"][inner[-1]] = inner[0]
    save_npz_model(tmp_path / "bad.npz", header, arrays)
    with pytest.raises(ValueError, match="node indices"):
        uh.UtteranceHead.load(tmp_path / "bad.npz")


def test_a_model_with_a_head_decides_with_it(pairs, rows, tmp_path):
    x, y = rows
    shipped = FusionModel.load()
    model = FusionModel(shipped.nets, shipped.calibration, dict(shipped.meta),
                        uh.fit_utterance_head(x, y))
    model.save(tmp_path / "fusion.npz")
    assert (tmp_path / "fusion_head.npz").is_file()
    loaded = FusionModel.load(tmp_path / "fusion.npz")
    assert loaded.head is not None

    cues, labels, camera = pairs[0]
    stage = model_fusion(loaded, camera=camera)
    for cue in cues:
        for d in stage.push(cue):
            if not isinstance(d, Decision):
                continue  # a TurnEvent for the front-ends
            if d.kind == "final":
                assert d.p_directed == pytest.approx(
                    loaded.head.p(stage.scorer.last_head_inputs))
            else:  # early decisions stay the GRU's
                assert d.p_directed == pytest.approx(stage.scorer.last_p)

    (tmp_path / "fusion_head.npz").unlink()
    with pytest.raises(InputError, match="utterance head not found"):
        FusionModel.load(tmp_path / "fusion.npz")
