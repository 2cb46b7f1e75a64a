"""The perfect-front-end floor: ground truth of simulated sessions, or of scripts straight
from the generator, as features of one gradient-boosted classifier."""

import pytest
from conftest import REPO, SAMPLE

from ntt.errors import InputError
from ntt.eval.oracle import (
    CUE_SETS,
    FEATURES,
    main,
    oracle_bound,
    script_floor,
    script_rows,
    utterance_rows,
)
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
    for name in ("gaze", "words", "prosody", "context"):
        assert 0 <= result[name]["eer"] <= 1


def test_script_rows_follow_the_scripts_truth(lexical):
    from ntt.sim.scenarios import make_script

    off = make_script("camera-off", 3, 40.0)
    x, y, scenarios = script_rows([off], lexical)
    assert len(y) == sum(ln.speaker != "device" for ln in off.lines)
    assert (x[:, FEATURES.index("seen")] == 0).all() and scenarios == ["camera-off"] * len(y)
    tv = make_script("family-tv", 2, 60.0)
    x, y, _ = script_rows([tv], lexical)
    media = x[:, FEATURES.index("is_media")] == 1
    assert media.any() and not y[media].any()  # the TV is never talking to the device
    gain = x[:, FEATURES.index("gain_db")]
    assert gain[y].mean() > gain[~y].mean()


def test_script_floor_on_a_small_set():
    result = script_floor("two-people", train_scripts=15, heldout_scripts=15,
                          duration_s=40.0)
    assert result["train_utterances"] > 100 and result["test_utterances"] > 100
    assert set(CUE_SETS) <= set(result) and result["all"]["auc"] > 0.8
    assert set(result["by_scenario"]) == {"two-people"}


def test_oracle_command_line_errors(capsys):
    assert main(["--scripts", "nowhere"]) == 2
    assert main([]) == 2
    assert "error:" in capsys.readouterr().err
