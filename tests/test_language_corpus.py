"""The training corpus: both labels, every Home Assistant intent, a clean train/test split."""

import random

import home_assistant_intents
import pytest

from ntt.language.corpus import (
    build_corpus,
    ha_examples,
    lexicon_lists,
    split_of,
    template_examples,
)


@pytest.fixture(scope="module")
def corpus():
    return build_corpus(seed=0)


def test_split_of_is_stable_and_uses_both_sides():
    keys = [f"template {i}" for i in range(200)]
    assert [split_of(k) for k in keys] == [split_of(k) for k in keys]
    share = sum(split_of(k) == "test" for k in keys) / len(keys)
    assert 0.1 < share < 0.3


def test_corpus_has_both_labels_in_both_splits(corpus):
    for split in ("train", "test"):
        labels = {e.directed for e in corpus if e.split == split}
        assert labels == {True, False}


def test_no_test_text_appears_in_training(corpus):
    train = {e.text for e in corpus if e.split == "train"}
    assert not any(e.text in train for e in corpus if e.split == "test")


def test_every_home_assistant_intent_is_sampled(corpus):
    intents = set(home_assistant_intents.get_intents("en")["intents"])
    sampled = {e.source.split(":", 1)[1] for e in corpus if e.source.startswith("ha:")}
    assert intents == sampled


def test_test_slot_values_never_reach_training_lists():
    train = {v.value_out for v in lexicon_lists("train")["person"].values}
    test = {v.value_out for v in lexicon_lists("test")["person"].values}
    assert train and test and not train & test


def test_corpus_is_reproducible_for_a_seed():
    a = ha_examples("test", random.Random(3), 1)
    b = ha_examples("test", random.Random(3), 1)
    assert a == b


def test_talk_templates_are_labelled_not_directed():
    talk = template_examples("talk.yaml", False, "test", random.Random(0), 1)
    assert talk and not any(e.directed for e in talk)
    assert all(e.source.startswith("talk:") for e in talk)


def test_corpus_text_is_normalized(corpus):
    assert all(e.text == e.text.lower() and not any(c.isdigit() for c in e.text)
               for e in corpus)


def test_real_chitchat_lines_are_split_by_conversation():
    from ntt.language.corpus import CHITCHAT_WORDS, chitchat_examples

    train = chitchat_examples("train", random.Random(0), 100_000)
    test = chitchat_examples("test", random.Random(0), 100_000)
    assert len(train) > 20_000 and len(test) > 4_000
    assert not any(e.directed for e in train + test)
    lo, hi = CHITCHAT_WORDS
    assert all(lo <= len(e.text.split()) <= hi for e in test)
    # Whole conversations go one way, so a test conversation's lines never reach training
    # (short stock lines such as "how are you" occur in many conversations, both sides).
    long_train = {e.text for e in train if len(e.text.split()) >= 8}
    long_test = [e.text for e in test if len(e.text.split()) >= 8]
    assert sum(t in long_train for t in long_test) / len(long_test) < 0.01
