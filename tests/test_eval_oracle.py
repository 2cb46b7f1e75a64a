"""The perfect-front-end bound: ground truth of simulated sessions as features."""

import pytest
from conftest import REPO, SAMPLE

from ntt.errors import InputError
from ntt.eval.oracle import FEATURES, oracle_bound, utterance_rows
from ntt.io.session import load_session
from ntt.language.model import DEFAULT_MODEL_PATH, LexicalModel

SAMPLES = REPO / "datasets" / "samples"


@pytest.fixture(scope="module")
def lexical():
    return LexicalModel.load(DEFAULT_MODEL_PATH)


def test_rows_read_the_speakers_true_gaze(lexical):
    session = load_session(SAMPLE)
    rows = utterance_rows(session, lexical)
    assert len(rows) == len(session.labels.utterances)
    seen = FEATURES.index("seen")
    assert any(r[0][seen] > 0.5 for r in rows)
    directed_text = [r[0][FEATURES.index("lexical_logit")] for r in rows if r[1]]
    assert max(directed_text) > 0  # a request's words read as directed


def test_without_a_camera_nobody_is_seen(lexical):
    rows = utterance_rows(load_session(SAMPLES / "camera-off"), lexical)
    assert rows and all(r[0][FEATURES.index("seen")] == 0 for r in rows)


def test_a_recorded_session_has_no_ground_truth(make_session, lexical):
    with pytest.raises(InputError, match="truth.json"):
        utterance_rows(load_session(make_session()), lexical)


def test_bound_scores_every_cue_set_on_the_samples():
    result = oracle_bound(SAMPLES, SAMPLES)
    n = sum(len(load_session(p).labels.utterances) for p in SAMPLES.iterdir() if p.is_dir())
    assert result["test_utterances"] == n
    assert result["all"]["auc"] >= 0.8  # fitted and scored on the same utterances
    for name in ("gaze", "text", "context"):
        assert 0 <= result[name]["eer"] <= 1
