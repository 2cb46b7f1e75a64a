"""The utterance gate with end-of-turn cues: a sure "finished" ends the turn before the VAD's
end and decides once the front-ends have summed it up, a sure "not finished" holds the
decision across a pause (one utterance), anything else — or no cues at all — times it
exactly as the VAD alone did."""

from __future__ import annotations

import numpy as np

from ntt.audio.prosody import ProsodyAnalyzer
from ntt.cues import AudioChunk, Decision, EndOfTurn, LexicalCue, SpeechEvent, Tick, TurnEvent
from ntt.fusion.rule import rule_fusion
from ntt.settings import TimingSettings

TICK_S = 0.05
HOLDING = TimingSettings(eot_hold_p=0.1)  # holds are off by default (see TimingSettings)


def _run(items, timing=None, answer_after_s=0.032, everything=False):
    """The gate over ``items``; a ``turn_end`` it sends is answered ``answer_after_s`` later
    with the final words (as the recognizer and lexical stages answer it in the pipeline,
    one 32 ms chunk on; None: never)."""
    gate = rule_fusion(timing=timing or TimingSettings())
    out, answers = [], []
    for item in items:
        while answers and answers[0].t_s <= item.t_s:
            out += gate.push(answers.pop(0))
        produced = gate.push(item)
        out += produced
        answers += [LexicalCue(round(e.t_s + answer_after_s, 3), 0.6, "early words", True)
                    for e in produced if isinstance(e, TurnEvent) and e.kind == "turn_end"
                    and answer_after_s is not None]
    out += gate.flush()
    return out if everything else [d for d in out if isinstance(d, Decision)
                                   and d.kind == "final"]


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


def test_a_sure_finish_ends_the_turn_and_decides_once_the_words_are_in():
    # The VAD ends at 2.4 s (its words with it).
    cues = _utterance(1.0, 2.0, lag=0.4) + _eot(2.0, 2.2, 0.2, 1.97) + \
        _eot(2.2, 2.6, 0.99, 1.97)
    out = _run(_stream(cues, 4.0), everything=True)
    ends = [e for e in out if isinstance(e, TurnEvent)]
    finals = [d for d in out if isinstance(d, Decision) and d.kind == "final"]
    # The first sure cue ends the turn where the silence began.
    assert [(e.kind, e.t_s) for e in ends] == [("turn_end", 2.2)]
    assert abs(ends[0].boundary_s - 1.97) < 0.04
    assert len(finals) == 1
    d = finals[0]
    assert d.t_s == 2.25  # the first tick after the words (2.232), before the VAD's end
    assert d.end_s == ends[0].boundary_s and d.start_s == 1.0
    # Words that never come: the final waits final_wait_s, as after a VAD end; the VAD's
    # end meanwhile does not move the gate's.
    silent = [c for c in cues if not isinstance(c, LexicalCue)]
    late = _run(_stream(silent, 4.0), answer_after_s=None)
    assert len(late) == 1 and late[0].end_s == d.end_s
    assert abs(late[0].t_s - (2.2 + TimingSettings().final_wait_s)) <= TICK_S


def test_without_a_recognizer_the_prosody_sums_the_turn_up(speech_clips):
    gate = rule_fusion(awaits_words=False)
    start = SpeechEvent(1.1, "speech_start", 1.0)
    # The utterance's prosody, as the prosody stage makes it from real read speech.
    analyzer = ProsodyAnalyzer()
    speech = speech_clips[0].audio
    samples = np.concatenate([np.zeros(8000, np.float32), speech]).astype(np.float32)
    analyzer.push(AudioChunk(0.5, samples))
    analyzer.push(start)
    summed = analyzer.push(TurnEvent(2.2, "turn_end", 1.97))
    assert len(summed) == 1 and summed[0].end_s <= 1.97 + 1e-6
    # The VAD's end after the gate's: the utterance is closed already.
    assert analyzer.push(SpeechEvent(2.3, "speech_end", 2.0)) == []
    out = []
    for item in _stream([start, *_eot(2.0, 2.25, 0.99, 1.97)], 2.3):
        out += gate.push(item)
    assert [e.kind for e in out if isinstance(e, TurnEvent)] == ["turn_end"]
    assert not [d for d in out if isinstance(d, Decision) and d.kind == "final"]
    end = next(e for e in out if isinstance(e, TurnEvent))
    out = gate.push(summed[0]) + gate.push(Tick(2.3))
    assert [d.kind for d in out] == ["final"] and out[0].end_s == end.boundary_s


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
    out = _run(_stream(cues, 5.0), everything=True)
    finals = [d for d in out if isinstance(d, Decision) and d.kind == "final"]
    assert len(finals) == 2
    assert finals[0].t_s <= 2.05 and abs(finals[0].end_s - 1.97) < 0.04
    assert 2.4 < finals[1].start_s < 2.6 and finals[1].end_s == 3.2
    # The front-ends hear the turn end and the new turn begin where the gate saw them.
    events = [(e.kind, e.boundary_s) for e in out if isinstance(e, TurnEvent)]
    assert events == [("turn_end", finals[0].end_s), ("turn_resume", finals[1].start_s)]
    # Without the cues it is the VAD's one utterance.
    assert len(_run(_stream([c for c in cues if not isinstance(c, EndOfTurn)], 5.0))) == 1
