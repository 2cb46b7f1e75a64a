"""Training and evaluation of the lexical directedness model (``ntt train --lexical``).

Reproducible: the corpus, the noise and torch are all seeded, torch runs on one thread, and
the cached recognizer output (data/asr_noised.tsv) stands in for TTS→ASR. About a minute on
a laptop CPU.
"""

from __future__ import annotations

import csv
import json
import logging
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ntt.language.asr_corpus import read_asr_file
from ntt.language.corpus import DATA_DIR, Example, build_corpus
from ntt.language.model import MODELS_DIR, FeatureConfig, LexicalModel, bucket_ids, make_net
from ntt.language.noise import Confuser, word_error_rate
from ntt.language.text import normalize

log = logging.getLogger(__name__)

MODEL_FILE = "lexical.npz"
METRICS_FILE = "lexical.json"
HELDOUT_FILE = DATA_DIR / "heldout.tsv"
RECOGNIZERS = ("pocketsphinx", "whisper")


@dataclass(frozen=True)
class LexicalTrainSettings:
    """Hyper-parameters of the lexical model (``fit``); the defaults are the shipped
    model's."""

    dim: int = 24
    hidden: int = 32
    epochs: int = 2             # more epochs overfit the templates (held-out AUC falls)
    batch: int = 128
    lr: float = 4e-3
    weight_decay: float = 0.0
    clean_share: float = 0.4        # of each epoch's training lines left clean
    wer_max: float = 0.5            # simulated word error rate drawn from U(0.05, wer_max)
    test_wer: tuple[float, ...] = (0.15, 0.3)
    buckets: int = 1 << 16


DEFAULT_TRAIN = LexicalTrainSettings()


@dataclass(frozen=True)
class LabelledText:
    text: str
    directed: bool
    source: str


def read_heldout(path: Path = HELDOUT_FILE) -> list[LabelledText]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        return [LabelledText(normalize(r["text"]), r["directed"] == "1", f"heldout:{r['kind']}")
                for r in rows]


def asr_sets(train_texts: set[str], test_texts: set[str]
             ) -> tuple[list[LabelledText], dict[str, list[LabelledText]], list[tuple[str, str]]]:
    """Recognizer output from the cache: training lines, test lines per recognizer, and the
    (clean, pocketsphinx) pairs of the training split for the confusion model.

    A cached line whose clean text has moved to the other split since the cache was built is
    dropped, so no test sentence is ever seen in training."""
    train, pairs = [], []
    test: dict[str, list[LabelledText]] = {r: [] for r in RECOGNIZERS}
    for row in read_asr_file():
        clean, directed = row["clean"], row["directed"] == "1"
        if row["split"] == "train" and clean not in test_texts:
            for rec in RECOGNIZERS:
                if row.get(rec):
                    train.append(LabelledText(row[rec], directed, f"asr:{rec}"))
            if row.get("pocketsphinx"):
                pairs.append((clean, row["pocketsphinx"]))
        elif row["split"] == "test" and clean not in train_texts:
            for rec in RECOGNIZERS:
                if rec in row and row[rec] is not None and (rec == "pocketsphinx" or row[rec]):
                    test[rec].append(LabelledText(row[rec], directed, row["source"]))
    return train, test, pairs


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    if len(set(labels.tolist())) < 2:
        return float("nan")
    return float(roc_auc_score(labels, scores))


