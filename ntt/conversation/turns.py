"""Joins final fusion decisions with the recogniser's final text into ``Turn``s.

Both describe the same VAD utterance but arrive separately (and in either order), so the
joiner holds each until its partner comes — matched by time overlap — or until it has waited
``max_wait_s`` of session time.
"""

from __future__ import annotations

import logging

from ntt.cues import AsrResult, Decision, Tick, Turn
from ntt.matching import HasSpan, overlap
from ntt.settings import EngineSettings
from ntt.stage import refuse

log = logging.getLogger(__name__)

MIN_OVERLAP = 0.5  # of the shorter span


def _overlap(a: HasSpan, b: HasSpan) -> float:
    """Overlap as a share of the shorter span (a decision and its recognition describe the
    same VAD utterance, so they should nearly coincide)."""
    shorter = max(1e-6, min(a.end_s - a.start_s, b.end_s - b.start_s))
    return overlap(a, b) / shorter


class TurnJoiner:
    """A small stage: push final ``Decision``s, ASR finals and ``Tick``s; get ``Turn``s.

    ``Turn.t_s`` is when both halves are known (the later of the two). A decision whose text
    never comes is dropped after ``max_wait_s`` (``keep_without_text``: passed on with empty
    text instead, so a directed one gets "Sorry, I didn't catch that.")."""

    def __init__(self, max_wait_s: float = EngineSettings.asr_wait_s,
                 keep_without_text: bool = False):
        self.max_wait_s = max_wait_s
        self.keep_without_text = keep_without_text
        self._decisions: list[Decision] = []
        self._texts: list[AsrResult] = []

    def push(self, item: Decision | AsrResult | Tick) -> list[Turn]:
        if isinstance(item, Decision):
            if item.kind != "final":
                return []
            match = max(self._texts, key=lambda r: _overlap(item, r), default=None)
            if match is not None and _overlap(item, match) >= MIN_OVERLAP:
                self._texts.remove(match)
                return [self._join(item, match)] + self._expire(item.t_s)
            self._decisions.append(item)
            return self._expire(item.t_s)
        if isinstance(item, Tick):
            return self._expire(item.t_s)
        if isinstance(item, AsrResult):
            match = max(self._decisions, key=lambda d: _overlap(d, item), default=None)
            if match is not None and _overlap(match, item) >= MIN_OVERLAP:
                self._decisions.remove(match)
                return [self._join(match, item)] + self._expire(item.t_s)
            self._texts.append(item)
            return self._expire(item.t_s)
        refuse(self, item, (Decision, AsrResult, Tick))

    def flush(self) -> list[Turn]:
        return self._expire(float("inf"))

    def reset(self) -> None:
        self._decisions.clear()
        self._texts.clear()

    @staticmethod
    def _join(decision: Decision, result: AsrResult) -> Turn:
        texts = [h.text for h in result.hypotheses]
        turn = Turn.from_decision(decision, texts[0] if texts else "", tuple(texts[1:]))
        t_s = max(decision.t_s, result.t_s)
        return Turn(t_s, turn.start_s, turn.end_s, turn.speaker_track, turn.directed,
                    turn.p_directed, turn.text, turn.nbest, turn.addressee, turn.contributions)

    def _expire(self, t_s: float) -> list[Turn]:
        out = []
        for d in [d for d in self._decisions if t_s - d.t_s > self.max_wait_s]:
            self._decisions.remove(d)
            if self.keep_without_text:
                out.append(Turn.from_decision(d, ""))
            else:
                log.debug("decision at %.2f s got no text; dropped", d.t_s)
        self._texts = [r for r in self._texts if t_s - r.t_s <= self.max_wait_s]
        return out
