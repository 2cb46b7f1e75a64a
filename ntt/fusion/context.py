"""Interaction context from the device turns recorded with a session (offline). Live, the
conversation engine emits the same ``DeviceContext`` cue."""

from __future__ import annotations

from ntt.cues import DeviceContext, Tick

AWAITING_ANSWER_S = 8.0  # a question from the device stays open this long


class RecordedDeviceContext:
    """``push(Tick)`` → a ``DeviceContext`` whenever what the device is doing changes.
    Causal: at time t it only uses turns that had started by t."""

    def __init__(self, turns: tuple = ()):
        self.turns = sorted(turns, key=lambda t: t.start_s)
        self.reset()

    def reset(self) -> None:
        self._last: tuple | None = None

    def push(self, tick: Tick) -> list[DeviceContext]:
        t = tick.t_s
        started = [turn for turn in self.turns if turn.start_s <= t]
        speaking = any(turn.end_s > t for turn in started)
        ended = [turn for turn in started if turn.end_s <= t]
        last_end = max((turn.end_s for turn in ended), default=None)
        awaiting = bool(ended) and ended[-1].text.rstrip().endswith("?") and \
            t - ended[-1].end_s <= AWAITING_ANSWER_S
        state = (speaking, awaiting, last_end)
        if state == self._last:
            return []
        self._last = state
        return [DeviceContext(t, speaking, awaiting, last_end)]

    def flush(self) -> list:
        return []
