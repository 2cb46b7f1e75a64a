"""What a satellite's re-arm tells its wake service: the device is about to speak.

A wake service never hears the satellite's loudspeaker as such, only its microphone. After a
detection a satellite (wyoming-satellite's ``WakeStreamingSatellite``) streams the
microphone to Home Assistant instead of to the wake service; when Home Assistant has the
transcript it sends ``detect`` again and resumes streaming to the wake service, at about
the moment Home Assistant's spoken reply starts to play through the satellite's speaker,
into that same microphone, where nothing cancels it (a Wyoming stream carries no playback
reference). Left alone, NTT would take the reply for a request, and the satellite would
answer itself.

``ExpectedReply`` turns the re-arm into the device's turn: the first utterance that starts
within ``reply_within_s`` of it is the reply. It is added to the device's turns (open until
that utterance's speech ends), so fusion's context sees the device speaking, and the wake
service detects nothing that starts during it (``ntt.wyoming.directed.during_device_turn``).
A satellite that plays no reply loses at most the first utterance in that window.
"""

from __future__ import annotations

import math
from dataclasses import replace

from ntt.cues import DeviceTurn, SpeechEvent

REPLY_TEXT = ""  # the wake service never learns what the reply said


class ExpectedReply:
    """``expect(t_s)`` at a re-arm; ``push(item)`` every pipeline output, in order, before the
    decisions among them are judged. ``turns`` is the device-turn list the pipeline's context
    stage reads (``HomeAssistantTurns.device_turns``), grown in place."""

    def __init__(self, turns: list[DeviceTurn], within_s: float):
        self.turns = turns
        self.within_s = within_s
        self._since: float | None = None  # the re-arm, while a reply is expected
        self._open = False  # the reply's utterance is still going

    def expect(self, t_s: float) -> None:
        if self.within_s > 0 and not self._open:
            self._since = t_s

    def push(self, item) -> None:
        if not isinstance(item, SpeechEvent):
            return
        if item.kind == "speech_start" and self._since is not None:
            if item.boundary_s - self._since <= self.within_s:
                self.turns.append(DeviceTurn(item.boundary_s, math.inf, REPLY_TEXT))
                self._open = True
            self._since = None  # a later utterance is a person's, whatever came before
        elif item.kind == "speech_end" and self._open:
            self.turns[-1] = replace(self.turns[-1], end_s=item.boundary_s)
            self._open = False
