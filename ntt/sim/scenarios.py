"""Scenario generators: a seed and a scenario name become a ``Script``.

A scenario is a ``Setting`` (the room, who is in it, camera and noise) and a behaviour
table (``ntt.sim.behaviour``, each rate with its study); the session's talk is generated
as conversation (``ntt.sim.conversation``), not as independent draws. ``mixed`` draws one
of the other scenarios per session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from ntt.sim.behaviour import Behaviour, draw_habits, draw_household
from ntt.sim.conversation import BACKCHANNELS, DIRECTED_SOURCES, Conversation
from ntt.sim.conversation import estimate_duration_s as estimate_duration_s
from ntt.sim.photos import Identity
from ntt.sim.script import Person, Script
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
ENTER_MIN_SESSION_S = 9.0  # shorter sessions start with everyone in the picture
SCENARIOS = ("single-user", "two-people", "family-tv", "follow-up", "barge-in", "camera-off",
             "dark-room", "far-field", "mixed")
MIXED_WEIGHTS = {"single-user": 0.15, "two-people": 0.2, "family-tv": 0.15, "follow-up": 0.12,
                 "barge-in": 0.1, "camera-off": 0.08, "dark-room": 0.1, "far-field": 0.1}


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
    # ASSUMED: in a kitchen a person is busy with their hands (cooking, washing up) half
    # the time; in a living room rarely.
    p_busy: dict[str, float] = field(default_factory=lambda: {"kitchen": 0.5,
                                                               "living-room": 0.05})
    p_enter: float = 0.2
    p_occlusion: float = 0.15
    behaviour: Behaviour = Behaviour()


SETTINGS = {
    # One person on camera, often alone in the room (else someone off camera).
    "single-user": Setting(off_camera=(0, 1), p_kitchen=0.5),
    "two-people": Setting(visible=(2, 2), off_camera=(0, 0)),
    "family-tv": Setting(visible=(2, 3), off_camera=(0, 1), tv=True, noise=("pink", "music"),
                         snr_db=(5.0, 20.0), p_kitchen=0.0),
    "follow-up": Setting(visible=(1, 2), off_camera=(0, 1),
                         behaviour=Behaviour(device_episodes=0.55, p_follow_up=0.8)),
    "barge-in": Setting(visible=(1, 2), off_camera=(0, 1),
                        behaviour=Behaviour(device_episodes=0.55, p_barge_in=0.6)),
    "camera-off": Setting(visible=(2, 2), off_camera=(0, 1), camera_on=False),
    "dark-room": Setting(visible=(1, 2), brightness=(0.3, 0.45), camera_noise=(5.0, 8.0)),
    "far-field": Setting(visible=(1, 2), distance_m=(2.5, 4.0), snr_db=(0.0, 15.0),
                         noise=("pink", "kitchen"), p_kitchen=0.5),
}
POLITE = re.compile(r"\b(please|could you|would you|can you|thank you|thanks)\b")
# The corpus's own person names and kin terms: talk lines that carry one as a vocative are
# left out, so a vocative names someone in the room (added by the conversation).
_VOCATIVE_SPAN = 4


class Texts:
    """Lines by corpus source (``build_corpus`` of one split), as the conversation asks."""

    def __init__(self, pools: dict[str, tuple[str, ...]], directed: dict[str, tuple]):
        self.pools = pools
        self._directed = directed  # source -> ((text, category, polite), ...)
        self.backchannels = tuple(t for t in pools.get("talk:fragments", ())
                                  if t in BACKCHANNELS)

    def pick(self, rng: np.random.Generator, sources: tuple[str, ...]) -> tuple[str, str]:
        available = [s for s in sources if self.pools.get(s)]
        source = available[int(rng.integers(len(available)))]
        texts = self.pools[source]
        return texts[int(rng.integers(len(texts)))], source

    def directed(self, rng: np.random.Generator, p_polite: float) -> tuple[str, str]:
        """A request to the device, polite with ``p_polite`` where the source has both."""
        sources = [s for s in DIRECTED_SOURCES if self._directed.get(s)]
        entries = self._directed[sources[int(rng.integers(len(sources)))]]
        want = rng.random() < p_polite
        same = [e for e in entries if e[2] == want] or list(entries)
        text, category, _ = same[int(rng.integers(len(same)))]
        return text, category


@cache
def texts_for(split: str) -> Texts:
    from ntt.language.corpus import build_corpus, lexicon_lists

    names = {v.text_in.text.lower() for key in ("person", "kin")  # type: ignore[union-attr]
             for v in lexicon_lists(split)[key].values}  # type: ignore[arg-type]
    pools: dict[str, list[str]] = {}
    directed: dict[str, list[tuple]] = {s: [] for s in DIRECTED_SOURCES}
    for e in build_corpus(0, (split,)):  # type: ignore[arg-type]
        if e.source.startswith("ha:"):
            directed["ha"].append((e.text, e.source, bool(POLITE.search(e.text))))
            continue
        if e.source in directed:
            directed[e.source].append((e.text, e.source, bool(POLITE.search(e.text))))
        words = e.text.split()[:_VOCATIVE_SPAN]
        if e.source.startswith("talk:") and any(w in names for w in words):
            continue
        pools.setdefault(e.source, []).append(e.text)
    return Texts({k: tuple(sorted(v)) for k, v in pools.items()},
                 {k: tuple(sorted(v)) for k, v in directed.items()})


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
    room = "kitchen" if rng.random() < setting.p_kitchen else "living-room"

    n_vis = int(rng.integers(setting.visible[0], setting.visible[1] + 1))
    n_off = int(rng.integers(setting.off_camera[0], setting.off_camera[1] + 1))
    household = household_voices()
    voices = rng.permutation(len(household))
    xs = np.linspace(0.25, 0.75, n_vis) + rng.uniform(-0.08, 0.08, n_vis) if n_vis > 1 else \
        np.array([rng.uniform(0.3, 0.7)])
    persons, habits = [], {}
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
        habits[NAMES[i]] = draw_habits(rng, beh, rng.random() < setting.p_busy[room])
    if setting.tv:
        persons.append(Person("tv", None, voice=TV_VOICE, rate_wpm=175, x_frac=1.4,
                              distance_m=3.0, is_media=True))
    talk = Conversation(rng, beh, draw_household(rng, beh), persons, habits,
                        texts_for(text_split), duration_s)
    lines, looks = talk.run()
    devices = list(DEVICES)
    weights = np.array([DEVICES[d] for d in devices])
    device = devices[int(rng.choice(len(devices), p=weights / weights.sum()))]
    return Script(
        duration_s=duration_s, persons=tuple(persons), lines=tuple(lines), looks=tuple(looks),
        seed=seed, snr_db=float(rng.uniform(*setting.snr_db)), noise=setting.noise,
        room=room, ser_db=float(rng.uniform(*SER_DB)), device=device,
        hfov_deg=_hfov_deg(device), brightness=float(rng.uniform(*setting.brightness)),
        camera_noise=float(rng.uniform(*setting.camera_noise)),
        blur_px=float(rng.choice([0.0, 0.0, 0.7, 1.2])), camera_on=setting.camera_on,
        device_echo=True, device_voice=DEVICE_VOICE, scenario=name,
        notes=f"simulated: scenario {scenario} ({name}), seed {seed}, text {text_split}")


@cache
def _hfov_deg(device: str) -> float:
    from ntt.calibration.profile import load_profile

    return load_profile(device).camera.hfov_deg
