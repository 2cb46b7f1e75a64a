"""The utterance gate with end-of-turn cues: a sure "finished" decides before the VAD's end,
a sure "not finished" holds the decision across a pause (one utterance), anything else —
or no cues at all — times it exactly as the VAD alone did."""

from __future__ import annotations

import numpy as np

from ntt.cues import Decision, EndOfTurn, LexicalCue, SpeechEvent, Tick
from ntt.fusion.rule import rule_fusion
from ntt.settings import TimingSettings

TICK_S = 0.05
HOLDING = TimingSettings(eot_hold_p=0.1)  # holds are off by default (see TimingSettings)


def _run(items, timing=None):
    gate = rule_fusion(timing=timing or TimingSettings())
    out = []
    for item in items:
        out += gate.push(item)
    out += gate.flush()
    return [d for d in out if isinstance(d, Decision) and d.kind == "final"]


def _stream(cues, until_s):
    """Ticks every 50 ms with ``cues`` (sorted by t_s) put before the tick that follows."""
    cues = sorted(cues, key=lambda c: c.t_s)
    out, i = [], 0
    for t in np.arange(0.0, until_s, TICK_S):
        while i < len(cues) and cues[i].t_s <= t:
            out.append(cues[i])
            i += 1
        out.append(Tick(round(float(t), 3)))
    return out + cues[i:]


def _utterance(start, end, lag=0.25):
    return [SpeechEvent(start + 0.1, "speech_start", start),
            SpeechEvent(end + lag, "speech_end", end + 0.03),
            LexicalCue(end + lag, 0.6, "text", True)]


def _eot(t0, t1, p, silence_from):
    return [EndOfTurn(round(t, 3), p, max(0.0, round(t - silence_from, 3)))
            for t in np.arange(t0, t1, 0.032)]


def test_without_cues_or_when_unsure_the_vad_times_the_decision():
    vad = _utterance(1.0, 2.0) + _utterance(3.0, 3.8)
    plain = _run(_stream(vad, 6.0))
    off = _run(_stream(vad, 6.0), TimingSettings(end_of_turn=False))
    unsure = _run(_stream(vad + _eot(2.03, 2.6, 0.5, 2.0) + _eot(3.83, 4.4, 0.4, 3.8), 6.0))
    assert [(d.t_s, d.start_s, d.end_s) for d in plain] == \
        [(d.t_s, d.start_s, d.end_s) for d in off] == \
        [(d.t_s, d.start_s, d.end_s) for d in unsure]
    assert len(plain) == 2 and plain[0].t_s >= 2.25


def test_a_sure_finish_decides_before_the_vads_end():
    cues = _utterance(1.0, 2.0) + _eot(2.0, 2.2, 0.2, 1.97) + _eot(2.2, 2.4, 0.99, 1.97)
    finals = _run(_stream(cues, 4.0))
    assert len(finals) == 1
    d = finals[0]
    assert 2.2 <= d.t_s < 2.25  # the first sure cue, before the VAD's end at 2.25
    assert abs(d.end_s - 1.97) < 0.04 and d.start_s == 1.0


def test_a_sure_unfinished_pause_holds_and_the_request_goes_on():
    # "set a timer for" … 0.6 s … "ten minutes": the VAD ends and starts again.
    first, second = _utterance(1.0, 2.0), _utterance(2.6, 3.4)
    hold = _eot(2.03, 2.7, 0.03, 2.0)
    finals = _run(_stream(first + second + hold, 5.0), HOLDING)
    assert len(finals) == 1
    assert finals[0].start_s == 1.0 and finals[0].end_s > 3.4
    # The same pause without the detector's word is two utterances, as before.
    assert len(_run(_stream(first + second, 5.0), HOLDING)) == 2
    assert len(_run(_stream(first + second + hold, 5.0))) == 2  # holds off: the VAD's


def test_a_hold_lasts_while_the_voice_comes_back_before_the_vads_start():
    """The detector hears speech again (silence 0, p 0) about 100 ms before the VAD's start;
    the hold the pause began goes on through those frames."""
    first, second = _utterance(1.0, 2.0), _utterance(2.6, 3.4)
    pause = _eot(2.03, 2.6, 0.03, 2.0)
    voice_back = [EndOfTurn(round(t, 3), 0.0, 0.0) for t in np.arange(2.6, 3.4, 0.032)]
    finals = _run(_stream(first + second + pause + voice_back, 5.0), HOLDING)
    assert len(finals) == 1
    assert finals[0].start_s == 1.0 and finals[0].end_s > 3.4
    # A pause that sounded finished is not held because the voice comes back.
    finished = _eot(2.03, 2.6, 0.5, 2.0)
    assert len(_run(_stream(first + second + finished + voice_back, 5.0), HOLDING)) == 2


def test_a_hold_ends_after_the_longest_pause():
    timing = HOLDING
    cues = _utterance(1.0, 2.0) + _eot(2.03, 4.0, 0.03, 2.0)
    finals = _run(_stream(cues, 5.0), timing)
    assert len(finals) == 1
    assert abs(finals[0].t_s - (2.03 + timing.eot_max_hold_s)) <= TICK_S + 1e-6


def test_speech_after_an_early_final_opens_a_new_utterance():
    # Sure it is over at 2.2 s, but the speaker goes on at 2.5 s before the VAD ends at 3.4.
    cues = [SpeechEvent(1.1, "speech_start", 1.0), *_eot(2.0, 2.3, 0.99, 1.97),
            *[EndOfTurn(round(t, 3), 0.0, 0.0) for t in np.arange(2.5, 3.2, 0.032)],
            SpeechEvent(3.4, "speech_end", 3.2), LexicalCue(3.4, 0.6, "text", True)]
    finals = _run(_stream(cues, 5.0))
    assert len(finals) == 2
    assert finals[0].t_s < 2.05 and abs(finals[0].end_s - 1.97) < 0.04
    assert 2.4 < finals[1].start_s < 2.6 and finals[1].end_s == 3.2
    # Without the cues it is the VAD's one utterance.
    assert len(_run(_stream([c for c in cues if not isinstance(c, EndOfTurn)], 5.0))) == 1
