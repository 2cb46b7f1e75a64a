"""The language stage: recognizer hypotheses in, lexical directedness (and intent) cues out.

``push`` takes anything shaped like a recognition result, so it needs no import of the ASR
stage: a final n-best (``ntt.asr.types.AsrResult``: ``t_s`` and ``hypotheses`` whose items
have ``text`` and ``posterior`` or ``confidence``, best first), a running partial
(``PartialHypothesis``: ``t_s`` and ``text`` only; scored, never parsed into an intent), a
bare string or a list of ``(text, confidence)`` pairs (final, stamped ``t_s = 0``). An
explicit ``final``/``is_final`` attribute wins over these rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ntt.language.intents import Intent, IntentRecognizer
from ntt.language.model import LexicalModel

NEUTRAL_P = 0.5          # no words at all: lexical cues say nothing either way
MAX_HYPOTHESES = 5       # deeper n-best entries add time and hardly change the mean


@dataclass(frozen=True)
class LexicalCue:
    """Lexical evidence for one recognition result. ``t_s`` is the result's time on the
    session clock; ``intent`` is None for partials, out-of-grammar text, or no recognizer."""

    t_s: float
    p_directed: float
    text: str
    final: bool = True
    intent: Intent | None = None


def _hypotheses(item: Any) -> list[tuple[str, float]]:
    if isinstance(item, str):
        return [(item, 1.0)]
    if isinstance(item, Sequence):
        return [(str(t), float(c)) for t, c in item]
    hyps = getattr(item, "hypotheses", None) or getattr(item, "nbest", None)
    if hyps:
        # The posterior (share of the n-best mass) is the weight an n-best mean wants; a
        # plain confidence stands in where the recognizer gives no posterior.
        return [(str(h.text), float(getattr(h, "posterior", getattr(h, "confidence", 1.0))))
                for h in hyps]
    text = getattr(item, "text", None)
    return [(str(text), 1.0)] if text is not None else []


def _is_recognition(item: Any) -> bool:
    if isinstance(item, str):
        return True
    if isinstance(item, Sequence):
        return all(isinstance(h, Sequence) and len(h) == 2 for h in item)
    return hasattr(item, "hypotheses") or hasattr(item, "nbest") or hasattr(item, "text")


class LexicalScorer:
    """Scores what was said with the lexical model, and parses finals into intents.

    The model (and optionally an IntentRecognizer) is passed in; nothing is loaded here.
    """

    def __init__(self, model: LexicalModel, recognizer: IntentRecognizer | None = None):
        self.model = model
        self.recognizer = recognizer
        self.last: LexicalCue | None = None

    def score(self, text: str) -> float:
        """p(directed) of one transcript; NEUTRAL_P for an empty one."""
        return self.model.predict(text) if text and text.strip() else NEUTRAL_P

    def score_nbest(self, hyps: Sequence[tuple[str, float]]) -> float:
        """Confidence-weighted mean over the n-best list, so an uncertain recognizer spreads
        the evidence over its alternatives. Confidences need not sum to one; all-zero or
        negative confidences count equally."""
        hyps = [(t, c) for t, c in hyps[:MAX_HYPOTHESES] if t and t.strip()]
        if not hyps:
            return NEUTRAL_P
        weights = [max(0.0, c) for _, c in hyps]
        if sum(weights) <= 0:
            weights = [1.0] * len(hyps)
        total = sum(weights)
        return sum(w * self.score(t) for (t, _), w in zip(hyps, weights, strict=True)) / total

    def push(self, item: Any) -> list[LexicalCue]:
        """One LexicalCue per recognition result; other items pass without output."""
        if not _is_recognition(item):
            return []
        hyps = _hypotheses(item)
        final = getattr(item, "final", getattr(item, "is_final", None))
        if final is None:
            final = isinstance(item, (str, Sequence)) or hasattr(item, "hypotheses") or \
                hasattr(item, "nbest")
        text = hyps[0][0] if hyps else ""
        intent = None
        if final and self.recognizer is not None and text:
            intent = self.recognizer.recognize(text)
        cue = LexicalCue(t_s=float(getattr(item, "t_s", 0.0)), p_directed=self.score_nbest(hyps),
                         text=text, final=bool(final), intent=intent)
        self.last = cue
        return [cue]

    def flush(self) -> list[LexicalCue]:
        return []

    def reset(self) -> None:
        self.last = None
