"""A transparent, hand-set late-fusion rule: the baseline every learned model must beat.

Per utterance (voice activity), the speaker is the face whose mouth moved most while
speech ran (ties go to the largest face). The vision score is that face's mean
``attending``; the language score is the lexical model's p(directed) of the final
recognition. ``p_directed`` is the mean of the scores that are available (no face, no
text → ``prior``). When it decides is the gate's (``ntt.fusion.gate``), as for the model.
"""

from __future__ import annotations

from collections import deque
from typing import Literal

from ntt.cues import FacesCue, LexicalCue, SourceStatus, SpeechEvent, Tick
from ntt.fusion.features import FUSION_INPUTS, FusionInput
from ntt.fusion.gate import UtteranceGate, Verdict
from ntt.settings import RuleSettings, TimingSettings
from ntt.stage import refuse


class RuleScorer:
    """The rule as a scorer behind the utterance gate."""

    def __init__(self, settings: RuleSettings | None = None, threshold: float | None = None):
        self.settings = settings or RuleSettings()
        self.threshold = self.settings.threshold if threshold is None else threshold
        self.reset()

    def reset(self) -> None:
        self._faces: deque[FacesCue] = deque()
        self._in_utterance = False
        self._lexical: float | None = None
        self._camera_on = True

    def observe(self, item: FusionInput) -> None:
        match item:
            case SourceStatus(kind="camera_lost" | "privacy_on"):
                self._camera_on = False
            case SourceStatus(kind="camera_back" | "privacy_off"):
                self._camera_on = True
            case FacesCue():
                self._faces.append(item)
                while self._faces and item.t_s - self._faces[0].t_s > self.settings.history_s:
                    self._faces.popleft()
            case SpeechEvent(kind="speech_start"):
                self._in_utterance, self._lexical = True, None
            case LexicalCue(final=True) if self._in_utterance:
                self._lexical = float(item.p_directed)
            case _ if isinstance(item, FUSION_INPUTS):
                pass  # the rule reads faces and words only
            case _:
                refuse(self, item, FUSION_INPUTS)

    def step(self, tick: Tick) -> None:
        pass

    def end_utterance(self, p_directed: float, directed: bool) -> None:
        self._in_utterance = False

    def verdict(self, kind: Literal["early", "final"], start_s: float, end_s: float
                ) -> Verdict:
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
        p = sum(scores.values()) / len(scores) if scores else self.settings.prior
        return Verdict(p, speaker, len(area), scores)


def rule_fusion(settings: RuleSettings | None = None, threshold: float | None = None,
                timing: TimingSettings | None = None, awaits_words: bool = True
                ) -> UtteranceGate:
    """The rule behind the utterance gate: a fusion stage like the model's
    (``awaits_words`` as in ``UtteranceGate``)."""
    return UtteranceGate(RuleScorer(settings, threshold), timing, awaits_words)
