"""The one decision-to-label matcher (issue 17, requirement 2): ``overlap()``, the policy on
overlapping, split, merged and missed utterances and false triggers, and ``ntt run``'s
agreement scored the same way as ``ntt eval``, calibration and the visualizer."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from conftest import SAMPLE

from apps.visualizer.derive import verdicts
from ntt.calibration.threshold import score_session
from ntt.cues import Decision
from ntt.eval.evaluate import match
from ntt.io.session import Labels, Utterance, load_session
from ntt.matching import (
    Span,
    agreement,
    best_overlap,
    labelled_matches,
    match_decisions,
    overlap,
    overlaps_any,
)


def _utt(uid: str, start: float, end: float, directed: bool) -> Utterance:
    return Utterance(uid, start, end, "anna", directed, "device" if directed else "ben", "")


def _final(start: float, end: float, p: float, threshold: float = 0.5) -> Decision:
    return Decision(end + 0.3, "final", start, end, 0, p, p >= threshold)


def test_overlap_is_shared_seconds_and_zero_when_disjoint():
    assert overlap(Span(1.0, 3.0), Span(2.0, 5.0)) == pytest.approx(1.0)
    assert overlap(Span(2.0, 5.0), Span(1.0, 3.0)) == pytest.approx(1.0)  # symmetric
    assert overlap(Span(1.0, 4.0), Span(2.0, 3.0)) == pytest.approx(1.0)  # nested
    assert overlap(Span(1.0, 2.0), Span(2.0, 3.0)) == 0.0  # touching
    assert overlap(Span(1.0, 2.0), Span(5.0, 6.0)) == 0.0  # disjoint: never negative
    assert overlaps_any(Span(1.0, 2.0), [Span(0.0, 1.0), Span(1.5, 1.6)])
    assert not overlaps_any(Span(1.0, 2.0), [Span(0.0, 1.0), Span(2.0, 3.0)])
    a, b = Span(0.0, 1.0), Span(0.5, 2.0)
    assert best_overlap(Span(0.8, 3.0), [a, b]) is b
    assert best_overlap(Span(5.0, 6.0), [a, b]) is None


def test_each_utterance_is_decided_by_the_final_decision_over_it():
    labels = [_utt("a", 1.0, 2.0, True), _utt("b", 3.0, 4.0, False)]
    finals = [_final(1.05, 2.1, 0.8), _final(3.1, 3.9, 0.3)]
    early = Decision(1.4, "early", 1.0, 1.4, 0, 0.99, True)
    matches = match_decisions([early, *finals], labels)
    assert [(m.utterance.id, m.decision) for m in matches] == [("a", finals[0]),
                                                               ("b", finals[1])]
    assert matches[0].overlap_s == pytest.approx(0.95)
    assert all(m.correct and not m.missed and not m.false_trigger for m in matches)
    assert agreement(matches) == 2


def test_a_split_utterance_is_decided_by_its_longest_piece():
    labels = [_utt("a", 1.0, 3.0, False)]
    short_sure = _final(1.0, 1.5, 0.9)  # 0.5 s: directed, but the shorter piece
    long_unsure = _final(1.6, 3.0, 0.2)  # 1.4 s
    (m,) = match_decisions([short_sure, long_unsure], labels)
    assert m.decision is long_unsure and m.also_overlapping == (short_sure,)
    assert not m.accepted and m.correct  # the other piece is neither scored nor a trigger
    # Equal pieces: the earlier decides.
    first, second = _final(1.0, 2.0, 0.9), _final(2.0, 3.0, 0.1)
    (m,) = match_decisions([first, second], labels)
    assert m.decision is first and not m.correct


def test_a_merged_decision_decides_every_utterance_under_it():
    labels = [_utt("a", 1.0, 2.0, True), _utt("b", 2.2, 3.5, True)]
    merged = _final(0.9, 3.6, 0.7)
    matches = match_decisions([merged], labels)
    assert [m.decision for m in matches] == [merged, merged]
    assert agreement(matches) == 2


def test_a_missed_utterance_has_no_decision_and_counts_as_rejected():
    labels = [_utt("asked", 1.0, 2.0, True), _utt("chat", 3.0, 4.0, False)]
    touching = _final(2.0, 3.0, 0.9)  # touches both labels, overlaps neither
    matches = match_decisions([touching], labels)
    assert [m.missed for m in matches[:2]] == [True, True]
    assert [m.correct for m in matches[:2]] == [False, True]  # a false reject; a true reject
    assert matches[2].false_trigger and matches[2].decision is touching
    assert len(labelled_matches(matches)) == 2


def test_a_decision_on_no_utterance_is_a_false_trigger_after_the_labels():
    labels = [_utt("a", 5.0, 6.0, True)]
    noise, quiet = _final(1.0, 1.5, 0.8), _final(2.0, 2.5, 0.1)
    req = _final(5.0, 6.0, 0.9)
    matches = match_decisions([noise, quiet, req], labels)
    assert [m.utterance.id if m.utterance else None for m in matches] == ["a", None, None]
    assert [m.decision for m in matches] == [req, noise, quiet]
    assert [m.correct for m in matches] == [True, False, True]  # accepted noise is wrong
    assert agreement(matches) == 1  # false triggers are not labelled utterances


def test_every_consumer_scores_a_session_the_same_way():
    """Split, merge, miss and a false trigger on the device's voice and off it: eval,
    calibration and the visualizer's verdicts all follow the matcher."""
    labels = Labels((_utt("split", 1.0, 3.0, False), _utt("m1", 4.0, 5.0, True),
                     _utt("m2", 5.2, 6.0, False), _utt("missed", 8.0, 9.0, True)),
                    ())
    finals = [_final(1.0, 1.5, 0.9), _final(1.6, 3.0, 0.2), _final(3.9, 6.1, 0.6),
              _final(10.0, 10.5, 0.7)]
    matches = match_decisions(finals, labels.utterances)
    want = {m.utterance.id: (m.decision.p_directed if m.decision else 0.0)
            for m in labelled_matches(matches)}
    assert want == {"split": 0.2, "m1": 0.6, "m2": 0.6, "missed": 0.0}
    evaluated = match(finals, labels)
    assert [s.p for s in evaluated.scored if s.labelled] == list(want.values())
    assert [s.p for s in evaluated.scored if not s.labelled] == [0.7]
    calibrated, _ = score_session("s", finals, labels.utterances)
    assert {s.utterance: s.p_directed for s in calibrated if s.utterance} == want
    assert [(s.p_directed, s.decided) for s in calibrated if s.utterance is None] == \
        [(0.7, True)]
    judged = {v.utterance.id: not v.error for v in verdicts(finals, labels.utterances)
              if v.utterance is not None}
    assert judged == {m.utterance.id: m.correct for m in labelled_matches(matches)}


