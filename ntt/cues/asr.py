"""Recognition cues: the running partial and the final n-best of one utterance, and numbers
about how the decoder fared.

Times are session seconds once the ASR stage has placed them (recognizers themselves report
seconds from the start of the audio they were given). Confidences are in [0, 1]. Scores whose
meaning depends on the backend are named for it.
"""

from __future__ import annotations

from dataclasses import dataclass


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
