"""Intent recognition for the conversation engine: Home Assistant's English intent grammar
(hassil over home-assistant-intents), resolved against the device's own home (areas, floors,
entities from a data file). ``recognize`` returns an ``Intent`` or None for a request the
grammar does not cover ("not understood"), never an exception.

Where the grammar has no match, an optional fallback (``ntt.language.fallback``, trained on
real commands) names the skill and ``ntt.language.slots`` reads its slots from the words;
without a fallback, recognition is the grammar alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ntt.cues import Intent
from ntt.datafile import load_mapping
from ntt.errors import InputError
from ntt.language.slots import fill_slots

log = logging.getLogger(__name__)

DEFAULT_HOME = Path(__file__).parent / "data" / "home.yaml"
LANGUAGE = "en"


@dataclass(frozen=True)
class Named:
    """An area or floor, with other names people use for it."""

    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Entity:
    """A device or service in the home; ``domain`` is Home Assistant's (light, lock, todo...)."""

    name: str
    domain: str
    area: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Home:
    """What intent slots resolve against. ``device_area`` fills the area of requests that name
    none ("turn on the lights" means the lights of the room the device stands in)."""

    areas: tuple[Named, ...]
    floors: tuple[Named, ...] = ()
    entities: tuple[Entity, ...] = ()
    device_area: str | None = None

    @classmethod
    def load(cls, path: str | Path = DEFAULT_HOME) -> Home:
        """Read a home file; a missing or malformed one is an InputError naming the field."""
        path = Path(path)
        doc = load_mapping(path, "home file", "a mapping with 'areas' and 'entities'")
        try:
            areas = tuple(_named(a) for a in doc.get("areas") or ())
            floors = tuple(_named(f) for f in doc.get("floors") or ())
            entities = tuple(Entity(str(e["name"]), str(e["domain"]),
                                    None if e.get("area") is None else str(e["area"]),
                                    tuple(str(a) for a in e.get("aliases") or ()))
                             for e in doc.get("entities") or ())
        except (KeyError, TypeError) as exc:
            raise InputError(path, f"bad area/floor/entity entry ({exc})") from None
        area_names = {a.name for a in areas}
        for e in entities:
            if e.area is not None and e.area not in area_names:
                raise InputError(path, f"entity {e.name!r}: unknown area {e.area!r}")
        device_area = doc.get("device_area")
        if device_area is not None and device_area not in area_names:
            raise InputError(path, f"device_area: unknown area {device_area!r}")
        return cls(areas, floors, entities, device_area)


def _named(entry: Any) -> Named:
    if isinstance(entry, str):
        return Named(entry)
    return Named(str(entry["name"]), tuple(str(a) for a in entry.get("aliases") or ()))


class IntentRecognizer:
    """hassil matcher over home-assistant-intents with the home's names as slot lists.

    Building parses the grammar (a few hundred ms); recognition is a few ms per line.
    ``fallback`` (an ``IntentClassifier``, passed in) answers where the grammar does not.
    """

    def __init__(self, home: Home, language: str = LANGUAGE, fallback=None):
        import home_assistant_intents
        from hassil import Intents, TextSlotList

        doc = home_assistant_intents.get_intents(language)
        if doc is None:
            raise InputError(language, "no intent grammar for this language")
        self.home = home
        self.language = language
        self.fallback = fallback
        self._intents = Intents.from_dict(doc)
        self._skip_words = list(doc.get("skip_words") or ())

        def names_list(items, list_name):
            return TextSlotList.from_tuples(
                [(alias, item.name) for item in items for alias in (item.name, *item.aliases)],
                allow_template=False, name=list_name)

        entity_values = []
        for e in home.entities:
            context = {"domain": e.domain}
            if e.area is not None:
                context["area"] = e.area
            entity_values += [(alias, e.name, context) for alias in (e.name, *e.aliases)]
        self._slot_lists = {
            "area": names_list(home.areas, "area"),
            "floor": names_list(home.floors, "floor"),
            "name": TextSlotList.from_tuples(entity_values, allow_template=False, name="name"),
        }

    def recognize(self, text: str, area: str | None = None) -> Intent | None:
        """The best intent for ``text``, or None when neither the grammar nor the fallback
        covers it.

        ``area`` is where the speaker is (default: the device's area); it fills requests
        that name no area.
        """
        return self.recognize_grammar(text, area) or self.recognize_fallback(text, area)

    def recognize_grammar(self, text: str, area: str | None = None) -> Intent | None:
        """The grammar's best intent alone."""
        from hassil import recognize_best

        if not text or not text.strip():
            return None
        area = area or self.home.device_area
        context = {"area": {"value": area, "text": area}} if area else None
        result = recognize_best(text, self._intents, slot_lists=self._slot_lists,
                                skip_words=self._skip_words, intent_context=context,
                                language=self.language)
        if result is None:
            return None
        slots = {name: entity.value for name, entity in result.entities.items()}
        return Intent(result.intent.name, slots, text)

    def recognize_fallback(self, text: str, area: str | None = None) -> Intent | None:
        """The fallback's intent with slots from the words, or None (no fallback, no skill,
        unsure, or the words lack what the skill needs)."""
        guess = self.fallback.predict(text) if self.fallback is not None else None
        if guess is None:
            return None
        slots = fill_slots(guess[0], text, self.home, area or self.home.device_area)
        return None if slots is None else Intent(guess[0], slots, text)


def default_recognizer(home: Home | None = None, intents: str | Path | None = None
                       ) -> IntentRecognizer:
    """The device's recognizer, one for the engine, the pipeline and ``ntt text``: the
    grammar over ``home`` (default: the bundled one), with the shipped fallback classifier
    (or the one at ``intents``) where the grammar has no match. A missing classifier file is
    an InputError."""
    from ntt.language.fallback import IntentClassifier

    return IntentRecognizer(home or Home.load(), fallback=IntentClassifier.load(intents))
