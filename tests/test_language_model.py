"""The compact lexical model: features, the numpy twin of the torch net, files, training."""

import random

import numpy as np
import pytest
import torch

from ntt.errors import InputError
from ntt.language.corpus import Example
from ntt.language.model import (
    FUNCTION_WORDS,
    FeatureConfig,
    LexicalModel,
    bucket_ids,
    features,
    load_model,
    make_net,
)
from ntt.language.noise import Confuser
from ntt.language.protocol import auc
from ntt.language.train import LexicalTrainSettings, content_words, fit, swap_topic

SMALL = FeatureConfig(buckets=1 << 12)


def test_features_cover_words_bigrams_edges_and_characters():
    feats = features("turn on", SMALL)
    assert {"w:turn", "w:on", "w2:<s> turn", "w2:turn on", "w2:on </s>", "c:<tu", "len:2"} \
        <= set(feats)


def test_empty_text_has_its_own_feature():
    assert "empty" in features("", SMALL)


def test_a_partial_hypothesis_has_no_end_yet():
    final, partial = set(features("turn on", SMALL)), set(features("turn on", SMALL, False))
    assert "w2:on </s>" in final and "w2:on </s>" not in partial
    assert "plen:2" in partial and "len:2" not in partial
    assert final - {"w2:on </s>", "len:2"} == partial - {"plen:2"}


def test_the_skeleton_keeps_the_form_of_a_request_not_its_topic():
    cfg = FeatureConfig(buckets=1 << 12, skeleton_ngrams=3)
    coffee = {f for f in features("make me a double shot mocha", cfg) if f.startswith("k")}
    tea = {f for f in features("make me a large green tea", cfg) if f.startswith("k")}
    assert coffee == tea and "k3:make me a" in coffee and "k3:_ _ </s>" in coffee


@pytest.mark.parametrize("cfg", [SMALL, FeatureConfig(buckets=1 << 12, skeleton_ngrams=3)])
@pytest.mark.parametrize("final", [True, False])
def test_bucket_ids_hash_exactly_the_features(cfg, final):
    import zlib

    for text in ("turn on the kitchen light", "yeah", ""):
        expected = sorted(zlib.crc32(f.encode()) % cfg.buckets
                          for f in features(text, cfg, final))
        assert sorted(bucket_ids(text, cfg, final).tolist()) == expected


def test_bucket_ids_are_deterministic_and_in_range():
    ids = bucket_ids("set a timer for ten minutes", SMALL)
    assert np.array_equal(ids, bucket_ids("set a timer for ten minutes", SMALL))
    assert ids.min() >= 0 and ids.max() < SMALL.buckets


def _net_ids(texts, final=True):
    ids = [torch.from_numpy(bucket_ids(t, SMALL, final)) for t in texts]
    offsets = torch.tensor(np.cumsum([0] + [len(i) for i in ids[:-1]]))
    return torch.cat(ids), offsets


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("final", [True, False])
def test_numpy_model_reproduces_the_torch_net(sparse, final):
    torch.manual_seed(0)
    net = make_net(SMALL, dim=8, hidden=4, sparse=sparse)
    with torch.no_grad():  # the shipped weights are float16: compare like with like
        net.wide.weight.normal_(0, 0.5)
        for p in net.parameters():
            p.copy_(p.half().float())
    texts = ["turn on the kitchen light", "did you call your mother", "yeah"]
    with torch.no_grad():
        expected = net(*_net_ids(texts, final)).numpy()
    model = net.to_numpy_model()
    got = np.array([model.logit(t, final) for t in texts])
    assert np.allclose(got, expected, atol=1e-4)


def test_save_and_load_round_trip(tmp_path):
    torch.manual_seed(1)
    model = make_net(SMALL, dim=8, hidden=4).to_numpy_model(meta={"seed": 1})
    path = model.save(tmp_path / "m.npz")
    loaded = LexicalModel.load(path)
    assert loaded.meta == {"seed": 1}
    assert loaded.cfg == SMALL
    for text in ("what time is it", "pass the salt"):
        assert loaded.predict(text) == pytest.approx(model.predict(text), abs=1e-6)


def test_load_model_of_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="ntt train --lexical"):
        load_model(tmp_path / "missing.npz")


def test_load_model_of_a_foreign_file_is_an_input_error(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, weights=np.zeros(3))
    with pytest.raises(InputError, match="cannot read lexical model"):
        load_model(path)


def test_fit_learns_to_separate_requests_from_talk():
    rng = random.Random(0)
    directed = [f"turn {s} the {d} light" for s in ("on", "off") for d in
                ("kitchen", "hall", "desk", "porch", "bedroom")] + \
        [f"set a timer for {n} minutes" for n in ("one", "two", "five", "ten", "twenty")]
    talk = [f"did you {v} the {o}" for v in ("see", "buy", "like", "find") for o in
            ("cake", "film", "keys", "car")]
    train = [Example(t, True, "x", "train") for t in directed] + \
        [Example(t, False, "x", "train") for t in talk]
    rng.shuffle(train)
    model = fit(train, [], Confuser({}), seed=0,
                tc=LexicalTrainSettings(dim=8, hidden=8, epochs=30, batch=8, buckets=1 << 12,
                                        partial_share=0.0))
    held_out = [("turn on the garage light", 1), ("set a timer for three minutes", 1),
                ("did you see the dog", 0), ("did you buy the bread", 0)]
    labels = np.array([y for _, y in held_out])
    scores = np.array([model.predict(t) for t, _ in held_out])
    assert auc(labels, scores) == 1.0


def test_a_topic_swap_keeps_the_form_and_changes_only_content_words():
    rng = random.Random(1)
    pool = ["latte", "weather", "cake", "meeting"]
    words = "can you make me a large latte with oat milk".split()
    swapped = swap_topic(words, pool, rng, p=1.0)
    assert len(swapped) == len(words)
    for before, after in zip(words, swapped, strict=True):
        if before in FUNCTION_WORDS:
            assert after == before
        else:
            assert after in pool
    assert swap_topic(words, pool, rng, p=0.0) == words
    assert content_words([Example("make me a large latte", True, "x", "train")]) == \
        ["large", "latte"]
