"""Decision thresholds (issue 10, requirement 5): the operating point for a false-accept
budget, on the bundled labelled session run through the real pipeline, and bounded
per-household nudging."""

from __future__ import annotations

import json
import math

import pytest
from conftest import SAMPLE
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ntt.calibration.profile import load_profile, shipped_profile_dir
from ntt.calibration.threshold import (
    THRESHOLD_RANGE,
    CalibrationScore,
    NudgeBounds,
    choose_threshold,
    count_feedback,
    evaluate,
    nudge_threshold,
    score_session,
)
from ntt.cli import main
from ntt.cues import Decision
from ntt.errors import InputError
from ntt.io.session import Utterance

_scored = st.lists(st.tuples(st.floats(0, 1), st.booleans(), st.booleans()), min_size=2,
                   max_size=40)


def _make(items) -> list[CalibrationScore]:
    return [CalibrationScore(p, directed, decided=decided) for p, directed, decided in items]


@settings(max_examples=300, deadline=None)
@given(_scored, st.floats(1.0, 600.0), st.floats(0.0, 50.0))
def test_operating_point_is_the_lowest_within_budget(items, nondirected_s, target):
    scored = _make(items)
    assume(any(s.directed for s in scored))
    point = choose_threshold(scored, nondirected_s, target)
    lo, hi = THRESHOLD_RANGE
    assert lo <= point.threshold <= hi
    fa, fr, fa_h = evaluate(scored, nondirected_s, point.threshold)
    assert (fa, fr) == (point.false_accepts, point.false_rejects)
    if point.threshold < hi:
        assert fa_h <= target + 1e-9
    # No lower threshold within the budget accepts more directed utterances.
    accepted = point.directed - fr
    for t in sorted({s.p_directed for s in scored} | {lo}):
        if lo <= t < point.threshold and evaluate(scored, nondirected_s, t)[2] <= target:
            assert point.directed - evaluate(scored, nondirected_s, t)[1] == accepted


def test_a_budget_of_zero_separates_the_scores():
    scored = _make([(0.9, True, True), (0.7, True, True), (0.6, False, True),
                    (0.2, False, True), (0.1, True, True), (0.8, True, False)])
    point = choose_threshold(scored, 60.0, 0.0)
    assert 0.6 < point.threshold < 0.7
    assert point.false_accepts == 0 and point.false_rejects == 2  # 0.1 and the undecided
    assert point.constrained and 0 < point.auc < 1
    # One false accept per minute of non-directed speech allowed: the 0.6 may pass.
    loose = choose_threshold(scored, 60.0, 60.0)
    assert 0.2 < loose.threshold < 0.6 and loose.false_accepts == 1


def test_without_non_directed_speech_there_is_no_rate():
    with pytest.raises(InputError, match="non-directed"):
        choose_threshold(_make([(0.9, True, True)]), 0.0, 1.0)
    with pytest.raises(InputError, match="target"):
        choose_threshold(_make([(0.9, True, True), (0.1, False, True)]), 10.0, -1.0)


def test_decisions_are_matched_to_labels():
    labels = (Utterance("a", 1.0, 2.0, "anna", True, "device", ""),
              Utterance("b", 3.0, 4.0, "anna", False, "ben", ""),
              Utterance("c", 5.0, 6.0, "anna", True, "device", ""))
    decisions = [Decision(2.2, "final", 1.05, 1.7, 0, 0.4, False),
                 # Same utterance: the longer piece decides (ntt.matching), not the higher p.
                 Decision(2.3, "final", 1.7, 1.95, 0, 0.8, True),
                 Decision(1.3, "early", 1.0, 1.3, 0, 0.99, True),  # early: ignored
                 Decision(4.2, "final", 3.1, 3.9, 0, 0.3, False),
                 Decision(8.2, "final", 7.0, 8.0, None, 0.6, True)]  # nobody said anything
    scored, nondirected_s = score_session("s", decisions, labels)
    by_id = {s.utterance: s for s in scored}
    assert by_id["a"].p_directed == 0.4 and by_id["b"].p_directed == 0.3
    assert not by_id["c"].decided and by_id["c"].directed  # a certain false reject
    assert by_id[None].p_directed == 0.6 and not by_id[None].directed
    assert nondirected_s == pytest.approx(1.0)


@settings(max_examples=300, deadline=None)
@given(st.floats(0.0, 1.0), st.integers(0, 20), st.integers(0, 20), st.floats(0.1, 0.9),
       st.floats(0.0, 0.25))
