"""Turn-taking scenarios: scripted decision/turn streams through the real engine and the real
intent grammar (Home Assistant's, over the bundled home)."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

import pytest

from ntt.conversation import ConversationEngine
from ntt.cues import Decision, Say, SkillRun, State, StopSpeaking, Transition, Turn, TurnOutcome
from ntt.language.intents import Home, IntentRecognizer
from ntt.settings import EngineSettings

BARGE_IN_BUDGET_S = 0.2
UTTERANCE_S = 1.5
ENDPOINT_S = 0.3  # decision comes this long after the speech ends


@pytest.fixture(scope="module")
def recognizer():
    return IntentRecognizer(Home.load())


@pytest.fixture()
def engine(recognizer, tmp_path):
    with ConversationEngine(recognizer, data_dir=tmp_path / "data",
                            clock_origin=datetime(2025, 3, 4, 15, 5)) as e:
        yield e


def turn(t_s: float, text: str, directed: bool = True, track: int | None = 1,
         p: float | None = None, addressee: str = "unknown",
         duration_s: float = UTTERANCE_S) -> Turn:
    p = p if p is not None else (0.9 if directed else 0.1)
    end = t_s - ENDPOINT_S
    return Turn(t_s, end - duration_s, end, track, directed, p, text,
                addressee=addressee if not directed or addressee != "unknown" else "device")


def early(t_s: float, directed: bool = True, track: int | None = 1) -> Decision:
    return Decision(t_s, "early", t_s - 0.3, t_s, track, 0.8 if directed else 0.2, directed)


def of(actions, kind):
    return [a for a in actions if isinstance(a, kind)]


def said(actions) -> list[str]:
    return [a.text for a in of(actions, Say)]


def outcome(actions) -> str:
    return of(actions, TurnOutcome)[-1].outcome


def test_directed_command_is_answered_and_the_states_follow_the_turn(engine):
    out = engine.push(turn(2.0, "Turn on the kitchen lights."))
    assert said(out) == ["Turned on the lights in the kitchen."]
    assert engine.skills.state("kitchen light")["on"] is True
    assert engine.skills.state("under cabinet lights")["on"] is True
    assert engine.skills.state("ceiling light")["on"] is False
    assert [(x.from_state, x.to_state) for x in of(out, Transition)] == [
        (State.IDLE, State.LISTENING), (State.LISTENING, State.THINKING),
        (State.THINKING, State.SPEAKING)]
    say = of(out, Say)[0]
    assert say.t_s == 2.0 and say.end_s > say.t_s
    after = engine.tick(say.end_s + engine.config.follow_up_window_s + 0.1)
    assert [(x.t_s, x.to_state) for x in of(after, Transition)] == [
        (say.end_s, State.FOLLOW_UP),
        (say.end_s + engine.config.follow_up_window_s, State.IDLE)]
    assert engine.transitions[-1].to_state == State.IDLE
    assert engine.device_turns[0].text == say.text


def test_side_talk_is_not_answered_and_changes_nothing(engine):
    out = engine.push(turn(3.0, "Could you turn on the kitchen lights?", directed=False,
                           track=1, addressee="person"))
    assert said(out) == [] and outcome(out) == "side_talk"
    assert engine.skills.state("kitchen light")["on"] is False
    assert engine.state == State.IDLE and engine.transitions == []


def test_an_early_directed_decision_starts_listening_and_a_rejected_final_ends_it(engine):
    out = engine.push(early(1.0))
    assert of(out, Transition)[0].to_state == State.LISTENING
    out = engine.push(turn(2.5, "what a lovely day", directed=False, p=0.3))
    assert said(out) == [] and engine.state == State.IDLE


def test_barge_in_on_an_early_decision_stops_speech_at_the_decision_time(engine):
    reply = of(engine.push(turn(2.0, "what's the weather like")), Say)[0]
    assert reply.end_s - reply.t_s > 3.0
    decision = early(3.2, track=2)
    out = engine.push(decision)
    stops = of(out, StopSpeaking)
    assert len(stops) == 1
    assert 0.0 <= stops[0].t_s - decision.t_s <= BARGE_IN_BUDGET_S
    assert engine.device_turns[0].interrupted and engine.device_turns[0].end_s == stops[0].t_s
    assert engine.state == State.LISTENING
    out = engine.push(turn(5.0, "pause the TV", track=2))
    assert said(out) == ["Paused the TV."]
    assert not of(out, StopSpeaking)  # already stopped
    assert engine.skills.state("TV")["state"] == "paused"
    assert engine.partner_track == 2


def test_barge_in_without_a_face_stops_at_the_final_directed_decision(engine):
    reply = of(engine.push(turn(2.0, "what's the weather like", track=None)), Say)[0]
    assert not of(engine.push(early(3.0, track=None)), StopSpeaking)  # could be echo
    final = turn(4.0, "what time is it", track=None)
    assert final.t_s < reply.end_s
    out = engine.push(final)
    assert [s.t_s for s in of(out, StopSpeaking)] == [final.t_s]
    assert said(out) == ["It's 3:05 PM."]


def test_talk_that_is_not_directed_does_not_stop_the_device(engine):
    reply = of(engine.push(turn(2.0, "what's the weather like")), Say)[0]
    out = engine.push(early(3.0, directed=False, track=2))
    out += engine.push(turn(4.2, "shall we go for a walk later", directed=False, track=2,
                            addressee="person"))
    assert not of(out, StopSpeaking) and said(out) == []
    assert engine.state == State.SPEAKING and engine.context(4.2).device_speaking
    engine.tick(reply.end_s + 0.01)
    assert not engine.device_turns[0].interrupted


def test_the_devices_own_voice_is_rejected_as_echo(engine):
    reply = of(engine.push(turn(2.0, "turn on the kitchen lights", track=None)), Say)[0]
    assert reply.text == "Turned on the lights in the kitchen."
    # The microphone hears the reply; fusion (fooled) calls it directed; ASR slightly off.
    echo = Turn(reply.end_s - 0.2, reply.t_s + 0.1, reply.end_s - 0.4, None, True, 0.7,
                "turned on the light in the kitchen")
    out = engine.push(echo)
    assert outcome(out) == "echo"
    assert not of(out, StopSpeaking) and said(out) == []
    engine.tick(reply.end_s + 0.01)
    assert not engine.device_turns[0].interrupted
    assert len(engine.device_turns) == 1


def test_a_user_saying_similar_words_over_the_device_is_not_echo(engine):
    reply = of(engine.push(turn(2.0, "turn on the kitchen lights", track=None)), Say)[0]
    barge = Turn(reply.t_s + 1.8, reply.t_s + 0.3, reply.t_s + 1.5, None, True, 0.9,
                 "turn off the lights in the kitchen")
    out = engine.push(barge)
    assert outcome(out) == "answered"
    assert [s.t_s for s in of(out, StopSpeaking)] == [barge.t_s]
    assert engine.skills.state("kitchen light")["on"] is False


def test_follow_up_in_the_window_needs_no_re_addressing(engine):
    first = of(engine.push(turn(2.0, "turn on the kitchen lights")), Say)[0]
    window = engine.config.follow_up_window_s
    follow = turn(first.end_s + 2.0, "turn on the lights in the bedroom", directed=False, p=0.45)
    assert engine.follow_up_open(follow.start_s)
    out = engine.push(follow)
    assert outcome(out) == "answered" and said(out) == ["Turned on the lights in the bedroom."]
    second = of(out, Say)[0]
    late = turn(second.end_s + window + 3.0, "turn off the lights in the bedroom",
                directed=False, p=0.45)
    out = engine.push(late)
    assert outcome(out) == "not_directed" and said(out) == []
    assert engine.skills.state("bedside lamp")["on"] is True


def test_another_persons_undirected_talk_in_the_window_is_not_answered(engine):
    first = of(engine.push(turn(2.0, "turn on the kitchen lights", track=1)), Say)[0]
    out = engine.push(turn(first.end_s + 1.5, "turn off the kitchen lights", directed=False,
                           track=2, p=0.45))
    assert said(out) == [] and engine.skills.state("kitchen light")["on"] is True
    assert engine.partner_track == 1


def test_another_person_can_address_the_device_and_becomes_the_partner(engine):
    first = of(engine.push(turn(2.0, "turn on the kitchen lights", track=1)), Say)[0]
    out = engine.push(turn(first.end_s + 1.0, "what time is it", track=2))
    assert said(out) == ["It's 3:05 PM."]
    assert engine.partner_track == 2
    second = of(out, Say)[0]
    out = engine.push(turn(second.end_s + 1.0, "turn off the kitchen lights", directed=False,
                           track=1, p=0.45))
    assert said(out) == []  # the old partner must address the device again


def test_talk_between_people_is_not_answered_even_in_a_follow_up_window(engine):
    first = of(engine.push(turn(2.0, "turn on the kitchen lights", track=1)), Say)[0]
    out = engine.push(turn(first.end_s + 1.0, "do you want some tea", directed=False, track=1,
                           p=0.5, addressee="person"))
    out += engine.push(turn(first.end_s + 3.0, "yes please with milk", directed=False, track=2,
                            p=0.3, addressee="person"))
    assert said(out) == []
    assert [o.outcome for o in of(out, TurnOutcome)] == ["side_talk", "side_talk"]


def test_conversation_mode_on_and_off_by_voice(engine):
    out = engine.push(turn(2.0, "turn on conversation mode"))
    assert said(out)[0].startswith("Conversation mode is on")
    assert engine.conversation_mode
    t = of(out, Say)[0].end_s + 20.0  # well past the ordinary follow-up window
    assert engine.follow_up_open(t)
    out = engine.push(turn(t, "what time is it", directed=False, p=0.3))
    assert said(out) == ["It's 3:05 PM."]
    t = of(out, Say)[0].end_s + 5.0
    out = engine.push(turn(t, "did you see my keys", directed=False, p=0.3, addressee="person"))
    assert said(out) == []
    out = engine.push(turn(t + 5.0, "leave the conversation", directed=False, p=0.3))
    assert said(out) == ["OK, leaving the conversation."] and not engine.conversation_mode
    t = of(out, Say)[0].end_s + engine.config.follow_up_window_s + 5.0
    out = engine.push(turn(t, "what time is it", directed=False, p=0.3))
    assert said(out) == []


def test_conversation_mode_ends_itself_after_silence(recognizer, tmp_path):
    config = EngineSettings(conversation_silence_s=12.0)
    with ConversationEngine(recognizer, data_dir=tmp_path, config=config) as engine:
        reply = of(engine.push(turn(2.0, "let's chat")), Say)[0]
        assert engine.conversation_mode
        engine.tick(reply.end_s + 11.9)
        assert engine.conversation_mode and engine.state == State.FOLLOW_UP
        out = engine.tick(reply.end_s + 12.1)
        assert not engine.conversation_mode and engine.state == State.IDLE
        assert "silence" in of(out, Transition)[-1].reason
        assert of(out, Transition)[-1].t_s == pytest.approx(reply.end_s + 12.0)


def test_timer_fires_with_an_announcement_at_the_right_session_time(engine):
    out = engine.push(turn(5.0, "set a timer for 2 minutes"))
    assert said(out) == ["Timer set for 2 minutes."]
    out = engine.push(turn(65.0, "how much time is left on the timer"))
    assert said(out) == ["Your 2 minute timer has 1 minute left."]
    assert said(engine.tick(124.99)) == []
    out = engine.tick(125.05)
    announcement = of(out, Say)
    assert [(a.t_s, a.text, a.kind) for a in announcement] == [
        (125.0, "Your 2 minute timer is done.", "announcement")]
    assert engine.state == State.SPEAKING and engine.timers.timers == []


def test_a_timer_due_while_the_device_speaks_is_announced_after_it(engine):
    engine.push(turn(1.0, "set a timer for 10 seconds"))
    reply = of(engine.push(turn(9.0, "what's the weather like")), Say)[0]
    assert reply.end_s > 11.0
    out = engine.tick(reply.end_s + 0.5)
    assert [(a.t_s, a.text) for a in of(out, Say)] == [
        (reply.end_s, "Your 10 second timer is done.")]


def test_anticipated_goal_yes_sets_the_timer(engine):
    out = engine.push(turn(2.0, "How long should I steep tea?"))
    question = of(out, Say)[0]
    assert question.kind == "question"
    assert question.text.endswith("Would you like a five-minute timer?")
    assert engine.context(question.end_s + 1.0).awaiting_answer
    out = engine.push(turn(question.end_s + 1.5, "yes please", directed=False, p=0.4))
    assert said(out) == ["Timer set for 5 minutes."]
    assert [t.duration_s for t in engine.timers.timers] == [300.0]
    # The answered question is closed once the device's reply to it is over.
    reply = of(out, Say)[0]
    assert not engine.context(reply.end_s + 0.01).awaiting_answer
    fired = engine.tick(question.end_s + 1.5 + 300.0)
    assert said(fired) == ["Your 5 minute timer is done."]


def test_anticipated_goal_no_declines(engine):
    question = of(engine.push(turn(2.0, "how long should I steep green tea")), Say)[0]
    assert "three-minute timer" in question.text
    out = engine.push(turn(question.end_s + 1.0, "no thanks", directed=False, p=0.4))
    assert said(out) == ["OK."] and engine.timers.timers == []


def test_an_intent_rule_offers_after_the_skill_reply(engine):
    out = engine.push(turn(2.0, "turn on the kettle"))
    assert said(out) == ["Turned on the kettle. Shall I set a five-minute timer for your tea?"]
    assert engine.skills.state("kettle")["on"] is True


def test_an_unanswered_question_expires(engine):
    question = of(engine.push(turn(2.0, "how long should I steep tea")), Say)[0]
    engine.tick(question.end_s + engine.config.answer_window_s + 0.1)
    assert not engine.context(question.end_s + engine.config.answer_window_s + 0.2
                              ).awaiting_answer
    assert engine.state == State.IDLE
    out = engine.push(turn(question.end_s + 30.0, "yes"))
    assert said(out) == ["Sorry, I didn't understand that."] and engine.timers.timers == []


def test_a_repeat_after_being_ignored_is_recorded_as_a_likely_false_reject(engine):
    missed = turn(10.0, "turn on the kitchen lights", directed=False, p=0.42,
                  track=3)
    assert said(engine.push(missed)) == []
    out = engine.push(turn(14.0, "turn on the kitchen lights", track=3))
    assert outcome(out) == "answered"
    [fr] = engine.store.false_rejects()
    assert (fr.text, fr.repeat_text, fr.speaker_track) == (missed.text, "turn on the kitchen "
                                                                        "lights", 3)
    assert fr.p_directed == pytest.approx(0.42) and fr.similarity == pytest.approx(1.0)
    assert (fr.start_s, fr.end_s) == (missed.start_s, missed.end_s)


def test_a_rephrased_repeat_counts_by_its_intent(engine):
    engine.push(turn(10.0, "turn on the kitchen lights", directed=False, p=0.3))
    engine.push(turn(13.0, "switch on the lights in the kitchen"))
    [fr] = engine.store.false_rejects()
    assert fr.repeat_text == "switch on the lights in the kitchen"


def test_no_false_reject_for_a_different_request_another_speaker_or_a_late_repeat(engine):
    engine.push(turn(10.0, "turn on the kitchen lights", directed=False, p=0.3, track=1))
    engine.push(turn(13.0, "what time is it", track=1))
    engine.push(turn(40.0, "turn on the kitchen lights", directed=False, p=0.3, track=1))
    engine.push(turn(43.0, "turn on the kitchen lights", track=2))
    engine.push(turn(80.0, "turn on the kitchen lights", directed=False, p=0.3, track=1))
    engine.push(turn(80.0 + engine.config.repeat_window_s + 5.0, "turn on the kitchen lights",
                     track=1))
    assert engine.store.false_rejects() == []


def test_stop_while_speaking_only_stops_the_device(engine):
    engine.push(turn(1.0, "play some jazz"))
    assert engine.skills.state("TV")["state"] == "playing"
    reply = of(engine.push(turn(10.0, "what's the weather like")), Say)[0]
    out = engine.push(turn(reply.t_s + 2.0, "stop", duration_s=0.5))
    assert len(of(out, StopSpeaking)) == 1 and said(out) == []
    assert outcome(out) == "barge_in_stop"
    assert engine.skills.state("TV")["state"] == "playing"


def test_not_understood(engine):
    out = engine.push(turn(2.0, "can you pass the salt"))
    assert said(out) == ["Sorry, I didn't understand that."]
    reply = of(out, Say)[0]
    out = engine.push(turn(reply.end_s + 1.0, "where did I leave it", directed=False, p=0.5))
    assert said(out) == [] and outcome(out) == "ignored_not_understood"


def test_an_nbest_alternative_is_used_when_the_best_text_is_not_understood(engine):
    t = Turn(3.0, 1.0, 2.7, 1, True, 0.9, "turn on the kitten lights",
             nbest=("turn on the kitchen lights",))
    assert said(engine.push(t)) == ["Turned on the lights in the kitchen."]


def test_context_for_fusion(engine):
    assert engine.context(0.5).last_device_end_s is None
    question = of(engine.push(turn(2.0, "how long should I steep tea")), Say)[0]
    ctx = engine.context(question.t_s + 0.5)
    assert ctx.device_speaking and not ctx.awaiting_answer  # asked once it has ended
    assert engine.state == State.SPEAKING and engine.partner_track == 1
    engine.tick(question.end_s + 1.0)
    ctx = engine.context(question.end_s + 1.0)
    assert not ctx.device_speaking and ctx.awaiting_answer
    assert engine.follow_up_open(question.end_s + 1.0)
    assert ctx.last_device_end_s == pytest.approx(question.end_s)
    assert engine.state == State.FOLLOW_UP


def test_skill_runs_are_reported(engine):
    out = engine.push(turn(2.0, "set the desk lamp to 40 percent"))
    [run] = of(out, SkillRun)
    assert (run.intent, run.slots["name"], run.ok) == ("HassLightSet", "desk lamp", True)
    assert engine.skills.state("desk lamp")["brightness_pct"] == 40


def test_forget_clears_all_stored_data(engine):
    engine.push(turn(2.0, "add oat milk to my shopping list"))
    engine.push(turn(10.0, "turn on the kitchen lights"))
    engine.push(turn(30.0, "turn off the kitchen lights", directed=False, p=0.3, track=4))
    engine.push(turn(33.0, "turn off the kitchen lights", track=4))
    counts = engine.store.counts()
    assert counts["list_items"] == 1 and counts["false_rejects"] == 1
    assert counts["entity_state"] >= 2
    engine.forget()
    assert set(engine.store.counts().values()) == {0}
    assert engine.skills.state("kitchen light")["on"] is False
    assert said(engine.push(turn(50.0, "what's on my shopping list"))) == [
        "Your shopping list is empty."]


def test_reset_starts_a_new_session_but_keeps_the_household(engine):
    engine.push(turn(2.0, "turn on the kitchen lights"))
    engine.push(turn(3.0, "set a timer for 5 minutes"))
    engine.reset()
    assert engine.transitions == [] and engine.device_turns == [] and engine.timers.timers == []
    assert engine.state == State.IDLE
    assert engine.skills.state("kitchen light")["on"] is True


def test_a_final_directed_decision_from_a_visible_speaker_stops_speech_before_its_text(engine):
    reply = of(engine.push(turn(2.0, "what's the weather like")), Say)[0]
    final = Decision(reply.t_s + 2.0, "final", reply.t_s + 0.8, reply.t_s + 1.7, 2, 0.85, True)
    out = engine.push(final)
    assert [s.t_s for s in of(out, StopSpeaking)] == [final.t_s]
    out = engine.push(Turn(final.t_s + 0.6, final.start_s, final.end_s, 2, True, 0.85,
                           "what time is it"))
    assert said(out) == ["It's 3:05 PM."] and not of(out, StopSpeaking)


def test_a_turn_arriving_after_the_clock_moved_on_is_handled_at_the_current_time(engine):
    engine.tick(10.0)
    out = engine.push(turn(8.0, "what time is it"))
    assert [s.t_s for s in of(out, Say)] == [10.0]
    assert all(b.t_s >= a.t_s for a, b in pairwise(engine.transitions))


def test_stop_said_over_the_end_of_a_reply_does_not_pause_the_music(engine):
    engine.push(turn(1.0, "play some jazz"))
    reply = of(engine.push(turn(10.0, "what time is it")), Say)[0]
    late = Turn(reply.end_s + 0.4, reply.end_s - 0.3, reply.end_s + 0.1, 1, True, 0.9, "stop")
    out = engine.push(late)
    assert outcome(out) == "barge_in_stop" and not of(out, StopSpeaking)
    assert engine.skills.state("TV")["state"] == "playing"


def test_final_decisions_and_asr_results_are_joined_in_either_order(engine):
    from ntt.cues import AsrResult, Hypothesis

    def asr(t_s, start, end, text):
        return AsrResult(t_s, start, end, "pocketsphinx", (Hypothesis(text, 0.9, 1.0, -5.0),))

    def final(t_s, start, end, directed=True):
        return Decision(t_s, "final", start, end, 1, 0.9 if directed else 0.1, directed)

    assert said(engine.push(asr(2.0, 0.5, 1.8, "turn on the kitchen lights"))) == []
    out = engine.push(final(2.1, 0.5, 1.8))
    assert said(out) == ["Turned on the lights in the kitchen."]
    reply = of(out, Say)[0]
    engine.tick(reply.end_s + 10.0)
    t = reply.end_s + 12.0
    assert said(engine.push(final(t, t - 1.5, t - 0.2))) == []
    out = engine.push(asr(t + 0.4, t - 1.5, t - 0.25, "what time is it"))
    assert [s.t_s for s in of(out, Say)] == [t + 0.4]
    out = engine.push(asr(t + 20.0, t + 18.0, t + 19.5, "turn off the kitchen lights"))
    out += engine.tick(t + 30.0)  # its decision never came: nothing happens
    assert said(out) == [] and not of(out, TurnOutcome)
    assert engine.skills.state("kitchen light")["on"] is True


def test_device_context_follows_what_the_device_says(engine):
    from ntt.cues import DeviceContext, Tick
    from ntt.device_context import DeviceContextStage

    stage = DeviceContextStage(engine.device_turns, engine.config.answer_window_s)
    assert stage.push(Tick(1.0)) == [DeviceContext(1.0, False, False, None)]
    question = of(engine.push(turn(2.0, "how long should I steep tea")), Say)[0]
    [ctx] = stage.push(Tick(2.05))  # the turn it started at 2.0 is read from the list
    assert (ctx.device_speaking, ctx.awaiting_answer) == (True, False)
    assert stage.push(Tick(2.1)) == []  # nothing changed, nothing emitted
    engine.tick(question.end_s + 0.05)
    [ctx] = stage.push(Tick(question.end_s + 0.05))
    assert (ctx.device_speaking, ctx.awaiting_answer) == (False, True)
    assert ctx.last_device_end_s == question.end_s
    late = question.end_s + engine.config.answer_window_s + 0.1
    engine.tick(late)
    [ctx] = stage.push(Tick(late))
    assert ctx.awaiting_answer is False and engine.partner_track is None
    assert [t.state for t in engine.transitions][-1] == State.IDLE
    engine.reset()  # a new session empties the same list the stage reads
    assert engine.device_turns == [] and stage.turns is engine.device_turns
