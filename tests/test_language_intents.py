"""Intent recognition over Home Assistant's grammar with the bundled home."""

import pytest

from ntt.cues import Intent
from ntt.errors import InputError
from ntt.language.intents import Home, IntentRecognizer


@pytest.fixture(scope="module")
def recognizer():
    return IntentRecognizer(Home.load())


def test_named_entity_turn_on(recognizer):
    intent = recognizer.recognize("turn on the coffee maker")
    assert intent == Intent("HassTurnOn", {"name": "coffee maker"}, "turn on the coffee maker")


def test_alias_resolves_to_the_canonical_entity_name(recognizer):
    intent = recognizer.recognize("switch off the telly")
    assert intent is not None
    assert (intent.name, intent.slots["name"]) == ("HassTurnOff", "TV")


def test_area_alias_resolves_to_the_canonical_area(recognizer):
    intent = recognizer.recognize("turn on the lights in the study")
    assert intent is not None
    assert intent.slots["area"] == "office"
    assert intent.slots["domain"] == "light"


def test_lights_without_an_area_mean_the_device_area(recognizer):
    intent = recognizer.recognize("turn off the lights")
    assert intent is not None
    assert intent.slots["area"] == recognizer.home.device_area == "living room"


def test_speaker_area_overrides_the_device_area(recognizer):
    intent = recognizer.recognize("turn off the lights", area="kitchen")
    assert intent is not None and intent.slots["area"] == "kitchen"


def test_timer_with_spoken_number(recognizer):
    intent = recognizer.recognize("set a timer for five minutes")
    assert intent is not None
    assert (intent.name, intent.slots["minutes"]) == ("HassStartTimer", 5)


def test_shopping_list_item_is_a_free_text_slot(recognizer):
    intent = recognizer.recognize("add oat milk to my shopping list")
    assert intent is not None
    assert (intent.name, intent.slots["item"]) == ("HassShoppingListAddItem", "oat milk")


def test_brightness_of_a_named_light(recognizer):
    intent = recognizer.recognize("set the desk lamp to 40 percent")
    assert intent is not None
    assert intent.name == "HassLightSet"
    assert intent.slots["name"] == "desk lamp" and intent.slots["brightness"] == 40


def test_climate_temperature(recognizer):
    intent = recognizer.recognize("set the temperature to 21 degrees")
    assert intent is not None
    assert intent.name == "HassClimateSetTemperature"
    assert intent.slots["temperature"] == 21


def test_weather_and_time_questions(recognizer):
    assert recognizer.recognize("what's the weather like").name == "HassGetWeather"
    assert recognizer.recognize("what time is it").name == "HassGetCurrentTime"


def test_out_of_grammar_request_is_not_understood(recognizer):
    assert recognizer.recognize("can you pass the salt") is None
    assert recognizer.recognize("what did the doctor say") is None


def test_unknown_entity_is_not_understood(recognizer):
    assert recognizer.recognize("turn on the jacuzzi") is None


def test_empty_text_is_not_understood(recognizer):
    assert recognizer.recognize("") is None
    assert recognizer.recognize("   ") is None


def test_home_with_entity_in_unknown_area_is_rejected(tmp_path):
    path = tmp_path / "home.yaml"
    path.write_text("areas: [kitchen]\nentities:\n  - {name: lamp, domain: light, area: attic}\n")
    with pytest.raises(InputError, match="unknown area 'attic'"):
        Home.load(path)


def test_home_entity_without_domain_is_rejected(tmp_path):
    path = tmp_path / "home.yaml"
    path.write_text("areas: [kitchen]\nentities:\n  - {name: lamp}\n")
    with pytest.raises(InputError, match="bad area/floor/entity entry"):
        Home.load(path)


def test_missing_home_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read home file"):
        Home.load(tmp_path / "nope.yaml")


def test_custom_home_entities_are_recognized(tmp_path):
    path = tmp_path / "home.yaml"
    path.write_text("areas: [garage]\nentities:\n"
                    "  - {name: workbench light, domain: light, area: garage}\n")
    intent = IntentRecognizer(Home.load(path)).recognize("turn on the workbench light")
    assert intent is not None and intent.slots["name"] == "workbench light"
