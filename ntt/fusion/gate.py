"""The one utterance timing gate: when fusion decides, whatever scores the utterance.

* early — ``early_after_s`` after speech onset, from whatever is known by then (vision,
  prosody so far, partial hypotheses), so a request is captured from its start;
* final — once the utterance has ended and its final recognition (a final ``LexicalCue``;
  with no recognizer, ``awaits_words`` False, its ``UtteranceProsody``) is in, or
  ``final_wait_s`` after the endpoint if it is late or absent; or at once when the next
  utterance begins first.

End-of-turn (``EndOfTurn`` cues from ``ntt.endpoint``, ``TimingSettings.end_of_turn``) moves
the final decision only where it is sure. At least ``eot_final_p`` sure the speaker has
finished while the VAD still hears sound (a reverberant tail, a television, the VAD's
hangover), the gate ends the turn itself: it sends a ``TurnEvent`` ``turn_end`` back up the
pipeline, the prosody, direction and recognizer stages sum the utterance up as they would
at the VAD's end, and the final decision comes once that is in, as after a VAD end (a
final decided without them lost a third of the real requests it would have accepted:
``ntt/models/endpoint.md``). Should the speaker talk again before the VAD ends
(``RESUME_FRAMES`` of speech in the detector's cues), that is a new utterance, opened where
the speech came back (a ``turn_resume``), as a VAD end and start there would have opened
it.
Less than ``eot_hold_p`` sure after the VAD's end (the words so far are "set a timer
for"), the decision waits, up to ``eot_max_hold_s``; speech that comes back meanwhile
continues the same utterance, which the scorer then sees as one. The detector hears the
voice come back about 100 ms before the VAD's start does; the hold lasts through that.
In between, and without the cues, the timing is the VAD's, exactly as it was.

The scorer (the trained model, ``ntt.fusion.runtime``, or the hand-set rule,
``ntt.fusion.rule``) sees every cue and every tick and returns a probability when asked; it
owns the one operating threshold (after LiveKit's turn detector). The gate owns the timing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from ntt.cues import (
    Decision,
    EndOfTurn,
    LexicalCue,
    SpeechEvent,
    Tick,
    TurnEvent,
    UtteranceProsody,
)
from ntt.fusion.features import FusionInput
from ntt.settings import TimingSettings

RESUME_FRAMES = 3  # end-of-turn frames of speech after an early final: a new utterance
FRAME_S = 0.032


@dataclass(frozen=True)
class Verdict:
    """A scorer's view of one utterance: p(directed), who spoke (None: no visible speaker),
    how many faces were seen, and the per-modality scores behind it."""

    p_directed: float
    speaker_track: int | None
    n_faces: int
    contributions: dict[str, float] = field(default_factory=dict)


class Scorer(Protocol):
    threshold: float

    def observe(self, item: FusionInput) -> None:
        """Take one cue (never a ``Tick``)."""

    def step(self, tick: Tick) -> None:
        """Advance to ``tick`` (the model takes one recurrent step)."""

    def verdict(self, kind: Literal["early", "final"], start_s: float, end_s: float
                ) -> Verdict:
        """Score the utterance ``start_s``..``end_s`` from what is known now."""

    def end_utterance(self, p_directed: float, directed: bool) -> None:
        """After the final decision: remember the outcome for the next utterance."""

    def reset(self) -> None: ...


class UtteranceGate:
    """The fusion stage: ``push(cue)`` → ``Decision`` and ``TurnEvent`` list; ``threshold``
    is the scorer's. ``awaits_words``: whether a recognizer's final words will come."""

    def __init__(self, scorer: Scorer, timing: TimingSettings | None = None,
                 awaits_words: bool = True):
        self.scorer = scorer
        self.timing = timing or TimingSettings()
        self.awaits_words = awaits_words
        self.reset()

    @property
    def threshold(self) -> float:
        return self.scorer.threshold

    def reset(self) -> None:
        self.scorer.reset()
        self._start_s: float | None = None
        self._end: SpeechEvent | None = None
        self._early_sent = False
        self._summed_up = False  # the utterance's final words (or prosody) are in
        self._eot: EndOfTurn | None = None
        self._held = False  # the pause after the VAD's end sounded unfinished
        self._fired = False  # the gate ended the turn while the VAD still hears speech
        self._resumed = 0

    def push(self, item: FusionInput | Tick) -> list[Decision | TurnEvent]:
        if isinstance(item, Tick):
            self.scorer.step(item)
            return self._on_tick(item.t_s)
        out: list[Decision] = []
        if isinstance(item, EndOfTurn):
            self.scorer.observe(item)
            return self._on_end_of_turn(item)
        if isinstance(item, SpeechEvent) and item.kind == "speech_start" and \
                self._end is not None:
            if self._holding(item.t_s):
                # A pause inside the turn: the same utterance goes on, for the scorer too.
                self._end, self._summed_up, self._eot = None, False, None
                self._held = False
                return out
            # The next utterance began before the last one's recognition came in.
            out.append(self._decide("final", item.t_s))
        self.scorer.observe(item)
        if isinstance(item, SpeechEvent):
            ended_here, self._fired = self._fired, False
            if item.kind == "speech_start":
                self._start_s, self._end, self._eot = item.boundary_s, None, None
                self._early_sent = self._summed_up = False
            elif self._start_s is not None and not ended_here:  # else the gate's end stands
                self._end, self._held = item, False
                self._note_pause()
        elif self._sums_up(item):
            self._summed_up = True
        return out

    def _sums_up(self, item: FusionInput) -> bool:
        """The last of the cues an utterance's end brings: its final words, or with no
        recognizer its prosody."""
        if self.awaits_words:
            return isinstance(item, LexicalCue) and item.final
        return isinstance(item, UtteranceProsody)

    def flush(self) -> list[Decision]:
        if self._start_s is not None and self._end is not None:
            return [self._decide("final", self._end.t_s)]
        return []

    def _on_end_of_turn(self, eot: EndOfTurn) -> list[TurnEvent]:
        if not self.timing.end_of_turn:
            return []
        if self._fired and (self._start_s is None or self._end is not None):
            return self._resume(eot)
        if self._start_s is None:
            return []
        self._eot = eot
        self._note_pause()
        if self._end is None and eot.p_finished >= self.timing.eot_final_p:
            # The turn is over before the VAD's end: it ends here, and the final decision
            # waits for the summing-up, as after a VAD end.
            boundary_s = eot.t_s - eot.silence_s
            self._end = SpeechEvent(eot.t_s, "speech_end", boundary_s)
            self._fired, self._resumed = True, 0
            return [TurnEvent(eot.t_s, "turn_end", boundary_s)]
        return []

    def _resume(self, eot: EndOfTurn) -> list[TurnEvent]:
        """After the gate ended a turn, speech again before the VAD's end: a new utterance
        (the scorer sees it begin as it would at a VAD start; the front-ends hear a
        ``turn_resume``). A turn still waiting for its words is decided on the next tick
        first; the new one opens on the speech frame after that."""
        self._resumed = self._resumed + 1 if eot.silence_s == 0 else 0
        if self._resumed < RESUME_FRAMES:
            return []
        if self._start_s is not None:
            return []  # still waiting for the last turn's words: the next tick decides it
        start_s = eot.t_s - RESUME_FRAMES * FRAME_S
        self.scorer.observe(SpeechEvent(eot.t_s, "speech_start", start_s))
        self._start_s, self._end, self._eot = start_s, None, None
        self._early_sent = self._summed_up = self._fired = False
        return [TurnEvent(eot.t_s, "turn_resume", start_s)]

    def _note_pause(self) -> None:
        """After the VAD's end, whether the pause sounds unfinished. Only a silence says: the
        voice coming back (silence 0) keeps what the pause said."""
        eot, end = self._eot, self._end
        if end is not None and eot is not None and eot.t_s >= end.boundary_s \
                and eot.silence_s > 0:
            self._held = eot.p_finished < self.timing.eot_hold_p

    def _holding(self, t_s: float) -> bool:
        """After the VAD's end: is the end-of-turn detector sure the speaker goes on?"""
        end, timing = self._end, self.timing
        return (timing.end_of_turn and self._held and end is not None
                and t_s - end.boundary_s < timing.eot_max_hold_s)

    def _on_tick(self, t_s: float) -> list[Decision]:
        if self._start_s is None:
            return []
        timing = self.timing
        if self._end is None:
            if not self._early_sent and t_s - self._start_s >= timing.early_after_s:
                self._early_sent = True
                return [self._decide("early", t_s)]
            return []
        if self._holding(t_s):
            return []
        if self._summed_up or t_s - self._end.t_s >= timing.final_wait_s:
            return [self._decide("final", t_s)]
        return []

    def _decide(self, kind: Literal["early", "final"], t_s: float,
                end_s: float | None = None) -> Decision:
        start_s = self._start_s if self._start_s is not None else t_s
        if end_s is None:
            end_s = self._end.boundary_s if kind == "final" and self._end is not None else t_s
        end_s = max(end_s, start_s)
        v = self.scorer.verdict(kind, start_s, end_s)
        directed = v.p_directed >= self.scorer.threshold
        addressee = "device" if directed else ("person" if v.n_faces > 1 else "unknown")
        decision = Decision(t_s, kind, start_s, end_s, v.speaker_track, v.p_directed,
                            directed, addressee, dict(v.contributions))
        if kind == "final":
            self.scorer.end_utterance(v.p_directed, directed)
            self._start_s, self._end, self._eot, self._held = None, None, None, False
        return decision
