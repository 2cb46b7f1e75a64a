"""A transparent, hand-set late-fusion rule: the baseline every learned model must beat.

Per utterance (voice activity), the speaker is the face whose mouth moved most while
speech ran (ties go to the largest face). The vision score is that face's mean
``attending``; the language score is the lexical model's p(directed) of the final
recognition. ``p_directed`` is the mean of the scores that are available (no face, no
text → ``prior``). Early decisions use what is known at ``early_after_s``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ntt.cues import Decision, FacesCue, SourceStatus, SpeechEvent, Tick
from ntt.fusion.features import EARLY_AFTER_S


@dataclass(frozen=True)
class RuleConfig:
    threshold: float = 0.5
    prior: float = 0.3
    early_after_s: float = EARLY_AFTER_S
    final_wait_s: float = 0.3
    history_s: float = 30.0


class RuleFusion:
    """``push(cue)`` → ``Decision`` list, the same contract as the learned fusion."""

    def __init__(self, config: RuleConfig | None = None):
        self.config = config or RuleConfig()
        self.reset()

    def reset(self) -> None:
        self._faces: deque[FacesCue] = deque()
        self._start_s: float | None = None
        self._end: SpeechEvent | None = None
        self._lexical: float | None = None
        self._early_sent = False
        self._camera_on = True

    def push(self, item) -> list[Decision]:
        if isinstance(item, SourceStatus):
            if item.kind in ("camera_lost", "privacy_on"):
                self._camera_on = False
            elif item.kind in ("camera_back", "privacy_off"):
                self._camera_on = True
            return []
        if isinstance(item, FacesCue):
            self._faces.append(item)
            while self._faces and item.t_s - self._faces[0].t_s > self.config.history_s:
                self._faces.popleft()
            return []
        if isinstance(item, SpeechEvent):
            out = []
            if item.kind == "speech_start":
                if self._start_s is not None and self._end is not None:
                    # The next utterance began before the last one's recognition came in.
                    out.append(self._decide("final", item.t_s, self._start_s,
                                            self._end.boundary_s))
                self._start_s, self._end, self._lexical = item.boundary_s, None, None
                self._early_sent = False
            elif self._start_s is not None:
                self._end = item
            return out
        if type(item).__name__ == "LexicalCue" and getattr(item, "final", True):
            if self._start_s is not None:
                self._lexical = float(item.p_directed)
            return []
        if isinstance(item, Tick) and self._start_s is not None:
            return self._tick(item)
        return []

    def _tick(self, tick: Tick) -> list[Decision]:
        cfg = self.config
        if self._end is None:
            if not self._early_sent and tick.t_s - self._start_s >= cfg.early_after_s:
                self._early_sent = True
                return [self._decide("early", tick.t_s, self._start_s, tick.t_s)]
            return []
        if self._lexical is not None or tick.t_s - self._end.t_s >= cfg.final_wait_s:
            decision = self._decide("final", tick.t_s, self._start_s, self._end.boundary_s)
            self._start_s, self._end = None, None
            return [decision]
        return []

    def flush(self) -> list[Decision]:
        if self._start_s is not None and self._end is not None:
            return [self._decide("final", self._end.t_s, self._start_s, self._end.boundary_s)]
        return []

    def _decide(self, kind, t_s: float, start_s: float, end_s: float) -> Decision:
        frames = [c for c in self._faces if start_s <= c.t_s <= end_s] if self._camera_on else []
        area: dict[int, float] = {}
        mouth: dict[int, float] = {}
        attending: dict[int, list[float]] = {}
        for cue in frames:
            for face in cue.faces:
                tid = face.track_id
                area[tid] = area.get(tid, 0.0) + face.box_xywh[2] * face.box_xywh[3]
                mouth[tid] = mouth.get(tid, 0.0) + face.mouth_activity
                attending.setdefault(tid, []).append(face.attending)
        scores: dict[str, float] = {}
        speaker = None
        if area:
            speaker = max(area, key=lambda tid: (round(mouth[tid] / len(attending[tid]), 2),
                                                 area[tid]))
            scores["vision"] = sum(attending[speaker]) / len(attending[speaker])
        if kind == "final" and self._lexical is not None:
            scores["language"] = self._lexical
        p = sum(scores.values()) / len(scores) if scores else self.config.prior
        directed = p >= self.config.threshold
        addressee = "device" if directed else ("person" if len(area) > 1 else "unknown")
        return Decision(t_s, kind, start_s, end_s, speaker, p, directed, addressee, scores)
