"""One trigger per directed utterance, for both Wyoming roles.

Fusion decides each utterance twice: early (0.1 s after the onset) and final (at the
endpoint). A wake word fires once, so the wake service and the satellite act on an
utterance's *first* directed decision: the early one when it is directed, else the final
one. A final decision that overturns an early "directed" cannot take it back (a detection
already went out); the satellite has the audio from the utterance's start either way.

Neither role acts on an utterance that starts while the device speaks (``during_device_turn``):
what the microphone hears then is taken for the device's own voice, whatever echo
cancellation left of it (no barge-in over Wyoming).
"""

from __future__ import annotations

from collections.abc import Sequence

from ntt.cues import Decision, DeviceTurn

_KEY_DECIMALS = 3  # early and final decisions of one utterance share its onset boundary


class DirectedOnsets:
    """``push(decision)`` → the decision when it is its utterance's first directed one."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._fired: set[float] = set()

    def push(self, decision: Decision) -> Decision | None:
        key = round(decision.start_s, _KEY_DECIMALS)
        fired = key in self._fired
        if decision.kind == "final":  # the utterance is over: forget it
            self._fired = {k for k in self._fired if k > key}
            return decision if decision.directed and not fired else None
        if decision.directed and not fired:
            self._fired.add(key)
            return decision
        return None


def during_device_turn(start_s: float, turns: Sequence[DeviceTurn], echo_tail_s: float) -> bool:
    """An utterance starting at ``start_s`` is the device's own voice: it starts within a
    device turn, or within ``echo_tail_s`` of one (the room's reverberation and the VAD's
    onset slack on either side)."""
    return any(turn.start_s - echo_tail_s <= start_s <= turn.end_s + echo_tail_s
               for turn in turns)
