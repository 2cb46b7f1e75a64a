"""The operating point of a device with no wake word, and whether its scores are calibrated.

Without a wake word every remark in the room is a candidate request, so the budget is in
false accepts per hour of household talk (openWakeWord targets ≤ 0.5 per hour for a wake
word), not a false-accept rate. ``no_wake_word_point`` picks that threshold on scored
utterances with the same rule as ``ntt calibrate threshold`` (``choose_threshold``), and
gives the DET curve around it and an upper bound on the false-accept rate: a held-out set
of a few dozen sessions holds well under an hour of talk, so zero false accepts there still
allows several per hour (Poisson, 95%).

``reliability`` bins the final decisions' p_directed and compares each bin's mean with the
share of it that was directed (the reliability diagram) and weighs the gaps by the bins'
sizes (expected calibration error, ECE): 0 when "p = 0.8" is directed 80% of the time.
"""

from __future__ import annotations

import math

import numpy as np

from ntt.calibration.threshold import CalibrationScore, choose_threshold
from ntt.eval.metrics import ScoredUtterance, det_curve

NO_WAKE_WORD_FA_PER_HOUR = 0.5  # openWakeWord's false-accept target for a wake word
POISSON_95_ZERO = 2.996  # -ln(0.05): the 95% upper bound on a rate after 0 events
RELIABILITY_BINS = 10


def _poisson_upper_95(events: int) -> float:
    """One-sided 95% upper bound on the mean of a Poisson count that came out ``events``
    (exact, by bisection on the cumulative distribution)."""
    if events == 0:
        return POISSON_95_ZERO
    lo, hi = float(events), float(events) * 4 + 10

    def cdf(mu: float) -> float:
        term = total = math.exp(-mu)
        for k in range(1, events + 1):
            term *= mu / k
            total += term
        return total

    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cdf(mid) > 0.05 else (lo, mid)
    return hi


def no_wake_word_point(items: list[ScoredUtterance],
                       target_fa_per_hour: float = NO_WAKE_WORD_FA_PER_HOUR) -> dict:
    """The threshold for ``target_fa_per_hour`` false accepts per hour of non-directed
    speech, its false-reject rate, and the DET curve around it (FAR, FRR and false accepts
    per hour at nearby thresholds)."""
    scored = [CalibrationScore(s.p, s.directed, s.session, decided=s.labelled or s.p > 0)
              for s in items]
    nondirected_s = sum(s.duration_s for s in items if not s.directed and s.labelled)
    point = choose_threshold(scored, nondirected_s, target_fa_per_hour)
    hours = point.nondirected_hours
    scores = np.array([s.p for s in items])
    labels = np.array([s.directed for s in items])
    thresholds, far, frr = det_curve(scores, labels)
    near = np.argsort(np.abs(thresholds - point.threshold))[:15]
    curve = []
    for i in sorted(near, key=lambda k: thresholds[k]):
        if not math.isfinite(thresholds[i]):
            continue
        fa = int((scores[~labels] >= thresholds[i]).sum())
        curve.append({"threshold": round(float(thresholds[i]), 4),
                      "far": round(float(far[i]), 4), "frr": round(float(frr[i]), 4),
                      "fa_per_hour": round(fa / hours, 2) if hours else None})
    return {"target_fa_per_hour": target_fa_per_hour, "threshold": round(point.threshold, 4),
            "fa_per_hour": round(point.fa_per_hour, 3),
            "fa_per_hour_upper_95": round(_poisson_upper_95(point.false_accepts) / hours, 2)
            if hours else None,
            "false_accepts": point.false_accepts, "frr": round(point.frr, 4),
            "far": round(point.far, 4), "directed": point.directed,
            "not_directed": point.not_directed, "nondirected_hours": round(hours, 4),
            "constrained": point.constrained, "det_around": curve}


def reliability(items: list[ScoredUtterance], bins: int = RELIABILITY_BINS) -> dict:
    """Reliability diagram (per equal-width bin of p: count, mean p, share directed) and the
    expected calibration error of the final decisions' p_directed."""
    p = np.array([s.p for s in items], dtype=float)
    y = np.array([s.directed for s in items], dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows, ece = [], 0.0
    for b in range(bins):
        sel = which == b
        n = int(sel.sum())
        if n == 0:
            continue
        mean_p, share = float(p[sel].mean()), float(y[sel].mean())
        ece += n / len(p) * abs(mean_p - share)
        rows.append({"lo": round(float(edges[b]), 2), "hi": round(float(edges[b + 1]), 2),
                     "n": n, "mean_p": round(mean_p, 3), "directed": round(share, 3)})
    return {"ece": round(ece, 4) if len(p) else None, "bins": rows}
