"""Training of the lexical directedness model (``ntt train --lexical``) and its evaluation.

Data: the real corpora in ``../shared/data/text`` (``ntt.language.real_text``) and the
project's own lines (Home Assistant's grammar, household-talk and directed templates,
device replies, the Chit-Chat corpus; ``ntt.language.corpus.build_corpus``). Every epoch
re-draws which lines are passed through simulated recognition errors and which are cut to
a prefix (a partial hypothesis). Each source family carries an equal share of its label's
weight (capped), so no one corpus's style decides what "directed" looks like.

Reproducible: corpus, noise and torch are seeded and torch runs on one thread; the cached
recognizer output (``data/asr_noised.tsv``, ``data/asr_real.tsv``) stands in for TTS→ASR.
"""

from __future__ import annotations

import csv
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ntt.language.asr_corpus import read_asr_file
from ntt.language.asr_real import read_asr_real
from ntt.language.corpus import DATA_DIR, Example, build_corpus
from ntt.language.model import (
    FUNCTION_WORDS,
    MODELS_DIR,
    FeatureConfig,
    LexicalModel,
    bucket_ids,
    make_net,
)
from ntt.language.noise import Confuser
from ntt.language.protocol import (
    REAL_FAMILIES,
    leave_source_out,
    operating_threshold,
)
from ntt.language.real_text import family_of, read_real_text
from ntt.language.text import model_text

log = logging.getLogger(__name__)

MODEL_FILE = "lexical.npz"
METRICS_FILE = "lexical.json"
HELDOUT_METRICS_FILE = "lexical_heldout.json"
INTENTS_FILE = "lexical_intents.npz"
HELDOUT_FILE = DATA_DIR / "heldout.tsv"
RECOGNIZERS = ("pocketsphinx", "whisper")


@dataclass(frozen=True)
class LexicalTrainSettings:
    """Hyper-parameters of the lexical model (``fit``); the defaults are the shipped
    model's."""

    dim: int = 24
    hidden: int = 32
    epochs: int = 3
    batch: int = 256
    lr: float = 4e-3
    clean_share: float = 0.45       # of each epoch's lines left whole and clean
    partial_share: float = 0.2      # of each epoch's lines cut to their first words
    wer_max: float = 0.5            # simulated word error rate drawn from U(0.05, wer_max)
    family_weight_cap: float = 6.0  # most weight one line of a small family may carry
    templates_shares: float = 1.0   # the project's own lines weigh as this many families
    family_lines: int = 12000       # lines of one family drawn per epoch (weights make up for it)
    target_far: float = 0.03        # operating point: talk accepted on held-out groups
    buckets: int = 1 << 17
    skeleton_ngrams: int = 4        # function-word skeleton n-grams (model.FUNCTION_WORDS)
    topic_swap_share: float = 0.0   # of each epoch's lines whose content words are swapped
    topic_swap_p: float = 0.5       # chance each content word of such a line is swapped


DEFAULT_TRAIN = LexicalTrainSettings()


@dataclass(frozen=True)
class LabelledText:
    text: str
    directed: bool
    source: str


def read_heldout(path: Path = HELDOUT_FILE) -> list[LabelledText]:
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.DictReader((line for line in f if not line.startswith("#")), delimiter="\t")
        return [LabelledText(model_text(r["text"]), r["directed"] == "1", f"heldout:{r['kind']}")
                for r in rows]


def training_examples(seed: int = 0, text_dir: str | Path | None = None) -> list[Example]:
    """Real corpora and the project's lines, each with its train/test split."""
    own = [Example(model_text(e.text), e.directed, e.source, e.split)
           for e in build_corpus(seed)]
    return read_real_text(text_dir) + [e for e in own if e.text]


def asr_training_lines(test_texts: set[str]) -> tuple[list[LabelledText],
                                                     list[tuple[str, str]]]:
    """Cached espeak-ng → recognizer lines of the training split, and the (clean,
    pocketsphinx) pairs for the confusion model; a line now in a test split is dropped."""
    lines, pairs = [], []
    for row in read_asr_file():
        clean = row["clean"]
        if row["split"] != "train" or clean in test_texts:
            continue
        for rec in RECOGNIZERS:
            if row.get(rec):
                lines.append(LabelledText(model_text(row[rec]), row["directed"] == "1",
                                          f"asr:{rec}"))
        if row.get("pocketsphinx"):
            pairs.append((clean, row["pocketsphinx"]))
    return [x for x in lines if x.text], pairs


