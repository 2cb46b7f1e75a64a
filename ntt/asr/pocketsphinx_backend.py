"""PocketSphinx 5 (CMU Sphinx): truly streaming, runs on one core, ships an en-US model.

Audio goes in as it arrives (``process_raw``); the running best path is the partial
hypothesis. At the end the decoder runs its best-path search over the word lattice, which
gives word times (``seg``), word posteriors (confidences), acoustic and LM scores, and an
n-best list.
"""

from __future__ import annotations

import math
import re

import numpy as np

from ntt.asr.base import build_nbest, clean_text, empty_recognition
from ntt.asr.types import Recognition
from ntt.cues import SAMPLE_RATE_HZ, Hypothesis, WordTiming

FRAME_RATE_HZ = 100  # pocketsphinx's default -frate
# Path scores are integers in log base 1.0001, shifted right by 10 bits (SENSCR_SHIFT).
LOG_UNIT_NATS = math.log(1.0001)
NBEST_SCORE_NATS = LOG_UNIT_NATS * 1024
# Tokens that are not words: sentence marks, silence, noise fillers.
_NON_WORDS = ("<s>", "</s>", "<sil>")
PARTIAL_EVERY_S = 0.25
# A narrower search than pocketsphinx's defaults: no second (flat-lexicon) pass and at most
# 3000 active HMMs per frame. On the 15 studio prompts (benchmarks/bench_asr.py) the WER stays
# 21.8% and the decoder's CPU time per second of audio falls from 0.176 to 0.148; in the
# living-room pipeline the ASR stage's RTF falls from 0.34 to 0.15, which keeps the whole
# pipeline under half real time on two cores.
SEARCH_OPTIONS = {"fwdflat": False, "maxhmmpf": 3000}
NBEST_SCAN = 30  # n-best entries read to find the distinct alternatives


def load_pocketsphinx_decoder(**config):
    """A decoder over the model that ships inside the pocketsphinx wheel.

    ``config`` overrides Decoder options (e.g. ``lm=...``, ``dict=...``, ``samprate``)."""
    import pocketsphinx

    options = {"loglevel": "ERROR", "samprate": SAMPLE_RATE_HZ, **SEARCH_OPTIONS}
    options.update(config)
    return pocketsphinx.Decoder(**options)


def _word(token: str) -> str | None:
    if token in _NON_WORDS or token.startswith(("[", "+")):
        return None
    return token.split("(", 1)[0]  # "while(2)": an alternative pronunciation


def _ln(p: float) -> float:
    return math.log(p) if p > 0 else float("nan")


def to_pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


class PocketsphinxRecognizer:
    """Streaming recognizer over a ``pocketsphinx.Decoder`` (passed in)."""

    name = "pocketsphinx"

    def __init__(self, decoder, nbest: int = 5, partial_every_s: float | None = PARTIAL_EVERY_S):
        self.decoder = decoder
        self.nbest = nbest
        self.partial_every_samples = (int(partial_every_s * SAMPLE_RATE_HZ)
                                      if partial_every_s else None)
        self.ascale = float(decoder.config["ascale"])
        self.logmath = decoder.get_logmath()
        self._active = False

    def start(self) -> None:
        if self._active:
            self.cancel()
        self.decoder.start_utt()
        self._active = True
        self._since_partial = 0
        self._partial = ""

    def push(self, samples: np.ndarray) -> str | None:
        if not self._active:
            raise RuntimeError("push() before start()")
        if len(samples) == 0:
            return None
        self.decoder.process_raw(to_pcm16(samples), False, False)
        if self.partial_every_samples is None:
            return None
        self._since_partial += len(samples)
        if self._since_partial < self.partial_every_samples:
            return None
        self._since_partial = 0
        hyp = self.decoder.hyp()
        text = clean_text(hyp.hypstr) if hyp is not None else ""
        if text and text != self._partial:
            self._partial = text
            return text
        return None

    def decode_so_far(self) -> None:
        """Nothing: the partials came with the audio (``push``)."""
        return None

    def cancel(self) -> None:
        if self._active:
            self.decoder.end_utt()
            self._active = False

    def finish(self) -> Recognition:
        if not self._active:
            raise RuntimeError("finish() before start()")
        self.decoder.end_utt()
        self._active = False
        frames = int(self.decoder.n_frames())
        hyp = self.decoder.hyp()
        if hyp is None or not clean_text(hyp.hypstr):
            return empty_recognition(frames)
        words, ascore, lscore = [], 0.0, 0.0
        for seg in self.decoder.seg():
            ascore += _ln(seg.ascore)
            word = _word(seg.word)
            if word is None:
                continue
            lscore += _ln(seg.lscore)
            words.append(WordTiming(word, seg.start_frame / FRAME_RATE_HZ,
                                    (seg.end_frame + 1) / FRAME_RATE_HZ,
                                    float(min(max(seg.prob, 0.0), 1.0))))
        if not words:
            return empty_recognition(frames)
        text = " ".join(w.word for w in words)
        confidence = float(np.mean([w.confidence for w in words]))
        others = []
        for i, entry in enumerate(self.decoder.nbest()):
            if i >= NBEST_SCAN:
                break
            if entry is None or entry.score <= 0:
                continue
            alt = " ".join(w for w in (_word(t) for t in entry.hypstr.split()) if w)
            others.append((alt, self.logmath.log(entry.score) * NBEST_SCORE_NATS))
        best = Hypothesis(text, confidence, 1.0, float("nan"), tuple(words))
        return Recognition(hypotheses=build_nbest(best, others, self.nbest, self.ascale),
                           frames=frames,
                           acoustic_score_per_frame=ascore / frames if frames else float("nan"),
                           lm_score_per_word=lscore / len(words))


def align_words(decoder, audio: np.ndarray, text: str) -> tuple[WordTiming, ...]:
    """Forced alignment: where each word of ``text`` is in ``audio`` (seconds from its start).

    Switches ``decoder`` to alignment mode for good, so give it a decoder of its own. Words
    must be in the pronouncing dictionary (raises ``ValueError`` otherwise). Leave some
    silence around the speech: the aligner stretches edge words over missing margins."""
    words = re.sub(r"[^a-z' ]+", " ", text.lower()).split()
    if not words:
        return ()
    for word in words:
        if decoder.lookup_word(word) is None:
            raise ValueError(f"word not in the pronouncing dictionary: {word!r}")
    decoder.set_align_text(" ".join(words))
    decoder.start_utt()
    decoder.process_raw(to_pcm16(audio), False, True)
    decoder.end_utt()
    return tuple(WordTiming(w, seg.start_frame / FRAME_RATE_HZ,
                            (seg.end_frame + 1) / FRAME_RATE_HZ, 1.0)
                 for seg in decoder.seg() if (w := _word(seg.word)) is not None)
