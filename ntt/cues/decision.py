"""The decision: whether an utterance was addressed to the device, and the gate's own turn
boundaries between the VAD's."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Addressee = Literal["device", "person", "unknown"]


@dataclass(frozen=True)
class Decision:
    """Whether an utterance was addressed to the device.

    ``kind`` is ``early`` (soon after speech onset, utterance still running) or ``final``
    (at endpoint). ``t_s`` is when the decision was made; ``start_s``/``end_s`` span the
    utterance (``end_s`` is the decision time for an early decision). ``contributions`` are
    the per-modality scores behind it.
    """

    t_s: float
    kind: Literal["early", "final"]
    start_s: float
    end_s: float
    speaker_track: int | None
    p_directed: float
    directed: bool
    addressee: Addressee = "unknown"
    contributions: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class TurnEvent:
    """The utterance gate's turn boundaries where they come before the VAD's
    (``ntt.fusion.gate``). ``turn_end``: the end-of-turn detector is sure the speaker
    finished at ``boundary_s`` although the VAD still hears sound, so the stages that sum up
    an utterance at the VAD's end (prosody, direction, recognizer) sum it up now and the
    final decision has what a VAD end would have given it; the VAD's end that follows with
    no ``turn_resume`` between closes nothing. ``turn_resume``: after a ``turn_end`` the
    speaker talks again before the VAD's end; a new utterance begins at ``boundary_s``, as
    a VAD start there would have begun it."""

    t_s: float
    kind: Literal["turn_end", "turn_resume"]
    boundary_s: float
