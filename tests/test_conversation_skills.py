"""Skills against the simulated home (real grammar → real intents → SQLite state), the store,
and the engine's data files."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from ntt.conversation.anticipation import Anticipator
from ntt.conversation.phrases import Phrases
from ntt.conversation.skills import Skills, load_weather
from ntt.conversation.store import DATA_DIR_ENV, DB_FILE, Store, default_data_dir
from ntt.conversation.timers import TimerBank
from ntt.cues import Intent
from ntt.errors import InputError
from ntt.language.intents import Home, IntentRecognizer

CLOCK_ORIGIN = datetime(2025, 3, 4, 9, 30)  # a Tuesday


@pytest.fixture(scope="module")
def recognizer():
    return IntentRecognizer(Home.load())


@pytest.fixture()
def store(tmp_path):
    with Store(tmp_path) as s:
        yield s


@pytest.fixture()
def skills(recognizer, store):
    from datetime import timedelta

    return Skills(recognizer.home, store, TimerBank(), load_weather(),
                  lambda t_s: CLOCK_ORIGIN + timedelta(seconds=t_s))


@pytest.fixture()
def ask(recognizer, skills):
    phrases = Phrases.load()

    def run(text: str, t_s: float = 0.0) -> str:
        intent = recognizer.recognize(text)
        if intent is None:
            local = phrases.local_intent(text)
            assert local is not None, f"not understood: {text!r}"
            intent = Intent(local[0], local[1], text)
        return skills.handle(intent, t_s).reply

    return run


def test_lights_by_area_on_off_brightness_colour(ask, skills):
    assert ask("turn on the lights in the bedroom") == "Turned on the lights in the bedroom."
    assert skills.state("bedside lamp")["on"] is True
    assert ask("set the kitchen light to 30 percent") == "Set the kitchen light to 30 percent."
    assert skills.state("kitchen light")["brightness_pct"] == 30
    assert skills.state("under cabinet lights")["on"] is False
    assert ask("set the kitchen light to blue") == "Set the kitchen light to blue."
    assert skills.state("kitchen light")["color"] == "blue"
    ask("set the color temperature of the lights in the living room to cool white")
    assert skills.state("ceiling light")["temperature_k"] == 4000
    assert ask("turn off all the lights") == "Turned off all the lights."
    assert not any(skills.state(n)["on"] for n in ("bedside lamp", "kitchen light",
                                                   "ceiling light", "desk lamp"))


def test_switches_locks_covers_and_state_questions(ask, skills):
    assert ask("turn on the coffee maker") == "Turned on the coffee maker."
    assert skills.state("coffee maker")["on"] is True
    assert ask("is the coffee maker on") == "Yes, the coffee maker is on."
    assert ask("unlock the front door") == "Unlocked the front door."
    assert ask("is the front door locked") == "No, the front door is unlocked."
    assert ask("set the bedroom blinds to 50 percent") == \
        "Set the blinds in the bedroom to 50 percent open."
    assert skills.state("bedroom blinds")["position_pct"] == 50


def test_media_controls_and_volume(ask, skills):
    assert ask("play some jazz") == "Playing some jazz on the TV."
    assert skills.state("TV")["state"] == "playing"
    assert ask("next track") == "Next track on the TV."
    assert skills.state("TV")["track"] == 2
    assert ask("set the volume to 20 percent") == "Set the TV volume to 20 percent."
    assert ask("turn up the volume") == "Set the TV volume to 30 percent."
    assert ask("pause") == "Paused the TV."
    # With nothing playing, volume is the device's own voice.
    assert ask("set the volume to 35") == "Volume set to 35 percent."
    assert skills.device_volume_pct == 35
    assert ask("quieter") == "Volume set to 25 percent."
    assert ask("mute the tv") == "Muted the TV."
    assert skills.state("TV")["muted"] is True


def test_shopping_and_to_do_lists(ask, store):
    assert ask("add oat milk to my shopping list") == "Added oat milk to your shopping list."
    ask("add eggs to the shopping list")
    assert ask("what's on my shopping list") == \
        "Your shopping list has 2 items: oat milk and eggs."
    assert ask("check off eggs from my shopping list") == "Checked eggs off your shopping list."
    assert store.list_items("shopping list") == ["oat milk"]
    assert ask("add call mom to my to do list") == "Added call mom to your to do list."
    assert ask("what's on my to do list") == "Your to do list has one item: call mom."
    assert ask("remove call mom from my to do list") == "Removed call mom from your to do list."
    assert ask("read my to do list") == "Your to do list is empty."


def test_time_date_and_weather_from_the_fixture(ask):
    assert ask("what time is it", t_s=125.0) == "It's 9:32 AM."
    assert ask("what's the date") == "Today is Tuesday, March 4th."
    assert ask("what day is it") == "Today is Tuesday, March 4th."
    assert ask("what's the weather like") == (
        "It's 14 degrees and partly cloudy. Today: showers later in the afternoon, with a high "
        "of 17 and a low of 9.")
    assert ask("what is the weather like tomorrow") == \
        "Tomorrow will be sunny with a high of 18 degrees."
    assert ask("how warm is it in the bedroom") == "It's 19 degrees in the bedroom."


def test_weather_follows_the_fixture_file(recognizer, store, tmp_path):
    doc = json.loads(Path(load_weather.__defaults__[0]).read_text())
    doc["tomorrow"] = {"condition": "snowy", "high_c": -2, "low_c": -8}
    path = tmp_path / "weather.json"
    path.write_text(json.dumps(doc))
    skills = Skills(recognizer.home, store, TimerBank(), load_weather(path), lambda t: CLOCK_ORIGIN)
    reply = skills.handle(Intent("HassGetWeather", {"when": "tomorrow"}), 0.0).reply
    assert reply == "Tomorrow will be snowy with a high of -2 degrees."


def test_timers_count_down_pause_and_extend(ask, skills):
    assert ask("set a timer named pasta for 10 minutes", t_s=0.0) == \
        "Pasta timer set for 10 minutes."
    assert ask("how much time is left on my pasta timer", t_s=90.0) == \
        "Your pasta timer has 8 minutes and 30 seconds left."
    assert ask("pause the timer", t_s=100.0) == "Paused your pasta timer."
    assert ask("how much time is left on the timer", t_s=400.0) == \
        "Your pasta timer has 8 minutes and 20 seconds left (paused)."
    ask("resume the timer", t_s=400.0)
    assert ask("add 2 minutes to my pasta timer", t_s=400.0) == \
        "Added 2 minutes to your timer; 10 minutes and 20 seconds left."
    assert skills.timers.due(1019.0) == []
    [done] = skills.timers.due(1020.0)
    assert skills.announcement(done) == "Your pasta timer is done."
    assert ask("cancel the timer") == "There are no timers running."


def test_unknown_things_fail_politely(skills):
    assert not skills.handle(Intent("HassTurnOn", {"name": "jacuzzi"}), 0.0).ok
    result = skills.handle(Intent("HassBroadcast", {"message": "dinner"}), 0.0)
    assert (result.ok, result.reply) == (False, "Sorry, I can't do that yet.")


def test_home_state_persists_in_the_sqlite_file(recognizer, tmp_path):
    with Store(tmp_path) as store:
        skills = Skills(recognizer.home, store, TimerBank(), load_weather(), lambda t: CLOCK_ORIGIN)
        skills.handle(recognizer.recognize("turn on the heater"), 0.0)
        store.list_add("shopping list", "bread")
    assert (tmp_path / DB_FILE).is_file()
    with Store(tmp_path) as store:
        skills = Skills(recognizer.home, store, TimerBank(), load_weather(), lambda t: CLOCK_ORIGIN)
        assert skills.state("heater")["on"] is True
        assert store.list_items("shopping list") == ["bread"]
        store.forget()
        assert set(store.counts().values()) == {0}
        assert skills.state("heater")["on"] is False


def test_data_directory_from_argument_environment_or_platform(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env"))
    assert default_data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert default_data_dir() == tmp_path / "env"
    with Store() as store:
        assert store.path == tmp_path / "env" / DB_FILE
    monkeypatch.delenv(DATA_DIR_ENV)
    import platformdirs

    assert default_data_dir() == Path(platformdirs.user_data_dir("ntt"))


def test_an_unusable_data_directory_is_an_input_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(InputError, match="conversation store"):
        Store(blocker / "sub")


def test_bad_data_files_are_input_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - {name: x, text: '(unclosed', offer: q, accept: [a]}\n")
    with pytest.raises(InputError, match="regular expression"):
        Anticipator.load(bad)
    bad.write_text("rules:\n  - {name: x, offer: q, accept: [a]}\n")
    with pytest.raises(InputError, match="exactly one"):
        Anticipator.load(bad)
    bad.write_text("yes: [a]\n")
    with pytest.raises(InputError, match="missing"):
        Phrases.load(bad)
    bad.write_text("{}")
    with pytest.raises(InputError, match="current"):
        load_weather(bad)
    with pytest.raises(InputError, match="cannot read"):
        load_weather(tmp_path / "missing.json")


def test_anticipation_rules_are_ordered_and_extensible(tmp_path):
    rules = Anticipator.load()
    assert rules.for_text("how long should I steep green tea").name == "green-tea"
    assert rules.for_text("How long should I steep tea?").name == "tea"
    assert rules.for_text("how long do I boil a soft boiled egg").name == "soft-boiled-egg"
    assert rules.for_text("what time is it") is None
    assert rules.for_intent("HassTurnOn", {"name": "kettle"}).name == "kettle-tea"
    assert rules.for_intent("HassTurnOn", {"name": "heater"}) is None
    extra = tmp_path / "rules.yaml"
    extra.write_text("rules:\n  - name: rice\n    text: how long (?:do|should) i cook rice\n"
                     "    answer: About twelve minutes.\n    offer: Want a timer?\n"
                     "    accept: ['set a timer for twelve minutes']\n")
    rule = Anticipator.load(extra).for_text("How long should I cook rice?")
    assert (rule.answer, rule.accept) == ("About twelve minutes.",
                                          ("set a timer for twelve minutes",))


def test_phrase_book_yes_no_stop_and_modes():
    p = Phrases.load()
    assert p.is_yes("Yes please!") and p.is_yes("sure, go ahead") and not p.is_yes("yesterday")
    assert p.is_no("No thanks.") and not p.is_no("now")
    assert p.is_stop("Stop!") and p.is_stop("be quiet please")
    assert p.is_conversation_on("Turn on conversation mode.")
    assert p.is_conversation_off("Leave the conversation.")
    assert p.mode_request("Set the living room light to study mode.") == (
        "study", "living room light")
    assert p.mode_request("turn on the lights") is None


def test_a_broken_weather_fixture_is_one_clear_input_error(tmp_path):
    from ntt.conversation.skills import load_weather
    from ntt.errors import InputError

    bad = tmp_path / "weather.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_weather(bad)
    bad.write_text('{"current": {}}', encoding="utf-8")
    with pytest.raises(InputError, match="missing 'today'"):
        load_weather(bad)
    with pytest.raises(InputError, match="cannot read weather fixture"):
        load_weather(tmp_path / "absent.json")


def test_the_engine_acts_on_real_phrasings_the_grammar_lacks(tmp_path):
    """The device's engine reads a request the grammar has no sentence for through the
    fallback classifier; a phrasing with no skill behind it is still not understood."""
    from ntt.conversation import ConversationEngine
    from ntt.cues import Say, SkillRun, Turn

    def ask(engine, t_s: float, text: str) -> tuple[list[str], list[str]]:
        out = engine.push(Turn(t_s, t_s - 1.8, t_s - 0.3, 1, True, 0.9, text,
                               addressee="device"))
        return ([a.text for a in out if isinstance(a, Say)],
                [a.intent for a in out if isinstance(a, SkillRun)])

    with ConversationEngine.offline(data_dir=tmp_path, clock_origin=CLOCK_ORIGIN) as engine:
        weather = "what is the weather going to be like tomorrow"
        assert engine.recognizer.recognize_grammar(weather) is None
        replies, runs = ask(engine, 2.0, weather)
        assert runs == ["HassGetWeather"] and "tomorrow" in replies[0].lower()
        replies, runs = ask(engine, 30.0, "do you know a good place for dinner")
        assert runs == []
