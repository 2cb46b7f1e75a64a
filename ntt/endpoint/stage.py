"""The end-of-turn stage: from an utterance's onset until its turn is over, one ``EndOfTurn``
per 32 ms frame saying how likely the speaker has finished.

It takes the VAD's ``SpeechEvent``s (a turn opens at ``speech_start``) and
``SpeechProbability``s (optional: silero's score of each window), the prosody front-end's
``ProsodyFrame``s (the speaker's silence and how the speech ended,
``ntt.endpoint.acoustics``) and the recognizer's ``PartialHypothesis`` (the words so far,
``ntt.endpoint.words``; once the VAD's end is in, the final ``LexicalCue``'s text, which the
recognizer's full search gets right more often: "the timer for" where the running partial
had "the time of four"), and the audio itself: once the speaker has been quiet for
``EndpointSettings.smart_turn_after_s`` (when ``smart_turn`` is on), Smart Turn
(``ntt.endpoint.smart_turn``) hears the turn up to where the voice stopped, once per
silence, and says whether it sounds finished. A small logistic head
(``ntt.endpoint.head``) combines them, the words at ``words_weight`` and Smart Turn at
``smart_turn_weight``. It is causal: a frame's cue uses that frame and what came before.

A turn outlives the VAD's end: the stage keeps reporting through the silence after it
(up to ``max_silence_s``), so the utterance gate can hold a final decision while the words
are plainly unfinished. When speech comes back before the turn looked finished, the turn
goes on and its words carry over ("set a timer for" … "ten minutes" reads as one request).
The detector only gives a probability; when to act on it is the gate's
(``ntt.fusion.gate``, after LiveKit's turn detector).
"""

from __future__ import annotations

import math

from ntt.cues import (
    AudioChunk,
    EndOfTurn,
    LexicalCue,
    PartialHypothesis,
    ProsodyFrame,
    SourceStatus,
    SpeechEvent,
    SpeechProbability,
)
from ntt.endpoint.acoustics import WINDOW_S, TurnAcoustics
from ntt.endpoint.head import EndpointHead, feature_vector
from ntt.endpoint.smart_turn import RecentAudio, SmartTurn
from ntt.endpoint.words import CompletenessModel
from ntt.settings import EndpointSettings
from ntt.stage import refuse

TAKES = (AudioChunk, SpeechEvent, SpeechProbability, ProsodyFrame, PartialHypothesis,
         LexicalCue, SourceStatus)
_STOP_LISTENING = ("mic_lost", "privacy_on")


class EndOfTurnDetector:
    """Stage: ``AudioChunk`` / ``SpeechEvent`` / ``SpeechProbability`` / ``ProsodyFrame`` /
    ``PartialHypothesis`` / ``LexicalCue`` / ``SourceStatus`` in, ``EndOfTurn`` out.
    ``words`` and ``smart_turn`` may be None (not used); ``head`` is required."""

    def __init__(self, head: EndpointHead, words: CompletenessModel | None = None,
                 settings: EndpointSettings | None = None,
                 smart_turn: SmartTurn | None = None):
        self.head = head
        self.words = words
        self.smart_turn = smart_turn
        self.audio = RecentAudio()
        self.settings = settings or EndpointSettings()
        cfg = self.settings
        self.acoustics = TurnAcoustics(cfg.active_drop_db, cfg.min_snr_db, cfg.speech_p,
                                       cfg.silero_drop_db)
        self.last_features = None
        self.reset()

    def reset(self) -> None:
        self.acoustics.reset()
        self._open = False
        self._vad_speaking = False
        self._vad_end_s: float | None = None
        self._carried_text = ""
        self._segment_text = ""
        self._words_logit: float | None = None
        self._last_p = 0.0
        self._p_speech: SpeechProbability | None = None
        self._turn_start_s = 0.0
        self._p_sound: float | None = None  # Smart Turn's verdict on the current silence
        self.audio.reset()
        self.last_features = None

    def push(self, item) -> list[EndOfTurn]:
        if isinstance(item, ProsodyFrame):
            return self._frame(item)
        if isinstance(item, AudioChunk):
            if self.smart_turn is not None:
                self.audio.push(item.t_s, item.samples)
            return []
        if isinstance(item, SpeechProbability):
            self._p_speech = item
            return []
        if isinstance(item, PartialHypothesis | LexicalCue):
            if isinstance(item, LexicalCue) and not item.final:
                return []  # the lexical score of a partial: the partial itself came first
            if self._open and item.text != self._segment_text:
                self._segment_text = item.text
                self._score_words()
            return []
        if isinstance(item, SpeechEvent):
            if item.kind == "speech_start":
                self._start(item.boundary_s)
            else:
                self._vad_speaking, self._vad_end_s = False, item.boundary_s
            return []
        if not isinstance(item, SourceStatus):
            refuse(self, item, TAKES)
        if item.kind in _STOP_LISTENING:
            self.reset()
        return []

    def flush(self) -> list[EndOfTurn]:
        return []

    def _start(self, boundary_s: float) -> None:
        """A new turn, unless the last one was still plainly going on when speech came back."""
        cfg = self.settings
        goes_on = (self._open and self._last_p < cfg.carry_below_p
                   and self._vad_end_s is not None
                   and boundary_s - self._vad_end_s <= cfg.carry_within_s)
        if goes_on:
            self._carried_text = self._text()
        else:
            self._turn_start_s = boundary_s
            self.acoustics.reset()
            self._carried_text = ""
            self._words_logit = None
        self._segment_text = ""
        self._open = self._vad_speaking = True
        self._vad_end_s = None

    def _text(self) -> str:
        return " ".join(t for t in (self._carried_text, self._segment_text) if t)

    def _score_words(self) -> None:
        text = self._text()
        self._words_logit = self.words.logit(text) if self.words is not None and text else None

    def _frame(self, f: ProsodyFrame) -> list[EndOfTurn]:
        if not self._open:
            return []
        ac = self.acoustics
        p = self._p_speech
        ac.push(f, p.p_speech if p is not None and abs(p.t_s - f.t_s) < 1e-3 else None)
        t_s = f.t_s + WINDOW_S
        if not self._vad_speaking and ac.silence_s > self.settings.max_silence_s:
            self._open = False
            return []
        x = feature_vector(ac.silence_s, ac.ending, ac.drop_db, ac.p_speech, ac.speech_s)
        self.last_features = x
        if ac.silence_s == 0:
            self._p_sound = None
        elif (self._p_sound is None and self.smart_turn is not None
              and ac.silence_s >= self.settings.smart_turn_after_s):
            self._p_sound = self.smart_turn.p_complete(self.audio.between(
                self._turn_start_s, t_s - ac.silence_s))
        cfg = self.settings
        p = (self.head.p_finished(x, self._words_logit, cfg.words_weight, self._p_sound,
                                  cfg.smart_turn_weight)
             if ac.silence_s > 0 else 0.0)
        self._last_p = p
        p_words = (1.0 / (1.0 + math.exp(-self._words_logit))
                   if self._words_logit is not None else float("nan"))
        p_sound = self._p_sound if self._p_sound is not None else float("nan")
        return [EndOfTurn(t_s, p, ac.silence_s, p_words, p_sound)]
