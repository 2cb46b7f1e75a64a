"""Fallback intents where the grammar has no match: the classifier's numpy pass equals its
torch twin, slots come from the words or not at all, and the shipped classifier acts on
real phrasings of the engine's skills but not on talk."""

import numpy as np
import pytest
import torch

from ntt.errors import InputError
from ntt.language.fallback import (
    CLASSES,
    IntentClassifier,
    accepted,
    fit_intents,
    make_intent_net,
    training_class,
)
from ntt.language.intents import Home, IntentRecognizer
from ntt.language.model import FeatureConfig, bucket_ids
from ntt.language.slots import duration, fill_slots, spoken_number

SMALL = FeatureConfig(buckets=1 << 12)


def test_numpy_classifier_reproduces_the_torch_net():
    torch.manual_seed(0)
    classes = ("HassTurnOff", "HassStartTimer", "none")
    net = make_intent_net(SMALL, classes)
    with torch.no_grad():
        net.bag.weight.normal_(0, 1.0)
        net.bag.weight.copy_(net.bag.weight.half().float())
        net.bias.normal_(0, 0.1)
    texts = ["lights off please", "timer for ten minutes", "yeah"]
    ids = [torch.from_numpy(bucket_ids(t, SMALL)) for t in texts]
    offsets = torch.tensor(np.cumsum([0] + [len(i) for i in ids[:-1]]))
    with torch.no_grad():
        expected = torch.softmax(net(torch.cat(ids), offsets), dim=1).numpy()
    clf = net.to_classifier()
    got = np.stack([clf.probabilities(t) for t in texts])
    assert np.allclose(got, expected, atol=1e-5)


def test_fit_learns_skills_and_none_and_round_trips(tmp_path):
    texts = [f"lights off in the {r}" for r in ("hall", "den", "loft", "porch")] + \
        [f"timer for {n} minutes" for n in ("two", "five", "nine", "ten")] + \
        [f"i saw {x} yesterday" for x in ("tom", "the film", "your mum", "a fox")]
    labels = ["HassTurnOff"] * 4 + ["HassStartTimer"] * 4 + ["none"] * 4
    clf = fit_intents(texts, labels, SMALL, epochs=40, lr=0.05)
    assert clf.predict("lights off in the attic")[0] == "HassTurnOff"
    assert clf.predict("timer for six minutes")[0] == "HassStartTimer"
    assert clf.predict("i saw the dog yesterday") is None
    loaded = IntentClassifier.load(clf.save(tmp_path / "i.npz"))
    assert np.allclose(loaded.probabilities("timer for six minutes"),
                       clf.probabilities("timer for six minutes"), atol=1e-6)


def test_a_missing_intent_model_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="intent model not found"):
        IntentClassifier.load(tmp_path / "none.npz")


def test_dataset_intents_map_to_engine_skills():
    assert accepted("topv2", "topv2:timer:CREATE_TIMER") == ("HassStartTimer",)
    assert accepted("hwu", "slurp:iot_hue_lightoff") == ("HassTurnOff",)
    assert accepted("hwu", "hwu64:alarm_set") is None          # the engine has no alarms
    assert training_class("hwu", "hwu64:alarm_set", True) == "none"
    assert training_class("hwu", "hwu64:datetime_query", True) is None  # time or date
    assert training_class("templates", "ha:HassShoppingListAddItem", True) == \
        "HassListAddItem"
    assert training_class("ami", "ami:ES2002a", False) == "none"


def test_spoken_numbers_and_durations():
    assert spoken_number("twenty five".split()) == 25
    assert spoken_number(["an"]) == 1
    assert spoken_number("one hundred".split()) == 100
    assert spoken_number(["timer"]) is None
    assert duration("timer for an hour and ten minutes") == {"hours": 1, "minutes": 10}
    assert duration("count down half an hour") == {"minutes": 30}


@pytest.fixture(scope="module")
def home():
    return Home.load()


@pytest.mark.parametrize("intent, text, slots", [
    ("HassTurnOff", "lights off please", {"domain": "light", "area": "living room"}),
    ("HassTurnOff", "kill the lights in the study", {"domain": "light", "area": "office"}),
    ("HassTurnOn", "could you switch the telly on", {"name": "TV"}),
    ("HassLightSet", "kitchen lights to 40%", {"name": "kitchen light", "brightness": 40}),
    ("HassStartTimer", "start a countdown for 5 min", {"minutes": 5}),
    ("HassMediaSearchAndPlay", "i want to hear some jazz", {"search_query": "jazz"}),
    ("HassSetVolumeRelative", "bit quieter", {"volume_step": "down"}),
    ("HassListAddItem", "put eggs on my shopping list",
     {"item": "eggs", "name": "shopping list"}),
    ("HassGetWeather", "do i need a coat tomorrow", {"when": "tomorrow"}),
])
def test_slots_come_from_the_words(home, intent, text, slots):
    assert fill_slots(intent, text, home) == slots


@pytest.mark.parametrize("intent, text", [
    ("HassTurnOn", "turn on the jacuzzi"),        # not in the home
    ("HassStartTimer", "set a timer"),            # no duration
    ("HassLightSet", "dim the lights"),           # no level: not invented
    ("HassListAddItem", "add to the list"),       # no item
])
def test_no_slots_no_action(home, intent, text):
    assert fill_slots(intent, text, home) is None


@pytest.fixture(scope="module")
def recognizer(home):
    return IntentRecognizer(home, fallback=IntentClassifier.load())


@pytest.mark.parametrize("text, name", [
    ("hey what time is it", "HassGetCurrentTime"),
    ("i want to hear some jazz", "HassMediaSearchAndPlay"),
    ("do i need a coat tomorrow", "HassGetWeather"),
])
def test_shipped_fallback_acts_on_real_phrasings(recognizer, text, name):
    assert recognizer.recognize_grammar(text) is None
    intent = recognizer.recognize(text)
    assert intent is not None and intent.name == name


@pytest.mark.parametrize("text", ["can you pass the salt", "we should get some milk",
                                  "did you see the match last night", "turn on the jacuzzi"])
def test_shipped_fallback_leaves_talk_alone(recognizer, text):
    assert recognizer.recognize(text) is None


def test_without_a_fallback_recognition_is_the_grammar_alone(home):
    assert IntentRecognizer(home).recognize("hey what time is it") is None


def test_grammar_top_up_fills_only_sparse_classes_from_training_sentences():
    import random
    from collections import Counter

    from ntt.language.corpus import ha_examples
    from ntt.language.intent_train import MIN_CLASS_LINES, grammar_top_up

    counts = Counter({c: MIN_CLASS_LINES for c in CLASSES})
    counts["HassListAddItem"] = MIN_CLASS_LINES - 15
    texts, labels = grammar_top_up(counts, random.Random(0))
    assert labels == ["HassListAddItem"] * 15 and len(set(texts)) == 15
    assert all("list" in t for t in texts)
    held_out = {e.text for e in ha_examples("test", random.Random(0), 30)}
    assert not held_out & set(texts) - {e.text for e in ha_examples("train", random.Random(0), 30)}
