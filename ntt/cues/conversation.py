"""Conversation items: what goes into the conversation engine and what comes out of it, and
what the device is doing as fusion sees it.

In: ``Turn`` (a final decision joined with the recognised text), early ``Decision`` (someone
started talking to the device), ``Tick`` (the clock). Out: typed actions — ``Say``,
``StopSpeaking``, ``SkillRun``, ``TurnOutcome`` — and ``Transition`` records of the turn-taking
state machine. ``DeviceTurn`` is what the device said (recorded with a session, or by the
engine); ``DeviceContext`` is what fusion sees of it (``ntt.device_context``). All times are
seconds on the session clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from ntt.cues.decision import Decision


class State(StrEnum):
    """Turn-taking states. ``follow_up``: the device just spoke (or conversation mode is on)
    and its partner may go on without addressing it again."""

    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"
    FOLLOW_UP = "follow_up"


@dataclass(frozen=True)
class Turn:
    """One finished utterance: the final fusion decision plus what the recogniser heard.

    ``t_s`` is when the decision was made; ``start_s``/``end_s`` span the speech;
    ``nbest`` holds the recogniser's alternatives after ``text`` (tried when ``text`` is not
    understood)."""

    t_s: float
    start_s: float
    end_s: float
    speaker_track: int | None
    directed: bool
    p_directed: float
    text: str
    nbest: tuple[str, ...] = ()
    addressee: str = "unknown"
    contributions: dict[str, float] = field(default_factory=dict, hash=False)

    @classmethod
    def from_decision(cls, decision: Decision, text: str, nbest: tuple[str, ...] = ()) -> Turn:
        """Join a final ``Decision`` with the recogniser's text for its span."""
        return cls(decision.t_s, decision.start_s, decision.end_s, decision.speaker_track,
                   bool(decision.directed), float(decision.p_directed), text, tuple(nbest),
                   decision.addressee, dict(decision.contributions))


# --- actions --------------------------------------------------------------------------------


SayKind = Literal["reply", "question", "announcement"]


@dataclass(frozen=True)
class Say:
    """The device speaks ``text`` from ``t_s`` until ``end_s`` (unless stopped earlier)."""

    t_s: float
    text: str
    end_s: float
    kind: SayKind = "reply"


@dataclass(frozen=True)
class StopSpeaking:
    """Stop the device's speech now (barge-in). ``t_s`` is the decision that caused it."""

    t_s: float
    reason: str = "barge-in"


@dataclass(frozen=True)
class SkillRun:
    """A skill acted on an intent (the simulated home changed, a timer started...)."""

    t_s: float
    intent: str
    slots: dict[str, Any] = field(default_factory=dict, hash=False)
    ok: bool = True
    reply: str = ""


Outcome = Literal["answered", "echo", "not_directed", "side_talk", "ignored_not_understood",
                  "barge_in_stop"]


@dataclass(frozen=True)
class TurnOutcome:
    """What the engine made of one turn (for the event log, the GUI and evaluation)."""

    t_s: float
    start_s: float
    end_s: float
    speaker_track: int | None
    text: str
    outcome: Outcome
    reason: str = ""


@dataclass(frozen=True)
class Transition:
    """One state change of the turn-taking state machine."""

    t_s: float
    from_state: State
    to_state: State
    reason: str

    @property
    def state(self) -> State:
        """The state entered (what a state timeline plots)."""
        return self.to_state


Action = Say | StopSpeaking | SkillRun | TurnOutcome | Transition


@dataclass(frozen=True)
class DeviceTurn:
    """What the device said, ``start_s``..``end_s``; ``interrupted`` when it was stopped (by
    barge-in) before the end of its text."""

    start_s: float
    end_s: float
    text: str
    interrupted: bool = False

    @property
    def is_question(self) -> bool:
        """The device asked something (and so awaits an answer)."""
        return self.text.rstrip().endswith("?")


@dataclass(frozen=True)
class DeviceContext:
    """What the device itself is doing, as fusion sees it: it is speaking, it has just asked a
    question, when its last turn ended. One rule computes it from the device's turns, live
    (the engine's) and offline (the session's): ``ntt.device_context``."""

    t_s: float
    device_speaking: bool
    awaiting_answer: bool
    last_device_end_s: float | None
