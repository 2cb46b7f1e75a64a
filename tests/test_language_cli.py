"""``ntt text``: JSON shape, the readable table, and the missing-model error."""

import json

import pytest

from ntt.cli import main


def test_text_json_gives_one_entry_per_utterance(capsys):
    code = main(["text", "turn on the kitchen light", "can you pass the salt", "--json"])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    assert [d["text"] for d in doc] == ["turn on the kitchen light", "can you pass the salt"]
    for entry in doc:
        assert set(entry) == {"text", "p_directed", "intent"}
        assert 0.0 <= entry["p_directed"] <= 1.0
    assert doc[0]["intent"]["name"] == "HassTurnOn"
    assert doc[0]["intent"]["slots"]["area"] == "kitchen"
    assert doc[1]["intent"] is None


def test_text_table_lists_each_utterance(capsys):
    assert main(["text", "what time is it", "yeah right"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["utterance", "p_directed", "intent"]
    assert "HassGetCurrentTime" in out[1] and out[2].rstrip().endswith("—")


def test_missing_model_is_one_line_and_exit_2(capsys, tmp_path):
    code = main(["text", "hello", "--model", str(tmp_path / "none.npz")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "lexical model not found" in err[0]


def test_unknown_area_is_a_user_error(capsys):
    code = main(["text", "turn off the lights", "--area", "garage"])
    assert code == 2
    assert "unknown area 'garage'" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [[""], ["   "], ["what time is it", "\t"], ["?!"]])
def test_empty_or_wordless_utterance_is_exit_2(capsys, argv):
    code = main(["text", *argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and "has no words to score" in err[0]


def test_fallback_intent_where_the_grammar_has_no_match(capsys):
    assert main(["text", "do i need a coat tomorrow", "--json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["intent"] == {"name": "HassGetWeather", "slots": {"when": "tomorrow"}}
