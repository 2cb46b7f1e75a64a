"""How simulated people behave, from published measurements (issue 19's table).

Every number carries its source. Where a study gives only a direction (louder, slower,
higher), the size chosen is marked ASSUMED with the reason. Rates are drawn in three
levels, so a household is not an average: the ``Behaviour`` table (a scenario's means),
per-household rates (``Household``: how much this home uses the device, which follow-up
window its device has) and per-person habits (``Habits``: this person always looks, or
rarely; speaks to the device tersely or politely; shifts their voice a lot or a little).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Spread = tuple[float, float]  # mean, standard deviation


@dataclass(frozen=True)
class Behaviour:
    """A scenario's behaviour table. Shares of speaking time are per person per line."""

    # Gaze. Baba, Huang & Nakano (IVA 2011; Gaze-In 2012): users look at the agent during
    # 93% of the time they speak to it ...
    look_directed: float = 0.93
    # ... and at their human partner during only 34% of the time they speak to the partner.
    look_partner: float = 0.34
    # Of the rest, a share goes to the shared device: "the system is a situational
    # attractor" (Bakx et al., INTERACT 2003; Lunsford & Oviatt, ICMI 2006 see the same).
    # ASSUMED 0.3 (0.66 x 0.3 = 20% of human-directed speaking time at the device): the
    # studies report the attraction, not its share; the remainder goes to the task/table.
    device_share_of_rest: float = 0.3
    # ... and more right after the device spoke. ASSUMED: within ``attractor_s`` of a reply
    # the share doubles (Bakx et al. describe the pull of a system that has just acted).
    device_share_after_reply: float = 0.6
    attractor_s: float = 5.0
    # Per-person spread of the look rate: a Beta with the table's mean and this
    # concentration. ASSUMED 4: Baba et al. give means only; 4 puts most people above 0.9
    # and leaves about one in ten looking at the device for under half of their requests.
    look_concentration: float = 4.0
    # Someone busy with their hands (at the stove, the sink) looks at the task. ASSUMED
    # 0.15: with eyes on the pan a request goes out with no look at all (the issue's
    # "request with no look"); no study measures it for cooking.
    look_busy: float = 0.15
    # Listeners look at the speaker: Vertegaal et al. (CHI 2001), 88% of listening time.
    listener_looks_at_speaker: float = 0.88
    # While the device answers, people glance at it. ASSUMED 0.5 (Bakx et al.'s attractor).
    glance_at_reply: float = 0.5

    # Device-directed prosody, as offsets from the person's human-directed speech.
    # Cohn & Zellou (Front. Commun. 2021, n = 53): Alexa-directed speech is slower, with
    # higher mean F0 and wider F0 variation; Raveh et al. (ESSV 2019): higher F0 towards
    # the device; Baba et al. (Gaze-In 2012): higher, louder and slower towards the agent.
    # Sizes are ASSUMED, each within what the studies' figures show and small next to the
    # line-to-line spread of ordinary speech (below), so the distributions overlap:
    gain_db_directed: Spread = (3.0, 1.5)  # +3 dB: a raised, not a shouted, voice
    rate_directed: Spread = (0.90, 0.04)  # 10% slower (Cohn et al., Front. Commun. 2021,
    # socialbot study: users slow down relative to their own baseline)
    pitch_st_directed: Spread = (1.0, 0.8)  # +1 semitone mean F0
    f0_range_directed: Spread = (1.15, 0.08)  # 15% wider F0 excursions
    # After a misrecognition (Cohn & Zellou 2021: louder, slower, higher, more varied F0 for
    # both interlocutors), a further step of the same kind. ASSUMED sizes.
    gain_db_after_error: float = 2.0
    rate_after_error: float = 0.93
    pitch_st_after_error: float = 0.8
    f0_range_after_error: float = 1.08
    # Line-to-line spread of any speech (human- and device-directed alike). ASSUMED:
    # level +-2.5 dB, rate +-7%, F0 +-1 semitone, excursion +-10%: ordinary variation of
    # read/conversational sentences.
    gain_db_sd: float = 2.5
    rate_sd: float = 0.07
    pitch_st_sd: float = 1.0
    f0_range_sd: float = 0.1
    # How strongly a person shifts into the directed style: some a lot, some hardly.
    # ASSUMED per-person factor N(1, 0.4) clipped to [0, 2].
    style_strength: Spread = (1.0, 0.4)

    # Phrasing. ASSUMED (the corpus offers polite and bare forms; no household rate is
    # measured): a third of people are polite to the device and use a polite form 60% of
    # the time, the rest 10%.
    p_polite_person: float = 0.33
    polite_use: tuple[float, float] = (0.6, 0.1)

    # Conversation. Stivers et al. (PNAS 2009): answers follow questions after a gap of
    # about 200 ms (English mean 236 ms), with overlaps on the early side; turns last
    # about 2 s. The sd is ASSUMED 0.3 s, giving overlaps at about one speaker change in
    # four (Heldner & Edlund, J. Phonetics 2010, count ~40% in free conversation).
    gap_s: Spread = (0.236, 0.3)
    turn_s: float = 2.0  # a turn adds sentences until about this long
    pause_in_turn_s: tuple[float, float] = (0.25, 0.7)  # between a turn's sentences
    # Back-channels ("mm-hm", "yeah") are 19% of utterances in Switchboard (Stolcke et al.,
    # Computational Linguistics 2000, SWBD-DAMSL "Backchannel/acknowledge").
    backchannel_share: float = 0.19
    # Vocatives in family talk (Wilson & Zeitlyn, 1995): in 27.5% of utterances that open
    # a topic and 15.8% of the others; final position more often than initial in casual
    # conversation (McCarthy & O'Keeffe, 2003): ASSUMED 60% final.
    vocative_opening: float = 0.275
    vocative_other: float = 0.158
    vocative_final: float = 0.6
    # Follow-up windows after a device reply: 5 s Alexa Follow-Up Mode, about 8 s Google
    # Continued Conversation (product documentation); a household has one or the other.
    follow_up_windows_s: tuple[float, ...] = (5.0, 8.0)
    p_follow_up: float = 0.3  # ASSUMED: a second request inside the window
    p_barge_in: float = 0.05  # ASSUMED: a new request while the device still speaks
    # ASSUMED: the device mishears one request in twelve and says so; the person repeats.
    p_misrecognition: float = 0.08
    p_device_question: float = 0.15  # ASSUMED: the reply is a question ("which room?")
    reply_delay_s: tuple[float, float] = (0.5, 0.9)
    # How a household spends its talk. ASSUMED (no diary study measures it per utterance):
    # device requests as a share of episodes, drawn per household as Beta(mean, kappa).
    device_episodes: float = 0.4
    household_concentration: float = 8.0
    # ASSUMED: in a conversation, after a turn, someone turns to the device and back.
    p_aside: float = 0.08
    # A conversation between people runs for this many adjacency pairs (geometric mean).
    pairs_per_exchange: float = 3.0
    # TV/radio: ASSUMED 15% of media lines are worded like requests (adverts, cooking
    # shows, drama: "turn off the lights"), the known false-wake case of TV speech.
    tv_request_like: float = 0.15
    p_tv_episode: float = 0.25


