"""Countdown timers on the engine's clock (offline the session clock, live the wall clock
as the pipeline stamps it). They fire when ``due(t_s)`` is asked at or after their end; they
live in memory only — a restart of the device ends them, as on most assistants."""

from __future__ import annotations

from dataclasses import dataclass

SECONDS_PER_MINUTE = 60
SECONDS_PER_HOUR = 3600


@dataclass
class Timer:
    id: int
    duration_s: float
    due_s: float
    name: str | None = None
    speaker_track: int | None = None
    paused_remaining_s: float | None = None  # set while paused

    def remaining_s(self, t_s: float) -> float:
        if self.paused_remaining_s is not None:
            return self.paused_remaining_s
        return max(0.0, self.due_s - t_s)

    @property
    def label(self) -> str:
        """How people call it: "pasta timer", "5 minute timer"."""
        if self.name:
            return f"{self.name} timer"
        return f"{spoken_duration(self.duration_s, compact=True)} timer"


def spoken_duration(seconds: float, compact: bool = False) -> str:
    """``330`` → "5 minutes and 30 seconds" (compact: "5 minute 30 second")."""
    total = int(round(seconds))
    h, rest = divmod(total, SECONDS_PER_HOUR)
    m, s = divmod(rest, SECONDS_PER_MINUTE)
    parts = []
    for value, unit in ((h, "hour"), (m, "minute"), (s, "second")):
        if value:
            parts.append(f"{value} {unit}" + ("" if compact or value == 1 else "s"))
    if not parts:
        return "0 second" if compact else "0 seconds"
    if compact:
        return " ".join(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def slot_seconds(slots: dict) -> float:
    """Duration from Home Assistant timer slots (hours/minutes/seconds, numbers)."""
    return (float(slots.get("hours", 0) or 0) * SECONDS_PER_HOUR
            + float(slots.get("minutes", 0) or 0) * SECONDS_PER_MINUTE
            + float(slots.get("seconds", 0) or 0))


class TimerBank:
    """Running timers. ``find`` resolves which timer a request means."""

    def __init__(self):
        self.timers: list[Timer] = []
        self._next_id = 1

    def start(self, duration_s: float, t_s: float, name: str | None = None,
              speaker_track: int | None = None) -> Timer:
        timer = Timer(self._next_id, duration_s, t_s + duration_s, name, speaker_track)
        self._next_id += 1
        self.timers.append(timer)
        return timer

    def due(self, t_s: float) -> list[Timer]:
        """Timers whose time is up at ``t_s`` (removed from the bank), soonest first."""
        done = sorted((x for x in self.timers
                       if x.paused_remaining_s is None and x.due_s <= t_s), key=lambda x: x.due_s)
        self.timers = [x for x in self.timers if x not in done]
        return done

    def next_due_s(self) -> float | None:
        running = [x.due_s for x in self.timers if x.paused_remaining_s is None]
        return min(running) if running else None

    def find(self, slots: dict) -> list[Timer]:
        """Timers a request names (by name, or by its duration), else all of them."""
        name = slots.get("name")
        if name:
            return [x for x in self.timers if x.name == name]
        if any(k in slots for k in ("hours", "minutes", "seconds")):
            wanted = slot_seconds(slots)
            same = [x for x in self.timers if abs(x.duration_s - wanted) < 1.0]
            if same:
                return same
        return list(self.timers)

    def cancel(self, timer: Timer) -> None:
        self.timers = [x for x in self.timers if x.id != timer.id]

    def pause(self, timer: Timer, t_s: float) -> None:
        if timer.paused_remaining_s is None:
            timer.paused_remaining_s = timer.remaining_s(t_s)

    def resume(self, timer: Timer, t_s: float) -> None:
        if timer.paused_remaining_s is not None:
            timer.due_s = t_s + timer.paused_remaining_s
            timer.paused_remaining_s = None

    def add(self, timer: Timer, delta_s: float, t_s: float) -> None:
        if timer.paused_remaining_s is not None:
            timer.paused_remaining_s = max(0.0, timer.paused_remaining_s + delta_s)
        else:
            timer.due_s = max(t_s, timer.due_s + delta_s)
        timer.duration_s = max(0.0, timer.duration_s + delta_s)

    def clear(self) -> None:
        self.timers.clear()
