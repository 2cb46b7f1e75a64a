"""A session script: who is in the room, what they say to whom, where they look."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ntt.sim.photos import Identity


@dataclass(frozen=True)
class Person:
    id: str
    identity: Identity | None  # None: heard but never seen (off camera, or the TV)
    voice: str = "f-alpha-us"  # a voice of ntt/sim/data/voices.toml (or an espeak-ng name)
    pitch: int = 50  # espeak-ng pitch, for the fallback voice
    rate_wpm: int = 160
    x_frac: float = 0.5  # horizontal position in the image, 0 = left edge (< 0, > 1: off
    # camera to that side; the room places their voice there too)
    y_frac: float = 0.45  # vertical position of the face centre
    distance_m: float = 1.5
    enter_s: float = 0.0  # walks in from the nearest side over ENTER_S
    leave_s: float = math.inf  # walks out to the nearest side
    occluded: tuple[tuple[float, float], ...] = ()  # spans with a hand/cup over the face
    is_media: bool = False  # a TV or radio: band-limited loudspeaker sound

    @property
    def visible(self) -> bool:
        return self.identity is not None


@dataclass(frozen=True)
class Line:
    """One utterance. ``speaker`` is a person id or ``device``; ``addressee`` is ``device``,
    a person id, or ``none`` (narration, TV)."""

    speaker: str
    start_s: float
    text: str
    addressee: str
    gain_db: float = 0.0  # directed speech is often a little louder
    rate_scale: float = 1.0
    pitch_st: float = 0.0  # mean F0 shift, semitones (device-directed speech is higher)
    f0_range: float = 1.0  # F0 excursion about the speaker's mean, times (directed: wider)
    category: str = ""  # where the text came from (corpus source), for --stats
    recording: str = ""  # a real recording (``ntt.endpoint.mix``) played instead of the text


@dataclass(frozen=True)
class Look:
    """From ``t_s`` on, ``person`` turns their head to (yaw, pitch) degrees relative to
    facing the camera, and their eyes by (gaze_yaw, gaze_pitch) relative to the head."""

    person: str
    t_s: float
    yaw_deg: float
    pitch_deg: float = 0.0
    gaze_yaw_deg: float = 0.0
    gaze_pitch_deg: float = 0.0


@dataclass(frozen=True)
class Script:
    duration_s: float
    persons: tuple[Person, ...]
    lines: tuple[Line, ...]
    looks: tuple[Look, ...] = ()
    seed: int = 0
    fps: float = 15.0
    size_wh: tuple[int, int] = (640, 360)
    hfov_deg: float = 65.0
    snr_db: float = 25.0
    noise: tuple[str, ...] = ("pink",)  # any of pink, music, kitchen
    room: str = "living-room"  # a kind of ntt.sim.acoustics.ROOM_KINDS, drawn per seed
    ser_db: float = 0.0  # talkers' level over the device's echo at the first microphone
    brightness: float = 1.0
    camera_noise: float = 3.0
    blur_px: float = 0.0
    camera_on: bool = True
    # The device's loudspeaker plays its replies into the room (and playback.wav records
    # them); False: a silent device (headphones), no echo and no reference.
    device_echo: bool = True
    device_voice: str = "device"
    device: str = "laptop-webcam"
    scenario: str = ""
    notes: str = ""
    participants_extra: tuple[str, ...] = field(default_factory=tuple)
