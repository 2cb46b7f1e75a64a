"""Simulated recognition errors: alignment, error rates, sound-alike substitutes."""

import random

import pytest

from ntt.language.noise import Confuser, align, read_cmudict, sound_alike, word_error_rate


def test_align_pairs_substitution_deletion_and_insertion():
    pairs = align("turn on the light".split(), "turn the light up".split())
    assert pairs == [("turn", "turn"), ("on", None), ("the", "the"), ("light", "light"),
                     (None, "up")]


def test_word_error_rate_counts_edits_over_reference_words():
    assert word_error_rate("turn on the light", "turn on the light") == 0.0
    assert word_error_rate("turn on the light", "turn of the night") == 0.5
    assert word_error_rate("turn on", "") == 1.0


@pytest.fixture(scope="module")
def pronunciations():
    return read_cmudict()


def test_sound_alikes_are_one_phone_apart(pronunciations):
    alikes = sound_alike(["light"], pronunciations, common=set())["light"]
    assert "lie" in alikes and "light" not in alikes
    for word in alikes:
        edits = [p for p in align(pronunciations["light"], pronunciations[word]) if p[0] != p[1]]
        assert len(edits) <= 1, word


def test_words_recognizers_output_come_first_among_sound_alikes(pronunciations):
    alikes = sound_alike(["light"], pronunciations, common={"night", "right"})["light"]
    assert set(alikes[:2]) == {"night", "right"}


def test_words_missing_from_the_dictionary_get_no_sound_alikes(pronunciations):
    assert sound_alike(["qzxv"], pronunciations, common=set()) == {}


def test_confuser_leaves_text_alone_at_zero_error_rate():
    confuser = Confuser({"light": ["night"]})
    assert confuser.corrupt("turn on the light", random.Random(0), 0.0) == "turn on the light"


def test_confuser_changes_every_word_at_full_error_rate():
    confuser = Confuser({w: ["x" + w] for w in "turn on the light".split()})
    rng = random.Random(1)
    out = confuser.corrupt("turn on the light", rng, 1.0)
    assert word_error_rate("turn on the light", out) > 0.5


def test_confuser_learns_what_the_recognizer_wrote():
    confuser = Confuser.build(["kitchen"], [("the kitchen light", "the chicken light")] * 3)
    assert confuser.neighbors["kitchen"][0] == "chicken"
