"""Every cue the pipeline emitted for one session, indexed by time (no Qt).

The worker runs the pipeline ahead of the playhead; the window asks this store what was
known at the playhead. Seeking back reads stored results and never re-runs a stage.

Cues are told apart by type (``ntt.cues``); a type the store does not draw is counted.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ntt.cues import (
    AsrDecoderCue,
    AsrResult,
    Decision,
    DeviceContext,
    EndOfTurn,
    Face,
    FacesCue,
    LexicalCue,
    PartialHypothesis,
    ProsodyFrame,
    Say,
    SkillRun,
    SourceStatus,
    SpeechEvent,
    SpeechProbability,
    Transition,
    TurnEvent,
    TurnOutcome,
    UtteranceProsody,
)
from ntt.matching import Span, best_overlap

# A FacesCue older than this at the playhead is not drawn (camera stalled or privacy on).
STALE_FACES_S = 0.3
# An early and a final decision belong to the same utterance when their starts are this close.
SAME_UTTERANCE_S = 0.05
DEFAULT_THRESHOLD = 0.5

# Categories ``add`` reports, so the window redraws only the panes that changed.
FACES, SPEECH, DECISIONS, ASR, SCORES, STATUS, ENGINE, OTHER = (
    "faces", "speech", "decisions", "asr", "scores", "status", "engine", "other")


@dataclass
class SpeechSegment:
    """Voice activity from ``start_s`` to ``end_s`` (None while the utterance still runs)."""

    start_s: float
    end_s: float | None = None


@dataclass(frozen=True)
class EngineState:
    """The conversation engine entered ``state`` at ``t_s``."""

    t_s: float
    state: str


@dataclass(frozen=True)
class Reply:
    """Something the device said (or will say) at ``t_s``."""

    t_s: float
    text: str
    end_s: float | None = None


class CueStore:
    """Append cues in the order the pipeline emits them; query by session time."""

    def __init__(self, duration_s: float = 0.0, threshold: float = DEFAULT_THRESHOLD):
        self.duration_s = duration_s
        self.threshold = threshold
        self.clear()

    def clear(self) -> None:
        self.faces: list[FacesCue] = []
        self._face_t: list[float] = []
        self.speech: list[SpeechSegment] = []
        self.decisions: list[Decision] = []
        self.partials: list[Any] = []  # PartialHypothesis-like: t_s, start_s, text
        self.asr_finals: list[Any] = []  # AsrResult-like: t_s, start_s, end_s, text, hypotheses
        self.decoder: list[Any] = []  # AsrDecoderCue-like
        self.prosody: list[Any] = []  # UtteranceProsody-like
        self.lexical: list[Any] = []  # LexicalCue-like: t_s, p_directed, text, final, intent
        self.speech_prob: list[tuple[float, float]] = []
        self.end_of_turn: list[tuple[float, float]] = []  # (t_s, p_finished)
        self.turn_events: list[TurnEvent] = []  # where the gate ended turns before the VAD
        self.pitch: list[tuple[float, float]] = []  # (t_s, f0_hz) of voiced prosody frames
        self.status: list[SourceStatus] = []
        self.engine_states: list[EngineState] = []  # the conversation engine's transitions
        self.context_states: list[EngineState] = []  # from DeviceContext (recorded or live)
        self.replies: list[Reply] = []
        self.outcomes: list[Any] = []  # TurnOutcome-like: t_s, start_s, end_s, outcome, text
        self.skills: list[Any] = []  # SkillRun-like: t_s, intent, slots, ok, reply
        self.other_counts: Counter[str] = Counter()
        self.processed_s = 0.0

    # --- adding ---------------------------------------------------------------------------

    def add_many(self, cues: list) -> set[str]:
        return {self.add(cue) for cue in cues}

    def add(self, cue: Any) -> str:
        """File one cue; returns the category it went to."""
        t = getattr(cue, "t_s", None)
        if isinstance(t, float | int):
            self.processed_s = max(self.processed_s, float(t))
        if isinstance(cue, FacesCue):
            if self._face_t and cue.t_s < self._face_t[-1]:
                i = bisect.bisect_right(self._face_t, cue.t_s)
                self._face_t.insert(i, cue.t_s)
                self.faces.insert(i, cue)
            else:
                self._face_t.append(cue.t_s)
                self.faces.append(cue)
            return FACES
        if isinstance(cue, SpeechEvent):
            if cue.kind == "speech_start":
                self.speech.append(SpeechSegment(cue.boundary_s))
            elif self.speech and self.speech[-1].end_s is None:
                self.speech[-1].end_s = cue.boundary_s
            return SPEECH
        if isinstance(cue, Decision):
            self.decisions.append(cue)
            return DECISIONS
        if isinstance(cue, SourceStatus):
            self.status.append(cue)
            return STATUS
        if isinstance(cue, PartialHypothesis):
            self.partials.append(cue)
            return ASR
        if isinstance(cue, AsrResult):
            self.asr_finals.append(cue)
            return ASR
        if isinstance(cue, AsrDecoderCue):
            self.decoder.append(cue)
            return ASR
        if isinstance(cue, ProsodyFrame):
            if cue.voiced and not math.isnan(cue.f0_hz):
                self.pitch.append((float(cue.t_s), float(cue.f0_hz)))
            return SPEECH
        if isinstance(cue, EndOfTurn):
            self.end_of_turn.append((float(cue.t_s), float(cue.p_finished)))
            return SPEECH
        if isinstance(cue, TurnEvent):
            self.turn_events.append(cue)
            return SPEECH
        if isinstance(cue, UtteranceProsody):
            self.prosody.append(cue)
            return SCORES
        if isinstance(cue, SpeechProbability):
            self.speech_prob.append((float(cue.t_s), float(cue.p_speech)))
            return SCORES
        if isinstance(cue, LexicalCue):
            self.lexical.append(cue)
            return SCORES
        if isinstance(cue, Transition):
            self._state(self.engine_states, cue.t_s, str(cue.to_state))
            return ENGINE
        if isinstance(cue, DeviceContext):
            state = ("speaking" if cue.device_speaking else
                     "follow_up" if cue.awaiting_answer else "listening")
            self._state(self.context_states, cue.t_s, state)
            return ENGINE
        if isinstance(cue, Say):
            self.replies.append(Reply(float(cue.t_s), cue.text, float(cue.end_s)))
            return ENGINE
        if isinstance(cue, TurnOutcome):
            self.outcomes.append(cue)
            return ENGINE
        if isinstance(cue, SkillRun):
            self.skills.append(cue)
            return ENGINE
        self.other_counts[type(cue).__name__] += 1
        return OTHER

    @staticmethod
    def _state(states: list[EngineState], t_s: float, state: str) -> None:
        """Keep changes only (context cues may repeat the same state every tick)."""
        if not states or states[-1].state != state:
            states.append(EngineState(float(t_s), state))

    # --- queries --------------------------------------------------------------------------

    def faces_at(self, t_s: float) -> FacesCue | None:
        """The newest FacesCue at or before ``t_s`` unless it is stale."""
        i = bisect.bisect_right(self._face_t, t_s + 1e-6) - 1
        if i < 0:
            return None
        cue = self.faces[i]
        return cue if t_s - cue.t_s <= STALE_FACES_S else None

    def camera_off_at(self, t_s: float) -> bool:
        """Whether privacy mode or a lost camera holds at ``t_s`` (the latest status says)."""
        off = False
        for s in self.status:
            if s.t_s > t_s:
                break
            if s.kind in ("privacy_on", "camera_lost"):
                off = True
            elif s.kind in ("privacy_off", "camera_back"):
                off = False
        return off

    def devices_lost(self) -> tuple[bool, bool]:
        """(camera lost, microphone lost) now, from the latest source status of each. A
        privacy switch restarts the camera, which reports ``camera_lost`` again if it still
        cannot be opened, so privacy on/off ends a loss here."""
        camera = mic = False
        for s in self.status:
            if s.kind == "camera_lost":
                camera = True
            elif s.kind in ("camera_back", "privacy_on", "privacy_off"):
                camera = False
            elif s.kind in ("mic_lost", "mic_back"):
                mic = s.kind == "mic_lost"
        return camera, mic

    def segments(self) -> list[tuple[float, float]]:
        """Voice activity spans; a running one ends at the processed time."""
        return [(s.start_s, s.end_s if s.end_s is not None else max(self.processed_s, s.start_s))
                for s in self.speech]

    def segment_at(self, t_s: float) -> tuple[float, float] | None:
        for start, end in self.segments():
            if start <= t_s <= end:
                return start, end
        return None

    def outcome_for(self, start_s: float, end_s: float) -> Any | None:
        """What the conversation engine made of the utterance ``start_s``..``end_s``."""
        return _best_overlap(self.outcomes, start_s, end_s)

    def finals(self) -> list[Decision]:
        return [d for d in self.decisions if d.kind == "final"]

    def earlies(self) -> list[Decision]:
        return [d for d in self.decisions if d.kind == "early"]

    def decision_known_at(self, t_s: float) -> Decision | None:
        """The latest decision about the utterance running at ``t_s``, made by ``t_s``."""
        seg = self.segment_at(t_s)
        if seg is None:
            return None
        best = None
        for d in self.decisions:
            if abs(d.start_s - seg[0]) <= SAME_UTTERANCE_S and d.t_s <= t_s + 1e-6:
                best = d
        return best

    def active_speaker(self, t_s: float) -> int | None:
        """The track speaking at ``t_s``: the fusion's speaker once it has decided, else the
        face with the most mouth activity, but only while voice activity runs."""
        if self.segment_at(t_s) is None:
            return None
        decision = self.decision_known_at(t_s)
        if decision is not None and decision.speaker_track is not None:
            return decision.speaker_track
        cue = self.faces_at(t_s)
        if cue is None or not cue.faces:
            return None
        face = max(cue.faces, key=lambda f: f.mouth_activity)
        return face.track_id

    def tracks(self) -> list[int]:
        return sorted({f.track_id for cue in self.faces for f in cue.faces})

    def attending_series(self, track_id: int) -> tuple[list[float], list[float]]:
        """(times, attending) of one track; gaps where it was not seen are left out."""
        ts, ys = [], []
        for cue in self.faces:
            for f in cue.faces:
                if f.track_id == track_id:
                    ts.append(cue.t_s)
                    ys.append(f.attending)
        return ts, ys

    def asr_for(self, start_s: float, end_s: float) -> Any | None:
        """The final ASR result that overlaps ``start_s``..``end_s`` the most."""
        return _best_overlap(self.asr_finals, start_s, end_s)

    def prosody_for(self, start_s: float, end_s: float) -> Any | None:
        return _best_overlap(self.prosody, start_s, end_s)

    def decoder_for(self, start_s: float, end_s: float) -> Any | None:
        return _best_overlap(self.decoder, start_s, end_s)

    def lexical_for(self, start_s: float, end_s: float) -> Any | None:
        """The last lexical cue emitted while (or just after) the utterance ran."""
        best = None
        for cue in self.lexical:
            if start_s <= cue.t_s <= end_s + 1.0:
                best = cue
        return best

    def partial_at(self, t_s: float) -> Any | None:
        """The newest partial text of the utterance running at ``t_s``."""
        seg = self.segment_at(t_s)
        best = None
        if seg is None:
            return None
        for p in self.partials:
            if p.t_s <= t_s and abs(p.start_s - seg[0]) < 0.5:
                best = p
        return best


def _best_overlap(items: list, start_s: float, end_s: float) -> Any | None:
    return best_overlap(Span(start_s, end_s), items)


def face_by_track(cue: FacesCue | None, track_id: int | None) -> Face | None:
    if cue is None or track_id is None:
        return None
    return next((f for f in cue.faces if f.track_id == track_id), None)
