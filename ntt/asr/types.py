"""What recognizers return (the cues the ASR stage emits are in ``ntt.cues.asr``).

A ``Recognition``'s times are seconds from the start of the audio the recognizer was given;
``shifted`` places them on the session clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ntt.cues.asr import Hypothesis
from ntt.wordmatch import lcs_length


@dataclass(frozen=True)
class Recognition:
    """A recognizer's final answer for one utterance (times relative to its audio start)."""

    hypotheses: tuple[Hypothesis, ...]
    frames: int = 0  # acoustic frames decoded
    # Per-frame acoustic and per-word language-model log scores of the best path (nats);
    # NaN where the backend does not expose them.
    acoustic_score_per_frame: float = float("nan")
    lm_score_per_word: float = float("nan")
    avg_logprob: float = float("nan")  # whisper: mean token log-probability
    no_speech_prob: float = float("nan")  # whisper: P(<|nospeech|>) at the first token

    def shifted(self, offset_s: float) -> Recognition:
        """The same recognition with word times moved onto the session clock."""
        hyps = tuple(replace(h, words=tuple(
            replace(w, start_s=w.start_s + offset_s, end_s=w.end_s + offset_s)
            for w in h.words)) for h in self.hypotheses)
        return replace(self, hypotheses=hyps)


def nbest_posteriors(log_scores: list[float]) -> np.ndarray:
    """Softmax over an n-best list's log scores."""
    if not log_scores:
        return np.zeros(0)
    s = np.asarray(log_scores, dtype=np.float64)
    s = np.where(np.isfinite(s), s, -1e9)
    p = np.exp(s - s.max())
    return p / p.sum()


def nbest_entropy(posteriors: np.ndarray) -> float:
    """Entropy of the n-best posteriors over log(n): 0 for one certain entry, 1 for uniform."""
    p = posteriors[posteriors > 0]
    if len(posteriors) < 2:
        return 0.0
    return float(-(p * np.log(p)).sum() / np.log(len(posteriors)))


def word_overlap(a: str, b: str) -> float:
    """Fraction of ``a``'s words that ``b`` has in the same order (LCS / len(a))."""
    wa, wb = a.split(), b.split()
    if not wa:
        return 1.0 if not wb else 0.0
    return lcs_length(wa, wb) / len(wa)
