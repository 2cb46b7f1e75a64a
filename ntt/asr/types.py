"""What recognizers return and what the ASR stage emits.

Times in ``WordTiming`` and ``Hypothesis`` are session seconds once the stage has placed them
(recognizers themselves report seconds from the start of the audio they were given).
Confidences are in [0, 1]. Scores whose meaning depends on the backend are named for it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ntt.wordmatch import lcs_length


@dataclass(frozen=True)
class WordTiming:
    word: str
    start_s: float
    end_s: float
    confidence: float


@dataclass(frozen=True)
class Hypothesis:
    """One entry of an n-best list. ``posterior`` is its share of the n-best probability mass;
    ``confidence`` is the backend's calibrated-ish belief that the text is right (for the
    first entry: its words' mean posterior, pocketsphinx; exp(mean token log-prob) times
    (1 - no-speech probability), whisper), scaled by ``posterior / posterior[0]`` further down
    the list."""

    text: str
    confidence: float
    posterior: float
    log_score: float  # backend path score in nats (comparable within one n-best list only)
    words: tuple[WordTiming, ...] = ()


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


@dataclass(frozen=True)
class PartialHypothesis:
    """The running best guess while an utterance is still being spoken. ``stability`` is the
    fraction of this partial's words that were already there, in order, in the previous one."""

    t_s: float
    start_s: float
    text: str
    stability: float


@dataclass(frozen=True)
class AsrResult:
    """Final n-best for one VAD utterance ``start_s``..``end_s``. ``t_s`` is the speech_end
    event time on the session clock; ``decode_s`` is the wall time the final decode took
    after it (live, the result arrives that much later: whisper decodes only now,
    pocketsphinx has kept up while the audio came)."""

    t_s: float
    start_s: float
    end_s: float
    backend: str
    hypotheses: tuple[Hypothesis, ...]
    decode_s: float = 0.0

    @property
    def text(self) -> str:
        return self.hypotheses[0].text if self.hypotheses else ""

    @property
    def confidence(self) -> float:
        return self.hypotheses[0].confidence if self.hypotheses else 0.0


@dataclass(frozen=True)
class AsrDecoderCue:
    """Numbers about how the decoder fared, for fusion (Mallidi et al. 2018: decoder cues alone
    separate device-directed speech well). Missing values are NaN."""

    t_s: float
    start_s: float
    end_s: float
    confidence: float
    nbest_size: int
    nbest_entropy: float  # normalised to [0, 1]: 0 = one clear winner
    nbest_margin: float  # posterior of best minus second best
    acoustic_score_per_frame: float
    lm_score_per_word: float
    avg_logprob: float
    no_speech_prob: float
    n_words: int
    min_word_confidence: float
    words_per_s: float
    partial_count: int
    partial_stability: float  # mean stability of the partials (NaN when none)
    final_matches_partial: float  # word overlap of the last partial with the final text


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
