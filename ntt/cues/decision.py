"""The decision: whether an utterance was addressed to the device."""

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
