"""The ASR stage: VAD utterances in, partial and final hypotheses and decoder cues out.

It takes ``AudioChunk`` items and the VAD's ``SpeechEvent`` items (the pipeline routes the
VAD's cues to it right after the chunk that caused them). A ``speech_start`` arrives about
100 ms after speech really began, so the stage keeps a short history of audio and starts
the recognizer ``START_PAD_S`` before the boundary; from then on every chunk goes straight
to the recognizer, which may answer with a partial text. At a ``SpeechPause`` a recognizer
that decodes whole utterances gives its n-best of the audio so far (``decode_so_far``): its
best text comes out as a partial, and if the pause turns out to be the end (the VAD's end
has the pause's boundary: no speech came back) that n-best is the final one, so Whisper's
words are there when the VAD's end is. At ``speech_end`` the recognizer gives its final
n-best: an ``AsrResult`` and an ``AsrDecoderCue`` come out. The utterance gate's
``TurnEvent``s (``ntt.cues.decision``) do the same before the VAD's: a ``turn_end`` ends
the utterance there (the VAD's end that follows finds nothing open), a ``turn_resume``
begins the next.
"""

from __future__ import annotations

import time

import numpy as np

from ntt.asr.base import Recognizer
from ntt.asr.types import Recognition, nbest_entropy, word_overlap
from ntt.audio.history import AudioHistory
from ntt.cues import (
    AsrDecoderCue,
    AsrResult,
    AudioChunk,
    PartialHypothesis,
    SourceStatus,
    SpeechEvent,
    SpeechPause,
    TurnEvent,
)
from ntt.stage import refuse

TAKES = (AudioChunk, SpeechEvent, SpeechPause, TurnEvent, SourceStatus)

START_PAD_S = 0.2  # audio before the VAD's start boundary given to the recognizer
HISTORY_S = 2.0  # enough for the VAD's start delay plus the pad
# A pause whose boundary lies no further than this before an end's is of the same silence
# (the VAD's end carries the pause's boundary exactly; the gate's turn end, where the
# level dropped, lies within a few windows of it; speech between them would be longer).
SAME_SILENCE_S = 0.1


def decoder_cue(t_s: float, start_s: float, end_s: float, rec: Recognition,
                partials: list[str], stabilities: list[float]) -> AsrDecoderCue:
    """Fixed-size numbers about one decoded utterance (see ``AsrDecoderCue``)."""
    nan = float("nan")
    hyps = rec.hypotheses
    post = np.array([h.posterior for h in hyps])
    if len(post) and post.sum() > 0:
        post = post / post.sum()
    best = hyps[0] if hyps else None
    words = best.words if best else ()
    entropy = nbest_entropy(post)
    duration = max(end_s - start_s, 1e-3)
    final_text = best.text if best else ""
    return AsrDecoderCue(
        t_s=t_s, start_s=start_s, end_s=end_s,
        confidence=best.confidence if best else 0.0,
        nbest_size=len(hyps), nbest_entropy=entropy,
        nbest_margin=float(post[0] - post[1]) if len(post) > 1 else (1.0 if best else 0.0),
        acoustic_score_per_frame=rec.acoustic_score_per_frame,
        lm_score_per_word=rec.lm_score_per_word, avg_logprob=rec.avg_logprob,
        no_speech_prob=rec.no_speech_prob,
        n_words=len(final_text.split()),
        min_word_confidence=min((w.confidence for w in words), default=nan),
        words_per_s=len(final_text.split()) / duration,
        partial_count=len(partials),
        partial_stability=float(np.mean(stabilities)) if stabilities else nan,
        final_matches_partial=(word_overlap(partials[-1].lower(), final_text.lower())
                               if partials else nan))