def eer_threshold(labels: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """(equal error rate, threshold at it)."""
    from sklearn.metrics import roc_curve

    fpr, tpr, thr = roc_curve(labels, scores)
    i = int(np.argmin(np.abs(fpr - (1 - tpr))))
    return float((fpr[i] + 1 - tpr[i]) / 2), float(min(thr[i], 1.0))


def evaluate(score_fn, items: list[LabelledText], threshold: float | None = None) -> dict:
    """AUC, EER and per-kind error rates of a scorer over labelled texts."""
    labels = np.array([i.directed for i in items], dtype=int)
    scores = np.array([score_fn(i.text) for i in items], dtype=float)
    out = {"n": len(items), "auc": auc(labels, scores)}
    eer, thr = eer_threshold(labels, scores)
    out["eer"] = eer
    threshold = thr if threshold is None else threshold
    out["threshold"] = threshold
    errors: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item, s in zip(items, scores, strict=True):
        kind = item.source.split(":")[0] if item.source.startswith("ha:") else item.source
        errors[kind][1] += 1
        errors[kind][0] += int((s >= threshold) != item.directed)
    out["error_rate_by_kind"] = {k: round(e / n, 3) for k, (e, n) in sorted(errors.items())}
    order = np.argsort(scores)
    out["worst_missed"] = [(items[i].text, round(float(scores[i]), 3)) for i in order
                           if items[i].directed][:8]
    out["worst_false_accepts"] = [(items[i].text, round(float(scores[i]), 3)) for i in order[::-1]
                                  if not items[i].directed][:8]
    return out


def _batches(texts: list[str], labels: list[int], cfg: FeatureConfig, batch: int,
             rng: random.Random):
    import torch

    order = list(range(len(texts)))
    rng.shuffle(order)
    for start in range(0, len(order), batch):
        chunk = order[start:start + batch]
        ids = [bucket_ids(texts[i], cfg) for i in chunk]
        offsets = np.cumsum([0] + [len(x) for x in ids[:-1]])
        yield (torch.from_numpy(np.concatenate(ids)), torch.from_numpy(offsets),
               torch.tensor([labels[i] for i in chunk], dtype=torch.float32))


def fit(train: list[Example], asr_train: list[LabelledText], confuser: Confuser, seed: int,
        tc: LexicalTrainSettings = DEFAULT_TRAIN) -> LexicalModel:
    """Train the compact model; every epoch re-draws which lines are noised and how."""
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    cfg = FeatureConfig(buckets=tc.buckets)
    net = make_net(cfg, tc.dim, tc.hidden)
    opt = torch.optim.Adam(net.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)
    n_pos = sum(e.directed for e in train) + sum(a.directed for a in asr_train)
    n_all = len(train) + len(asr_train)
    pos_weight = torch.tensor((n_all - n_pos) / max(1, n_pos))
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    for epoch in range(tc.epochs):
        texts, labels = [], []
        for e in train:
            noisy = rng.random() >= tc.clean_share
            texts.append(confuser.corrupt(e.text, rng, rng.uniform(0.05, tc.wer_max))
                         if noisy else e.text)
            labels.append(int(e.directed))
        texts += [a.text for a in asr_train]
        labels += [int(a.directed) for a in asr_train]
        total = 0.0
        for ids, offsets, y in _batches(texts, labels, cfg, tc.batch, rng):
            opt.zero_grad()
            loss = loss_fn(net(ids, offsets), y)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(y)
        log.info("epoch %d: loss %.4f", epoch + 1, total / len(texts))
    net.eval()
    return net.to_numpy_model()


def ms_per_utterance(model: LexicalModel, texts: list[str], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for t in texts:
            model.predict(t)
        best = min(best, (time.perf_counter() - t0) / len(texts) * 1000)
    return best


def test_sets(test: list[Example], asr_test: dict[str, list[LabelledText]],
              confuser: Confuser, seed: int, tc: LexicalTrainSettings
              ) -> dict[str, list[LabelledText]]:
    """Every held-out set the model card reports, by name."""
    clean = [LabelledText(e.text, e.directed, e.source) for e in test]
    sets = {"clean": clean,
            "clean_templates": [i for i in clean if i.source != "talk:chitchat_corpus"]}
    for wer in tc.test_wer:
        rng = random.Random(f"{seed}:test-noise:{wer}")
        sets[f"simulated_wer_{wer:g}"] = [
            LabelledText(confuser.corrupt(i.text, rng, wer), i.directed, i.source)
            for i in clean]
    for rec, items in asr_test.items():
        if items:
            sets[f"asr_{rec}"] = items
    sets["handwritten"] = read_heldout()
    return sets


def train_lexical(out_dir: str | Path = MODELS_DIR, seed: int = 0,
                  tc: LexicalTrainSettings = DEFAULT_TRAIN) -> dict:
    """Build the corpus, train, evaluate on every held-out set, and write
    ``out_dir/lexical.npz`` (the model) and ``out_dir/lexical.json`` (data and metrics).
    Returns the metrics document."""
    import torch

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    corpus = build_corpus(seed)
    train = [e for e in corpus if e.split == "train"]
    test = [e for e in corpus if e.split == "test"]
    asr_train, asr_test, pairs = asr_sets({e.text for e in train}, {e.text for e in test})
    vocabulary = {w for e in corpus for w in e.text.split()}
    confuser = Confuser.build(vocabulary, pairs)
    log.info("corpus: %d train, %d test, %d ASR train lines; confusions for %d words",
             len(train), len(test), len(asr_train), len(confuser.neighbors))
    model = fit(train, asr_train, confuser, seed, tc)
    sets = test_sets(test, asr_test, confuser, seed, tc)
    clean_eval = evaluate(model.predict, sets["clean"])
    threshold = clean_eval["threshold"]
    metrics = {name: (clean_eval if name == "clean" else
                      evaluate(model.predict, items, threshold))
               for name, items in sets.items()}
    for rec, items in asr_test.items():
        if items:
            metrics[f"asr_{rec}"]["word_error_rate"] = _asr_wer(rec)
    doc = {
        "seed": seed,
        "train_config": tc.__dict__ | {"test_wer": list(tc.test_wer)},
        "data": {
            "train_lines": len(train), "test_lines": len(test),
            "asr_train_lines": len(asr_train),
            "train_by_source": _count_sources(train), "test_by_source": _count_sources(test),
        },
        "threshold_eer_clean": threshold,
        "metrics": metrics,
        "size_bytes": model.size_bytes,
        "ms_per_utterance": ms_per_utterance(model, [i.text for i in sets["clean"][:300]]),
        "train_seconds": time.perf_counter() - t0,
    }
    model.meta = {"seed": seed, "threshold": threshold,
                  "auc": {k: round(v["auc"], 4) for k, v in metrics.items()}}
    model.save(out_dir / MODEL_FILE)
    (out_dir / METRICS_FILE).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return doc


def _asr_wer(recognizer: str) -> float:
    rows = [r for r in read_asr_file() if r["split"] == "test"]
    wers = [word_error_rate(r["clean"], r[recognizer] or "") for r in rows]
    return round(float(np.mean(wers)), 3) if wers else float("nan")


def _count_sources(examples: list[Example]) -> dict[str, int]:
    counts = Counter(("ha" if e.source.startswith("ha:") else e.source) + ("+" if e.directed
                     else "-") for e in examples)
    return dict(sorted(counts.items()))


def main(argv: list[str] | None = None) -> int:
    """``python -m ntt.language.train [--out models] [--seed 0]`` (what ``ntt train --lexical``
    runs)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="train the lexical directedness model")
    parser.add_argument("--out", type=Path, default=MODELS_DIR)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    doc = train_lexical(args.out, args.seed)
    sys.stdout.write(json.dumps({k: round(v["auc"], 4) for k, v in doc["metrics"].items()})
                     + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
