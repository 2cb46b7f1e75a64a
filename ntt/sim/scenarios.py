"""Scenario generators: a seed and a scenario name become a ``Script``.

Behaviour (``Behaviour``, all knobs documented) is tuned so that no single cue gives the
answer away: people usually look at the device while addressing it but not always, they
sometimes look at it while talking to each other, a good share of talk between people is
phrased like a request, and directed speech is only a little louder and slower, with
overlapping distributions. ``mixed`` draws one of the other scenarios per session.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from ntt.sim.photos import Identity
from ntt.sim.script import Line, Look, Person, Script
from ntt.sim.voices import household_voices

TV_VOICE = "tv"  # voices of ntt/sim/data/voices.toml
DEVICE_VOICE = "device"
# The devices a session is recorded on (ntt/profiles): a laptop's two lid microphones,
# a smart display's 4-microphone line and 6-microphone ring. The video's field of view is
# the profile's.
DEVICES = {"laptop-webcam": 0.3, "smart-display-8": 0.3, "smart-display-10": 0.4}
# Signal-to-echo ratio at the microphones, dB: the range of the ICASSP 2021 AEC Challenge's
# synthetic set (Sridhar et al., 2021: -10..10 dB).
SER_DB = (-10.0, 10.0)
NAMES = ("anna", "ben", "carla", "dev", "emma", "farid", "grace", "hugo")
DIRECTED_SOURCES = ("directed:assistant_request", "directed:open_question",
                    "directed:assistant_chat")
REQUEST_LIKE = ("talk:requests_to_person", "talk:questions_to_person")
OTHER_TALK = ("talk:chit_chat", "talk:plans", "talk:narration", "talk:about_the_device",
              "talk:fragments")
ALONE_TALK = ("talk:self_talk", "talk:phone_call")
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
ENTER_MIN_SESSION_S = 9.0  # shorter sessions start with everyone in the picture
SCENARIOS = ("single-user", "two-people", "family-tv", "follow-up", "barge-in", "camera-off",
             "dark-room", "far-field", "mixed")
MIXED_WEIGHTS = {"single-user": 0.15, "two-people": 0.2, "family-tv": 0.15, "follow-up": 0.12,
                 "barge-in": 0.1, "camera-off": 0.08, "dark-room": 0.1, "far-field": 0.1}


@dataclass(frozen=True)
class Behaviour:
    """How simulated people behave. Rates are per utterance."""

    p_directed: float = 0.42  # share of utterances addressed to the device
    p_look_directed: float = 0.78  # looks at the device while addressing it
    p_look_nondirected: float = 0.14  # looks at the device while talking to a person
    p_request_like: float = 0.32  # non-directed talk phrased as a command/question
    gain_db_directed: tuple[float, float] = (1.5, 2.5)  # mean, sd of the level change
    gain_db_other: tuple[float, float] = (0.0, 2.5)
    rate_directed: tuple[float, float] = (0.93, 0.06)  # speaking-rate factor
    rate_other: tuple[float, float] = (1.0, 0.06)
    p_follow_up: float = 0.3  # a follow-up request right after the device's reply
    p_barge_in: float = 0.05  # a new request while the device is still speaking
    p_overlap: float = 0.08  # the next person starts before the current one finishes
    gap_s: tuple[float, float] = (0.5, 2.2)
    reply_delay_s: tuple[float, float] = (0.5, 0.9)


@dataclass(frozen=True)
class Setting:
    """The room and the people in it for one scenario."""

    visible: tuple[int, int] = (1, 1)  # min, max people on camera
    off_camera: tuple[int, int] = (1, 1)
    distance_m: tuple[float, float] = (0.8, 2.5)
    snr_db: tuple[float, float] = (12.0, 30.0)
    noise: tuple[str, ...] = ("pink",)
    brightness: tuple[float, float] = (0.85, 1.1)
    camera_noise: tuple[float, float] = (2.0, 4.0)
    camera_on: bool = True
    tv: bool = False
    p_kitchen: float = 0.3  # the room is a kitchen, else a living room
    p_enter: float = 0.2
    p_occlusion: float = 0.15
    behaviour: Behaviour = Behaviour()


SETTINGS = {
    "single-user": Setting(),
    "two-people": Setting(visible=(2, 2), off_camera=(0, 0)),
    "family-tv": Setting(visible=(2, 3), off_camera=(0, 1), tv=True, noise=("pink", "music"),
                         snr_db=(5.0, 20.0), p_kitchen=0.0),
    "follow-up": Setting(visible=(1, 2), off_camera=(0, 1),
                         behaviour=Behaviour(p_directed=0.55, p_follow_up=0.8)),
    "barge-in": Setting(visible=(1, 2), off_camera=(0, 1),
                        behaviour=Behaviour(p_directed=0.55, p_barge_in=0.6)),
    "camera-off": Setting(visible=(2, 2), off_camera=(0, 1), camera_on=False),
    "dark-room": Setting(visible=(1, 2), brightness=(0.3, 0.45), camera_noise=(5.0, 8.0)),
    "far-field": Setting(visible=(1, 2), distance_m=(2.5, 4.0), snr_db=(0.0, 15.0),
                         noise=("pink", "kitchen"), p_kitchen=0.5),
}


@cache
def _pools(split: str) -> dict[str, tuple[str, ...]]:
    """Text by corpus source: ``ha`` (all Home Assistant intents), talk/directed categories."""
    from ntt.language.corpus import build_corpus

    pools: dict[str, list[str]] = {}
    for e in build_corpus(0, (split,)):  # type: ignore[arg-type]
        key = "ha" if e.source.startswith("ha:") else e.source
        pools.setdefault(key, []).append(e.text)
        if e.source.startswith("ha:"):
            pools.setdefault(e.source, []).append(e.text)
    return {k: tuple(sorted(v)) for k, v in pools.items()}


def _pick(rng: np.random.Generator, pools: dict, sources: tuple[str, ...]) -> tuple[str, str]:
    available = [s for s in sources if pools.get(s)]
    source = available[int(rng.integers(len(available)))]
    texts = pools[source]
    return texts[int(rng.integers(len(texts)))], source


def _normal(rng: np.random.Generator, mean_sd: tuple[float, float]) -> float:
    return float(rng.normal(*mean_sd))


def _reply_for(source: str, rng: np.random.Generator) -> str:
    intent = source.split(":", 1)[1] if source.startswith("ha:") else ""
    return REPLIES.get(intent) or GENERIC_REPLIES[int(rng.integers(len(GENERIC_REPLIES)))]


def estimate_duration_s(text: str, rate_wpm: float) -> float:
    """espeak-ng speaks about ``rate_wpm`` words a minute; good enough for scheduling."""
    return max(0.4, len(text.split()) * 60.0 / rate_wpm * 1.1)


def make_script(scenario: str, seed: int, duration_s: float = 60.0,
                text_split: str = "train") -> Script:
    """A deterministic script for ``scenario`` and ``seed``."""
    rng = np.random.default_rng([seed, SCENARIOS.index(scenario)])
    name = scenario
    if scenario == "mixed":
        names = list(MIXED_WEIGHTS)
        p = np.array([MIXED_WEIGHTS[n] for n in names])
        name = names[int(rng.choice(len(names), p=p / p.sum()))]
    setting = SETTINGS[name]
    beh = setting.behaviour
    pools = _pools(text_split)

    n_vis = int(rng.integers(setting.visible[0], setting.visible[1] + 1))
    n_off = int(rng.integers(setting.off_camera[0], setting.off_camera[1] + 1))
    household = household_voices()
    voices = rng.permutation(len(household))
    xs = np.linspace(0.25, 0.75, n_vis) + rng.uniform(-0.08, 0.08, n_vis) if n_vis > 1 else \
        np.array([rng.uniform(0.3, 0.7)])
    persons = []
    for i in range(n_vis + n_off):
        visible = i < n_vis
        enter = float(rng.uniform(2.0, duration_s / 3)) if visible and i > 0 and \
            duration_s >= ENTER_MIN_SESSION_S and rng.random() < setting.p_enter else 0.0
        occ = ()
        if visible and duration_s > 4 and rng.random() < setting.p_occlusion:
            a = float(rng.uniform(0, duration_s - 3))
            occ = ((a, a + float(rng.uniform(1.0, 3.0))),)
        persons.append(Person(
            id=NAMES[i], identity=Identity.random(rng) if visible else None,
            voice=household[int(voices[i % len(household)])], pitch=int(rng.integers(35, 70)),
            rate_wpm=int(rng.integers(145, 180)),
            x_frac=float(xs[i]) if visible else (-0.3 if i % 2 else 1.3),
            y_frac=float(rng.uniform(0.38, 0.5)),
            distance_m=float(rng.uniform(*setting.distance_m)), enter_s=enter, occluded=occ))
    if setting.tv:
        persons.append(Person("tv", None, voice=TV_VOICE, rate_wpm=175, x_frac=1.4,
                              distance_m=3.0, is_media=True))
    people = [p for p in persons if not p.is_media]
    by_id = {p.id: p for p in persons}

    lines: list[Line] = []
    looks: list[Look] = [Look(p.id, 0.0, *_idle_look(rng)) for p in people if p.visible]
    t = float(rng.uniform(0.4, 1.2))
    follow_up_for: str | None = None
    end_limit = duration_s - 1.5
    while t < end_limit:
        speaker: Person
        if follow_up_for is not None:
            speaker, directed = by_id[follow_up_for], True
            text, source = _pick(rng, pools, ("directed:follow_up",))
        elif setting.tv and rng.random() < 0.2:
            speaker, directed = by_id["tv"], False
            text, source = _pick(rng, pools, ("talk:tv_radio",))
        else:
            speaker = people[int(rng.integers(len(people)))]
            directed = rng.random() < beh.p_directed
            if directed:
                text, source = _pick(rng, pools, ("ha",) * 3 + DIRECTED_SOURCES)
                if source == "ha":
                    source = _ha_source(pools, text)
            elif len(people) == 1:
                text, source = _pick(rng, pools, ALONE_TALK + OTHER_TALK)
            elif rng.random() < beh.p_request_like:
                text, source = _pick(rng, pools, REQUEST_LIKE)
            else:
                text, source = _pick(rng, pools, OTHER_TALK)
        follow_up_for = None
        rate = _normal(rng, beh.rate_directed if directed else beh.rate_other)
        gain = _normal(rng, beh.gain_db_directed if directed else beh.gain_db_other)
        if speaker.is_media:
            addressee = "none"
        elif directed:
            addressee = "device"
        else:
            others = [p for p in people if p.id != speaker.id]
            addressee = others[int(rng.integers(len(others)))].id if others and \
                source not in ALONE_TALK else "none"
        dur = estimate_duration_s(text, speaker.rate_wpm * rate)
        if t + dur > duration_s - 0.3:
            break
        lines.append(Line(speaker.id, round(t, 3), text, addressee, gain_db=round(gain, 2),
                          rate_scale=round(rate, 3), category=source))
        if speaker.visible:
            looks.append(_speaker_look(rng, speaker, addressee, directed, t - 0.35, beh,
                                       by_id))
        for p in people:  # listeners look at a visible speaker, or keep their pose
            if p.visible and p.id != speaker.id and rng.random() < 0.6:
                looks.append(Look(p.id, t + float(rng.uniform(0.1, 0.6)),
                                  *_look_towards(rng, p, speaker)))
        t_end = t + dur
        if directed:
            reply_t = t_end + float(rng.uniform(*beh.reply_delay_s))
            reply = _reply_for(source, rng)
            lines.append(Line("device", round(reply_t, 3), reply, "none", category="device"))
            reply_dur = estimate_duration_s(reply, 170)
            for p in people:  # people often glance at the device while it answers
                if p.visible and rng.random() < 0.5:
                    looks.append(Look(p.id, reply_t + 0.2, *_device_look(rng)))
            if rng.random() < beh.p_barge_in and reply_dur > 1.2:
                t = reply_t + float(rng.uniform(0.6, min(1.5, reply_dur - 0.3)))
                follow_up_for = speaker.id if not speaker.is_media else None
                continue
            t_end = reply_t + reply_dur
            if rng.random() < beh.p_follow_up:
                follow_up_for = speaker.id
                t = t_end + float(rng.uniform(0.3, 1.2))
                continue
        if rng.random() < beh.p_overlap:
            t = t_end - float(rng.uniform(0.2, 0.6))
        else:
            t = t_end + float(rng.uniform(*beh.gap_s))
    devices = list(DEVICES)
    weights = np.array([DEVICES[d] for d in devices])
    device = devices[int(rng.choice(len(devices), p=weights / weights.sum()))]
    return Script(
        duration_s=duration_s, persons=tuple(persons), lines=tuple(lines), looks=tuple(looks),
        seed=seed, snr_db=float(rng.uniform(*setting.snr_db)), noise=setting.noise,
        room="kitchen" if rng.random() < setting.p_kitchen else "living-room",
        ser_db=float(rng.uniform(*SER_DB)), device=device, hfov_deg=_hfov_deg(device),
        brightness=float(rng.uniform(*setting.brightness)),
        camera_noise=float(rng.uniform(*setting.camera_noise)),
        blur_px=float(rng.choice([0.0, 0.0, 0.7, 1.2])), camera_on=setting.camera_on,
        device_echo=True, device_voice=DEVICE_VOICE, scenario=name,
        notes=f"simulated: scenario {scenario} ({name}), seed {seed}, text {text_split}")


def _hfov_deg(device: str) -> float:
    from ntt.calibration.profile import load_profile

    return load_profile(device).camera.hfov_deg


def _ha_source(pools: dict, text: str) -> str:
    for key, texts in pools.items():
        if key.startswith("ha:") and text in texts:
            return key
    return "ha"


def _device_look(rng: np.random.Generator) -> tuple[float, float, float, float]:
    return (float(rng.normal(0, 4)), float(rng.normal(0, 3)), float(rng.normal(0, 2)),
            float(rng.normal(0, 2)))


def _idle_look(rng: np.random.Generator) -> tuple[float, float, float, float]:
    side = 1 if rng.random() < 0.5 else -1
    return (side * float(rng.uniform(25, 60)), float(rng.uniform(-15, 5)), 0.0, 0.0)


def _look_towards(rng: np.random.Generator, p: Person, target: Person
                  ) -> tuple[float, float, float, float]:
    """Turn towards another person: yaw > 0 turns the nose to image right."""
    side = 1.0 if target.x_frac > p.x_frac else -1.0
    return (side * float(rng.uniform(40, 70)), float(rng.uniform(-8, 5)),
            side * float(rng.uniform(0, 10)), 0.0)


def _speaker_look(rng: np.random.Generator, p: Person, addressee: str, directed: bool,
                  t_s: float, beh: Behaviour, by_id: dict[str, Person]) -> Look:
    t_s = max(t_s, 0.0)
    at_device = rng.random() < (beh.p_look_directed if directed else beh.p_look_nondirected)
    if at_device:
        return Look(p.id, t_s, *_device_look(rng))
    target = by_id.get(addressee)
    if target is not None and not directed:
        return Look(p.id, t_s, *_look_towards(rng, p, target))
    # Busy elsewhere: the stove, a phone, the window.
    side = 1 if rng.random() < 0.5 else -1
    return Look(p.id, t_s, side * float(rng.uniform(30, 70)), float(rng.uniform(-35, 0)),
                0.0, float(rng.uniform(-10, 0)))