def test_run_agreement_and_eval_score_the_sample_session_alike(tmp_path, monkeypatch,
                                                               capsys):
    """``ntt run --json`` on the bundled session, its labels edited so that one utterance
    is split in two (one decision over both) and two labels lie on silence (missed): the
    agreement it reports is what the eval, calibration and the visualizer count."""
    import ntt.commands.run as run_command
    from ntt.cli import main

    root = shutil.copytree(SAMPLE, tmp_path / "living-room")
    doc = json.loads((root / "labels.json").read_text())
    utts = [u for u in doc["utterances"] if u["id"] != "u003"]
    base = next(u for u in doc["utterances"] if u["id"] == "u003")
    cut = round((base["start"] + base["end"]) / 2, 2)
    utts += [dict(base, id="u003a", end=cut), dict(base, id="u003b", start=cut),
             {"id": "u900", "start": 4.3, "end": 5.1, "speaker": "ben", "directed": False,
              "addressee": "anna", "text": ""},
             {"id": "u901", "start": 18.3, "end": 18.9, "speaker": "anna", "directed": True,
              "addressee": "device", "text": ""}]
    doc["utterances"] = sorted(utts, key=lambda u: u["start"])
    (root / "labels.json").write_text(json.dumps(doc))
    session = load_session(root)

    kept = {}
    real = run_command.run_session

    def keep(*args, **kwargs):
        kept["out"] = real(*args, **kwargs)
        return kept["out"]

    monkeypatch.setattr(run_command, "run_session", keep)
    assert main(["run", str(root), "--asr", "none", "--json"]) == 0
    reported = json.loads(capsys.readouterr().out)["agreement"]
    decisions = kept["out"][0]
    finals = [d for d in decisions if d.kind == "final"]
    matches = match_decisions(finals, session.labels.utterances)
    assert {m.utterance.id for m in matches if m.missed} >= {"u900", "u901"}
    split = [m.decision for m in matches if m.utterance and m.utterance.id in
             ("u003a", "u003b")]
    assert split[0] is not None and split[0] is split[1]  # one decision over both halves
    assert reported == {"correct": agreement(matches), "labelled": 8}

    # The eval at the operating point the decisions were made with.
    directed_ps = [d.p_directed for d in finals if d.directed]
    threshold = min(directed_ps) if directed_ps else 1.01
    assert all((d.p_directed >= threshold) == d.directed for d in finals)
    evaluated = [s for s in match(decisions, session.labels).scored if s.labelled]
    assert len(evaluated) == reported["labelled"]
    assert sum((s.p >= threshold) == s.directed for s in evaluated) == reported["correct"]
    calibrated, _ = score_session(session.name, decisions, session.labels.utterances)
    assert sum((s.decided and s.p_directed >= threshold) == s.directed
               for s in calibrated if s.utterance) == reported["correct"]
    judged = [v for v in verdicts(finals, session.labels.utterances) if v.utterance]
    assert sum(not v.error for v in judged) == reported["correct"]


def test_the_matcher_imports_without_the_heavy_stages():
    code = ("import sys, ntt.matching; "
            "print(sorted(m for m in ('torch', 'mediapipe', 'cv2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
