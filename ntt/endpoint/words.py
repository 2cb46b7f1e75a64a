"""Does the text so far read like a finished request? ``p(complete | words)``.

"set a timer for ten minutes" is complete; "set a timer for" is not. What decides it is
mostly the end of the text ("…for", "…the", "…and" leave something owed) read against its
start (a request that began "set a timer" owes a duration). So the features are anchored at
both edges: the last one, two and three words, the first word, the first word paired with
the last, and the length. They are hashed (crc32, stable across processes) into a few
thousand buckets, one logistic weight each: a linear model, because a partial hypothesis
changes several times a second and scoring it must cost microseconds, and because the
ending n-grams carry nearly all of the signal (a hidden layer did not help held-out AUC).

Trained by ``python -m ntt.endpoint.train words`` on real assistant requests and real chat
messages (``../shared/data/text``): each whole line is "complete", a prefix cut at a random
word is "unfinished" (see ``ntt/models/endpoint.md``). Many prefixes are complete requests
themselves ("turn on the lights" of "turn on the lights in the hall"), so the model gives
a probability, never a verdict.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ntt.language.text import normalize
from ntt.npz_model import load_npz_model, save_npz_model

FORMAT = "ntt-endpoint-words"
VERSION = 1


@dataclass(frozen=True)
class WordsConfig:
    """How text becomes bucket ids; saved with the weights so both sides hash alike."""

    buckets: int = 1 << 15
    max_length_bucket: int = 10


def features(words: list[str], cfg: WordsConfig) -> list[str]:
    """Edge-anchored feature strings of normalized words (see the module docstring)."""
    n = len(words)
    if n == 0:
        return ["empty"]
    length = min(n, cfg.max_length_bucket)
    last = words[-1]
    feats = [f"len:{length}", f"e1:{last}", f"b1:{words[0]}", f"fl:{words[0]}|{last}",
             f"e1len:{last}|{min(length, 4)}"]
    if n >= 2:
        feats.append("e2:" + " ".join(words[-2:]))
        feats.append(f"b2:{words[0]} {words[1]}|{last}")
    if n >= 3:
        feats.append("e3:" + " ".join(words[-3:]))
    return feats


def bucket_ids(words: list[str], cfg: WordsConfig) -> np.ndarray:
    return np.fromiter((zlib.crc32(f.encode()) % cfg.buckets for f in features(words, cfg)),
                       dtype=np.int64)


class CompletenessModel:
    """Numpy inference: ``logit(text)`` / ``predict(text)`` → p(the words are a whole
    request or sentence). Empty text scores the bias alone."""

    def __init__(self, cfg: WordsConfig, weights: np.ndarray, bias: float,
                 meta: dict | None = None):
        self.cfg = cfg
        self.weights = np.asarray(weights, np.float32)
        self.bias = float(bias)
        self.meta = meta or {}

    def logit(self, text: str) -> float:
        words = normalize(text).split()
        return float(self.weights[bucket_ids(words, self.cfg)].sum() + self.bias)

    def predict(self, text: str) -> float:
        return float(1.0 / (1.0 + np.exp(-self.logit(text))))

    def save(self, path: str | Path) -> Path:
        """Weights as float16 (small, and the resolution a logistic weight needs)."""
        path = Path(path)
        header = {"format": FORMAT, "version": VERSION, "config": asdict(self.cfg),
                  "meta": self.meta}
        save_npz_model(path, header, {"weights": self.weights.astype(np.float16),
                                      "bias": np.array([self.bias])}, compress=True)
        return path

    @classmethod
    def load(cls, path: str | Path) -> CompletenessModel:
        """Raises FileNotFoundError for a missing file, ValueError for a foreign one."""
        header, z = load_npz_model(path, FORMAT, VERSION)
        return cls(WordsConfig(**header["config"]), z["weights"].astype(np.float32),
                   float(z["bias"][0]), header.get("meta", {}))
