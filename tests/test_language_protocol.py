"""The held-out-source protocol on a small fixture: reading the shared corpora (shortcuts
removed, whole groups split), folds that never see their family, the operating point, and
the per-source table."""

import numpy as np
import pytest

from ntt.errors import InputError
from ntt.language.corpus import Example
from ntt.language.protocol import (
    Scored,
    auc,
    early_text,
    fold_data,
    leave_source_out,
    source_table,
    threshold_at_far,
)
from ntt.language.real_text import SOURCES, family_of, group_of, read_real_text

LINES = {
    "hwu64.tsv": [("Olly, set an alarm for seven", "hwu64:alarm_set"),
                  ("wake me up at six", "hwu64:alarm_set"),
                  ("yes", "hwu64:general_affirm"),
                  ("what's the weather like", "hwu64:weather_query"),
                  ("so what do you think", "hwu64:qa_factoid")],
    "slurp_devel.tsv": [("alexa wake me up at nine", "slurp:alarm_set")],
    "snips2017.tsv": [("Play some Miles Davis.", "snips:PlayMusic")],
    "clinc150.tsv": [("thank you", "clinc150:thank_you"),
                     ("what's my balance", "clinc150:balance")],
    "clinc150_oos.tsv": [("how tall is a giraffe", "clinc150:oos")],
    "topv2_en.tsv": [("Set a timer for 10 minutes", "topv2:timer:CREATE_TIMER")],
    "ami.tsv": [("Um, so what do you think?", "ami:ES2002b"), ("Yeah.", "ami:ES2002c")],
    "ami_extra.tsv": [("We need a remote.", "ami:IS1000a")],
    "cabnc.tsv": [("Pass the salt, love", "cabnc:KBV_6@home")],
    "topicalchat.tsv": [("Do you like football?", "topicalchat:test_freq:t_1")],
}


@pytest.fixture()
def text_dir(tmp_path):
    for source in SOURCES:
        rows = LINES.get(source.file, [])
        (tmp_path / source.file).write_text(
            "".join(f"{t}\t{int(source.directed)}\t{label}\n" for t, label in rows),
            encoding="utf-8")
    return tmp_path


def test_reading_removes_the_shortcuts(text_dir):
    lines = {e.text: e for e in read_real_text(text_dir)}
    assert "set an alarm for seven" in lines             # wake word cut, lower case
    assert "wake me up at nine" in lines
    assert "set a timer for ten minutes" in lines        # digits spelled out
    assert "yes" not in lines and "thank you" not in lines   # generic intents dropped
    # "so what do you think" is talk (AMI, filler dropped), so its directed copy goes.
    assert not lines["so what do you think"].directed
    assert all(e.text == e.text.lower() and "," not in e.text for e in lines.values())


def test_hwu64_and_slurp_are_one_family_split_by_whole_intent(text_dir):
    examples = read_real_text(text_dir)
    alarms = [e for e in examples if e.source.endswith("alarm_set")]
    assert {family_of(e.source) for e in alarms} == {"hwu"}
    assert {group_of(e.source) for e in alarms} == {"hwu:alarm_set"}
    assert len({e.split for e in alarms}) == 1
    assert group_of("ami:ES2002b") == group_of("ami:ES2002c") == "ami:ES2002"


def test_a_missing_corpus_file_is_an_input_error(text_dir):
    (text_dir / "cabnc.tsv").unlink()
    with pytest.raises(InputError, match="cabnc.tsv: missing corpus file"):
        read_real_text(text_dir)


def _ex(text, directed, source, split):
    return Example(text, directed, source, split)


FIXTURE = [
    _ex("set a timer", True, "hwu64:timer", "train"),
    _ex("play jazz", True, "snips:PlayMusic", "train"),
    _ex("what is the weather", True, "snips:GetWeather", "test"),
    _ex("turn on the light", True, "ha:HassTurnOn", "train"),
    _ex("did you see it", False, "ami:ES2002a", "train"),
    _ex("no idea mate", False, "cabnc:KBV_1@home", "test"),
    _ex("i love football", False, "topicalchat:test:t1", "train"),
    _ex("can you pass the salt", False, "talk:requests_to_person", "test"),
]


def test_a_fold_never_sees_its_families():
    train, calibration, test = fold_data(FIXTURE, ("snips", "topicalchat"))
    assert {e.text for e in test} == {"play jazz", "what is the weather", "i love football"}
    assert all(family_of(e.source) not in ("snips", "topicalchat")
               for e in train + calibration)
    assert all(e.split == "train" for e in train)
    # Calibration is the other real families' held-out groups (no templates).
    assert [e.text for e in calibration] == ["no idea mate"]


