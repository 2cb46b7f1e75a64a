"""The language stage: recognizer hypotheses in, lexical directedness (and intent) cues out.

``push`` takes the two recognition cues: a final n-best (``AsrResult``, scored as a
posterior-weighted mean and parsed into an intent) and a running partial
(``PartialHypothesis``, scored as words so far, never parsed). Plain text is scored with
``score`` (a finished utterance) or ``score_partial`` (one still being spoken: the model
reads it without an end, and was trained on such prefixes).
"""

from __future__ import annotations

from collections.abc import Sequence

from ntt.cues import AsrResult, LexicalCue, PartialHypothesis
from ntt.language.intents import IntentRecognizer
from ntt.language.model import LexicalModel
from ntt.stage import refuse

NEUTRAL_P = 0.5          # no words at all: lexical cues say nothing either way
MAX_HYPOTHESES = 5       # deeper n-best entries add time and hardly change the mean


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

    def score_partial(self, text: str) -> float:
        """p(directed) from the words so far of an utterance still being spoken."""
        return self.model.predict(text, final=False) if text and text.strip() else NEUTRAL_P

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

    def push(self, item: AsrResult | PartialHypothesis) -> list[LexicalCue]:
        """One ``LexicalCue`` per recognition result (final for an ``AsrResult``)."""
        if isinstance(item, AsrResult):
            # The posterior (share of the n-best mass) is the weight an n-best mean wants.
            hyps = [(h.text, h.posterior) for h in item.hypotheses]
            text = item.text
            intent = self.recognizer.recognize(text) if self.recognizer and text else None
            cue = LexicalCue(item.t_s, self.score_nbest(hyps), text, True, intent)
        elif isinstance(item, PartialHypothesis):
            cue = LexicalCue(item.t_s, self.score_partial(item.text), item.text, False)
        else:
            refuse(self, item, (AsrResult, PartialHypothesis))
        self.last = cue
        return [cue]

    def flush(self) -> list[LexicalCue]:
        return []

    def reset(self) -> None:
        self.last = None
