"""The one streaming interface every recognizer keeps.

A recognizer decodes one utterance at a time: ``start()``, any number of ``push(samples)``
(16 kHz mono float32; may return a new partial text), then ``finish()`` for the final n-best
(or ``cancel()`` to drop it). ``decode_so_far()`` is asked at a pause in the speech: a
recognizer that decodes whole utterances (Whisper) gives its n-best of the audio so far and
goes on collecting; a streaming one (pocketsphinx) returns None, its partials having come
with the audio. Recognizers hold their model, which is passed in; they know
nothing about VAD or the session clock — the ASR stage does that.
"""

from __future__ import annotations

import math
import re
from typing import Protocol, runtime_checkable

import numpy as np

from ntt.asr.types import Recognition, nbest_posteriors
from ntt.cues import Hypothesis

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w' ]+")


@runtime_checkable
class Recognizer(Protocol):
    name: str

    def start(self) -> None: ...

    def push(self, samples: np.ndarray) -> str | None: ...

    def finish(self) -> Recognition: ...

    def decode_so_far(self) -> Recognition | None: ...

    def cancel(self) -> None: ...


def recognize(recognizer: Recognizer, audio: np.ndarray,
              block_samples: int = 512) -> Recognition:
    """Decode a whole utterance through the streaming interface."""
    recognizer.start()
    for i in range(0, len(audio), block_samples):
        recognizer.push(audio[i:i + block_samples])
    return recognizer.finish()


def clean_text(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def nbest_key(text: str) -> str:
    """What makes two n-best entries the same words: case and punctuation do not count."""
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


def build_nbest(best: Hypothesis, others: list[tuple[str, float]], nbest: int,
                scale: float = 1.0) -> tuple[Hypothesis, ...]:
    """The best hypothesis followed by up to ``nbest - 1`` alternatives with other words.

    ``others`` are (text, log score) pairs from the backend's n-best search. Entries with the
    same words (``nbest_key``) are merged: their probabilities add and the text of the
    higher-scoring one is kept. ``best.log_score`` may be NaN when the backend scores its
    best path on another scale; it then takes the score of its entry in ``others`` (or of
    the top entry). Posteriors are a softmax over ``log score / scale``; an alternative's
    confidence is the best one's scaled by its posterior relative to the best's.
    """
    merged: dict[str, tuple[str, float, float]] = {}  # key -> (text, top score, total)
    for text, score in others:
        text = clean_text(text)
        key = nbest_key(text)
        if not key or not math.isfinite(score):
            continue
        prev = merged.get(key)
        if prev is None:
            merged[key] = (text, score, score)
        else:
            keep = text if score > prev[1] else prev[0]
            merged[key] = (keep, max(score, prev[1]), float(np.logaddexp(prev[2], score)))
    best_key = nbest_key(best.text)
    found = merged.pop(best_key, None)
    best_score = best.log_score
    if found is not None:
        best_score = (float(np.logaddexp(best_score, found[2]))
                      if math.isfinite(best_score) else found[2])
    elif not math.isfinite(best_score):
        best_score = max((m[2] for m in merged.values()), default=0.0)
    alternatives = sorted(merged.values(), key=lambda m: -m[2])[:max(nbest - 1, 0)]
    scores = [best_score] + [m[2] for m in alternatives]
    post = nbest_posteriors([s / scale for s in scores])
    out = [Hypothesis(best.text, best.confidence, float(post[0]), best_score, best.words)]
    for (text, _, score), p in zip(alternatives, post[1:], strict=True):
        conf = best.confidence * float(p / post[0]) if post[0] > 0 else 0.0
        out.append(Hypothesis(text, min(conf, 1.0), float(p), score))
    return tuple(out)


def empty_recognition(frames: int = 0, **kwargs) -> Recognition:
    return Recognition(hypotheses=(), frames=frames, **kwargs)