@dataclass(frozen=True)
class Household:
    """Rates drawn once per session from the table."""

    device_episodes: float
    follow_up_window_s: float


@dataclass(frozen=True)
class Habits:
    """One person's habits for a session."""

    look_directed: float
    polite: float  # chance a request to the device is phrased politely
    style: float  # how far towards the directed-speech prosody this person shifts
    busy: bool  # hands busy (cooking): looks at the task, not the device


def draw_household(rng: np.random.Generator, beh: Behaviour) -> Household:
    return Household(device_episodes=_beta(rng, beh.device_episodes,
                                           beh.household_concentration),
                     follow_up_window_s=float(rng.choice(beh.follow_up_windows_s)))


def draw_habits(rng: np.random.Generator, beh: Behaviour, busy: bool) -> Habits:
    polite = rng.random() < beh.p_polite_person
    return Habits(look_directed=_beta(rng, beh.look_directed, beh.look_concentration),
                  polite=beh.polite_use[0] if polite else beh.polite_use[1],
                  style=float(np.clip(rng.normal(*beh.style_strength), 0.0, 2.0)),
                  busy=busy)


@dataclass(frozen=True)
class Prosody:
    gain_db: float
    rate_scale: float
    pitch_st: float
    f0_range: float


def draw_prosody(rng: np.random.Generator, beh: Behaviour, habits: Habits | None,
                 directed: bool, after_error: bool = False) -> Prosody:
    """A line's prosody: the person's directed shift (if directed) plus ordinary spread."""
    s = habits.style if habits is not None and directed else 0.0
    gain = s * rng.normal(*beh.gain_db_directed)
    rate = 1.0 + s * (rng.normal(*beh.rate_directed) - 1.0)
    pitch = s * rng.normal(*beh.pitch_st_directed)
    f0 = 1.0 + s * (rng.normal(*beh.f0_range_directed) - 1.0)
    if after_error:
        gain += beh.gain_db_after_error
        rate *= beh.rate_after_error
        pitch += beh.pitch_st_after_error
        f0 *= beh.f0_range_after_error
    return Prosody(
        gain_db=round(float(gain + rng.normal(0, beh.gain_db_sd)), 2),
        rate_scale=round(float(max(0.6, rate * (1 + rng.normal(0, beh.rate_sd)))), 3),
        pitch_st=round(float(pitch + rng.normal(0, beh.pitch_st_sd)), 2),
        f0_range=round(float(max(0.5, f0 * (1 + rng.normal(0, beh.f0_range_sd)))), 3))


def _beta(rng: np.random.Generator, mean: float, kappa: float) -> float:
    return float(rng.beta(mean * kappa, (1 - mean) * kappa))
