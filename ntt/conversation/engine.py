"""The conversation engine: decides, turn by turn, what the device does.

A stage like the others (``push(item) -> list[action]``, ``flush()``, ``reset()``), driven by
the session clock that arrives with its items:

* ``Turn`` — a final decision joined with the recognised text: answered when it is for the
  device (see ``_addressed``), ignored when it is talk between people, rejected when it is
  the device's own voice coming back (echo);
* ``ntt.cues.Decision`` — an early one says someone started talking to the device: listen;
  early or final, a directed one from a visible speaker stops the device's speech (barge-in).
  Final decisions are also joined with the ASR's final result (``ntt.asr.types.AsrResult``,
  duck-typed) into ``Turn``s by a ``TurnJoiner``, so the pipeline can route both here as
  they are;
* ``ntt.cues.Tick`` (or ``tick(t_s)``) — time passes: speech ends, follow-up windows close,
  timers fire.

What fusion knows of the engine is what it has said: ``device_turns``, read by the pipeline's
context stage through the one context rule (``ntt.device_context``; ``context(t_s)`` asks it).

Turn-taking states: idle → listening → thinking → speaking → follow_up → idle; every change
is a ``Transition`` (logged, kept in ``transitions`` and returned with the actions). Persistent
state (home, lists, routines, feedback) is in a SQLite ``Store``; ``forget()`` erases it.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ntt.conversation.anticipation import Anticipator, Offer, offer_of
from ntt.conversation.phrases import Phrases, contained_fraction, similarity
from ntt.conversation.skills import DEFAULT_WEATHER, Skills, load_weather
from ntt.conversation.speech import SpeechOut, TextSpeech
from ntt.conversation.store import FalseReject, Store
from ntt.conversation.teaching import Target, Teacher, mode_key, retarget
from ntt.conversation.timers import TimerBank
from ntt.conversation.turns import TurnJoiner
from ntt.cues import (
    AsrResult,
    Decision,
    DeviceContext,
    DeviceTurn,
    Intent,
    LexicalCue,
    Say,
    SayKind,
    SkillRun,
    State,
    StopSpeaking,
    Tick,
    Transition,
    Turn,
    TurnOutcome,
)
from ntt.device_context import device_context
from ntt.language.intents import IntentRecognizer
from ntt.settings import EngineSettings
from ntt.stage import refuse

log = logging.getLogger(__name__)

NOT_UNDERSTOOD = "Sorry, I didn't understand that."
NOT_HEARD = "Sorry, I didn't catch that."
CONVERSATION_ON = ("Conversation mode is on. I'll keep listening until you say "
                   "leave the conversation.")
CONVERSATION_OFF = "OK, leaving the conversation."
RECENT_DEVICE_TURNS = 4  # how far back the echo check looks


@dataclass
class _Speech:
    start_s: float
    end_s: float
    text: str
    kind: SayKind
    index: int  # into device_turns


@dataclass(frozen=True)
class _Teach:
    mode: str
    request: str
    target: Target


@dataclass(frozen=True)
class _Reply:
    text: str
    kind: SayKind = "reply"
    runs: tuple[SkillRun, ...] = ()
    understood: bool = True


class ConversationEngine:
    """What the device says and does. See the module docstring for the protocol.

    ``recognizer`` is the intent recogniser (its ``home`` is the simulated home);
    ``data_dir`` holds the SQLite store (default ``$NTT_DATA_DIR`` or the user data dir);
    ``speech`` says the replies (default: text only); ``clock_origin`` is the local wall time
    at ``t_s = 0`` (default: now — live, the session clock starts when the device does).
    """

    def __init__(self, recognizer: IntentRecognizer, *, data_dir: str | Path | None = None,
                 speech: SpeechOut | None = None, config: EngineSettings | None = None,
                 clock_origin: datetime | None = None, phrases: Phrases | None = None,
                 anticipator: Anticipator | None = None,
                 weather: str | Path | dict[str, Any] | None = None):
        self.recognizer = recognizer
        self.config = config or EngineSettings()
        self.speech = speech or TextSpeech()
        self.store = Store(data_dir)
        self.phrases = phrases or Phrases.load()
        self.anticipator = anticipator or Anticipator.load()
        self.clock_origin = clock_origin or datetime.now()
        weather_doc = weather if isinstance(weather, dict) else load_weather(
            weather or DEFAULT_WEATHER)
        self.timers = TimerBank()
        self.skills = Skills(recognizer.home, self.store, self.timers, weather_doc,
                             self.wall_time)
        self.teacher = Teacher(self.phrases, recognizer, self.store)
        self.device_turns: list[DeviceTurn] = []
        self._init_session()

    @classmethod
    def live(cls, recognizer: IntentRecognizer | None = None, **kwargs: Any
             ) -> ConversationEngine:
        """The device's engine: the bundled home, espeak-ng on the default audio device (text
        only where there is none), the store in the user's data directory, wall-clock time."""
        from ntt.conversation.speech import default_speech

        kwargs.setdefault("speech", default_speech(live=True))
        return cls(recognizer or _default_recognizer(), **kwargs)

    @classmethod
    def offline(cls, recognizer: IntentRecognizer | None = None, **kwargs: Any
                ) -> ConversationEngine:
        """For a recorded session: replies are text (``device_turns``), nothing is played."""
        kwargs.setdefault("speech", TextSpeech())
        return cls(recognizer or _default_recognizer(), **kwargs)

    def _init_session(self) -> None:
        self.transitions: list[Transition] = []
        self.device_turns.clear()  # in place: the pipeline's context stage reads this list
        self._state = State.IDLE
        self._now = 0.0
        self._speech: _Speech | None = None
        self._queue: deque[tuple[str, SayKind]] = deque()
        self._follow_up_until: float | None = None
        self._in_exchange = False
        self._partner: int | None = None
        self._conversation = False
        self._last_activity_s = 0.0
        self._pending: Offer | _Teach | None = None
        self._pending_until: float | None = None
        self._listening_since: float | None = None
        self._ignored: deque[Turn] = deque()
        self._last_device_end_s: float | None = None
        self._joiner = TurnJoiner(self.config.asr_wait_s, self.config.keep_turns_without_text)
        self.timers.clear()

    # --- stage protocol ----------------------------------------------------------------

    def push(self, item: Turn | Decision | AsrResult | LexicalCue | Tick) -> list:
        """Actions caused by one item (a ``Turn``, or the ``Decision``s and ASR finals the
        engine joins into turns; a ``LexicalCue`` or ``Tick`` only moves the clock), in time
        order, transitions included."""
        if not isinstance(item, Turn | Decision | AsrResult | LexicalCue | Tick):
            refuse(self, item, (Turn, Decision, AsrResult, LexicalCue, Tick))
        out = self._advance(item.t_s)
        if isinstance(item, Turn):
            out += self._on_turn(item)
        elif isinstance(item, Decision):
            out += self._on_decision(item)
            for turn in self._joiner.push(item):
                out += self._on_turn(turn)
        elif isinstance(item, Tick | AsrResult):
            for turn in self._joiner.push(item):
                out += self._on_turn(turn)
        return out

    def tick(self, t_s: float) -> list:
        """Let time pass to ``t_s``: speech ends, windows close, timers fire."""
        return self.push(Tick(t_s))

    def flush(self) -> list:
        out: list = []
        for turn in self._joiner.flush():
            out += self._on_turn(turn)
        return out

    def reset(self) -> None:
        """A new session: forget the conversation (not the stored household data)."""
        if self._speech is not None:
            self.speech.stop()
        self._init_session()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> ConversationEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def forget(self) -> None:
        """Erase every stored thing (home state, lists, routines, feedback) and what the
        engine remembers of recent turns."""
        self.store.forget()
        self._ignored.clear()
        self._pending = None
        self._pending_until = None

    def set_conversation_mode(self, on: bool) -> list[Transition]:
        """Enter or leave conversation mode from outside (the GUI's switch), as the spoken
        "let's have a conversation" / "leave the conversation" do."""
        self._conversation = on
        self._last_activity_s = self._now
        if on:
            return []
        self._follow_up_until = None
        if self._state == State.FOLLOW_UP and not self._window_open(self._now):
            return self._go(self._now, State.IDLE, "conversation mode switched off")
        return []

    # --- what fusion and the GUI see ---------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    @property
    def conversation_mode(self) -> bool:
        return self._conversation

    def wall_time(self, t_s: float) -> datetime:
        return self.clock_origin + timedelta(seconds=t_s)

    def context(self, t_s: float) -> DeviceContext:
        """What fusion should know at ``t_s``: the one context rule over what the device has
        said (``ntt.device_context``), exactly as offline over a session's recorded turns."""
        return device_context(t_s, self.device_turns, self.config.answer_window_s)

    @property
    def partner_track(self) -> int | None:
        """The speaker the device is in an exchange with (None when idle or faceless)."""
        return self._partner if self._in_exchange else None

    def follow_up_open(self, t_s: float) -> bool:
        """Whether a partner may go on at ``t_s`` without addressing the device again."""
        until = self._follow_up_until
        if self._speech is not None and t_s >= self._speech.end_s:
            until = self._speech.end_s + self.config.follow_up_window_s
        awaiting = self._pending is not None and (self._pending_until is None
                                                  or t_s <= self._pending_until)
        return self._conversation or awaiting or (until is not None and t_s <= until)

    # --- state machine -----------------------------------------------------------------

    def _go(self, t_s: float, to: State, reason: str) -> list[Transition]:
        if to == self._state:
            return []
        tr = Transition(t_s, self._state, to, reason)
        log.info("%.2f s: %s -> %s (%s)", t_s, self._state.value, to.value, reason)
        self._state = to
        self.transitions.append(tr)
        if to == State.LISTENING:
            self._listening_since = t_s
        if to == State.IDLE:
            self._in_exchange = False
            self._partner = None
        return [tr]

    def _window_open(self, t_s: float) -> bool:
        return (self._conversation or self._pending is not None
                or (self._follow_up_until is not None and t_s <= self._follow_up_until))

    def _rest(self, t_s: float, reason: str) -> list:
        """Back to waiting: follow_up while a window is open, else idle; queued
        announcements go first."""
        if self._queue:
            text, kind = self._queue.popleft()
            return self._speak(t_s, text, kind)
        rest = State.FOLLOW_UP if self._window_open(t_s) else State.IDLE
        return self._go(t_s, rest, reason)

    def _speaking_at(self, t_s: float) -> bool:
        s = self._speech
        return s is not None and s.start_s <= t_s < s.end_s

    def _next_event(self) -> tuple[float, str] | None:
        events = []
        if self._speech is not None:
            events.append((self._speech.end_s, "speech_end"))
        due = self.timers.next_due_s()
        if due is not None:
            events.append((due, "timer"))
        if self._pending is not None and self._pending_until is not None \
                and self._speech is None:
            events.append((self._pending_until, "answer_timeout"))
        if self._conversation and self._speech is None:
            events.append((self._last_activity_s + self.config.conversation_silence_s,
                           "conversation_silence"))
        if (self._state == State.FOLLOW_UP and not self._conversation
                and self._pending is None and self._follow_up_until is not None):
            events.append((self._follow_up_until, "follow_up_end"))
        if self._state == State.LISTENING and self._listening_since is not None:
            events.append((self._listening_since + self.config.listen_timeout_s,
                           "listen_timeout"))
        return min(events, default=None)

    def _advance(self, t_s: float) -> list:
        """Process every timed event up to ``t_s`` in time order."""
        out: list = []
        while True:
            event = self._next_event()
            if event is None or event[0] > t_s:
                break
            at, kind = event
            at = max(at, self._now)
            self._now = at
            out += self._on_event(at, kind)
        self._now = max(self._now, t_s)
        return out

    def _on_event(self, t_s: float, kind: str) -> list:
        if kind == "speech_end":
            speech = self._speech
            self._speech = None
            self._last_device_end_s = t_s
            self._last_activity_s = t_s
            self._follow_up_until = t_s + self.config.follow_up_window_s
            if self._pending is not None:
                self._pending_until = t_s + self.config.answer_window_s
            reason = "asked a question" if speech and speech.kind == "question" \
                else "finished speaking"
            return self._rest(t_s, reason)
        if kind == "timer":
            out: list = []
            for timer in self.timers.due(t_s):
                text = self.skills.announcement(timer)
                out.append(SkillRun(t_s, "TimerFinished", {"name": timer.name,
                                                            "duration_s": timer.duration_s},
                                    True, text))
                self._queue.append((text, "announcement"))
                if timer.speaker_track is not None and not self._in_exchange:
                    self._partner = timer.speaker_track
            if self._state in (State.IDLE, State.FOLLOW_UP):
                text, say_kind = self._queue.popleft()
                out += self._speak(t_s, text, say_kind)
            return out
        if kind == "answer_timeout":
            log.info("%.2f s: no answer to %r", t_s, self._pending)
            self._pending = None
            self._pending_until = None
            if self._state == State.FOLLOW_UP and not self._window_open(t_s):
                return self._go(t_s, State.IDLE, "no answer to the question")
            return []
        if kind == "conversation_silence":
            self._conversation = False
            reason = (f"conversation mode ended after {self.config.conversation_silence_s:g} s "
                      "of silence")
            log.info("%.2f s: %s", t_s, reason)
            if self._state == State.FOLLOW_UP and not self._window_open(t_s):
                return self._go(t_s, State.IDLE, reason)
            return []
        if kind == "follow_up_end":
            self._follow_up_until = None
            return self._go(t_s, State.IDLE, "follow-up window closed")
        if kind == "listen_timeout":
            self._listening_since = None
            return self._rest(t_s, "no final decision came")
        raise ValueError(kind)

    # --- input -------------------------------------------------------------------------

    def _on_decision(self, d: Decision) -> list:
        """Early decisions open listening; either kind stops the device's speech when a
        visible person addresses it (the text, needed to rule out echo otherwise, comes with
        the ``Turn``)."""
        if not d.directed:
            return []
        t = max(d.t_s, self._now)
        who = "no face" if d.speaker_track is None else f"track {d.speaker_track}"
        if d.kind == "early" and self._state in (State.IDLE, State.FOLLOW_UP):
            return self._go(t, State.LISTENING, f"early directed decision ({who})")
        if (self._state == State.SPEAKING and self._speaking_at(t)
                and self.config.early_barge_in and d.speaker_track is not None):
            # A face whose mouth moves with the voice: a person, not the device's echo.
            out = self._stop(t, f"barge-in: {d.kind} directed decision ({who})")
            return out + self._go(t, State.LISTENING, f"barge-in ({who})")
        return []

    def _echo_of(self, turn: Turn) -> DeviceTurn | None:
        """The device turn this turn repeats, when it overlaps it in time."""
        tail = self.config.echo_tail_s
        for dev in reversed(self.device_turns[-RECENT_DEVICE_TURNS:]):
            if dev.start_s < turn.end_s and turn.start_s < dev.end_s + tail and \
                    contained_fraction(turn.text, dev.text) >= self.config.echo_similarity:
                return dev
        return None

    def _addressed(self, turn: Turn) -> tuple[bool, str]:
        if turn.directed:
            return True, f"directed (p={turn.p_directed:.2f})"
        if turn.addressee == "person":
            return False, "side talk (addressed to a person)"
        if self._speaking_at(turn.t_s) or not self._window_open(turn.start_s):
            return False, f"not directed (p={turn.p_directed:.2f})"
        if not self._in_exchange or turn.speaker_track != self._partner:
            return False, "not directed, and not the device's conversation partner"
        p_min = self.config.conversation_p_min if self._conversation \
            else self.config.follow_up_p_min
        if p_min is not None and turn.p_directed >= p_min:
            return True, f"follow-up from the partner (p={turn.p_directed:.2f} >= {p_min:g})"
        return False, f"not directed (p={turn.p_directed:.2f})"

    def _outcome(self, turn: Turn, outcome: str, reason: str) -> TurnOutcome:
        log.info("%.2f s: turn %r (%s): %s — %s", turn.t_s, turn.text,
                 "no face" if turn.speaker_track is None else f"track {turn.speaker_track}",
                 outcome, reason)
        return TurnOutcome(turn.t_s, turn.start_s, turn.end_s, turn.speaker_track, turn.text,
                           outcome, reason)

    def _on_turn(self, turn: Turn) -> list:
        if turn.t_s < self._now:  # it arrived after ticks went past its decision time
            turn = replace(turn, t_s=self._now)
        t = turn.t_s
        echo = self._echo_of(turn)
        if echo is not None:
            out: list = [self._outcome(turn, "echo", f"repeats the device's {echo.text!r}")]
            if self._state == State.LISTENING:
                out += self._rest(t, "it was the device's own voice")
            return out
        addressed, why = self._addressed(turn)
        if not addressed:
            if turn.text.strip():
                self._ignored.append(turn)
            kind = "side_talk" if turn.addressee == "person" else "not_directed"
            out = [self._outcome(turn, kind, why)]
            if self._state == State.LISTENING:
                out += self._rest(t, "the utterance was not for the device")
            return out

        out = []
        was_speaking = self._speaking_at(t)
        if was_speaking:
            out += self._stop(t, "barge-in: directed speech while speaking")
        # Said over the device (stopped now, by an earlier decision, or finished meanwhile).
        last = self.device_turns[-1] if self.device_turns else None
        interrupting = last is not None and turn.start_s < last.end_s and \
            turn.end_s > last.start_s
        out += self._go(t, State.LISTENING, f"final decision: {why}")
        out += self._go(t, State.THINKING, "handling the request")
        self._check_repeat(turn)
        self._in_exchange = True
        self._partner = turn.speaker_track
        self._last_activity_s = t
        if interrupting and self.phrases.is_stop(turn.text):
            self._queue.clear()
            out.append(self._outcome(turn, "barge_in_stop", why))
            return out + self._rest(t, "told to stop")
        reply = self._respond(turn)
        if not reply.understood and not turn.directed:
            out.append(self._outcome(turn, "ignored_not_understood",
                                     f"{why}, but not understood"))
            return out + self._rest(t, "follow-up not understood")
        out.append(self._outcome(turn, "answered", why))
        out += list(reply.runs)
        if reply.text:
            return out + self._speak(t, reply.text, reply.kind)
        return out + self._rest(t, "nothing to say")

    # --- speech --------------------------------------------------------------------------

    def _speak(self, t_s: float, text: str, kind: SayKind) -> list:
        duration = self.speech.duration_s(text)
        self.device_turns.append(DeviceTurn(t_s, t_s + duration, text))
        self._speech = _Speech(t_s, t_s + duration, text, kind, len(self.device_turns) - 1)
        if kind == "question":
            self._pending_until = t_s + duration + self.config.answer_window_s
        self.speech.say(text, self.skills.device_volume_pct)
        out: list = [Say(t_s, text, t_s + duration, kind)]
        return out + self._go(t_s, State.SPEAKING, f"saying {kind}: {text!r}")

    def _stop(self, t_s: float, reason: str) -> list:
        speech = self._speech
        if speech is None:
            return []
        self.device_turns[speech.index] = replace(self.device_turns[speech.index], end_s=t_s,
                                                  interrupted=True)
        self._speech = None
        self._last_device_end_s = t_s
        self.speech.stop()
        log.info("%.2f s: stop speaking (%s)", t_s, reason)
        return [StopSpeaking(t_s, reason)]

    # --- understanding -------------------------------------------------------------------

    def _intent(self, turn: Turn) -> Intent | None:
        # The grammar and the phrase file are exact, so they get every hypothesis first; the
        # fallback classifier is a guess, so it reads only the best one.
        for text in (turn.text, *turn.nbest):
            intent = self.recognizer.recognize_grammar(text)
            if intent is not None:
                return intent
            local = self.phrases.local_intent(text)
            if local is not None:
                return Intent(local[0], local[1], text)
        return self.recognizer.recognize_fallback(turn.text)

    def _run(self, t_s: float, intent: Intent, track: int | None) -> tuple[str, SkillRun]:
        result = self.skills.handle(intent, t_s, track)
        return result.reply, SkillRun(t_s, intent.name, dict(intent.slots), result.ok,
                                      result.reply)

    def _ask(self, pending: Offer | _Teach, text: str, runs=()) -> _Reply:
        self._pending = pending
        self._pending_until = None  # set once the question has been said
        return _Reply(text, "question", tuple(runs))

    def _respond(self, turn: Turn) -> _Reply:
        t, text, track = turn.t_s, turn.text, turn.speaker_track
        pending, self._pending, self._pending_until = self._pending, None, None
        if not text.strip():
            return _Reply(NOT_HEARD, understood=False)
        if isinstance(pending, Offer):
            if self.phrases.is_yes(text):
                replies, runs = [], []
                for sentence in pending.accept:
                    intent = self.recognizer.recognize(sentence) or Intent("", {}, sentence)
                    reply, run = self._run(t, intent, track)
                    replies.append(reply)
                    runs.append(run)
                return _Reply(" ".join(r for r in replies if r), runs=tuple(runs))
            if self.phrases.is_no(text):
                return _Reply(pending.decline)
        if isinstance(pending, _Teach):
            if self.phrases.is_no(text):
                return _Reply("OK, never mind.")
            return self._learn(pending, turn)
        if self.phrases.is_conversation_on(text):
            self._conversation = True
            return _Reply(CONVERSATION_ON)
        if self.phrases.is_conversation_off(text):
            if self._conversation:
                self._conversation = False
                self._follow_up_until = None
                return _Reply(CONVERSATION_OFF)
            return _Reply("OK.")
        if self.phrases.is_thanks(text):
            return _Reply("You're welcome.")
        found = self.teacher.find(text)
        if found is not None:
            routine, target = found
            runs = [self._run(t, intent, track)[1] for intent in retarget(routine, target)]
            return _Reply(f"{routine.name.capitalize()} mode is on.", runs=tuple(runs))
        rule = self.anticipator.for_text(text)
        if rule is not None:
            return self._ask(offer_of(rule), f"{rule.answer} {rule.offer}".strip())
        intent = self._intent(turn)
        if intent is not None:
            reply, run = self._run(t, intent, track)
            rule = self.anticipator.for_intent(intent.name, intent.slots) if run.ok else None
            if rule is not None:
                return self._ask(offer_of(rule), f"{reply} {rule.offer}".strip(), [run])
            return _Reply(reply, runs=(run,))
        request = self.phrases.mode_request(text)
        if request is not None:
            mode, target_words = request
            target = self.teacher.resolve_target(target_words)
            return self._ask(_Teach(mode_key(mode), text, target),
                             f"I don't know what {mode_key(mode)} mode is. Can you teach me?")
        return _Reply(NOT_UNDERSTOOD, understood=False)

    def _learn(self, pending: _Teach, turn: Turn) -> _Reply:
        steps, failed = self.teacher.parse(turn.text, pending.target)
        if failed or not steps:
            what = failed[0] if failed else turn.text
            return self._ask(pending, f"Sorry, I didn't understand \"{what}\". "
                                      "Can you say that another way?")
        routine = self.teacher.teach(pending.mode, pending.request, pending.target, steps)
        replies, runs = [], []
        for intent in retarget(routine, None):
            reply, run = self._run(turn.t_s, intent, turn.speaker_track)
            replies.append(reply)
            runs.append(run)
        return _Reply(f"Got it, I'll remember {routine.name} mode. " + " ".join(replies),
                      runs=tuple(runs))

    # --- implicit feedback ---------------------------------------------------------------

    def _signature(self, text: str) -> tuple | None:
        intent = self.recognizer.recognize(text)
        if intent is None:
            return None
        return intent.name, tuple(sorted((k, str(v)) for k, v in intent.slots.items()))

    def _check_repeat(self, turn: Turn) -> None:
        """A request repeated or rephrased soon after the device ignored the same speaker's
        first try: record the ignored turn as a likely false reject (text and scores only)."""
        window = self.config.repeat_window_s
        while self._ignored and self._ignored[0].end_s < turn.start_s - window:
            self._ignored.popleft()
        for missed in reversed(self._ignored):
            if missed.speaker_track != turn.speaker_track or missed.end_s > turn.start_s:
                continue
            score = similarity(missed.text, turn.text)
            if score < self.config.repeat_similarity:
                signature = self._signature(missed.text)
                if signature is None or signature != self._signature(turn.text):
                    continue
                score = max(score, self.config.repeat_similarity)
            self.store.record_false_reject(FalseReject(
                missed.t_s, missed.start_s, missed.end_s, missed.speaker_track,
                missed.p_directed, missed.text, turn.text, score, dict(missed.contributions)))
            log.info("likely false reject: %r (p=%.2f), repeated as %r", missed.text,
                     missed.p_directed, turn.text)
            self._ignored.remove(missed)
            return


def _default_recognizer() -> IntentRecognizer:
    from ntt.language.intents import default_recognizer

    return default_recognizer()
