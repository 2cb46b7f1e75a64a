"""How the lexical model is measured: whole sources held out, not random lines.

A model is judged on phrasings it never saw. Two splits:

* **within source**: each real source keeps one group in five (whole intents, meeting
  series, home recordings, conversations) out of training (``Example.split == "test"``);
  the shipped model is trained without them and its operating point is chosen on them;
* **sources held out**: the real families (HWU64+SLURP together, Snips, CLINC150, TOPv2;
  AMI, CABNC, Topical-Chat, Chit-Chat) are held out two at a time, one of each label
  (``FOLDS``; four models, not eight, on two shared cores): a model is trained without any
  line of them, its threshold chosen the shipped way on the other families' held-out
  groups, and both families are scored whole.

Per source the table gives AUC (its lines against every line of the other label held out
in the same way), and at the operating point the share of requests missed or of talk
accepted. The operating point is the threshold at which ``target_far`` of the calibration
talk is accepted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ntt.language.corpus import Example
from ntt.language.real_text import DIRECTED_FAMILIES, TALK_FAMILIES, family_of

REAL_FAMILIES = DIRECTED_FAMILIES + TALK_FAMILIES
FOLDS = tuple(zip(DIRECTED_FAMILIES, TALK_FAMILIES, strict=True))
# The first 1.5 s of speech: about four words at a conversational 165 words per minute.
EARLY_WORDS = 4


@dataclass(frozen=True)
class Scored:
    """One held-out line (or recognizer output) with its score."""

    family: str
    directed: bool
    score: float


def auc(labels: Sequence[int] | np.ndarray, scores: Sequence[float] | np.ndarray) -> float:
    """ROC AUC (ties count half); NaN without both labels."""
    from scipy.stats import rankdata

    labels = np.asarray(labels, dtype=bool)
    scores = np.asarray(scores, dtype=float)
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def threshold_at_far(talk_scores: Sequence[float] | np.ndarray, far: float) -> float:
    """The lowest threshold (score >= threshold is accepted) that accepts at most ``far`` of
    the talk."""
    s = np.sort(np.asarray(talk_scores, dtype=float))[::-1]
    allowed = int(np.floor(far * len(s)))
    if allowed >= len(s):
        return 0.0
    return float(np.nextafter(s[allowed], np.inf))


def source_table(items: Sequence[Scored], thresholds: dict[str, float] | float
                 ) -> dict[str, dict]:
    """Per family: n, AUC against all items of the other label, and at its threshold the
    share missed (directed families) or accepted (talk families); ``all`` pools them."""
    labels = np.array([i.directed for i in items], dtype=bool)
    scores = np.array([i.score for i in items], dtype=float)
    families = np.array([i.family for i in items])

    def thr(family: str) -> float:
        return thresholds if isinstance(thresholds, float) else thresholds[family]

    out: dict[str, dict] = {}
    for family in dict.fromkeys(families.tolist()):
        mine = families == family
        directed = bool(labels[mine][0])
        partner = ~labels if directed else labels
        keep = mine | partner
        accepted = scores[mine] >= thr(family)
        row = {"n": int(mine.sum()), "auc": round(auc(labels[keep], scores[keep]), 4)}
        if directed:
            row["missed"] = round(float(np.mean(~accepted)), 4)
        else:
            row["accepted"] = round(float(np.mean(accepted)), 4)
        out[family] = row
    accepted = np.array([s >= thr(f) for s, f in zip(scores, families, strict=True)])
    out["all"] = {"n": len(items), "auc": round(auc(labels, scores), 4),
                  "missed": round(float(np.mean(~accepted[labels])), 4) if labels.any()
                  else float("nan"),
                  "accepted": round(float(np.mean(accepted[~labels])), 4)
                  if (~labels).any() else float("nan")}
    return out


def early_text(text: str, words: int = EARLY_WORDS) -> str:
    """What a partial hypothesis holds after the first 1.5 s of speech (by word count)."""
    return " ".join(text.split()[:words])


@dataclass
class Fold:
    """A model trained without ``families``, and its operating threshold."""

    families: tuple[str, ...]
    model: object
    threshold: float
    train_lines: int


def fold_data(examples: Sequence[Example], families: Sequence[str]
              ) -> tuple[list[Example], list[Example], list[Example]]:
    """(train, calibration, test) for holding ``families`` out: training lines of every
    other family, the other real families' held-out groups, and every line of
    ``families``."""
    train, calibration, test = [], [], []
    for e in examples:
        fam = family_of(e.source)
        if fam in families:
            test.append(e)
        elif e.split == "train":
            train.append(e)
        elif fam in REAL_FAMILIES:
            calibration.append(e)
    return train, calibration, test


def operating_threshold(score: Callable[[str], float], calibration: Sequence[Example],
                        far: float) -> float:
    """The shipped rule: accept ``far`` of the calibration talk."""
    return threshold_at_far([score(e.text) for e in calibration if not e.directed], far)


def leave_source_out(examples: Sequence[Example], fit: Callable[[list[Example]], object],
                     score: Callable[[object, str], float], far: float,
                     folds: Sequence[Sequence[str]] = FOLDS) -> list[Fold]:
    """One model per fold: ``fit`` on the rest, threshold on the rest's held-out groups."""
    out = []
    for families in folds:
        train, calibration, _ = fold_data(examples, families)
        model = fit(train)
        threshold = operating_threshold(lambda t, m=model: score(m, t), calibration, far)
        out.append(Fold(tuple(families), model, threshold, len(train)))
    return out


def by_family(folds: Sequence[Fold]) -> dict[str, Fold]:
    """The fold that held each family out."""
    return {family: f for f in folds for family in f.families}
