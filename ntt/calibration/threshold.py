"""Decision thresholds: the operating point from labelled sessions, and bounded
per-household nudging from implicit feedback.

Operating point (``choose_threshold``): every labelled utterance gets the ``p_directed`` of
the final decision that overlaps it most (``ntt.matching.match_decisions``: a split
utterance is scored by its longest piece); a labelled utterance no decision covers can never
be accepted (a certain false reject if it was directed); a final decision that overlaps no
labelled utterance is a negative (the device reacted to something nobody said to it, or to
its own voice). The threshold is the lowest that keeps false accepts per hour of
non-directed speech at or under the target — the most directed speech accepted within the
false-accept budget — placed midway between the neighbouring scores so small score shifts
do not flip the calibration set. It stays within ``THRESHOLD_RANGE``;
writing a new operating point into a profile resets the household's nudged value.

Household nudging (``nudge_threshold``): the conversation engine records likely false
rejects (the user repeats a request the device ignored) and likely false accepts (the user
cancels or says "I wasn't talking to you"). Each call moves the household's threshold by at
most ``step`` (default ``NUDGE_STEP`` = 0.02), down for net false rejects and up for net
false accepts, with false accepts weighted ``FALSE_ACCEPT_WEIGHT`` (= 2: a device that
barges in costs more trust than one that needs a repeat); it moves only on ``min_events``
(3) records of the kind it moves for — so a false reject can never be the record that lets
the false accepts raise it, nor a false accept the one that lets false rejects lower it;
and the result never leaves ``NudgeBounds`` — by default the
calibrated operating point ± the profile's ``max_household_offset`` (0.10), within
``THRESHOLD_RANGE`` (0.05..0.95). A household can therefore tune, but never turn the
detector off or make it accept everything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ntt.errors import InputError
from ntt.matching import match_decisions

THRESHOLD_RANGE = (0.05, 0.95)
SECONDS_PER_HOUR = 3600.0
NUDGE_STEP = 0.02
NUDGE_MIN_EVENTS = 3
FALSE_ACCEPT_WEIGHT = 2.0
FALSE_REJECT_KINDS = ("false_reject", "likely_false_reject")
FALSE_ACCEPT_KINDS = ("false_accept", "likely_false_accept")


@dataclass(frozen=True)
class CalibrationScore:
    """One labelled utterance (or false trigger) and the score the system gave it, for
    picking the operating point. ``decided``: False when no final decision covered the
    utterance at all."""

    p_directed: float
    directed: bool
    session: str = ""
    utterance: str | None = None
    decided: bool = True


def score_session(name: str, decisions: Sequence, utterances: Sequence
                  ) -> tuple[list[CalibrationScore], float]:
    """Scored utterances of one session and its seconds of non-directed labelled speech.
    ``decisions``: ``Decision`` items (early ones are ignored); ``utterances``: labels."""
    out: list[CalibrationScore] = []
    for m in match_decisions(decisions, utterances):
        if m.utterance is None:
            out.append(CalibrationScore(float(m.decision.p_directed), False, name, None))
        elif m.decision is None:
            out.append(CalibrationScore(0.0, m.utterance.directed, name, m.utterance.id,
                                        decided=False))
        else:
            out.append(CalibrationScore(float(m.decision.p_directed), m.utterance.directed,
                                        name, m.utterance.id))
    nondirected_s = sum(u.end_s - u.start_s for u in utterances if not u.directed)
    return out, float(nondirected_s)


@dataclass(frozen=True)
class OperatingPoint:
    threshold: float
    target_fa_per_hour: float
    fa_per_hour: float
    false_accepts: int
    false_rejects: int
    directed: int
    not_directed: int
    nondirected_hours: float
    far: float
    frr: float
    eer: float | None
    auc: float | None
    constrained: bool  # False: so little non-directed speech that the target never binds

    def summary(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def profile_changes(self) -> dict[str, Any]:
        t = round(self.threshold, 4)
        return {"thresholds": {"directed": t, "early": t,
                               "target_fa_per_hour": self.target_fa_per_hour,
                               "household": None}}


def _accepted(s: CalibrationScore, threshold: float) -> bool:
    return s.decided and s.p_directed >= threshold


def evaluate(scored: Sequence[CalibrationScore], nondirected_s: float, threshold: float
             ) -> tuple[int, int, float]:
    """(false accepts, false rejects, false accepts per hour) at ``threshold``."""
    fa = sum(1 for s in scored if not s.directed and _accepted(s, threshold))
    fr = sum(1 for s in scored if s.directed and not _accepted(s, threshold))
    hours = nondirected_s / SECONDS_PER_HOUR
    return fa, fr, fa / hours if hours > 0 else math.inf


def auc_eer(scored: Sequence[CalibrationScore]) -> tuple[float | None, float | None]:
    """ROC-AUC (ties count half) and equal-error rate, or None without both classes."""
    pos = np.array([s.p_directed if s.decided else -1.0 for s in scored if s.directed])
    neg = np.array([s.p_directed if s.decided else -1.0 for s in scored if not s.directed])
    if len(pos) == 0 or len(neg) == 0:
        return None, None
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    auc = float(greater + 0.5 * ties)
    best = (math.inf, 1.0)
    for t in np.unique(np.concatenate([pos, neg, [math.inf]])):
        far = float(np.mean(neg >= t))
        frr = float(np.mean(pos < t))
        gap = abs(far - frr)
        if gap < best[0]:
            best = (gap, (far + frr) / 2)
    return auc, best[1]


def choose_threshold(scored: Sequence[CalibrationScore], nondirected_s: float,
                     target_fa_per_hour: float) -> OperatingPoint:
    """The operating point for a false-accept budget (see the module docstring)."""
    if not math.isfinite(target_fa_per_hour) or target_fa_per_hour < 0:
        raise InputError("--target-fa-per-hour", f"must be a non-negative number, got "
                                                 f"{target_fa_per_hour:g}")
    if nondirected_s <= 0:
        raise InputError("SESSIONS", "the labels hold no non-directed speech: false accepts "
                                     "per hour cannot be measured")
    if not any(s.directed for s in scored):
        raise InputError("SESSIONS", "the labels hold no directed speech: nothing to accept")
    hours = nondirected_s / SECONDS_PER_HOUR
    allowed = math.floor(target_fa_per_hour * hours + 1e-9)
    negatives = sorted((s.p_directed for s in scored if not s.directed and s.decided),
                       reverse=True)
    lo, hi = THRESHOLD_RANGE
    constrained = allowed < len(negatives)
    if constrained:
        # Accept at most `allowed` negatives: the threshold must rise above this one.
        bar = negatives[allowed]
        above = [s.p_directed for s in scored if s.decided and s.p_directed > bar]
        threshold = (bar + min(above)) / 2 if above else (bar + 1.0) / 2
    else:
        # The budget is never reached: just below the lowest-scored directed utterance.
        positives = [s.p_directed for s in scored if s.directed and s.decided]
        if positives:
            lowest = min(positives)
            below = [s.p_directed for s in scored if s.decided and s.p_directed < lowest]
            threshold = (max(below) + lowest) / 2 if below else lowest
        else:
            threshold = lo
    threshold = float(min(max(threshold, lo), hi))
    fa, fr, fa_h = evaluate(scored, nondirected_s, threshold)
    n_dir = sum(s.directed for s in scored)
    n_not = len(scored) - n_dir
    auc, eer = auc_eer(scored)
    return OperatingPoint(threshold, float(target_fa_per_hour), fa_h, fa, fr, n_dir, n_not,
                          hours, fa / n_not if n_not else 0.0, fr / n_dir, eer, auc,
                          constrained)


# --- per-household nudging ----------------------------------------------------------------


@dataclass(frozen=True)
class NudgeBounds:
    """Where a household's threshold may go, and how fast."""

    low: float
    high: float
    step: float = NUDGE_STEP
    min_events: int = NUDGE_MIN_EVENTS
    false_accept_weight: float = FALSE_ACCEPT_WEIGHT

    def __post_init__(self):
        if not THRESHOLD_RANGE[0] <= self.low <= self.high <= THRESHOLD_RANGE[1]:
            raise ValueError(f"bounds {self.low}..{self.high} must lie within "
                             f"{THRESHOLD_RANGE}")
        if self.step <= 0 or self.min_events < 1 or self.false_accept_weight <= 0:
            raise ValueError("step, min_events and false_accept_weight must be positive")

    @classmethod
    def around(cls, operating_point: float, max_offset: float) -> NudgeBounds:
        """± ``max_offset`` around the calibrated operating point, within
        ``THRESHOLD_RANGE``."""
        lo, hi = THRESHOLD_RANGE
        centre = min(max(operating_point, lo), hi)
        return cls(max(lo, centre - max_offset), min(hi, centre + max_offset))


