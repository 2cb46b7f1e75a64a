"""Audio cues: which stretches of the front-end's output are the device's own voice,
voice activity (its boundaries and per-window probability), prosody (per
32 ms window and per utterance), whether the speaker has finished (per window, from words
and prosody) and where a voice came from (per utterance, from a microphone array)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np


@dataclass(frozen=True)
class SpeechEvent:
    """Voice activity boundary. ``t_s`` is when the event is known (emission time on the
    session clock); ``boundary_s`` is where speech really started or ended."""

    t_s: float
    kind: Literal["speech_start", "speech_end"]
    boundary_s: float


@dataclass(frozen=True)
class SpeechPause:
    """The voice has been silent ``VadSettings.pause_ms`` inside an utterance, well
    before the VAD's hangover ends it: a recognizer that decodes whole utterances
    (Whisper) says then what it has heard so far, so a pause's words are known while the
    pause is still going (the end-of-turn detector's words), and when the pause turns
    out to be the end the final words are already decoded.
    ``boundary_s`` is where the utterance ends if this pause is its end (the boundary
    the VAD's ``speech_end`` then carries)."""

    t_s: float
    boundary_s: float


@dataclass(frozen=True)
class SpeechProbability:
    """Per-window speech probability (a cue for fusion and the visualizer)."""

    t_s: float
    p_speech: float


@dataclass(frozen=True)
class ProsodyFrame:
    """One 32 ms window. ``snr_db`` is the window level over the tracked noise floor;
    ``f0_hz`` is NaN when the window is unvoiced; z-scores are against this session's speech
    windows (NaN where the value itself is missing)."""

    t_s: float
    level_dbfs: float
    noise_floor_dbfs: float
    snr_db: float
    f0_hz: float
    voiced: bool
    in_speech: bool
    level_z: float
    f0_z: float


@dataclass(frozen=True)
class UtteranceProsody:
    """One utterance between VAD boundaries ``start_s``..``end_s``; ``t_s`` is when it is known
    (the ``speech_end`` event). F0 fields are NaN when nothing was voiced. The ``*_z`` fields
    compare this utterance with the earlier ones of the session."""

    t_s: float
    start_s: float
    end_s: float
    duration_s: float
    level_dbfs: float
    peak_dbfs: float
    noise_floor_dbfs: float
    snr_db: float
    f0_median_hz: float
    f0_mean_hz: float
    f0_p5_hz: float
    f0_p95_hz: float
    f0_std_semitones: float
    f0_range_semitones: float
    f0_final_slope_semitones_per_s: float
    voiced_fraction: float
    syllables: int
    speaking_rate_syl_per_s: float
    level_z: float
    f0_z: float
    rate_z: float
    duration_z: float
    f0_hop_s: float = 0.01
    f0_contour_hz: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False,
                                      repr=False)


@dataclass(frozen=True)
class EndOfTurn:
    """Whether the speaker has finished their turn, per 32 ms window from an utterance's
    onset until the turn is over (``ntt.endpoint``). ``t_s`` is when it is known (the
    window's end); ``silence_s`` how long the speaker has been quiet (0 while speaking), so
    the speech ended at ``t_s - silence_s``; ``p_finished`` the probability that they are
    done (0 while speaking); ``p_words`` what the words so far say alone (NaN: no words
    yet); ``p_sound`` what Smart Turn hears in the speech so far (NaN: not asked yet in
    this silence)."""

    t_s: float
    p_finished: float
    silence_s: float
    p_words: float = float("nan")
    p_sound: float = float("nan")


@dataclass(frozen=True)
class DirectionCue:
    """Where one utterance (VAD boundaries ``start_s``..``end_s``) came from, by the
    microphone array's direction of arrival. ``azimuth_deg`` is in the camera frame's
    horizontal plane (``ntt.vision.camera``): 0 straight out of the lens, positive towards
    image right, ±90 along the device's face, so it compares directly with a face's
    azimuth from its image position. ``confidence`` (0..1) is how clearly one direction
    stands out of the spatial spectrum (near 0: diffuse, several talkers, or too little
    speech). ``t_s`` is when it is known (the utterance's end, or an early estimate while
    it is still going on: ``final`` False)."""

    t_s: float
    start_s: float
    end_s: float
    azimuth_deg: float
    confidence: float
    final: bool = True


def azimuth_offset_deg(a_deg: float, b_deg: float) -> float:
    """How far apart two azimuths are, degrees, 0..180."""
    return abs((a_deg - b_deg + 180.0) % 360.0 - 180.0)


@dataclass(frozen=True)
class EchoActivity:
    """Which 16 ms frames of the device-audio front-end's output are the device's own
    voice (``ntt.device_audio.echo_detector``): frame i spans ``t_s + i * hop_s`` to the
    next, ``echo[i]`` True where the loudspeaker's residue dominates it and no near-end
    talker was found. Emitted before the audio it describes; the VAD hears no speech in
    echo frames, so the device never takes its own voice for a user."""

    t_s: float
    hop_s: float
    echo: np.ndarray = field(compare=False, repr=False)

    @property
    def end_s(self) -> float:
        return self.t_s + len(self.echo) * self.hop_s
