"""Speech out. The engine needs to know how long a reply lasts (to know when it is speaking,
for echo rejection and the follow-up window) and to start and stop it.

``TextSpeech`` estimates durations and plays nothing (offline runs, tests, machines without
TTS or audio). ``EspeakSpeech`` synthesises with espeak-ng (``ntt.tts``) — so its durations
are exact — and plays on the default output device through sounddevice when there is one.
``default_speech(live)`` picks what the machine allows. Given a ``PlaybackReference``
(``ntt.io.playback``), ``EspeakSpeech`` records there what it plays and when it stops, so
the live source can hand the echo canceller what the loudspeaker played.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ntt.cues import SAMPLE_RATE_HZ
from ntt.errors import InputError

if TYPE_CHECKING:
    from ntt.io.playback import PlaybackReference

log = logging.getLogger(__name__)

# espeak-ng's default rate is 165 words per minute; a reply also has a short lead-in/tail.
WORDS_PER_S = 165 / 60
PAUSE_S = 0.25
CACHE_SIZE = 32
FULL_VOLUME_PCT = 100


class SpeechOut(Protocol):
    """How the engine talks: ``duration_s`` before speaking, then ``say``; ``stop`` cuts it."""

    def duration_s(self, text: str) -> float: ...

    def say(self, text: str, volume_pct: int = FULL_VOLUME_PCT) -> None: ...

    def stop(self) -> None: ...


def estimate_duration_s(text: str) -> float:
    """Speaking time of ``text`` at espeak-ng's default rate (words, plus pauses at commas and
    sentence ends)."""
    n_words = len(text.split())
    n_pauses = sum(text.count(c) for c in ",.;:?!")
    return n_words / WORDS_PER_S + PAUSE_S * max(1, n_pauses)


class TextSpeech:
    """No sound: durations are estimated; what would be said is logged."""

    def __init__(self):
        self.said: list[str] = []

    def duration_s(self, text: str) -> float:
        return estimate_duration_s(text)

    def say(self, text: str, volume_pct: int = FULL_VOLUME_PCT) -> None:
        self.said.append(text)
        log.info("device says: %s", text)

    def stop(self) -> None:
        log.info("device speech stopped")


def _output_device(sd: Any) -> bool:
    try:
        sd.query_devices(kind="output")
    except (sd.PortAudioError, ValueError) as exc:
        log.info("no audio output device (%s); speech stays text-only", exc)
        return False
    return True


class EspeakSpeech:
    """espeak-ng voice played on the default audio device (``play=False``: synthesis only,
    for exact offline durations). Synthesised audio is cached per text, so ``duration_s``
    followed by ``say`` synthesises once."""

    def __init__(self, voice: str = "en-us+f2", rate_wpm: int = 165, play: bool = True,
                 reference: PlaybackReference | None = None):
        from ntt.tts import espeak_available

        if not espeak_available():
            raise InputError("espeak-ng", "not installed (apt-get install espeak-ng)")
        self.voice = voice
        self.rate_wpm = rate_wpm
        self.reference = reference
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._sd = None
        if play:
            try:
                import sounddevice as sd
            except OSError as exc:  # PortAudio library missing
                log.info("sounddevice unavailable (%s); speech stays text-only", exc)
            else:
                if _output_device(sd):
                    self._sd = sd

    @property
    def plays_audio(self) -> bool:
        return self._sd is not None

    def audio(self, text: str) -> np.ndarray:
        if text in self._cache:
            self._cache.move_to_end(text)
            return self._cache[text]
        from ntt.tts import synthesize

        samples = synthesize(text, voice=self.voice, rate_wpm=self.rate_wpm)
        self._cache[text] = samples
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return samples

    def duration_s(self, text: str) -> float:
        return len(self.audio(text)) / SAMPLE_RATE_HZ

    def say(self, text: str, volume_pct: int = FULL_VOLUME_PCT) -> None:
        log.info("device says: %s", text)
        if self._sd is None:
            return
        samples = self.audio(text) * (max(0, min(FULL_VOLUME_PCT, volume_pct)) / FULL_VOLUME_PCT)
        try:
            self._sd.play(samples.astype(np.float32), SAMPLE_RATE_HZ)  # returns at once
        except self._sd.PortAudioError as exc:
            log.warning("audio playback failed (%s); speech stays text-only", exc)
            self._sd = None
            return
        if self.reference is not None:
            self.reference.played(samples)

    def stop(self) -> None:
        log.info("device speech stopped")
        if self._sd is not None:
            self._sd.stop()
        if self.reference is not None:
            self.reference.stopped()


def default_speech(live: bool, reference: PlaybackReference | None = None) -> SpeechOut:
    """Live: espeak-ng on the speakers where installed (recording what it plays in
    ``reference``); otherwise (and offline) text only."""
    if live:
        try:
            return EspeakSpeech(play=True, reference=reference)
        except InputError as exc:
            log.info("%s; speech stays text-only", exc)
    return TextSpeech()
