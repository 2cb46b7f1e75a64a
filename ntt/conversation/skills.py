"""Skills: what the device does for each recognised intent, against a simulated home.

The home's entities come from ``ntt.language.intents.Home`` (the same names the grammar
resolves); their state lives in the ``Store`` so it survives restarts. Timers run on the
engine's clock, weather comes from a local fixture file, time and date from the engine's
wall-clock mapping. Every handler returns the reply the device speaks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ntt.conversation.store import Store
from ntt.conversation.timers import Timer, TimerBank, slot_seconds, spoken_duration
from ntt.cues import Intent
from ntt.datafile import load_mapping
from ntt.errors import InputError
from ntt.language.intents import Entity, Home

log = logging.getLogger(__name__)

DEFAULT_WEATHER = Path(__file__).parent / "data" / "weather.json"
DEVICE_VOLUME_KEY = "device_volume_pct"
DEFAULT_DEVICE_VOLUME_PCT = 60
VOLUME_STEP_PCT = 10
DEFAULT_MEDIA_VOLUME_PCT = 40
FULL_PCT = 100
# Colour temperature names, as Home Assistant's grammar maps them (kelvin upper bounds).
KELVIN_NAMES = ((2200, "candle light"), (3200, "warm white"), (5000, "cool white"),
                (100_000, "daylight"))
SHOPPING_LIST = "shopping list"

DEFAULT_STATE: dict[str, dict[str, Any]] = {
    "light": {"on": False, "brightness_pct": FULL_PCT, "color": "white", "temperature_k": 2700},
    "switch": {"on": False},
    "fan": {"on": False, "speed_pct": 50},
    "media_player": {"on": False, "state": "idle", "volume_pct": DEFAULT_MEDIA_VOLUME_PCT,
                     "muted": False, "track": 1, "playing": ""},
    "cover": {"position_pct": 0},
    "lock": {"locked": True},
    "climate": {"on": True, "target_c": 20.0},
    "vacuum": {"state": "docked"},
}
PLURAL = {"light": "lights", "switch": "switches", "fan": "fans", "cover": "covers",
          "media_player": "media players", "lock": "locks", "climate": "thermostats"}
ON_WORDS = {"lock": ("Locked", "Unlocked"), "cover": ("Opened", "Closed"),
            "scene": ("Activated", "Deactivated"), "vacuum": ("Started", "Stopped")}


@dataclass(frozen=True)
class SkillResult:
    """What a skill did: the reply to speak (may be empty) and whether it succeeded."""

    reply: str
    ok: bool = True


def load_weather(path: str | Path = DEFAULT_WEATHER) -> dict[str, Any]:
    doc = load_mapping(path, "weather fixture")
    for key in ("current", "today", "tomorrow"):
        if not isinstance(doc.get(key), dict):
            raise InputError(path, f"missing '{key}'")
    return doc


def num(x: Any) -> str:
    """40.0 → "40", 21.5 → "21.5"."""
    value = float(x)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def kelvin_name(kelvin: float) -> str:
    return next(name for bound, name in KELVIN_NAMES if kelvin <= bound)


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class Skills:
    """Intent handlers over the simulated home. ``clock(t_s)`` maps the engine's clock to
    local wall time (for "what time is it")."""

    def __init__(self, home: Home, store: Store, timers: TimerBank, weather: dict[str, Any],
                 clock: Callable[[float], datetime]):
        self.home = home
        self.store = store
        self.timers = timers
        self.weather = weather
        self.clock = clock
        self._handlers: dict[str, Callable[[dict, float, int | None], SkillResult]] = {
            "HassTurnOn": lambda s, t, p: self._turn(s, True),
            "HassTurnOff": lambda s, t, p: self._turn(s, False),
            "HassLightSet": lambda s, t, p: self._light_set(s),
            "HassGetState": lambda s, t, p: self._get_state(s),
            "HassStartTimer": self._timer_start,
            "HassCancelTimer": self._timer_cancel,
            "HassCancelAllTimers": lambda s, t, p: self._timer_cancel_all(),
            "HassTimerStatus": lambda s, t, p: self._timer_status(s, t),
            "HassPauseTimer": lambda s, t, p: self._timer_pause(s, t, True),
            "HassUnpauseTimer": lambda s, t, p: self._timer_pause(s, t, False),
            "HassIncreaseTimer": lambda s, t, p: self._timer_add(s, t, 1),
            "HassDecreaseTimer": lambda s, t, p: self._timer_add(s, t, -1),
            "HassShoppingListAddItem": lambda s, t, p: self._list_add(SHOPPING_LIST, s),
            "HassShoppingListCompleteItem": lambda s, t, p: self._list_done(SHOPPING_LIST, s),
            "HassListAddItem": lambda s, t, p: self._list_add(s.get("name", SHOPPING_LIST), s),
            "HassListCompleteItem": lambda s, t, p: self._list_done(
                s.get("name", SHOPPING_LIST), s),
            "HassListRemoveItem": lambda s, t, p: self._list_remove(
                s.get("name", SHOPPING_LIST), s),
            "ListShow": lambda s, t, p: self._list_show(s.get("name", SHOPPING_LIST)),
            "HassMediaPause": lambda s, t, p: self._media(s, "pause"),
            "HassMediaUnpause": lambda s, t, p: self._media(s, "unpause"),
            "HassMediaNext": lambda s, t, p: self._media(s, "next"),
            "HassMediaPrevious": lambda s, t, p: self._media(s, "previous"),
            "HassMediaSearchAndPlay": lambda s, t, p: self._media(s, "play"),
            "HassMediaPlayerMute": lambda s, t, p: self._media(s, "mute"),
            "HassMediaPlayerUnmute": lambda s, t, p: self._media(s, "unmute"),
            "HassSetVolume": lambda s, t, p: self._volume(s, absolute=True),
            "HassSetVolumeRelative": lambda s, t, p: self._volume(s, absolute=False),
            "HassGetCurrentTime": lambda s, t, p: self._time(t),
            "HassGetCurrentDate": lambda s, t, p: self._date(t),
            "HassGetWeather": lambda s, t, p: self._weather(s),
            "HassClimateGetTemperature": lambda s, t, p: self._indoor_temperature(s),
            "HassClimateSetTemperature": lambda s, t, p: self._set_temperature(s),
            "HassSetPosition": lambda s, t, p: self._set_position(s),
            "HassFanSetSpeed": lambda s, t, p: self._fan_speed(s),
            "HassVacuumStart": lambda s, t, p: self._vacuum(s, "cleaning"),
            "HassVacuumReturnToBase": lambda s, t, p: self._vacuum(s, "returning"),
            "HassNevermind": lambda s, t, p: SkillResult(""),
        }

    @property
    def intents(self) -> tuple[str, ...]:
        return tuple(self._handlers)

    def handle(self, intent: Intent, t_s: float, speaker_track: int | None = None
               ) -> SkillResult:
        handler = self._handlers.get(intent.name)
        if handler is None:
            log.info("no skill for %s %s", intent.name, intent.slots)
            return SkillResult("Sorry, I can't do that yet.", ok=False)
        with self.store.transaction():
            result = handler(dict(intent.slots), t_s, speaker_track)
        log.info("skill %s %s -> %r", intent.name, intent.slots, result.reply)
        return result

    # --- state -------------------------------------------------------------------------

    def entity(self, name: str) -> Entity | None:
        return next((e for e in self.home.entities if e.name == name), None)

    def state(self, name: str) -> dict[str, Any]:
        """An entity's current state (defaults until it was first changed)."""
        entity = self.entity(name)
        base = dict(DEFAULT_STATE.get(entity.domain, {}) if entity else {})
        base.update(self.store.entity_state(name) or {})
        return base

    def _update(self, entity: Entity, **changes: Any) -> None:
        state = self.state(entity.name)
        state.update(changes)
        self.store.set_entity_state(entity.name, state)

    @property
    def device_volume_pct(self) -> int:
        return int(self.store.setting(DEVICE_VOLUME_KEY, DEFAULT_DEVICE_VOLUME_PCT))

    def _targets(self, slots: dict, domains: tuple[str, ...] | None = None) -> list[Entity]:
        if slots.get("name"):
            return [e for e in self.home.entities if e.name == slots["name"]]
        found = list(self.home.entities)
        if slots.get("domain"):
            found = [e for e in found if e.domain == slots["domain"]]
        elif domains:
            found = [e for e in found if e.domain in domains]
        if slots.get("area"):
            found = [e for e in found if e.area == slots["area"]]
        if slots.get("floor"):
            return []  # the home file does not say which areas are on which floor
        return found

    def _describe(self, slots: dict, targets: list[Entity]) -> str:
        if len(targets) == 1 and (slots.get("name") or not slots.get("area")):
            return f"the {targets[0].name}"
        domain = slots.get("domain") or (targets[0].domain if targets else "")
        noun = "blinds" if slots.get("device_class") == "blind" else PLURAL.get(domain, "devices")
        if slots.get("area"):
            return f"the {noun} in the {slots['area']}"
        return f"all the {noun}"

    # --- devices -----------------------------------------------------------------------

    def _turn(self, slots: dict, on: bool) -> SkillResult:
        targets = self._targets(slots, ("light", "switch", "fan"))
        if not targets:
            return self._not_found(slots)
        for e in targets:
            if e.domain == "lock":
                self._update(e, locked=on)
            elif e.domain == "cover":
                self._update(e, position_pct=FULL_PCT if on else 0)
            elif e.domain == "vacuum":
                self._update(e, state="cleaning" if on else "docked")
            elif e.domain == "media_player":
                self._update(e, on=on, state="idle" if on else "off")
            elif e.domain != "scene":
                self._update(e, on=on)
        verb = ON_WORDS.get(targets[0].domain, ("Turned on", "Turned off"))[0 if on else 1]
        return SkillResult(f"{verb} {self._describe(slots, targets)}.")

    def _light_set(self, slots: dict) -> SkillResult:
        targets = [e for e in self._targets({**slots, "domain": "light"}) if e.domain == "light"]
        if not targets:
            return self._not_found(slots)
        changes: dict[str, Any] = {"on": True}
        said = []
        if "brightness" in slots:
            changes["brightness_pct"] = int(round(float(slots["brightness"])))
            changes["on"] = changes["brightness_pct"] > 0
            said.append(f"{num(slots['brightness'])} percent")
        if "color" in slots:
            changes["color"] = str(slots["color"])
            said.append(str(slots["color"]))
        if "temperature" in slots:
            changes["temperature_k"] = int(slots["temperature"])
            changes["color"] = "white"
            said.append(kelvin_name(float(slots["temperature"])))
        for e in targets:
            self._update(e, **changes)
        what = " and ".join(said) if said else "on"
        return SkillResult(f"Set {self._describe({**slots, 'domain': 'light'}, targets)} "
                           f"to {what}.")

    def _get_state(self, slots: dict) -> SkillResult:
        targets = self._targets(slots)
        if not targets:
            return self._not_found(slots)
        e = targets[0]
        state = self.state(e.name)
        if e.domain == "lock":
            now = "locked" if state["locked"] else "unlocked"
        elif e.domain == "cover":
            now = "open" if state["position_pct"] > 0 else "closed"
        elif e.domain == "media_player":
            now = state["state"]
        elif "on" in state:
            now = "on" if state["on"] else "off"
        else:
            return SkillResult(f"I don't know the state of the {e.name}.", ok=False)
        text = f"the {e.name} is {now}."
        if slots.get("state"):
            answer = "Yes" if str(slots["state"]) == now else "No"
            return SkillResult(f"{answer}, {text}")
        return SkillResult(text[0].upper() + text[1:])

    def _set_position(self, slots: dict) -> SkillResult:
        targets = self._targets({**slots, "domain": slots.get("domain", "cover")})
        if not targets:
            return self._not_found(slots)
        for e in targets:
            self._update(e, position_pct=int(float(slots.get("position", 0))))
        return SkillResult(f"Set {self._describe(slots, targets)} to "
                           f"{num(slots.get('position', 0))} percent open.")

    def _fan_speed(self, slots: dict) -> SkillResult:
        targets = self._targets({**slots, "domain": "fan"})
        if not targets:
            return self._not_found(slots)
        speed = int(float(slots.get("percentage", slots.get("fan_speed", 50))))
        for e in targets:
            self._update(e, on=speed > 0, speed_pct=speed)
        return SkillResult(f"Set {self._describe(slots, targets)} to {speed} percent.")

    def _vacuum(self, slots: dict, state: str) -> SkillResult:
        targets = self._targets({**slots, "domain": "vacuum"})
        if not targets:
            return self._not_found(slots)
        for e in targets:
            self._update(e, state=state)
        verb = "Started" if state == "cleaning" else "Sent home"
        return SkillResult(f"{verb} the {targets[0].name}.")

    def _set_temperature(self, slots: dict) -> SkillResult:
        targets = self._targets({**slots, "domain": "climate"})
        if not targets:
            return self._not_found(slots)
        for e in targets:
            self._update(e, target_c=float(slots["temperature"]))
        return SkillResult(f"Set the {targets[0].name} to {num(slots['temperature'])} degrees.")

    def _not_found(self, slots: dict) -> SkillResult:
        if slots.get("floor"):
            return SkillResult(f"I don't know which rooms are {slots['floor']}.", ok=False)
        return SkillResult("I couldn't find that device.", ok=False)

    # --- timers ------------------------------------------------------------------------

    def _timer_start(self, slots: dict, t_s: float, track: int | None) -> SkillResult:
        duration = slot_seconds(slots)
        if duration <= 0:
            return SkillResult("How long should the timer be?", ok=False)
        timer = self.timers.start(duration, t_s, slots.get("name"), track)
        what = f"{timer.name.capitalize()} timer" if timer.name else "Timer"
        return SkillResult(f"{what} set for {spoken_duration(duration)}.")

    def _one_timer(self, slots: dict) -> Timer | SkillResult:
        found = self.timers.find(slots)
        if not found:
            return SkillResult("There are no timers running." if not self.timers.timers
                               else "I couldn't find that timer.", ok=False)
        return min(found, key=lambda x: x.due_s)

    def _timer_cancel(self, slots: dict, t_s: float, track: int | None) -> SkillResult:
        timer = self._one_timer(slots)
        if isinstance(timer, SkillResult):
            return timer
        self.timers.cancel(timer)
        return SkillResult(f"Cancelled your {timer.label}.")

    def _timer_cancel_all(self) -> SkillResult:
        n = len(self.timers.timers)
        self.timers.clear()
        if n == 0:
            return SkillResult("There are no timers running.", ok=False)
        return SkillResult("Cancelled your timer." if n == 1 else f"Cancelled all {n} timers.")

    def _timer_status(self, slots: dict, t_s: float) -> SkillResult:
        found = self.timers.find(slots)
        if not found:
            return SkillResult("There are no timers running.", ok=False)
        parts = []
        for x in sorted(found, key=lambda x: x.remaining_s(t_s)):
            paused = " (paused)" if x.paused_remaining_s is not None else ""
            parts.append(f"your {x.label} has {spoken_duration(x.remaining_s(t_s))} "
                         f"left{paused}")
        text = "; ".join(parts)
        return SkillResult(text[0].upper() + text[1:] + ".")

    def _timer_pause(self, slots: dict, t_s: float, pause: bool) -> SkillResult:
        timer = self._one_timer(slots)
        if isinstance(timer, SkillResult):
            return timer
        if pause:
            self.timers.pause(timer, t_s)
            return SkillResult(f"Paused your {timer.label}.")
        self.timers.resume(timer, t_s)
        return SkillResult(f"Resumed your {timer.label}.")

    def _timer_add(self, slots: dict, t_s: float, sign: int) -> SkillResult:
        timer = self._one_timer({"name": slots["name"]} if slots.get("name") else {})
        if isinstance(timer, SkillResult):
            return timer
        delta = slot_seconds(slots)
        self.timers.add(timer, sign * delta, t_s)
        verb = "Added" if sign > 0 else "Took"
        prep = "to" if sign > 0 else "off"
        return SkillResult(f"{verb} {spoken_duration(delta)} {prep} your timer; "
                           f"{spoken_duration(timer.remaining_s(t_s))} left.")

    def announcement(self, timer: Timer) -> str:
        return f"Your {timer.label} is done."

    # --- lists -------------------------------------------------------------------------

    def _list_add(self, list_name: str, slots: dict) -> SkillResult:
        item = str(slots.get("item", "")).strip()
        if not item:
            return SkillResult("What should I add?", ok=False)
        self.store.list_add(list_name, item)
        return SkillResult(f"Added {item} to your {list_name}.")

    def _list_done(self, list_name: str, slots: dict) -> SkillResult:
        item = str(slots.get("item", "")).strip()
        if self.store.list_complete(list_name, item):
            return SkillResult(f"Checked {item} off your {list_name}.")
        return SkillResult(f"{item.capitalize()} isn't on your {list_name}.", ok=False)

    def _list_remove(self, list_name: str, slots: dict) -> SkillResult:
        item = str(slots.get("item", "")).strip()
        if self.store.list_remove(list_name, item):
            return SkillResult(f"Removed {item} from your {list_name}.")
        return SkillResult(f"{item.capitalize()} isn't on your {list_name}.", ok=False)

    def _list_show(self, list_name: str) -> SkillResult:
        items = self.store.list_items(list_name)
        if not items:
            return SkillResult(f"Your {list_name} is empty.")
        count = "one item" if len(items) == 1 else f"{len(items)} items"
        return SkillResult(f"Your {list_name} has {count}: {_join(items)}.")

    # --- media and volume --------------------------------------------------------------

    def _player(self, slots: dict) -> Entity | None:
        players = [e for e in self.home.entities if e.domain == "media_player"]
        if slots.get("name"):
            return next((e for e in players if e.name == slots["name"]), None)
        area = slots.get("area") or self.home.device_area
        here = [e for e in players if e.area == area]
        playing = [e for e in here if self.state(e.name)["state"] == "playing"]
        return (playing or here or players or [None])[0]

    def _media(self, slots: dict, command: str) -> SkillResult:
        player = self._player(slots)
        if player is None:
            return self._not_found(slots)
        state = self.state(player.name)
        where = f"the {player.name}"
        if command == "pause":
            self._update(player, state="paused")
            return SkillResult(f"Paused {where}.")
        if command == "unpause":
            self._update(player, on=True, state="playing")
            return SkillResult(f"Resumed {where}.")
        if command in ("next", "previous"):
            track = max(1, state["track"] + (1 if command == "next" else -1))
            self._update(player, on=True, state="playing", track=track)
            return SkillResult(f"{command.capitalize()} track on {where}.")
        if command == "play":
            query = str(slots.get("search_query", "music"))
            self._update(player, on=True, state="playing", playing=query, track=1)
            return SkillResult(f"Playing {query} on {where}.")
        self._update(player, muted=command == "mute")
        return SkillResult(f"{'Muted' if command == 'mute' else 'Unmuted'} {where}.")

    def _volume(self, slots: dict, absolute: bool) -> SkillResult:
        player = None
        if slots.get("name"):
            player = self._player(slots)
            if player is None:
                return self._not_found(slots)
        else:
            candidate = self._player(slots)
            if candidate is not None and self.state(candidate.name)["state"] == "playing":
                player = candidate
        current = (self.state(player.name)["volume_pct"] if player is not None
                   else self.device_volume_pct)
        if absolute:
            level = float(slots.get("volume_level", current))
        else:
            step = slots.get("volume_step", "up")
            delta = (VOLUME_STEP_PCT if step == "up" else -VOLUME_STEP_PCT
                     if step == "down" else float(step))
            level = current + delta
        level = int(round(min(FULL_PCT, max(0, level))))
        if player is not None:
            self._update(player, volume_pct=level, muted=False)
            return SkillResult(f"Set the {player.name} volume to {level} percent.")
        self.store.set_setting(DEVICE_VOLUME_KEY, level)
        return SkillResult(f"Volume set to {level} percent.")

    # --- time, date, weather -----------------------------------------------------------

    def _time(self, t_s: float) -> SkillResult:
        now = self.clock(t_s)
        hour = now.hour % 12 or 12
        return SkillResult(f"It's {hour}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}.")

    def _date(self, t_s: float) -> SkillResult:
        now = self.clock(t_s)
        return SkillResult(f"Today is {now:%A}, {now:%B} {_ordinal(now.day)}.")

    def _weather(self, slots: dict) -> SkillResult:
        w = self.weather
        if slots.get("when") == "tomorrow":
            d = w["tomorrow"]
            return SkillResult(f"Tomorrow will be {d['condition']} with a high of "
                               f"{num(d['high_c'])} degrees.")
        cur, today = w["current"], w["today"]
        return SkillResult(f"It's {num(cur['temperature_c'])} degrees and {cur['condition']}. "
                           f"Today: {today['condition']}, with a high of {num(today['high_c'])} "
                           f"and a low of {num(today['low_c'])}.")

    def _indoor_temperature(self, slots: dict) -> SkillResult:
        area = slots.get("area") or self.home.device_area
        if slots.get("name"):
            entity = self.entity(slots["name"])
            area = entity.area if entity and entity.area else area
        reading = (self.weather.get("indoor_c") or {}).get(area)
        if reading is None:
            return SkillResult(f"I don't have a temperature for the {area}.", ok=False)
        return SkillResult(f"It's {num(reading)} degrees in the {area}.")
