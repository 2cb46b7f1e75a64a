"""Interactive teaching: "set the living room light to study mode" → "I don't know what study
mode is. Can you teach me?" → "dim it to 40 percent and make it warm" → a stored routine.

The answer is split into clauses; pronouns ("it", "them", "the lights") become the request's
target; each clause goes through the intent recogniser as it is, else through the phrase
book's rewrites ("dim X to N percent" → "set X to N percent") until the grammar takes it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from ntt.conversation.phrases import Phrases, normalise, similarity
from ntt.conversation.skills import PLURAL
from ntt.conversation.store import Routine, Step, Store
from ntt.cues import Intent
from ntt.language.intents import Home, IntentRecognizer

log = logging.getLogger(__name__)

DOMAIN_WORDS = {"light": "light", "lights": "light", "lamp": "light", "lamps": "light",
                "lighting": "light", "fan": "fan", "fans": "fan", "blinds": "cover",
                "blind": "cover", "tv": "media_player", "television": "media_player",
                "music": "media_player", "speaker": "media_player"}
SIMILAR_REQUEST = 0.8  # word-order similarity to a stored request that counts as the same
_LEADING_ARTICLE = re.compile(r"^(?:the|my|our|a) ")


@dataclass(frozen=True)
class Target:
    """What a taught request is about: a named entity, or a domain in an area."""

    area: str | None = None
    name: str | None = None
    domain: str | None = None

    def phrase(self) -> str:
        """How a clause names it, in words the grammar takes."""
        if self.name:
            return f"the {self.name}"
        noun = PLURAL.get(self.domain or "light", "lights")
        if self.area and self.domain:
            return f"the {noun} in the {self.area}"
        if self.area:
            return f"the {self.area}"
        return f"the {noun}"

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("area", self.area), ("name", self.name),
                                  ("domain", self.domain)) if v}


def mode_key(mode: str) -> str:
    """Canonical routine name: "The Study" → "study"."""
    return _LEADING_ARTICLE.sub("", normalise(mode))


def _find_phrase(text: str, names: list[tuple[str, str]]) -> str | None:
    """The canonical name whose (alias) phrase occurs in ``text`` — longest phrase first."""
    padded = f" {text} "
    for alias, canonical in sorted(names, key=lambda p: -len(p[0])):
        if f" {normalise(alias)} " in padded:
            return canonical
    return None


class Teacher:
    """Turns taught answers into routine steps and finds routines for later requests."""

    def __init__(self, phrases: Phrases, recognizer: IntentRecognizer, store: Store):
        self.phrases = phrases
        self.recognizer = recognizer
        self.store = store

    @property
    def home(self) -> Home:
        return self.recognizer.home

    def resolve_target(self, words: str | None) -> Target:
        """Target from the request's words; none said means the lights where the device is."""
        text = normalise(words or "")
        entity = _find_phrase(text, [(a, e.name) for e in self.home.entities
                                     for a in (e.name, *e.aliases)])
        area = _find_phrase(text, [(a, x.name) for x in self.home.areas
                                   for a in (x.name, *x.aliases)])
        domain = next((DOMAIN_WORDS[w] for w in text.split() if w in DOMAIN_WORDS), None)
        if entity is not None and self._entity_covers(text, entity):
            e = next(x for x in self.home.entities if x.name == entity)
            return Target(area=e.area, name=e.name, domain=e.domain)
        if area is None and domain is None:
            return Target(area=self.home.device_area, domain="light")
        return Target(area=area or self.home.device_area, domain=domain)

    def _entity_covers(self, text: str, entity: str) -> bool:
        """Whether the entity's name (or alias) accounts for the target words, so that
        "kitchen lights" is the entity but "living room light" is the area's lights."""
        e = next(x for x in self.home.entities if x.name == entity)
        return any(similarity(text, alias) >= SIMILAR_REQUEST for alias in (e.name, *e.aliases))

    def clauses(self, answer: str) -> list[str]:
        t = self.phrases.teaching
        parts = [p for p in t.clause_split.split(answer.lower()) if p and p.strip()]
        out = []
        for p in parts:
            clause = t.fillers.sub("", normalise(p)).strip()
            if clause:
                out.append(clause)
        return out

    def parse_clause(self, clause: str, target: Target) -> Step | None:
        """One instruction as a routine step, or None when nothing understands it."""
        t = self.phrases.teaching
        concrete = t.pronouns.sub(target.phrase(), clause)
        candidates = [concrete]
        for pattern, replacement in t.rewrites:
            m = pattern.fullmatch(concrete)
            if m:
                candidates.append(m.expand(replacement))
        if concrete != clause:
            candidates.append(clause)
        for text in candidates:
            intent = self.recognizer.recognize(text, area=target.area)
            if intent is not None:
                return Step(intent.name, dict(intent.slots), text)
            local = self.phrases.local_intent(text)
            if local is not None:
                return Step(local[0], local[1], text)
        log.info("teaching: cannot parse clause %r (tried %s)", clause, candidates)
        return None

    def parse(self, answer: str, target: Target) -> tuple[list[Step], list[str]]:
        """(steps understood, clauses not understood) for a taught answer."""
        steps, failed = [], []
        for clause in self.clauses(answer):
            step = self.parse_clause(clause, target)
            if step is None:
                failed.append(clause)
            else:
                steps.append(step)
        return steps, failed

    def teach(self, mode: str, request: str, target: Target, steps: list[Step]) -> Routine:
        routine = Routine(mode_key(mode), request, target.as_dict(), tuple(steps))
        self.store.save_routine(routine)
        log.info("taught routine %r: %s", routine.name, [s.text for s in steps])
        return routine

    def find(self, text: str) -> tuple[Routine, Target | None] | None:
        """A stored routine this request asks for, with the target it names (if any)."""
        request = self.phrases.mode_request(text)
        if request is not None:
            routine = self.store.routine(mode_key(request[0]))
            if routine is not None:
                return routine, (self.resolve_target(request[1]) if request[1] else None)
            return None
        best = max(self.store.routines(), key=lambda r: similarity(text, r.request),
                   default=None)
        if best is not None and similarity(text, best.request) >= SIMILAR_REQUEST:
            return best, None
        return None


def retarget(routine: Routine, target: Target | None) -> list[Intent]:
    """The routine's steps as intents, moved to ``target`` where it differs (study mode taught
    for the living room, asked for the office)."""
    old = routine.target
    out = []
    for step in routine.steps:
        slots = dict(step.slots)
        if target is not None:
            if target.area and slots.get("area") and slots["area"] == old.get("area"):
                slots["area"] = target.area
            if target.name and slots.get("name") and slots["name"] == old.get("name"):
                slots["name"] = target.name
        out.append(Intent(step.intent, slots, step.text))
    return out
