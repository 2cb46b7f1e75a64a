"""A transparent late-fusion rule: the baseline every learned model must beat.

Per utterance (voice activity), the speaker is the face whose mouth moved most while speech
ran (ties, e.g. all mouths still, go to the largest face), and ``p_directed`` is that face's
mean ``attending`` score. Without a face the rule has no evidence and says so
(p = ``prior``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ntt.cues import Decision, FacesCue, SourceStatus, SpeechEvent, Tick


@dataclass(frozen=True)
class RuleConfig:
    threshold: float = 0.5
    prior: float = 0.3
    early_after_s: float = 0.3
    history_s: float = 30.0


class RuleFusion:
    """``push(SpeechEvent | FacesCue | Tick | SourceStatus)`` → ``Decision`` list."""

    def __init__(self, config: RuleConfig | None = None):
        self.config = config or RuleConfig()
        self.reset()

    def reset(self) -> None:
        self._faces: deque[FacesCue] = deque()
        self._start_s: float | None = None
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
            if item.kind == "speech_start":
                self._start_s = item.boundary_s
                self._early_sent = False
                return []
            if self._start_s is None:
                return []
            decision = self._decide("final", item.t_s, self._start_s, item.boundary_s)
            self._start_s = None
            return [decision]
        if isinstance(item, Tick) and self._start_s is not None and not self._early_sent:
            if item.t_s - self._start_s >= self.config.early_after_s:
                self._early_sent = True
                return [self._decide("early", item.t_s, self._start_s, item.t_s)]
        return []

    def flush(self) -> list[Decision]:
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
        if not area:
            p = self.config.prior
            return Decision(t_s, kind, start_s, end_s, None, p, p >= self.config.threshold,
                            "unknown", {})
        speaker = max(area, key=lambda tid: (round(mouth[tid] / len(attending[tid]), 2),
                                             area[tid]))
        scores = attending[speaker]
        p = sum(scores) / len(scores)
        directed = p >= self.config.threshold
        others = len(area) > 1
        addressee = "device" if directed else ("person" if others else "unknown")
        return Decision(t_s, kind, start_s, end_s, speaker, p, directed, addressee,
                        {"vision": p})