def line_weights(sources: list[str], labels: list[int], cap: float,
                 templates_shares: float = 1.0) -> np.ndarray:
    """Per-line loss weights: both labels weigh the same in total, and within a label every
    family the same (the project's own lines ``templates_shares`` times that: they hold the
    hard household negatives real corpora lack), except that no line weighs more than
    ``cap`` times the label's mean."""
    fams = [family_of(s) if not s.startswith("asr:") else "templates" for s in sources]
    counts = Counter(zip(fams, labels, strict=True))
    per_label = Counter(labels)
    shares = Counter()
    for f, lab in counts:
        shares[lab] += templates_shares if f == "templates" else 1.0
    w = np.array([min(cap, per_label[lab] / shares[lab] / counts[(f, lab)]
                      * (templates_shares if f == "templates" else 1.0))
                  for f, lab in zip(fams, labels, strict=True)], dtype=np.float64)
    lab = np.array(labels)
    for value in (0, 1):
        mask = lab == value
        if mask.any():
            w[mask] *= (len(w) / 2) / w[mask].sum()
    return w.astype(np.float32)


def content_words(lines: list[Example]) -> list[str]:
    """Every content-word token of ``lines`` (both labels), the pool a topic swap draws
    from in proportion to use."""
    return [w for e in lines for w in e.text.split() if w not in FUNCTION_WORDS]


def swap_topic(words: list[str], pool: Sequence[str], rng: random.Random, p: float) -> list[str]:
    """``words`` with each content word replaced, with chance ``p``, by one drawn from
    ``pool``: the line keeps its form and its label, and loses its topic. A request about
    coffee and a chat about coffee share their topic words, so the words that carry a
    label across domains are the form's, not the topic's."""
    return [pool[rng.randrange(len(pool))] if w not in FUNCTION_WORDS and rng.random() < p
            else w for w in words]


def _epoch_lines(train: list[Example], clean_ids: list[np.ndarray], confuser: Confuser,
                 rng: random.Random, tc: LexicalTrainSettings, cfg: FeatureConfig,
                 pool: Sequence[str] = ()) -> list[np.ndarray]:
    out = []
    for e, ids in zip(train, clean_ids, strict=True):
        r = rng.random()
        words = e.text.split()
        if pool and rng.random() < tc.topic_swap_share:
            words = swap_topic(words, pool, rng, tc.topic_swap_p)
            e, ids = Example(" ".join(words), e.directed, e.source, e.split), None
        if r < tc.partial_share and len(words) >= 2:
            prefix = " ".join(words[:rng.randint(1, len(words) - 1)])
            if rng.random() < 0.5:
                prefix = confuser.corrupt(prefix, rng, rng.uniform(0.05, tc.wer_max))
            out.append(bucket_ids(prefix, cfg, final=False))
        elif r < 1.0 - tc.clean_share:
            out.append(bucket_ids(confuser.corrupt(e.text, rng, rng.uniform(0.05, tc.wer_max)),
                                  cfg))
        else:
            out.append(ids if ids is not None else bucket_ids(e.text, cfg))
    return out


def _draw(lines: list[Example], cap: int, rng: random.Random) -> list[int]:
    """Indices of this epoch's lines: every line of a small family, ``cap`` of a large one
    (their weights make up for it), shuffled."""
    groups: dict[tuple[str, bool], list[int]] = {}
    for i, e in enumerate(lines):
        groups.setdefault((family_of(e.source), e.directed), []).append(i)
    chosen = [i for g in groups.values() for i in (g if len(g) <= cap else rng.sample(g, cap))]
    rng.shuffle(chosen)
    return chosen