def test_nudging_stays_within_bounds_and_steps(current, fr, fa, op, offset):
    bounds = NudgeBounds.around(op, offset)
    new = nudge_threshold(current, fr, fa, bounds)
    assert bounds.low <= new <= bounds.high
    start = min(max(current, bounds.low), bounds.high)
    assert abs(new - start) <= bounds.step + 1e-12
    if fr + fa < bounds.min_events:
        assert new == start
    # More false rejects never raise the threshold; more false accepts never lower it.
    assert nudge_threshold(current, fr + 1, fa, bounds) <= new + 1e-12
    assert nudge_threshold(current, fr, fa + 1, bounds) >= new - 1e-12


def test_repeated_false_rejects_stop_at_the_documented_bound():
    bounds = NudgeBounds.around(0.5, 0.10)
    t = 0.5
    for _ in range(50):
        t = nudge_threshold(t, 5, 0, bounds)
    assert t == pytest.approx(0.4)
    for _ in range(50):
        t = nudge_threshold(t, 0, 5, bounds)
    assert t == pytest.approx(0.6)
    assert NudgeBounds.around(0.02, 0.1).low == THRESHOLD_RANGE[0]
    with pytest.raises(ValueError):
        NudgeBounds(0.6, 0.4)


def test_feedback_records_and_the_nudge_command(tmp_path, capsys):
    assert count_feedback([{"kind": "likely_false_reject"}, {"kind": "false_accept"},
                           {"kind": "device_reply"}]) == (1, 1)
    profile = tmp_path / "p.toml"
    profile.write_text((shipped_profile_dir() / "smart-display-10.toml").read_text())
    feedback = tmp_path / "feedback.jsonl"
    feedback.write_text("\n".join(json.dumps({"kind": "likely_false_reject", "t_s": i})
                                  for i in range(4)) + "\n")
    assert main(["calibrate", "nudge", str(feedback), "--profile", str(profile)]) == 0
    p = load_profile(profile)
    assert p.thresholds.household == pytest.approx(0.5 - 0.02)
    assert p.thresholds.effective == p.thresholds.household
    feedback.write_text("{not json\n")
    assert main(["calibrate", "nudge", str(feedback), "--profile", str(profile)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "line 1" in err[0]


def test_cli_picks_the_operating_point_on_the_sample_session(tmp_path, capsys):
    """The real pipeline over the bundled labelled session; the threshold is checked
    against the scores it reports."""
    profile = tmp_path / "p.toml"
    profile.write_text((shipped_profile_dir() / "laptop-webcam.toml").read_text())
    profile.write_text(profile.read_text().replace("directed = 0.5", "directed = 0.5\n"
                                                   "household = 0.45"))
    assert main(["calibrate", "threshold", str(SAMPLE), "--target-fa-per-hour", "0",
                 "--asr", "none", "--profile", str(profile), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    point, scores = doc["operating_point"], doc["scores"]
    labels = json.loads((SAMPLE / "labels.json").read_text())["utterances"]
    assert {s["utterance"] for s in scores if s["utterance"]} == {u["id"] for u in labels}
    t = point["threshold"]
    negatives = [s["p_directed"] for s in scores if not s["directed"] and s["decided"]]
    positives = [s["p_directed"] for s in scores if s["directed"] and s["decided"]]
    assert all(p < t for p in negatives) and point["false_accepts"] == 0
    # The lowest such threshold: just above the highest non-directed score.
    assert not any(max(negatives) < p < t for p in positives)
    directed = [s for s in scores if s["directed"]]
    missed = sum(1 for s in directed if not s["decided"] or s["p_directed"] < t)
    assert point["frr"] == pytest.approx(missed / len(directed))
    nondirected_s = sum(u["end"] - u["start"] for u in labels if not u["directed"])
    assert point["nondirected_hours"] == pytest.approx(nondirected_s / 3600, abs=1e-4)
    p = load_profile(profile)
    assert p.thresholds.directed == pytest.approx(t, abs=1e-4)
    assert p.thresholds.household is None  # a new operating point resets household nudges
    assert p.thresholds.target_fa_per_hour == 0.0
    assert p.thresholds.override == p.thresholds.directed  # measured: fusion should use it
    assert load_profile("laptop-webcam").thresholds.override is None  # shipped: keep model's
    assert p.calibration["threshold"]["sessions"] == 1
    assert not math.isnan(p.calibration["threshold"]["auc"])


def test_threshold_needs_labelled_sessions(tmp_path, capsys):
    assert main(["calibrate", "threshold", str(tmp_path / "none"), "--target-fa-per-hour",
                 "1"]) == 2
    assert "not found" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["calibrate", "threshold", str(empty), "--target-fa-per-hour", "1"]) == 2
    assert "neither a session" in capsys.readouterr().err
