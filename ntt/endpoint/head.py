"""The end-of-turn head: a logistic regression over a dozen named acoustic cues, plus the
words model's logit at a set weight: p(finished).

Few inputs, each with a meaning (how long the silence, how the pitch and level ended, how
sure silero is that nobody speaks), so the weights can be read in
``ntt/models/endpoint_head.json`` and the model card, and so it trains on a few hundred
utterances without overfitting. Missing cues (no pitch in a whisper) enter as 0 with a
``*_known`` flag, as fusion treats a missing modality.

The words enter apart, ``words_weight`` × the words model's logit (itself trained on 76 k
real lines, ``ntt.endpoint.words``), and only when it is negative: words can hold a turn
open ("set a timer for" owes something), never close one, because most prefixes of a long
request read as complete ("turn on the lights" … "in the hall") and a misrecognized word
often does too. The few hundred pauses of the head's training data are far too few to
learn how much the words should count, and where the recognizer is poor (pocketsphinx in a
reverberant room) a fitted weight comes out near zero and would stay there for clean
speech too; so the weight is chosen on the benchmark's trade-off
(``benchmarks/bench_endpoint.py --end-of-turn``). No words (Whisper gives none until the
VAD's end) add nothing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ntt.endpoint.acoustics import Ending

FORMAT = "ntt-endpoint-head"
VERSION = 1
# How the chance of an end grows with the silence is learnt per band of silence (a step
# function, one weight a band): it is steep and not logistic in seconds.
SILENCE_BANDS_S = (0.064, 0.096, 0.128, 0.16, 0.224, 0.32, 0.48, 0.8)
FEATURES = (*(f"silence>{int(b * 1000)}ms" for b in SILENCE_BANDS_S), "f0_slope",
            "final_low", "f0_known", "lengthening", "lengthening_known", "decay", "drop",
            "vad_p", "speech_log")
WORDS_CLIP = 6.0
MAX_SILENCE_S = 1.5


def _clip(x: float, lo: float, hi: float) -> float:
    return min(hi, max(lo, x))


def feature_vector(silence_s: float, ending: Ending, drop_db: float, p_speech: float,
                   speech_s: float) -> np.ndarray:
    """The head's acoustic inputs, scaled to about ±3 (order: ``FEATURES``)."""
    s = min(silence_s, MAX_SILENCE_S)
    slope, low = ending.f0_slope_st_per_s, ending.final_low_st
    f0_known = math.isfinite(slope) and math.isfinite(low)
    length_known = math.isfinite(ending.lengthening)
    decay = ending.decay_db_per_s
    return np.array([
        *(float(s > b) for b in SILENCE_BANDS_S),
        _clip(slope / 20.0, -3, 3) if f0_known else 0.0,
        _clip(low / 5.0, -3, 3) if f0_known else 0.0, float(f0_known),
        _clip(ending.lengthening, -2, 2) if length_known else 0.0, float(length_known),
        _clip(decay / 100.0, -3, 3) if math.isfinite(decay) else 0.0,
        _clip(drop_db / 10.0, 0, 4), p_speech, math.log(speech_s + 0.1),
    ], dtype=np.float64)


@dataclass(frozen=True)
class EndpointHead:
    """Weights over ``FEATURES`` and a bias; ``meta`` says how they were trained."""

    weights: tuple[float, ...]
    bias: float
    meta: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"the head has {len(FEATURES)} weights, not {len(self.weights)}")

    def p_finished(self, x: np.ndarray, words_logit: float | None = None,
                   words_weight: float = 0.0, p_sound: float | None = None,
                   sound_weight: float = 0.0) -> float:
        z = float(np.dot(self.weights, x) + self.bias)
        if words_logit is not None:
            z += words_weight * _clip(words_logit, -WORDS_CLIP, 0.0)
        if p_sound is not None:
            q = _clip(p_sound, 1e-4, 1 - 1e-4)
            z += sound_weight * math.log(q / (1 - q))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        doc = {"format": FORMAT, "version": VERSION, "bias": self.bias,
               "weights": dict(zip(FEATURES, self.weights, strict=True)), "meta": self.meta}
        path.write_text(json.dumps(doc, indent=2) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> EndpointHead:
        """Raises FileNotFoundError for a missing file, ValueError for a foreign one."""
        doc = json.loads(Path(path).read_text())
        if doc.get("format") != FORMAT or doc.get("version") != VERSION:
            raise ValueError(f"{path}: not an {FORMAT} v{VERSION} file")
        weights = doc["weights"]
        if set(weights) != set(FEATURES):
            raise ValueError(f"{path}: its features are not this version's")
        return cls(tuple(float(weights[n]) for n in FEATURES), float(doc["bias"]),
                   doc.get("meta", {}))