def fit(train: list[Example], asr_train: list[LabelledText], confuser: Confuser, seed: int,
        tc: LexicalTrainSettings = DEFAULT_TRAIN) -> LexicalModel:
    """Train the compact model; every epoch re-draws which lines are seen, noised or cut
    short."""
    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    cfg = FeatureConfig(buckets=tc.buckets, skeleton_ngrams=tc.skeleton_ngrams)
    net = make_net(cfg, tc.dim, tc.hidden, sparse=True)
    bags = [net.wide.weight, net.bag.weight]
    dense = [p for p in net.parameters() if all(p is not b for b in bags)]
    opts = [torch.optim.SparseAdam(bags, lr=tc.lr), torch.optim.Adam(dense, lr=tc.lr)]
    lines = train + [Example(a.text, a.directed, a.source, "train") for a in asr_train]
    clean_ids = [bucket_ids(e.text, cfg) for e in lines]
    pool = content_words(lines) if tc.topic_swap_share > 0 else []
    for epoch in range(tc.epochs):
        order = _draw(lines, tc.family_lines, rng)
        drawn = [lines[i] for i in order]
        ids_all = _epoch_lines(drawn, [clean_ids[i] for i in order], confuser, rng, tc, cfg,
                               pool)
        y_all = torch.tensor([float(e.directed) for e in drawn])
        w_all = torch.from_numpy(line_weights([e.source for e in drawn],
                                              [int(e.directed) for e in drawn],
                                              tc.family_weight_cap, tc.templates_shares))
        total = 0.0
        for start in range(0, len(drawn), tc.batch):
            ids = ids_all[start:start + tc.batch]
            offsets = torch.from_numpy(np.cumsum([0] + [len(x) for x in ids[:-1]]))
            logits = net(torch.from_numpy(np.concatenate(ids)), offsets)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, y_all[start:start + tc.batch], weight=w_all[start:start + tc.batch])
            for opt in opts:
                opt.zero_grad()
            loss.backward()
            for opt in opts:
                opt.step()
            total += float(loss.detach()) * len(ids)
        log.info("epoch %d: %d lines, loss %.4f", epoch + 1, len(drawn), total / len(drawn))
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


class Trainer:
    """The data, the confusion model and the cached recognizer lines, built once for the
    shipped model and every held-out fold."""

    def __init__(self, seed: int = 0, tc: LexicalTrainSettings = DEFAULT_TRAIN,
                 text_dir: str | Path | None = None):
        self.seed, self.tc = seed, tc
        self.examples = training_examples(seed, text_dir)
        test_texts = {e.text for e in self.examples if e.split == "test"}
        self.asr_train, pairs = asr_training_lines(test_texts)
        vocabulary = {w for e in self.examples if e.split == "train" for w in e.text.split()}
        self.confuser = Confuser.build(vocabulary, pairs)
        self.asr_rows = read_asr_real()
        log.info("%d lines (%d real), %d recognizer lines, %d cached n-best rows",
                 len(self.examples), sum(family_of(e.source) in REAL_FAMILIES
                                         for e in self.examples),
                 len(self.asr_train), len(self.asr_rows))

    def fit(self, train: list[Example]) -> LexicalModel:
        return fit(train, self.asr_train, self.confuser, self.seed, self.tc)

    def threshold(self, model: LexicalModel, calibration: list[Example]) -> float:
        return operating_threshold(model.predict, calibration, self.tc.target_far)


def count_by_family(examples: list[Example]) -> dict[str, int]:
    counts = Counter(f"{family_of(e.source)}{'+' if e.directed else '-'}" for e in examples)
    return dict(sorted(counts.items()))


