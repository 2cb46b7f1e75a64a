"""Interactive teaching through the real intent grammar, persisted in SQLite across a restart."""

from __future__ import annotations

import pytest

from ntt.conversation import ConversationEngine
from ntt.conversation.phrases import Phrases
from ntt.conversation.teaching import Target, Teacher
from ntt.cues import Say, SkillRun, Turn
from ntt.language.intents import Home, IntentRecognizer

STUDY = "set the living room light to study mode"
TAUGHT = "dim it to 40 percent and make it warm"
LIVING_ROOM_LIGHTS = ("living room lamp", "ceiling light")
WARM_WHITE_K = 2700


@pytest.fixture(scope="module")
def recognizer():
    return IntentRecognizer(Home.load())


@pytest.fixture()
def teacher(recognizer, tmp_path):
    from ntt.conversation.store import Store

    with Store(tmp_path) as store:
        yield Teacher(Phrases.load(), recognizer, store)


def turn(t_s: float, text: str, directed: bool = True, p: float = 0.9, track: int = 1) -> Turn:
    return Turn(t_s, t_s - 1.8, t_s - 0.3, track, directed, p, text)


def say(engine: ConversationEngine, t_s: float, text: str, **kw) -> Say | None:
    out = engine.push(turn(t_s, text, **kw))
    says = [a for a in out if isinstance(a, Say)]
    return says[0] if says else None


def teach_study_mode(engine: ConversationEngine) -> float:
    """The full teaching exchange; returns when the device finished its confirmation."""
    question = say(engine, 2.0, STUDY)
    assert question.text == "I don't know what study mode is. Can you teach me?"
    assert question.kind == "question"
    assert engine.context(question.end_s + 0.5).awaiting_answer
    confirm = say(engine, question.end_s + 3.0, TAUGHT, directed=False, p=0.5)
    assert confirm.text.startswith("Got it, I'll remember study mode.")
    return confirm.end_s


def test_teaching_is_parsed_into_actions_run_and_stored(recognizer, tmp_path):
    with ConversationEngine(recognizer, data_dir=tmp_path) as engine:
        teach_study_mode(engine)
        for name in LIVING_ROOM_LIGHTS:
            state = engine.skills.state(name)
            assert (state["on"], state["brightness_pct"], state["temperature_k"]) == (
                True, 40, WARM_WHITE_K)
        assert engine.skills.state("kitchen light")["on"] is False
        [routine] = engine.store.routines()
        assert routine.name == "study" and routine.request == STUDY
        assert [(s.intent, s.slots.get("area")) for s in routine.steps] == [
            ("HassLightSet", "living room"), ("HassLightSet", "living room")]
        assert routine.steps[0].slots["brightness"] == 40
        assert routine.steps[1].slots["temperature"] == WARM_WHITE_K


def test_taught_routine_survives_an_engine_restart(recognizer, tmp_path):
    with ConversationEngine(recognizer, data_dir=tmp_path) as engine:
        teach_study_mode(engine)
    with ConversationEngine(recognizer, data_dir=tmp_path) as engine:
        say(engine, 2.0, "turn off the lights in the living room")
        set_ = say(engine, 20.0, "set the lights in the living room to 100 percent")
        assert set_ is not None
        assert engine.skills.state("ceiling light")["brightness_pct"] == 100
        reply = say(engine, 40.0, STUDY)
        assert reply.text == "Study mode is on."
        for name in LIVING_ROOM_LIGHTS:
            state = engine.skills.state(name)
            assert (state["on"], state["brightness_pct"], state["temperature_k"]) == (
                True, 40, WARM_WHITE_K)


@pytest.mark.parametrize("request_text", ["switch to study mode", "study mode please",
                                          "put the lights in study mode",
                                          "set living room light to study mode"])
def test_a_similar_request_runs_the_routine(recognizer, tmp_path, request_text):
    with ConversationEngine(recognizer, data_dir=tmp_path) as engine:
        end = teach_study_mode(engine)
        say(engine, end + 10.0, "turn off the lights in the living room")
        out = engine.push(turn(end + 30.0, request_text))
        assert [a.text for a in out if isinstance(a, Say)] == ["Study mode is on."]
        assert [a.intent for a in out if isinstance(a, SkillRun)] == ["HassLightSet"] * 2
        assert engine.skills.state("ceiling light")["brightness_pct"] == 40


def test_a_routine_asked_for_another_room_moves_there(recognizer, tmp_path):
    with ConversationEngine(recognizer, data_dir=tmp_path) as engine:
        end = teach_study_mode(engine)
        say(engine, end + 10.0, "turn off the lights in the living room")
        assert say(engine, end + 30.0, "set the office lights to study mode").text == \
            "Study mode is on."
        desk = engine.skills.state("desk lamp")
        assert (desk["on"], desk["brightness_pct"]) == (True, 40)
        assert engine.skills.state("ceiling light")["on"] is False


def test_an_answer_it_cannot_parse_is_asked_again_and_never_mind_drops_it(recognizer,
                                                                           tmp_path):
    with ConversationEngine(recognizer, data_dir=tmp_path) as engine:
        question = say(engine, 2.0, "set the bedroom lights to party mode")
        assert "party mode" in question.text
        again = say(engine, question.end_s + 2.0, "do a little dance")
        assert again.kind == "question" and "another way" in again.text
        drop = say(engine, again.end_s + 2.0, "never mind")
        assert drop.text == "OK, never mind."
        assert engine.store.routines() == []
        assert not engine.context(drop.end_s + 1.0).awaiting_answer


def test_clauses_split_and_lose_their_fillers(teacher):
    assert teacher.clauses("Well, dim it to forty percent, then make it warm.") == [
        "dim it to forty percent", "make it warm"]
    assert teacher.clauses("ok so turn off the tv and also play some jazz") == [
        "turn off the tv", "play some jazz"]


def test_pronouns_take_the_target_of_the_request(teacher):
    area = teacher.resolve_target("living room light")
    assert area == Target(area="living room", domain="light")
    step = teacher.parse_clause("make them blue", area)
    assert (step.intent, step.slots["color"], step.slots["area"]) == (
        "HassLightSet", "blue", "living room")
    lamp = teacher.resolve_target("desk lamp")
    assert lamp.name == "desk lamp"
    step = teacher.parse_clause("dim it to 25 percent", lamp)
    assert (step.intent, step.slots["name"], step.slots["brightness"]) == (
        "HassLightSet", "desk lamp", 25)


def test_spoken_numbers_and_other_devices_in_an_answer(teacher):
    target = teacher.resolve_target("lights in the bedroom")
    steps, failed = teacher.parse("set it to thirty percent and play some jazz", target)
    assert failed == []
    assert [(s.intent, s.slots.get("brightness"), s.slots.get("area")) for s in steps] == [
        ("HassLightSet", 30, "bedroom"), ("HassMediaSearchAndPlay", None, "bedroom")]


def test_a_clause_nothing_understands_is_reported(teacher):
    steps, failed = teacher.parse("dim it and juggle three oranges",
                                  teacher.resolve_target(None))
    assert [s.intent for s in steps] == ["HassLightSet"]
    assert failed == ["juggle three oranges"]
