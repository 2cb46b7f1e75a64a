"""Anticipated goals: a rule set (``data/anticipations.yaml``) that, after some requests,
has the device offer the obvious next step ("Would you like a five-minute timer?").

A rule fires on the request's text (a regular expression) or on the intent a skill ran; its
``accept`` sentences go through the intent recogniser when the user says yes, so a rule can
offer anything the skills can do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ntt.conversation.phrases import normalise
from ntt.datafile import load_mapping
from ntt.errors import InputError

DEFAULT_RULES = Path(__file__).parent / "data" / "anticipations.yaml"
DEFAULT_DECLINE = "OK."


@dataclass(frozen=True)
class Rule:
    name: str
    offer: str
    accept: tuple[str, ...]
    text: re.Pattern | None = None
    intent: str | None = None
    slots: dict[str, Any] = field(default_factory=dict, hash=False)
    answer: str = ""
    decline: str = DEFAULT_DECLINE


@dataclass(frozen=True)
class Offer:
    """A question the device asked and what a "yes" runs."""

    rule: str
    question: str
    accept: tuple[str, ...]
    decline: str


class Anticipator:
    """Matches requests against the rules; the first matching rule wins."""

    def __init__(self, rules: tuple[Rule, ...]):
        self.rules = rules

    @classmethod
    def load(cls, path: str | Path = DEFAULT_RULES) -> Anticipator:
        path = Path(path)
        doc = load_mapping(path, "rules")
        rules = []
        for i, entry in enumerate(doc.get("rules") or ()):
            where = f"{path}: rules[{i}]"
            try:
                text = entry.get("text")
                pattern = None
                if text is not None:
                    alts = [text] if isinstance(text, str) else list(text)
                    pattern = re.compile("|".join(f"(?:{a})" for a in alts))
                if (pattern is None) == (entry.get("intent") is None):
                    raise InputError(where, "needs exactly one of 'text' and 'intent'")
                rules.append(Rule(str(entry["name"]), str(entry["offer"]),
                                  tuple(str(s) for s in entry["accept"]), pattern,
                                  entry.get("intent"), dict(entry.get("slots") or {}),
                                  str(entry.get("answer", "")),
                                  str(entry.get("decline", DEFAULT_DECLINE))))
            except (KeyError, TypeError, AttributeError) as exc:
                raise InputError(where, f"missing or malformed field ({exc})") from None
            except re.error as exc:
                raise InputError(where, f"bad regular expression ({exc})") from None
        return cls(tuple(rules))

    def for_text(self, text: str) -> Rule | None:
        """A text rule whose pattern matches the whole request."""
        norm = normalise(text)
        return next((r for r in self.rules if r.text is not None and r.text.fullmatch(norm)),
                    None)

    def for_intent(self, name: str, slots: dict[str, Any]) -> Rule | None:
        """An intent rule for a skill that just ran."""
        return next((r for r in self.rules if r.intent == name
                     and all(slots.get(k) == v for k, v in r.slots.items())), None)


def offer_of(rule: Rule) -> Offer:
    return Offer(rule.name, rule.offer, rule.accept, rule.decline)