class AsrStage:
    """Stage around one ``Recognizer`` (passed in); decodes one utterance at a time."""

    def __init__(self, recognizer: Recognizer, start_pad_s: float = START_PAD_S):
        self.recognizer = recognizer
        self.start_pad_s = start_pad_s
        self.history = AudioHistory(HISTORY_S + start_pad_s)
        self._active = False
        self.reset()

    @property
    def backend(self) -> str:
        return self.recognizer.name

    def reset(self) -> None:
        if self._active:
            self.recognizer.cancel()
        self.history.reset()
        self._active = False
        self._start_s = 0.0
        self._boundary_s = 0.0
        self._fed_until_s = 0.0
        self._partials: list[str] = []
        self._stabilities: list[float] = []
        self._at_pause: tuple[float, Recognition] | None = None  # (its boundary, n-best)

    def push(self, item: AudioChunk | SpeechEvent | SpeechPause | TurnEvent | SourceStatus
             ) -> list:
        if isinstance(item, AudioChunk):
            return self._audio(item)
        if isinstance(item, SpeechPause):
            return self._pause(item)
        if isinstance(item, SpeechEvent | TurnEvent):
            if item.kind in ("speech_start", "turn_resume"):
                return self._start(item.t_s, item.boundary_s)
            return self._end(item.t_s, item.boundary_s)
        if not isinstance(item, SourceStatus):
            refuse(self, item, TAKES)
        if item.kind in ("mic_lost", "privacy_on"):
            # Privacy: what was said before the switch is not transcribed.
            if self._active:
                self.recognizer.cancel()
                self._active = False
        return []

    def _feed(self, t_s: float, samples: np.ndarray, end_s: float) -> list[PartialHypothesis]:
        self._fed_until_s = end_s
        return self._partial(t_s, self.recognizer.push(samples))

    def _partial(self, t_s: float, text: str | None) -> list[PartialHypothesis]:
        if not text:
            return []
        previous = self._partials[-1] if self._partials else ""
        stability = word_overlap(text.lower(), previous.lower()) if previous else 0.0
        self._partials.append(text)
        self._stabilities.append(stability)
        return [PartialHypothesis(t_s=t_s, start_s=self._boundary_s, text=text,
                                  stability=stability)]

    def _audio(self, chunk: AudioChunk) -> list[PartialHypothesis]:
        self.history.append(chunk)
        if not self._active:
            return []
        skip = int(round((self._fed_until_s - chunk.t_s) * chunk.sample_rate_hz))
        samples = chunk.samples[max(skip, 0):]
        if len(samples) == 0:
            return []
        return self._feed(chunk.end_s, samples, chunk.end_s)

    def _pause(self, pause: SpeechPause) -> list[PartialHypothesis]:
        if not self._active:
            return []
        rec = self.recognizer.decode_so_far()
        if rec is None:  # a streaming recognizer: its partials came with the audio
            return []
        rec = rec.shifted(self._start_s)
        self._at_pause = (pause.boundary_s, rec)
        return self._partial(pause.t_s, rec.hypotheses[0].text if rec.hypotheses else "")

    def _start(self, t_s: float, boundary_s: float) -> list:
        out = []
        if self._active:  # a start without an end: close the open utterance first
            out += self._end(t_s, boundary_s)
        self._boundary_s = boundary_s
        start_s, audio = self.history.slice(boundary_s - self.start_pad_s, self.history.end_s)
        self._start_s = start_s
        self._partials, self._stabilities = [], []
        self._at_pause = None
        self.recognizer.start()
        self._active = True
        self._fed_until_s = start_s
        if len(audio):
            out += self._feed(t_s, audio, start_s + len(audio) / self.history.sample_rate_hz)
        return out

    def _end(self, t_s: float, boundary_s: float) -> list:
        if not self._active:
            return []
        self._active = False
        at_pause, self._at_pause = self._at_pause, None
        if at_pause is not None and at_pause[0] >= boundary_s - SAME_SILENCE_S:
            # The pause was the end: its n-best is of the same speech, decoded already.
            self.recognizer.cancel()
            rec, decode_s = at_pause[1], 0.0
        else:
            t0 = time.perf_counter()
            rec = self.recognizer.finish().shifted(self._start_s)
            decode_s = time.perf_counter() - t0
        start_s, end_s = self._boundary_s, max(boundary_s, self._boundary_s)
        result = AsrResult(t_s=t_s, start_s=start_s, end_s=end_s, backend=self.backend,
                           hypotheses=rec.hypotheses, decode_s=decode_s)
        cue = decoder_cue(t_s, start_s, end_s, rec, self._partials, self._stabilities)
        return [result, cue]

    def flush(self) -> list:
        """An utterance still open at end of stream ends where the audio ends."""
        if not self._active:
            return []
        end_s = self.history.end_s
        return self._end(end_s, end_s)