def nudge_threshold(current: float, false_rejects: int, false_accepts: int,
                    bounds: NudgeBounds) -> float:
    """The household threshold after one batch of implicit feedback (see the module
    docstring): at most ``bounds.step`` away from ``current``, always within bounds."""
    if false_rejects < 0 or false_accepts < 0:
        raise ValueError("feedback counts cannot be negative")
    current = min(max(current, bounds.low), bounds.high)
    weighted_fa = bounds.false_accept_weight * false_accepts
    if false_rejects + weighted_fa == 0:
        return current
    balance = (false_rejects - weighted_fa) / (false_rejects + weighted_fa)
    if (false_rejects if balance > 0 else false_accepts) < bounds.min_events:
        return current
    return float(min(max(current - bounds.step * balance, bounds.low), bounds.high))


def count_feedback(records: Iterable[dict], where: str = "feedback") -> tuple[int, int]:
    """(likely false rejects, likely false accepts) among the engine's feedback records
    (objects with a ``kind``; other kinds are ignored)."""
    fr = fa = 0
    for i, r in enumerate(records):
        if not isinstance(r, dict) or not isinstance(r.get("kind"), str):
            raise InputError(where, f"record {i + 1}: must be an object with a 'kind'")
        if r["kind"] in FALSE_REJECT_KINDS:
            fr += 1
        elif r["kind"] in FALSE_ACCEPT_KINDS:
            fa += 1
    return fr, fa
