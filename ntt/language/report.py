"""The metrics documents the model card is written from: the shipped model on every
held-out set (``shipped_metrics``) and the leave-one-source-out folds
(``source_out_metrics``)."""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np

from ntt.language.asr_corpus import read_asr_file
from ntt.language.corpus import Example
from ntt.language.heldout import SPEECH_FAMILIES, tables
from ntt.language.model import LexicalModel
from ntt.language.protocol import REAL_FAMILIES, Fold, auc, by_family, early_text
from ntt.language.real_text import family_of

SIMULATED_WER = (0.15, 0.3)
WORST = 8


def _kind(source: str) -> str:
    return "ha" if source.startswith("ha:") else source


def by_kind(model: LexicalModel, items: list, threshold: float) -> dict:
    """AUC over ``items`` (anything with text, directed, source) and, per kind of line, the
    share on the wrong side of ``threshold``; the worst misses and false accepts."""
    scores = np.array([model.predict(i.text) for i in items])
    labels = np.array([i.directed for i in items])
    wrong: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item, s in zip(items, scores, strict=True):
        k = _kind(item.source)
        wrong[k][0] += int((s >= threshold) != item.directed)
        wrong[k][1] += 1
    order = np.argsort(scores)
    return {"n": len(items), "auc": round(auc(labels, scores), 4),
            "error_rate_by_kind": {k: round(e / n, 3) for k, (e, n) in sorted(wrong.items())},
            "worst_missed": [(items[i].text, round(float(scores[i]), 3)) for i in order
                             if items[i].directed][:WORST],
            "worst_false_accepts": [(items[i].text, round(float(scores[i]), 3))
                                    for i in order[::-1] if not items[i].directed][:WORST]}


def shipped_metrics(model: LexicalModel, threshold: float, trainer, test: list[Example]
                    ) -> dict:
    """Every held-out set of the shipped model (trained on the training groups only)."""
    from ntt.language.train import read_heldout

    real = [e for e in test if family_of(e.source) in REAL_FAMILIES]
    own = [e for e in test if family_of(e.source) == "templates"]
    out = {"within_source": tables(lambda f: model, lambda f: threshold, real,
                                   trainer.asr_rows)}
    out["templates"] = by_kind(model, own, threshold)
    out["templates"]["auc_early"] = round(auc(
        [e.directed for e in own],
        [model.predict(early_text(e.text), final=False) for e in own]), 4)
    out["handwritten"] = by_kind(model, read_heldout(), threshold)
    out["within_source_worst"] = by_kind(model, real, threshold)
    out["within_source_worst"].pop("error_rate_by_kind")
    old = [r for r in read_asr_file() if r["split"] == "test"]
    out["espeak_templates_asr"] = {
        rec: round(auc([r["directed"] == "1" for r in old],
                       [model.predict(r[rec] or "") for r in old]), 4)
        for rec in ("pocketsphinx", "whisper")}
    rng = random.Random(f"{trainer.seed}:test-noise")
    out["simulated_wer"] = {
        str(wer): round(auc([e.directed for e in real],
                            [model.predict(trainer.confuser.corrupt(e.text, rng, wer))
                             for e in real]), 4)
        for wer in SIMULATED_WER}
    return out


def source_out_metrics(folds: list[Fold], shipped: LexicalModel, threshold: float,
                       trainer) -> dict:
    """Each real family scored by the fold model that never saw it, at that fold's
    threshold; the real speech (in no fold's training) by the shipped model."""
    held = by_family(folds)
    lines = [e for e in trainer.examples if family_of(e.source) in held]

    def model_for(family: str) -> LexicalModel:
        return held[family].model if family in held else shipped

    def threshold_for(family: str) -> float:
        return held[family].threshold if family in held else threshold

    rows = [r for r in trainer.asr_rows
            if r["family"] in held or r["kind"] in SPEECH_FAMILIES]
    return {"folds": {"+".join(f.families): {"threshold": round(f.threshold, 4),
                                 "train_lines": f.train_lines} for f in folds},
            "tables": tables(model_for, threshold_for, lines, rows)}

