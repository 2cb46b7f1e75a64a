"""The one context rule: what the device is doing, as fusion sees it, from the device's turns.

Live the conversation engine applies it to the turns it has spoken (cut short where it was
interrupted); offline ``RecordedDeviceContext`` applies it to the turns recorded with the
session. So the model runs on exactly the inputs it was trained on.
"""

from __future__ import annotations

from collections.abc import Sequence

from ntt.cues import DeviceContext, DeviceTurn, Tick

# A question from the device stays open this long after it ends: people answer an
# assistant's question within a few seconds (the engine waits as long for the answer).
ANSWER_WINDOW_S = 8.0


def device_context(t_s: float, turns: Sequence[DeviceTurn],
                   answer_window_s: float = ANSWER_WINDOW_S) -> DeviceContext:
    """The context at ``t_s``. Causal: it uses only turns that had started by ``t_s``
    (``turns`` in the order spoken)."""
    started = [turn for turn in turns if turn.start_s <= t_s]
    speaking = any(turn.end_s > t_s for turn in started)
    ended = [turn for turn in started if turn.end_s <= t_s]
    last_end = max((turn.end_s for turn in ended), default=None)
    awaiting = bool(ended) and ended[-1].is_question and \
        t_s - ended[-1].end_s <= answer_window_s
    return DeviceContext(t_s, speaking, awaiting, last_end)


class RecordedDeviceContext:
    """``push(Tick)`` → a ``DeviceContext`` whenever what the recorded device does changes."""

    def __init__(self, turns: Sequence[DeviceTurn] = (),
                 answer_window_s: float = ANSWER_WINDOW_S):
        self.turns = sorted(turns, key=lambda t: t.start_s)
        self.answer_window_s = answer_window_s
        self.reset()

    def reset(self) -> None:
        self._last: tuple | None = None

    def push(self, tick: Tick) -> list[DeviceContext]:
        if not isinstance(tick, Tick):
            raise TypeError(f"RecordedDeviceContext takes Tick, not {type(tick).__name__}")
        ctx = device_context(tick.t_s, self.turns, self.answer_window_s)
        state = (ctx.device_speaking, ctx.awaiting_answer, ctx.last_device_end_s)
        if state == self._last:
            return []
        self._last = state
        return [ctx]

    def flush(self) -> list:
        return []