def train_lexical(out_dir: str | Path = MODELS_DIR, seed: int = 0,
                  tc: LexicalTrainSettings = DEFAULT_TRAIN, held_out_sources: bool = False,
                  text_dir: str | Path | None = None, folds_dir: str | Path | None = None
                  ) -> dict:
    """Train the shipped model on every training group, choose its operating point on the
    held-out groups, evaluate, and write ``lexical.npz``, ``lexical_intents.npz`` and
    ``lexical.json``; with ``held_out_sources`` also run the held-out-source protocol
    (``lexical_heldout.json``; the fold models go to ``folds_dir`` when given, so that
    ``rescore_folds`` can score new recognizer rows without training again). Returns the
    metrics document."""
    import torch

    from ntt.language.intent_train import (
        evaluation_lines,
        leave_source_out_intents,
        measure,
        train_intents,
    )
    from ntt.language.intents import Home, IntentRecognizer
    from ntt.language.report import shipped_metrics, source_out_metrics

    torch.set_num_threads(1)
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    trainer = Trainer(seed, tc, text_dir)
    train = [e for e in trainer.examples if e.split == "train"]
    test = [e for e in trainer.examples if e.split == "test"]
    model = trainer.fit(train)
    train_s = time.perf_counter() - t0
    calibration = [e for e in test if family_of(e.source) in REAL_FAMILIES]
    threshold = trainer.threshold(model, calibration)
    doc = {"seed": seed, "train_config": asdict(tc),
           "data": {"train_by_family": count_by_family(train),
                    "test_by_family": count_by_family(test),
                    "asr_train_lines": len(trainer.asr_train)},
           "threshold": threshold, "train_seconds": round(train_s, 1)}
    doc |= shipped_metrics(model, threshold, trainer, test)
    sample = [e.text for e in test[::max(1, len(test) // 500)]]
    doc["ms_per_utterance"] = round(ms_per_utterance(model, sample), 4)
    doc["size_bytes"] = model.size_bytes
    model.meta = {"seed": seed, "threshold": threshold, "target_far": tc.target_far}
    model.save(out_dir / MODEL_FILE)
    doc["file_bytes"] = (out_dir / MODEL_FILE).stat().st_size
    intents = train_intents(train, seed)
    intents.save(out_dir / INTENTS_FILE)
    recognizer = IntentRecognizer(Home.load(), fallback=intents)
    doc["intents"] = {"within_source": measure(recognizer, *evaluation_lines(test, seed)),
                      "file_bytes": (out_dir / INTENTS_FILE).stat().st_size}
    doc["train_seconds_total"] = round(time.perf_counter() - t0, 1)
    (out_dir / METRICS_FILE).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    if held_out_sources:
        folds = leave_source_out(trainer.examples, trainer.fit,
                                 lambda m, t: m.predict(t), tc.target_far)
        if folds_dir is not None:
            Path(folds_dir).mkdir(parents=True, exist_ok=True)
            for f in folds:
                f.model.meta = {"threshold": f.threshold, "train_lines": f.train_lines}
                f.model.save(Path(folds_dir) / ("+".join(f.families) + ".npz"))
        held = source_out_metrics(folds, model, threshold, trainer)
        held["intents"] = leave_source_out_intents(trainer.examples, recognizer, seed)
        (out_dir / HELDOUT_METRICS_FILE).write_text(json.dumps(held, indent=2) + "\n",
                                                    encoding="utf-8")
        doc["held_out_sources"] = held
    return doc


def rescore_folds(folds_dir: str | Path, out_dir: str | Path = MODELS_DIR,
                  seed: int = 0) -> dict:
    """Recompute ``lexical_heldout.json``'s tables from saved fold models (its intent
    section is kept)."""
    from ntt.language.protocol import Fold
    from ntt.language.report import source_out_metrics

    out_dir = Path(out_dir)
    trainer = Trainer(seed)
    shipped = LexicalModel.load(out_dir / MODEL_FILE)
    folds = []
    for path in sorted(Path(folds_dir).glob("*.npz")):
        m = LexicalModel.load(path)
        folds.append(Fold(tuple(path.stem.split("+")), m, m.meta["threshold"],
                          m.meta["train_lines"]))
    held_path = out_dir / HELDOUT_METRICS_FILE
    old = json.loads(held_path.read_text(encoding="utf-8")) if held_path.exists() else {}
    held = source_out_metrics(folds, shipped, shipped.meta["threshold"], trainer)
    held["intents"] = old.get("intents", {})
    held_path.write_text(json.dumps(held, indent=2) + "\n", encoding="utf-8")
    return held


def main(argv: list[str] | None = None) -> int:
    """``python -m ntt.language.train [--out DIR] [--seed 0] [--held-out-sources]`` (what
    ``ntt train --lexical`` runs)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="train the lexical directedness model")
    parser.add_argument("--out", type=Path, default=MODELS_DIR)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--held-out-sources", action="store_true",
                        help="also run the held-out-source protocol (4 more models)")
    parser.add_argument("--folds-dir", type=Path, help="keep the fold models here")
    parser.add_argument("--rescore-folds", type=Path, metavar="DIR",
                        help="only rescore the held-out tables with the fold models in DIR")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    if args.rescore_folds:
        held = rescore_folds(args.rescore_folds, args.out, args.seed)
        sys.stdout.write(json.dumps(held["tables"]["text"]["all"]) + "\n")
        return 0
    doc = train_lexical(args.out, args.seed, held_out_sources=args.held_out_sources,
                        folds_dir=args.folds_dir)
    sys.stdout.write(json.dumps(doc["within_source"]["text"]["all"]) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