def test_the_folds_hold_out_every_real_family_once_one_of_each_label():
    from ntt.language.protocol import FOLDS, REAL_FAMILIES
    from ntt.language.real_text import DIRECTED_FAMILIES

    assert sorted(f for fold in FOLDS for f in fold) == sorted(REAL_FAMILIES)
    assert all(sum(f in DIRECTED_FAMILIES for f in fold) == 1 for fold in FOLDS)


def test_leave_source_out_fits_one_model_per_family_and_picks_its_threshold():
    seen = []

    def fit(train):
        seen.append({family_of(e.source) for e in train})
        return {e.text for e in train if e.directed}

    def score(model, text):
        return 0.9 if "you" in text else 0.1

    folds = leave_source_out(FIXTURE, fit, score, far=0.0, folds=(("snips",), ("ami",)))
    assert [f.families for f in folds] == [("snips",), ("ami",)]
    assert "snips" not in seen[0] and "ami" not in seen[1]
    # Calibration talk ("no idea mate") scores 0.1, so accepting none of it needs > 0.1.
    assert all(0.1 < f.threshold <= 0.9 for f in folds)


def test_threshold_at_far_accepts_at_most_that_share_of_talk():
    talk = np.linspace(0, 1, 101)
    t = threshold_at_far(talk, 0.03)
    assert np.mean(talk >= t) <= 0.03 and np.mean(talk >= t - 0.011) > 0.03
    assert threshold_at_far([0.2, 0.4], 0.0) > 0.4


def test_source_table_rates_and_auc_per_family():
    items = [Scored("hwu", True, s) for s in (0.9, 0.8, 0.3)] + \
        [Scored("ami", False, s) for s in (0.1, 0.2, 0.85)] + \
        [Scored("cabnc", False, s) for s in (0.05, 0.95)]
    table = source_table(items, 0.5)
    assert table["hwu"] == {"n": 3, "auc": pytest.approx(auc([1, 1, 1, 0, 0, 0, 0, 0],
                                                             [0.9, 0.8, 0.3, 0.1, 0.2, 0.85,
                                                              0.05, 0.95]), abs=1e-4),
                            "missed": pytest.approx(1 / 3, abs=1e-4)}
    assert table["ami"]["accepted"] == pytest.approx(1 / 3, abs=1e-4)
    assert table["cabnc"]["accepted"] == 0.5
    assert table["ami"]["auc"] == pytest.approx(7 / 9, abs=1e-4)  # ami against hwu only
    assert table["all"]["missed"] == pytest.approx(1 / 3, abs=1e-4)
    assert table["all"]["accepted"] == pytest.approx(2 / 5, abs=1e-4)


def test_auc_counts_ties_as_half_and_matches_sklearn():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 200)
    scores = np.round(rng.random(200), 1)
    assert auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores))
    assert auc([1, 0], [0.5, 0.5]) == 0.5
    assert np.isnan(auc([1, 1], [0.2, 0.3]))


def test_early_text_is_the_first_words():
    assert early_text("could you turn the kitchen lights off") == "could you turn the"
    assert early_text("hi") == "hi"


def test_family_errors_count_misses_by_intent_and_length():
    from ntt.language.errors import family_errors

    class Words:  # p(directed) 0.9 when the line says "please", else 0.1
        def predict(self, text: str) -> float:
            return 0.9 if "please" in text else 0.1

    lines = [Example(f"lights on please {i}", True, "hwu64:iot_hue_lighton", "test")
             for i in range(30)]
    lines += [Example(f"are you a bot {i}", True, "clinc150:are_you_a_bot", "test")
              for i in range(30)]
    r = family_errors(Words(), 0.5, lines)
    assert (r["errors"], r["n"], r["kind"]) == (30, 60, "missed")
    assert r["about_assistant"] == (30, 30)
    assert r["worst_intents"] == [("are_you_a_bot", 30, 30)]
    assert r["by_words"] == {4: 0.0, 5: 1.0}  # the bot questions (five words) are missed
    talk = [Example("well please yourself", False, "ami:ES2002a", "test"),
            Example("no", False, "ami:ES2002a", "test")]
    t = family_errors(Words(), 0.5, talk)
    assert (t["errors"], t["kind"], t["by_words"]) == (1, "accepted", {1: 0.0, 3: 1.0})
