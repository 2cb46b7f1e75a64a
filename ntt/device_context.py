"""The one context rule: what the device is doing, as fusion sees it, from the device's turns.

One stage, ``DeviceContextStage``, applies it on every tick, before fusion: offline to the turns
recorded with the session, live to the conversation engine's own list of what it has said (cut
short where it was interrupted), read as it grows. So the model runs on exactly the inputs it
was trained on, at the same tick.

A turn counts as spoken over ``start_s < t <= end_s``: a turn the engine starts at the tick of
the decision that caused it, or stops there (barge-in), is known from the next tick on, live
and in replay alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from ntt.cues import DeviceContext, DeviceTurn, Tick
from ntt.stage import refuse

# A question from the device stays open this long after it ends: people answer an
# assistant's question within a few seconds (the engine waits as long for the answer).
ANSWER_WINDOW_S = 8.0


def device_context(t_s: float, turns: Sequence[DeviceTurn],
                   answer_window_s: float = ANSWER_WINDOW_S) -> DeviceContext:
    """The context at ``t_s``. Causal: it uses only turns that had started by ``t_s``
    (``turns`` in the order spoken)."""
    started = [turn for turn in turns if turn.start_s < t_s]
    speaking = any(turn.end_s >= t_s for turn in started)
    ended = [turn for turn in started if turn.end_s < t_s]
    last_end = max((turn.end_s for turn in ended), default=None)
    awaiting = bool(ended) and ended[-1].is_question and \
        t_s - ended[-1].end_s <= answer_window_s
    return DeviceContext(t_s, speaking, awaiting, last_end)


class DeviceContextStage:
    """``push(Tick)`` → a ``DeviceContext`` whenever what the device does changes. ``turns``
    in the order spoken: a session's recording, or the live engine's ``device_turns`` (kept
    by reference, so turns it adds later count from then on)."""

    def __init__(self, turns: Sequence[DeviceTurn] = (),
                 answer_window_s: float = ANSWER_WINDOW_S):
        self.turns = turns
        self.answer_window_s = answer_window_s
        self.reset()

    def reset(self) -> None:
        self._last: tuple | None = None

    def push(self, tick: Tick) -> list[DeviceContext]:
        if not isinstance(tick, Tick):
            refuse(self, tick, (Tick,))
        ctx = device_context(tick.t_s, self.turns, self.answer_window_s)
        state = (ctx.device_speaking, ctx.awaiting_answer, ctx.last_device_end_s)
        if state == self._last:
            return []
        self._last = state
        return [ctx]

    def flush(self) -> list:
        return []
