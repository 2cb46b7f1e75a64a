"""Metric definitions used everywhere (DESIGN.md): utterance-level EER, ROC-AUC, FAR/FRR at
the operating threshold, false accepts per hour of non-directed speech, decision latency."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ScoredUtterance:
    """One utterance as the system scored it, for the evaluation metrics. ``labelled``:
    False for a false trigger (a final decision on no labelled utterance, a negative).
    ``session``, ``start_s``, ``truth`` (the label's text) and ``heard`` (the recognizer's,
    None without one) are for the report's per-utterance table."""

    p: float
    directed: bool
    duration_s: float
    latency_final_ms: float | None = None
    latency_early_ms: float | None = None
    scenario: str = ""
    labelled: bool = True
    session: str = ""
    start_s: float | None = None
    truth: str | None = None
    heard: str | None = None


def roc_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Probability that a random directed utterance outscores a random other one (ties ½)."""
    pos, neg = scores[labels], scores[~labels]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    values = np.concatenate([pos, neg])[order]
    # Average ranks over ties.
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) /
                 (len(pos) * len(neg)))


def det_curve(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                               np.ndarray]:
    """(thresholds, FAR, FRR) over every distinct score (accept when p >= threshold)."""
    thresholds = np.unique(np.concatenate([scores, [np.inf]]))
    pos, neg = scores[labels], scores[~labels]
    far = np.array([(neg >= t).mean() if len(neg) else 0.0 for t in thresholds])
    frr = np.array([(pos < t).mean() if len(pos) else 0.0 for t in thresholds])
    return thresholds, far, frr


def equal_error_rate(scores: np.ndarray, labels: np.ndarray) -> float:
    if labels.all() or not labels.any():
        return float("nan")
    _, far, frr = det_curve(scores, labels)
    i = int(np.argmin(np.abs(far - frr)))
    return float((far[i] + frr[i]) / 2)


def threshold_for_far(scores: np.ndarray, labels: np.ndarray, target_far: float) -> float:
    """The lowest threshold whose false-accept rate is at most ``target_far``."""
    thresholds, far, _ = det_curve(scores, labels)
    ok = thresholds[far <= target_far]
    return float(ok.min()) if len(ok) else 1.0


def summarize(items: list[ScoredUtterance], threshold: float, rtf: float = float("nan")) -> dict:
    """The fixed metric block of ``ntt eval --json``."""
    if not items:
        return {"eer": None, "auc": None, "far": None, "frr": None, "fa_per_hour": None,
                "threshold": threshold, "latency_final_p50_ms": None,
                "latency_final_p95_ms": None, "latency_early_p95_ms": None, "rtf": rtf,
                "utterances": 0}
    scores = np.array([s.p for s in items])
    labels = np.array([s.directed for s in items])
    accepted = scores >= threshold
    neg_hours = sum(s.duration_s for s in items if not s.directed) / 3600
    finals = [s.latency_final_ms for s in items if s.latency_final_ms is not None]
    earlies = [s.latency_early_ms for s in items if s.latency_early_ms is not None]

    def pct(values, q):
        return round(float(np.percentile(values, q)), 1) if values else None

    def num(x):
        return None if x is None or not np.isfinite(x) else round(float(x), 4)

    return {
        "eer": num(equal_error_rate(scores, labels)),
        "auc": num(roc_auc(scores, labels)),
        "far": num(accepted[~labels].mean()) if (~labels).any() else None,
        "frr": num((~accepted[labels]).mean()) if labels.any() else None,
        "fa_per_hour": num(accepted[~labels].sum() / neg_hours) if neg_hours > 0 else None,
        "threshold": round(threshold, 4),
        "latency_final_p50_ms": pct(finals, 50), "latency_final_p95_ms": pct(finals, 95),
        "latency_early_p95_ms": pct(earlies, 95), "rtf": num(rtf),
        "utterances": len(items),
    }
