"""Turn structure of a household session: who speaks when, to whom, and where they look.

Talk is generated as episodes, not as independent draws: an exchange between people is a
run of adjacency pairs (a question to a person is answered by that person, to the asker; a
statement gets a back-channel or a reply; a request an acknowledgement), with vocatives,
gaps and overlaps at turn ends; a request to the device is answered by the device, may be
misheard and repeated louder, followed up inside the follow-up window, or barged in on;
people turn to the device in the middle of a conversation and back; someone alone (or
busy at the stove) talks to themselves, on the phone, or to the device without a look;
the TV talks, sometimes in the words of a request. Rates are ``Behaviour``'s.
"""

from __future__ import annotations

import math

import numpy as np

from ntt.sim.behaviour import Behaviour, Habits, Household, draw_prosody
from ntt.sim.script import Line, Look, Person

DIRECTED_SOURCES = ("ha", "ha", "ha", "directed:assistant_request", "directed:open_question",
                    "directed:assistant_chat")
STATEMENTS = ("talk:chit_chat", "talk:plans", "talk:narration", "talk:about_the_device",
              "talk:chitchat_corpus")
ANSWERS = ("talk:fragments", "talk:fragments", "talk:chitchat_corpus", "talk:narration")
ALONE_TALK = ("talk:self_talk", "talk:phone_call")
# Opening moves of an exchange. ASSUMED mix: questions 30%, requests 20%, statements 50%.
OPENINGS = (("question", 0.3), ("request", 0.2), ("statement", 0.5))
OPENING_SOURCES = {"question": ("talk:questions_to_person",),
                   "request": ("talk:requests_to_person",), "statement": STATEMENTS}
# Back-channel and acknowledgement forms among the corpus's fragments.
BACKCHANNELS = frozenset({"mm hmm", "uh huh", "yeah", "yeah yeah", "right", "right right",
                          "okay", "okay sure", "okay okay", "i know", "exactly", "sure",
                          "yeah exactly", "yeah sure", "yeah totally", "okay fine"})
ACKNOWLEDGEMENTS = ("okay", "okay sure", "sure", "yeah sure", "okay fine", "yeah")
MISHEARD = "Sorry, I didn't catch that."
REPLIES = {
    "HassTurnOn": "Okay, it's on.", "HassTurnOff": "Okay, it's off.",
    "HassLightSet": "Done, I've set the light.", "HassStartTimer": "Your timer is running.",
    "HassGetWeather": "It's sunny right now, eighteen degrees, with a light breeze.",
    "HassGetCurrentTime": "It's a quarter past seven.",
    "HassShoppingListAddItem": "I've added that to your shopping list.",
    "HassMediaPause": "Paused.", "HassMediaUnpause": "Resuming.",
    "HassSetVolume": "Volume set.",
}
GENERIC_REPLIES = ("Okay.", "Sure, done.", "Here is what I found about that.",
                   "I can help with that. One moment.", "All right, I've taken care of it.",
                   "Let me check. It looks like the answer is yes.")
QUESTION_REPLIES = ("Which room?", "For how long?", "Which one did you mean?",
                    "Do you want me to do that now?")
DEVICE_WPM = 170
EPISODE_PAUSE_S = (0.8, 3.0)  # ASSUMED silence between episodes
MAX_CHAIN = 3  # device replies in one request episode


def estimate_duration_s(text: str, rate_wpm: float) -> float:
    """espeak-ng speaks about ``rate_wpm`` words a minute; good enough for scheduling."""
    return max(0.4, len(text.split()) * 60.0 / rate_wpm * 1.1)


