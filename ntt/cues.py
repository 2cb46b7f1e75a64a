"""Typed items that flow through the pipeline.

Every item carries ``t_s``: seconds on the session clock, whose master is the audio
sample count. Sources stamp what they read; stages only pass time along, they never
invent a clock. Units live in field names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

SAMPLE_RATE_HZ = 16_000


# --- source items -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AudioChunk:
    """Mono float32 samples in [-1, 1] at 16 kHz; ``t_s`` is the time of the first sample."""

    t_s: float
    samples: np.ndarray
    sample_rate_hz: int = SAMPLE_RATE_HZ

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate_hz

    @property
    def end_s(self) -> float:
        return self.t_s + self.duration_s


@dataclass(frozen=True, eq=False)
class VideoFrame:
    """One decoded BGR frame, stamped against the audio clock."""

    t_s: float
    index: int
    image_bgr: np.ndarray


SourceStatusKind = Literal["camera_lost", "camera_back", "mic_lost", "mic_back", "privacy_on",
                           "privacy_off"]


@dataclass(frozen=True)
class SourceStatus:
    """A control item: a device went away or came back, or privacy mode changed."""

    t_s: float
    kind: SourceStatusKind
    detail: str = ""


@dataclass(frozen=True)
class Tick:
    """The fusion clock: the pipeline sends one every ``tick_s`` of audio time."""

    t_s: float


# --- cues ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeechEvent:
    """Voice activity boundary. ``t_s`` is when the event is known (emission time on the
    session clock); ``boundary_s`` is where speech really started or ended."""

    t_s: float
    kind: Literal["speech_start", "speech_end"]
    boundary_s: float


@dataclass(frozen=True)
class Face:
    """One person seen in one frame. Angles in degrees, camera frame (see ntt.vision.pose)."""

    track_id: int
    box_xywh: tuple[int, int, int, int]
    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    gaze_yaw_deg: float = 0.0
    gaze_pitch_deg: float = 0.0
    eye_open: float = 1.0
    mouth_open: float = 0.0
    mouth_activity: float = 0.0
    attending: float = 0.0
    landmarks_xy: np.ndarray | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class FacesCue:
    """Every face found in one video frame (possibly none)."""

    t_s: float
    frame_index: int
    faces: tuple[Face, ...]
    image_size_wh: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class DeviceContext:
    """What the device itself is doing, fed back to fusion: it is speaking, it has just asked
    a question, when its last turn ended. Live it comes from the conversation engine;
    offline from the device turns recorded with the session."""

    t_s: float
    device_speaking: bool
    awaiting_answer: bool
    last_device_end_s: float | None
    partner_track: int | None = None


# --- decisions ----------------------------------------------------------------------------

Addressee = Literal["device", "person", "unknown"]


@dataclass(frozen=True)
class Decision:
    """Whether an utterance was addressed to the device.

    ``kind`` is ``early`` (soon after speech onset, utterance still running) or ``final``
    (at endpoint). ``t_s`` is when the decision was made; ``start_s``/``end_s`` span the
    utterance (``end_s`` is the decision time for an early decision).
    """

    t_s: float
    kind: Literal["early", "final"]
    start_s: float
    end_s: float
    speaker_track: int | None
    p_directed: float
    directed: bool
    addressee: Addressee = "unknown"
    contributions: dict[str, float] = field(default_factory=dict)
