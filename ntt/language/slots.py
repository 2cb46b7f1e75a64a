"""Slots for a fallback intent, read from the words and resolved against the home, in the
form the grammar would have given (``HassStartTimer`` -> ``minutes``; ``HassTurnOff`` ->
``name`` or ``domain`` and ``area``).

``fill_slots`` returns None when what the skill needs is not there ("set a timer" with no
duration, "dim the lights" with no level): nothing is better than a guess. Nothing is
invented: a level, a duration, an item or a query comes from the words or not at all.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ntt.language.text import _ONES, _TENS, normalize

if TYPE_CHECKING:
    from ntt.language.intents import Home

_UNITS = {"hour": "hours", "hours": "hours", "hr": "hours", "hrs": "hours",
          "minute": "minutes", "minutes": "minutes", "min": "minutes", "mins": "minutes",
          "second": "seconds", "seconds": "seconds", "sec": "seconds", "secs": "seconds"}
_NUMBER_WORDS = {w: i for i, w in enumerate(_ONES)} | {
    w: 10 * i for i, w in enumerate(_TENS) if w != "_"} | {"a": 1, "an": 1}
COLORS = ("red", "green", "blue", "yellow", "orange", "purple", "pink", "white", "warm white",
          "cool white", "cyan", "magenta", "violet", "teal")
_UP = re.compile(r"\b(?:up|louder|increase|raise|higher|boost|more)\b")
_DOWN = re.compile(r"\b(?:down|lower|quieter|softer|decrease|reduce|less)\b")
_LIGHT = re.compile(r"\b(?:lights?|lamps?|lighting|bulbs?)\b")
_PLAY = re.compile(r"\b(?:play|put on|listen to|hear|start)\b(?: me)?(?: some)?\s*(.*)$")
_ITEM_ADD = re.compile(r"\b(?:add|put|include|append)\s+(.+?)\s+(?:to|on|onto|in|into)\s+"
                       r"(?:my |the |our )?(?:\w+ )?(?:shopping |grocery |to do |todo )?list\b")
_ITEM_REMOVE = re.compile(r"\b(?:remove|delete|take|cross|strike|tick)\s+(.+?)\s+"
                          r"(?:off|from|out of)\s+(?:of )?(?:my |the |our )?(?:\w+ )?"
                          r"(?:shopping |grocery |to do |todo )?list\b")
_TODO = re.compile(r"\b(?:to do|todo|task)\b")


def spoken_number(words: list[str]) -> int | None:
    """The integer ``words`` spell ("twenty five", "a", "one hundred"), or None."""
    ones = {w: i for i, w in enumerate(_ONES)}
    tens = {w: 10 * i for i, w in enumerate(_TENS) if w != "_"}
    if not words:
        return None
    if words == ["a"] or words == ["an"]:
        return 1
    if words[0] in tens:
        n = tens[words[0]] + (ones[words[1]] if len(words) > 1 and words[1] in ones
                              and 0 < ones[words[1]] < 10 else 0)
        used = 2 if n % 10 else 1
    elif words[0] in ones:
        n, used = ones[words[0]], 1
    else:
        return None
    rest = words[used:]
    if rest[:1] == ["hundred"]:
        n *= 100
        rest = rest[1:]
        more = spoken_number(rest[1:] if rest[:1] == ["and"] else rest)
        n += more or 0
        rest = []
    return n if not rest else None


def duration(text: str) -> dict[str, int]:
    """``{"minutes": 5}``-style slots for every "<number> <unit>" (and "half an hour")."""
    words = re.sub(r"\bhalf an hour\b", "thirty minutes", text).split()
    out: dict[str, int] = {}
    for i, w in enumerate(words):
        unit = _UNITS.get(w)
        if unit is None:
            continue
        j = i
        while j > 0 and i - j < 4 and (words[j - 1] in _NUMBER_WORDS
                                       or words[j - 1] in ("hundred", "and")):
            j -= 1
        while j < i and spoken_number(words[j:i]) is None:
            j += 1
        n = spoken_number(words[j:i])
        if n:
            out[unit] = out.get(unit, 0) + n
    return out


def _number_before(text: str, word: str) -> int | None:
    words = text.split()
    if word not in words:
        return None
    i = words.index(word)
    for j in range(max(0, i - 4), i):
        n = spoken_number(words[j:i])
        if n is not None:
            return n
    return None


def _find(text: str, names: dict[str, str]) -> str | None:
    """The canonical name of the longest alias that occurs in ``text`` as whole words."""
    hits = [(len(alias), canonical) for alias, canonical in names.items()
            if re.search(rf"\b{re.escape(alias)}\b", text)]
    return max(hits)[1] if hits else None


def _targets(text: str, home: Home, area: str | None) -> dict[str, Any] | None:
    entities = {normalize(a): e.name for e in home.entities for a in (e.name, *e.aliases)}
    areas = {normalize(a): x.name for x in home.areas for a in (x.name, *x.aliases)}
    name = _find(text, entities)
    if name is not None:
        return {"name": name}
    where = _find(text, areas) or area or home.device_area
    if _LIGHT.search(text):
        return {"domain": "light", **({"area": where} if where else {})}
    return None


def fill_slots(intent: str, text: str, home: Home, area: str | None = None
               ) -> dict[str, Any] | None:
    """Slots for ``intent`` from normalized-or-raw ``text``, or None when the skill could
    not act on what was said."""
    text = normalize(text)
    if intent in ("HassTurnOn", "HassTurnOff"):
        return _targets(text, home, area)
    if intent == "HassLightSet":
        target = _targets(text, home, area)
        level = _number_before(text, "percent")
        color = _find(text, {c: c for c in COLORS})
        slots: dict[str, Any] = {}
        if level is not None:
            slots["brightness"] = level
        if color:
            slots["color"] = color
        return {**(target or {"domain": "light"}), **slots} if slots else None
    if intent in ("HassStartTimer", "HassIncreaseTimer", "HassDecreaseTimer"):
        return duration(text) or None
    if intent in ("HassCancelTimer", "HassTimerStatus", "HassPauseTimer", "HassUnpauseTimer",
                  "HassGetCurrentTime", "HassGetCurrentDate"):
        return {}
    if intent == "HassGetWeather":
        return {"when": "tomorrow"} if "tomorrow" in text.split() else {}
    if intent in ("HassMediaPause", "HassMediaUnpause", "HassMediaNext", "HassMediaPrevious",
                  "HassMediaPlayerMute"):
        return {}
    if intent == "HassMediaSearchAndPlay":
        m = _PLAY.search(text)
        query = m.group(1).strip() if m else ""
        return {"search_query": query} if query else None
    if intent == "HassSetVolumeRelative":
        step = "up" if _UP.search(text) else "down" if _DOWN.search(text) else None
        return {"volume_step": step} if step else None
    if intent == "HassSetVolume":
        m = re.search(r"\b(?:to|at)\s+((?:\w+ ){0,2}\w+?)(?: percent)?$", text)
        n = spoken_number(m.group(1).split()) if m else None
        return {"volume_level": n} if n is not None else None
    if intent in ("HassListAddItem", "HassListRemoveItem"):
        m = (_ITEM_ADD if intent == "HassListAddItem" else _ITEM_REMOVE).search(text)
        if not m:
            return None
        return {"item": m.group(1), "name": "to do list" if _TODO.search(text)
                else "shopping list"}
    if intent == "ListShow":
        return {"name": "to do list" if _TODO.search(text) else "shopping list"}
    return None