class Conversation:
    """Writes one session's lines and looks; ``run()`` returns them."""

    def __init__(self, rng: np.random.Generator, beh: Behaviour, household: Household,
                 persons: list[Person], habits: dict[str, Habits], texts, duration_s: float):
        self.rng, self.beh, self.household, self.texts = rng, beh, household, texts
        self.people = [p for p in persons if not p.is_media]
        self.tv = next((p for p in persons if p.is_media), None)
        self.by_id = {p.id: p for p in persons}
        self.habits = habits
        self.duration_s = duration_s
        self.lines: list[Line] = []
        self.looks: dict[str, list[Look]] = {p.id: [] for p in self.people if p.visible}
        self.busy_until = {p.id: -1.0 for p in persons}
        self.device_end = -math.inf
        self.last_end = 0.0
        for pid in self.looks:
            self._look(pid, 0.0, self._task_look() if habits[pid].busy else self._idle_look())

    # -- episodes -------------------------------------------------------------------
    def run(self) -> tuple[list[Line], list[Look]]:
        rng, beh = self.rng, self.beh
        t = float(rng.uniform(0.4, 1.2))
        while t < self.duration_s - 1.5:
            if self.tv is not None and rng.random() < beh.p_tv_episode:
                end = self.tv_episode(t)
            elif rng.random() < self.household.device_episodes:
                end = self.device_episode(t, self._anyone())
            elif len(self.people) >= 2 and rng.random() < 0.9:
                end = self.exchange(t)
            else:
                end = self.alone_episode(t, self._anyone())
            if end is None:
                break
            t = max(end, t + 0.5) + float(rng.uniform(*EPISODE_PAUSE_S))
        looks = sorted((lk for v in self.looks.values() for lk in v), key=lambda lk: lk.t_s)
        return self.lines, looks

    def exchange(self, t: float) -> float | None:
        """Adjacency pairs between two people (a third may take over the second part)."""
        rng, beh = self.rng, self.beh
        a, b = (self.people[i] for i in rng.choice(len(self.people), 2, replace=False))
        pairs = int(rng.geometric(1 / beh.pairs_per_exchange))
        end: float | None = t
        for i in range(pairs):
            kind = OPENINGS[int(rng.choice(len(OPENINGS), p=[w for _, w in OPENINGS]))][0]
            vocative = beh.vocative_opening if i == 0 else beh.vocative_other
            end = self.turn(a, b, OPENING_SOURCES[kind], t, vocative)
            if end is None:
                return None
            t = self._next_start(end, b)
            if kind == "question":  # answered by the addressee, to the asker
                end = self.turn(b, a, ANSWERS, t, beh.vocative_other)
            elif kind == "request" or rng.random() < self._backchannel_p():
                end = self.backchannel(b, a, t, kind == "request")
            else:
                end = self.turn(b, a, STATEMENTS, t, beh.vocative_other)
            if end is None:
                return None
            if rng.random() < beh.p_aside:  # someone turns to the device, then back
                end = self.device_episode(self._next_start(end, a), a if rng.random() < 0.5
                                          else b)
                if end is None:
                    return None
            a, b = (b, a) if rng.random() < 0.5 else (a, b)
            others = [p for p in self.people if p.id not in (a.id, b.id)]
            if others and rng.random() < 0.3:
                b = others[int(rng.integers(len(others)))]
            t = self._next_start(end, a)
        return end

    def device_episode(self, t: float, who: Person) -> float | None:
        """A request, the device's answer; a repeat after a mishearing, a follow-up inside
        the window, an answer to the device's question, a barge-in."""
        rng, beh = self.rng, self.beh
        text, source = self.texts.directed(rng, self.habits[who.id].polite)
        error = False
        end = self.say(who, text, source, "device", t, after_error=False)
        for k in range(MAX_CHAIN):
            if end is None:
                return None
            reply_t = end + float(rng.uniform(*beh.reply_delay_s))
            if k == MAX_CHAIN - 1:  # the last request of a chain gets its answer
                return self.device(reply_t, _reply_for(source, rng))
            if not error and rng.random() < beh.p_misrecognition:
                reply_end = self.device(reply_t, MISHEARD)
                error = True
                end = self.say(who, text, source, "device", self._next_start(reply_end, who),
                               after_error=True)
                continue
            asked = rng.random() < beh.p_device_question
            reply = QUESTION_REPLIES[int(rng.integers(len(QUESTION_REPLIES)))] if asked \
                else _reply_for(source, rng)
            reply_end = self.device(reply_t, reply)
            if asked:
                start = self._next_start(reply_end, who)
            elif rng.random() < beh.p_barge_in and reply_end - reply_t > 1.2:
                start = reply_t + float(rng.uniform(0.6, min(1.5, reply_end - reply_t - 0.3)))
            elif rng.random() < beh.p_follow_up:
                start = reply_end + float(rng.uniform(0.3, self.household.follow_up_window_s))
            else:
                return reply_end
            text, source = self.texts.pick(rng, ("directed:follow_up",))
            end = self.say(who, text, source, "device", start)
        return end  # not reached: the last request returns above

    def alone_episode(self, t: float, who: Person) -> float | None:
        """Self-talk or a phone call: speech addressed to no one in the room."""
        end: float | None = t
        for _ in range(int(self.rng.integers(1, 4))):
            text, source = self.texts.pick(self.rng, ALONE_TALK)
            end = self.say(who, text, source, "none", t)
            if end is None:
                return None
            t = end + float(self.rng.uniform(*self.beh.pause_in_turn_s)) + 0.5
        return end

    def tv_episode(self, t: float) -> float | None:
        """TV/radio lines; some are worded like requests (adverts, drama, cooking shows)."""
        assert self.tv is not None
        end: float | None = t
        for _ in range(int(self.rng.integers(1, 4))):
            if self.rng.random() < self.beh.tv_request_like:
                text, source = self.texts.directed(self.rng, 0.0)
            else:
                text, source = self.texts.pick(self.rng, ("talk:tv_radio",))
            end = self.say(self.tv, text, source, "none", t)
            if end is None:
                return None
            t = end + float(self.rng.uniform(0.3, 1.0))
        return end

    # -- turns and lines ------------------------------------------------------------
    def turn(self, who: Person, to: Person, sources: tuple[str, ...], t: float,
             p_vocative: float) -> float | None:
        """A turn to ``to``: a statement or an answer runs on for sentences until about
        ``beh.turn_s`` long (Stivers et al.'s ~2 s turns)."""
        rng = self.rng
        target = self.beh.turn_s * float(rng.uniform(0.5, 1.5))
        start, end = t, None
        while True:
            text, source = self.texts.pick(rng, sources)
            if end is None and rng.random() < p_vocative:  # a vocative opens the turn's
                text = f"{text} {to.id}" if rng.random() < self.beh.vocative_final \
                    else f"{to.id} {text}"  # first sentence, at its end or start
            end = self.say(who, text, source, to.id, t)
            if end is None or end - start >= target or sources not in (STATEMENTS, ANSWERS):
                return end  # a question or a request ends the turn: the floor passes
            sources = STATEMENTS
            t = end + float(rng.uniform(*self.beh.pause_in_turn_s))

    def backchannel(self, who: Person, to: Person, t: float, acknowledge: bool
                    ) -> float | None:
        forms = ACKNOWLEDGEMENTS if acknowledge else self.texts.backchannels
        return self.say(who, forms[int(self.rng.integers(len(forms)))], "talk:fragments",
                        to.id, t)

    def say(self, who: Person, text: str, source: str, addressee: str, t: float,
            after_error: bool = False) -> float | None:
        """Add a line (and the speaker's and listeners' looks); its end, or None past the
        session's end."""
        directed = addressee == "device"
        prosody = draw_prosody(self.rng, self.beh, self.habits.get(who.id), directed,
                               after_error)
        dur = estimate_duration_s(text, who.rate_wpm * prosody.rate_scale)
        if t + dur > self.duration_s - 0.3:
            return None
        self.lines.append(Line(who.id, round(t, 3), text, addressee,
                               gain_db=prosody.gain_db, rate_scale=prosody.rate_scale,
                               pitch_st=prosody.pitch_st, f0_range=prosody.f0_range,
                               category=source))
        if who.id in self.looks:
            self._look(who.id, max(t - 0.35, 0.0), self._speaker_pose(who, addressee, t))
        for p in self.people:
            if p.id in self.looks and p.id != who.id and self.busy_until[p.id] < t and \
                    self.rng.random() < self.beh.listener_looks_at_speaker:
                self._look(p.id, t + float(self.rng.uniform(0.1, 0.6)),
                           _look_towards(self.rng, p, who))
        self.busy_until[who.id] = t + dur
        self.last_end = max(self.last_end, t + dur)
        return t + dur

    def device(self, t: float, text: str) -> float:
        self.lines.append(Line("device", round(t, 3), text, "none", category="device"))
        end = t + estimate_duration_s(text, DEVICE_WPM)
        for pid in self.looks:
            if self.busy_until[pid] < t and self.rng.random() < self.beh.glance_at_reply:
                self._look(pid, t + 0.2, _device_pose(self.rng))
        self.device_end = end
        return end

    # -- gaze -----------------------------------------------------------------------
    def _speaker_pose(self, who: Person, addressee: str, t: float) -> tuple:
        rng, beh, habits = self.rng, self.beh, self.habits[who.id]
        if addressee == "device":
            p = beh.look_busy if habits.busy else habits.look_directed
            return _device_pose(rng) if rng.random() < p else self._away(who, None)
        partner = self.by_id.get(addressee)
        if partner is not None and rng.random() < beh.look_partner:
            return _look_towards(rng, who, partner)
        share = beh.device_share_after_reply if t - self.device_end < beh.attractor_s \
            else beh.device_share_of_rest
        return _device_pose(rng) if rng.random() < share else self._away(who, partner)

    def _away(self, who: Person, partner: Person | None) -> tuple:
        """Neither the device nor the partner: down at the task, or the other way."""
        if self.habits[who.id].busy or self.rng.random() < 0.5:
            return self._task_look()
        pose = self._idle_look()
        if partner is not None and (pose[0] > 0) == (partner.x_frac > who.x_frac):
            pose = (-pose[0], *pose[1:])
        return pose

    def _look(self, pid: str, t: float, pose: tuple) -> None:
        """From ``t`` on this pose; a later plan for this person is replaced."""
        kept = [lk for lk in self.looks[pid] if lk.t_s < t]
        self.looks[pid] = kept + [Look(pid, round(t, 3), *pose)]

    def _idle_look(self) -> tuple:
        side = 1 if self.rng.random() < 0.5 else -1
        return (side * float(self.rng.uniform(25, 60)), float(self.rng.uniform(-10, 5)),
                0.0, 0.0)

    def _task_look(self) -> tuple:
        """Down at the stove, the counter, a phone: pitched well below the camera."""
        side = 1 if self.rng.random() < 0.5 else -1
        return (side * float(self.rng.uniform(20, 60)), float(self.rng.uniform(-35, -18)),
                0.0, float(self.rng.uniform(-10, 0)))

    # -- helpers --------------------------------------------------------------------
    def _anyone(self) -> Person:
        return self.people[int(self.rng.integers(len(self.people)))]

    def _next_start(self, end: float, who: Person) -> float:
        """A speaker change: Stivers et al.'s gap, overlapping the turn end when negative,
        never before the new speaker's own previous line has ended."""
        gap = float(self.rng.normal(*self.beh.gap_s))
        start = max(end + max(gap, -0.6), self.busy_until[who.id] + 0.15)
        return start

    def _backchannel_p(self) -> float:
        """Per statement. Statements are half the openings and a request's reply is an
        acknowledgement, so this gives back-channels near ``backchannel_share`` of the
        lines between people (``--stats`` recovers 0.19-0.21)."""
        s = self.beh.backchannel_share
        return min(1.0, s / (1 - s) / 0.5)  # statements are half of the openings


def _reply_for(source: str, rng: np.random.Generator) -> str:
    intent = source.split(":", 1)[1] if source.startswith("ha:") else ""
    return REPLIES.get(intent) or GENERIC_REPLIES[int(rng.integers(len(GENERIC_REPLIES)))]


def _device_pose(rng: np.random.Generator) -> tuple:
    return (float(rng.normal(0, 4)), float(rng.normal(0, 3)), float(rng.normal(0, 2)),
            float(rng.normal(0, 2)))


def _look_towards(rng: np.random.Generator, p: Person, target: Person) -> tuple:
    """Turn towards another person: yaw > 0 turns the nose to image right."""
    side = 1.0 if target.x_frac > p.x_frac else -1.0
    return (side * float(rng.uniform(40, 70)), float(rng.uniform(-8, 5)),
            side * float(rng.uniform(0, 10)), 0.0)
