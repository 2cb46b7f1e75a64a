"""Joining final decisions with the recogniser's text (either order, by overlap, with expiry)
— fed real ASR result objects from ntt.asr.types."""

from __future__ import annotations

from ntt.conversation.turns import TurnJoiner
from ntt.cues import AsrResult, Decision, Hypothesis, Tick


def final(t_s, start, end, directed=True, track=1):
    return Decision(t_s, "final", start, end, track, 0.9 if directed else 0.1, directed,
                    "device" if directed else "person", {"vision": 0.7})


def asr(t_s, start, end, *texts):
    hyps = tuple(Hypothesis(t, 0.8, 1.0 / len(texts), -10.0) for t in texts)
    return AsrResult(t_s, start, end, "pocketsphinx", hyps)


def test_decision_then_text_makes_a_turn_when_both_are_known():
    j = TurnJoiner()
    assert j.push(final(2.0, 0.5, 1.8)) == []
    [turn] = j.push(asr(2.4, 0.5, 1.75, "turn on the kitchen lights", "turn on the kitten lights"))
    assert (turn.t_s, turn.start_s, turn.end_s) == (2.4, 0.5, 1.8)
    assert turn.text == "turn on the kitchen lights"
    assert turn.nbest == ("turn on the kitten lights",)
    assert (turn.directed, turn.speaker_track, turn.addressee) == (True, 1, "device")
    assert turn.contributions == {"vision": 0.7}


def test_text_then_decision_and_overlap_picks_the_right_utterance():
    j = TurnJoiner()
    assert j.push(asr(2.0, 0.5, 1.8, "first")) == []
    assert j.push(asr(5.0, 3.0, 4.8, "second")) == []
    [turn] = j.push(final(5.1, 3.05, 4.8, directed=False))
    assert turn.text == "second" and not turn.directed and turn.t_s == 5.1
    assert j.push(Decision(5.2, "early", 6.0, 6.2, 1, 0.8, True)) == []


def test_a_decision_without_text_is_dropped_or_kept_empty_after_the_wait():
    j = TurnJoiner(max_wait_s=1.0)
    j.push(final(2.0, 0.5, 1.8))
    assert j.push(Tick(2.9)) == []
    assert j.push(Tick(3.1)) == []
    k = TurnJoiner(max_wait_s=1.0, keep_without_text=True)
    k.push(final(2.0, 0.5, 1.8))
    [turn] = k.push(Tick(3.1))
    assert turn.text == "" and turn.t_s == 2.0
    k.push(final(4.0, 3.0, 3.8))
    assert [t.start_s for t in k.flush()] == [3.0]
