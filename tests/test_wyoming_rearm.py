"""``ntt.wyoming.rearm``: after a satellite re-arms, its first utterance within the window
is the device's reply (a device turn, open until its speech ends); later ones are people."""

from __future__ import annotations

import math

from ntt.cues import DeviceTurn, SpeechEvent
from ntt.device_context import device_context
from ntt.wyoming.directed import during_device_turn
from ntt.wyoming.rearm import ExpectedReply


def speech(start_s: float, end_s: float) -> list[SpeechEvent]:
    return [SpeechEvent(start_s + 0.1, "speech_start", start_s),
            SpeechEvent(end_s + 0.15, "speech_end", end_s)]


def test_the_first_utterance_after_a_rearm_is_the_reply_and_the_next_is_a_person():
    turns: list[DeviceTurn] = []
    reply = ExpectedReply(turns, within_s=4.0)
    reply.expect(2.0)
    first, second = speech(2.3, 4.0), speech(5.0, 6.5)
    reply.push(first[0])
    assert turns == [DeviceTurn(2.3, math.inf, "")]
    assert device_context(3.0, turns).device_speaking  # fusion hears the device speaking
    reply.push(first[1])
    assert turns == [DeviceTurn(2.3, 4.0, "")]
    for event in second:
        reply.push(event)
    assert len(turns) == 1
    assert during_device_turn(2.3, turns, 0.5) and not during_device_turn(5.0, turns, 0.5)


def test_no_reply_within_the_window_leaves_the_next_utterance_to_the_person():
    turns: list[DeviceTurn] = []
    reply = ExpectedReply(turns, within_s=4.0)
    reply.expect(2.0)
    for event in speech(6.5, 8.0) + speech(9.0, 10.0):
        reply.push(event)
    assert turns == []
    off = ExpectedReply(turns, within_s=0.0)  # the rule turned off
    off.expect(2.0)
    for event in speech(2.3, 4.0):
        off.push(event)
    assert turns == []
