"""Language cues: what the words say about directedness, and the request they parse to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Intent:
    """A recognized request: Home Assistant intent name (``HassTurnOn``), its slots (canonical
    names, numbers as numbers), and the text it was recognized from."""

    name: str
    slots: dict[str, Any] = field(default_factory=dict, hash=False)
    text: str = ""


@dataclass(frozen=True)
class LexicalCue:
    """Lexical evidence for one recognition result. ``t_s`` is the result's time on the
    session clock; ``intent`` is None for partials, out-of-grammar text, or no recognizer."""

    t_s: float
    p_directed: float
    text: str
    final: bool = True
    intent: Intent | None = None
