"""Fusion's operating point for a device with no wake word and its calibration figures
(``ntt.eval.operating``), on scored utterances whose answers are known by hand."""

from __future__ import annotations

import pytest

from ntt.eval.metrics import ScoredUtterance
from ntt.eval.operating import _poisson_upper_95, no_wake_word_point, reliability


def _talk(p: float, seconds: float = 360.0) -> ScoredUtterance:
    return ScoredUtterance(p=p, directed=False, duration_s=seconds)


def _request(p: float) -> ScoredUtterance:
    return ScoredUtterance(p=p, directed=True, duration_s=2.0)


def test_the_threshold_keeps_false_accepts_per_hour_of_talk_within_budget():
    """Two hours of talk (20 lines of 6 min): 0.5 per hour allows one false accept, so the
    threshold rises above the second-highest talk score and rejects the requests below it."""
    items = [_talk(p) for p in (0.95, 0.8, *[0.1] * 18)] + \
        [_request(p) for p in (0.99, 0.9, 0.85, 0.7, 0.3)]
    point = no_wake_word_point(items, 0.5)
    assert point["nondirected_hours"] == pytest.approx(2.0)
    assert point["false_accepts"] == 1 and point["fa_per_hour"] == pytest.approx(0.5)
    assert 0.8 < point["threshold"] <= 0.85
    assert point["frr"] == pytest.approx(2 / 5)  # 0.7 and 0.3 rejected
    assert point["det_around"] and all(0 <= r["far"] <= 1 for r in point["det_around"])
    # One event in two hours: the 95% bound is 4.74 per two hours.
    assert point["fa_per_hour_upper_95"] == pytest.approx(4.744 / 2, abs=0.01)


def test_poisson_bound_after_no_and_some_events():
    assert _poisson_upper_95(0) == pytest.approx(2.996, abs=1e-3)
    assert _poisson_upper_95(3) == pytest.approx(7.754, abs=1e-2)


def test_reliability_of_calibrated_and_overconfident_scores():
    calibrated = [_request(0.8)] * 8 + [_talk(0.8)] * 2 + [_request(0.2)] * 2 + \
        [_talk(0.2)] * 8
    r = reliability(calibrated)
    assert r["ece"] == pytest.approx(0.0, abs=1e-9)
    assert [b["n"] for b in r["bins"]] == [10, 10]
    over = [_request(0.9)] * 5 + [_talk(0.9)] * 5  # says 0.9, right half the time
    assert reliability(over)["ece"] == pytest.approx(0.4)
