"""Source and control items: what sources read (audio, video) and what they report (a device
went away, privacy mode), and the fusion clock.

Every item carries ``t_s``: seconds on the session clock, whose master is the audio sample
count. Sources stamp what they read; stages only pass time along, they never invent a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

SAMPLE_RATE_HZ = 16_000


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
class MicArrayChunk:
    """One block of a microphone array, before the device-audio front-end: ``samples`` is
    float32 (n, channels) in [-1, 1] at 16 kHz, channels in the device profile's order;
    ``playback`` (n,) is what the device's loudspeaker played over the same samples (the
    echo reference), None where nothing was recorded. ``t_s`` is the first sample's time.
    The front-end turns it into the mono ``AudioChunk`` every later stage takes."""

    t_s: float
    samples: np.ndarray
    playback: np.ndarray | None = None
    sample_rate_hz: int = SAMPLE_RATE_HZ

    @property
    def channels(self) -> int:
        return self.samples.shape[1]

    @property
    def duration_s(self) -> float:
        return self.samples.shape[0] / self.sample_rate_hz

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
