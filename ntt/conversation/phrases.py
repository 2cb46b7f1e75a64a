"""The engine's own phrase book (``data/phrases.yaml``) and the text helpers built on it.

The YAML holds data only — yes/no/stop answers, conversation-mode commands, requests the
intent grammar lacks, teaching patterns; this module compiles it and is the one place that
reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ntt.datafile import load_mapping
from ntt.errors import InputError
from ntt.wordmatch import lcs_length

DEFAULT_PHRASES = Path(__file__).parent / "data" / "phrases.yaml"

_PUNCT = re.compile(r"[^\w'% ]+")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower case, punctuation (but ' and %) removed, single spaces."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", text.lower())).strip()


def _stem(word: str) -> str:
    """Crude plural folding so "lights" and "light" compare equal."""
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") \
        else word


def words(text: str) -> list[str]:
    return [_stem(w) for w in normalise(text).split()]


def contained_fraction(a: str, b: str) -> float:
    """Fraction of ``a``'s words that ``b`` has in the same order (LCS / len(a))."""
    wa, wb = words(a), words(b)
    if not wa:
        return 0.0
    return lcs_length(wa, wb) / len(wa)


def similarity(a: str, b: str) -> float:
    """Symmetric word-order similarity in [0, 1]: LCS over the longer of the two."""
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return 0.0
    return contained_fraction(a, b) * len(wa) / max(len(wa), len(wb))


def _alternatives(value: Any, where: str) -> re.Pattern:
    items = [value] if isinstance(value, str) else list(value or ())
    if not items or not all(isinstance(i, str) for i in items):
        raise InputError(where, "expected a pattern or a list of patterns")
    try:
        return re.compile("|".join(f"(?:{i})" for i in items))
    except re.error as exc:
        raise InputError(where, f"bad regular expression ({exc})") from None


def _compile(pattern: str, where: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise InputError(where, f"bad regular expression ({exc})") from None


@dataclass(frozen=True)
class LocalIntent:
    pattern: re.Pattern
    intent: str
    slots: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class Teaching:
    requests: tuple[re.Pattern, ...]
    fillers: re.Pattern
    clause_split: re.Pattern
    pronouns: re.Pattern
    rewrites: tuple[tuple[re.Pattern, str], ...]


@dataclass(frozen=True)
class Phrases:
    """Compiled phrase book. ``is_*`` match whole normalised utterances."""

    yes: re.Pattern
    no: re.Pattern
    stop: re.Pattern
    thanks: re.Pattern
    conversation_on: re.Pattern
    conversation_off: re.Pattern
    intents: tuple[LocalIntent, ...]
    teaching: Teaching

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PHRASES) -> Phrases:
        path = Path(path)
        doc = load_mapping(path, "phrase book")
        try:
            simple = {k: _alternatives(doc[k], f"{path}: {k}") for k in
                      ("yes", "no", "stop", "thanks", "conversation_on", "conversation_off")}
            intents = tuple(
                LocalIntent(_alternatives(e["patterns"], f"{path}: intents[{i}]"),
                            str(e["intent"]), dict(e.get("slots") or {}))
                for i, e in enumerate(doc.get("intents") or ()))
            t = doc["teaching"]
            teaching = Teaching(
                tuple(_compile(p, f"{path}: teaching.requests") for p in t["requests"]),
                _compile(t["fillers"], f"{path}: teaching.fillers"),
                _compile(t["clause_split"], f"{path}: teaching.clause_split"),
                _compile(t["pronouns"], f"{path}: teaching.pronouns"),
                tuple((_compile(p, f"{path}: teaching.rewrites"), str(r))
                      for p, r in t["rewrites"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(path, f"missing or malformed entry ({exc})") from None
        return cls(**simple, intents=intents, teaching=teaching)

    def _is(self, pattern: re.Pattern, text: str) -> bool:
        return pattern.fullmatch(normalise(text)) is not None

    def is_yes(self, text: str) -> bool:
        return self._is(self.yes, text)

    def is_no(self, text: str) -> bool:
        return self._is(self.no, text)

    def is_stop(self, text: str) -> bool:
        return self._is(self.stop, text)

    def is_thanks(self, text: str) -> bool:
        return self._is(self.thanks, text)

    def is_conversation_on(self, text: str) -> bool:
        return self._is(self.conversation_on, text)

    def is_conversation_off(self, text: str) -> bool:
        return self._is(self.conversation_off, text)

    def local_intent(self, text: str) -> tuple[str, dict[str, Any]] | None:
        """(intent name, slots) for a request the grammar lacks, or None."""
        norm = normalise(text)
        for entry in self.intents:
            if entry.pattern.fullmatch(norm):
                return entry.intent, dict(entry.slots)
        return None

    def mode_request(self, text: str) -> tuple[str, str | None] | None:
        """(mode name, target words or None) for "set the X to study mode"-like requests."""
        norm = normalise(text)
        for pattern in self.teaching.requests:
            m = pattern.fullmatch(norm)
            if m:
                target = m.groupdict().get("target")
                return m.group("mode").strip(), (target.strip() if target else None)
        return None
