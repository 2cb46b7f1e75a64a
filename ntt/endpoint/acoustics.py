"""What the voice says about a turn ending, from the prosody front-end's 32 ms frames.

Silence here is the *speaker's* silence. A frame above the noise floor counts as speech
while it is within ``active_drop_db`` of the level this turn's voiced frames had, or, when
silero scores it as speech (``SpeechProbability`` of the same window, when the VAD emits
them), within ``silero_drop_db``. Silero alone stays high while a television or a
reverberant tail goes on after the speaker stopped, which is what makes the VAD's end
late; the speaker's own level falls within a frame or two. The level alone dips inside
words (closures, fricatives), where silero holds. At the start of each silence the stage
freezes how the speech before it ended, the cues listeners use (Gravano & Hirschberg
2011; Skantze 2021):

* ``f0_slope`` — the pitch slope over the last voiced 0.4 s (a statement falls);
* ``final_low`` — where the last pitch lies in the turn's range (finished turns end low);
* ``lengthening`` — the last voiced stretch against the turn's typical one (final
  syllables are drawn out);
* ``decay`` — the level slope over the last 0.2 s of speech (energy fades at an end, stops
  dead at a hesitation);
* and, every frame, ``drop`` — how far below the turn's speech level the room is now.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from ntt.cues import ProsodyFrame

WINDOW_S = 0.032  # the prosody front-end's frame (silero's window)
FINAL_PITCH_S = 0.4
FINAL_LEVEL_S = 0.2
LEVEL_EMA = 0.2  # weight of each new voiced frame in the turn's speech level
MAX_HISTORY = 64  # frames kept for the final pitch and level (2 s)


def semitones(f0_hz: float) -> float:
    return 12.0 * math.log2(f0_hz / 100.0)


def _slope(points: list[tuple[float, float]]) -> float:
    if len(points) < 3:
        return float("nan")
    t, y = np.array(points).T
    if np.ptp(t) <= 0:
        return float("nan")
    return float(np.polyfit(t, y, 1)[0])


@dataclass(frozen=True)
class Ending:
    """How the speech before the current silence ended (NaN where not measurable)."""

    f0_slope_st_per_s: float
    final_low_st: float
    lengthening: float
    decay_db_per_s: float


NO_ENDING = Ending(float("nan"), float("nan"), float("nan"), float("nan"))


class TurnAcoustics:
    """Per-turn state over ``ProsodyFrame``s: the speaker's silence so far and the ending."""

    def __init__(self, active_drop_db: float = 12.0, min_snr_db: float = 6.0,
                 speech_p: float = 0.5, silero_drop_db: float = 20.0):
        self.active_drop_db = active_drop_db
        self.min_snr_db = min_snr_db
        self.speech_p = speech_p
        self.silero_drop_db = silero_drop_db
        self.reset()

    def reset(self) -> None:
        self.speech_level_dbfs: float | None = None
        self.level_dbfs = float("nan")
        self.p_speech = 1.0
        self.speech_s = 0.0
        self.silence_s = 0.0
        self.ending = NO_ENDING
        self._last_active_end_s: float | None = None
        self._pitch: deque[tuple[float, float]] = deque(maxlen=MAX_HISTORY)
        self._levels: deque[tuple[float, float]] = deque(maxlen=MAX_HISTORY)
        self._all_pitch: list[float] = []
        self._run_s = 0.0
        self._runs: list[float] = []

    def _active(self, f: ProsodyFrame, p_speech: float | None) -> bool:
        if not math.isfinite(f.snr_db) or f.snr_db < self.min_snr_db:
            return False
        if self.speech_level_dbfs is None:
            return p_speech is None or p_speech >= self.speech_p
        drop = self.speech_level_dbfs - f.level_dbfs
        if p_speech is not None and p_speech >= self.speech_p:
            return drop <= self.silero_drop_db
        return drop <= self.active_drop_db

    def push(self, f: ProsodyFrame, p_speech: float | None = None) -> None:
        """One frame, with silero's score of the same window where there is one."""
        end_s = f.t_s + WINDOW_S
        self.level_dbfs = f.level_dbfs
        self.p_speech = 1.0 if p_speech is None else p_speech
        active = self._active(f, p_speech)
        if active and f.voiced:
            lvl = self.speech_level_dbfs
            self.speech_level_dbfs = f.level_dbfs if lvl is None else \
                lvl + LEVEL_EMA * (f.level_dbfs - lvl)
            st = semitones(f.f0_hz)
            self._pitch.append((f.t_s, st))
            self._all_pitch.append(st)
            self._run_s += WINDOW_S
        elif self._run_s > 0:
            self._runs.append(self._run_s)
            self._run_s = 0.0
        if active:
            if self.silence_s > 0:
                self.ending = NO_ENDING
            self._levels.append((f.t_s, f.level_dbfs))
            self._last_active_end_s = end_s
            self.speech_s += WINDOW_S
            self.silence_s = 0.0
            return
        if self._last_active_end_s is None:
            return  # nothing spoken yet in this turn
        if self.silence_s == 0.0:
            self.ending = self._ending(self._last_active_end_s)
        self.silence_s = end_s - self._last_active_end_s

    def _ending(self, end_s: float) -> Ending:
        pitch = [(t, st) for t, st in self._pitch if t >= end_s - FINAL_PITCH_S]
        levels = [(t, lv) for t, lv in self._levels if t >= end_s - FINAL_LEVEL_S]
        final_low = float("nan")
        if pitch and len(self._all_pitch) >= 5:
            final_low = float(np.median([st for _, st in pitch[-3:]])
                              - np.median(self._all_pitch))
        runs = self._runs + ([self._run_s] if self._run_s > 0 else [])
        lengthening = float("nan")
        if len(runs) >= 3:
            lengthening = math.log(runs[-1] / float(np.median(runs[:-1])))
        return Ending(_slope(pitch), final_low, lengthening, _slope(levels))

    @property
    def drop_db(self) -> float:
        """How far the room is below the turn's speech level now (0 before any speech)."""
        if self.speech_level_dbfs is None or not math.isfinite(self.level_dbfs):
            return 0.0
        return max(0.0, self.speech_level_dbfs - self.level_dbfs)
