"""The compact lexical directedness model: hashed word and character n-grams, read two ways
and summed into one logit ("wide and deep"): a linear weight per n-gram (wide: sharp cues
such as "turn on the" or "did you") and a mean embedding bag → one hidden layer (deep:
smoother, shares strength between similar n-grams).

Character n-grams of each word keep a misrecognized word close to the right one ("lights" /
"light" / "likes"), word n-grams carry phrasing ("turn on the", "did you"). Trained in torch
(``LexicalNet``); shipped as a small ``.npz`` whose forward pass is plain numpy
(``LexicalModel``), so scoring needs neither torch nor the embeddings extra and loads in
milliseconds. ``LexicalModel`` reproduces ``LexicalNet`` exactly (tests check it).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ntt import paths
from ntt.errors import InputError
from ntt.language.text import normalize

FORMAT = "ntt-lexical"
VERSION = 1
MODELS_DIR = paths.MODELS
DEFAULT_MODEL_PATH = paths.LEXICAL_MODEL


@dataclass(frozen=True)
class FeatureConfig:
    """How text becomes bucket ids; saved with the weights so both sides hash alike."""

    buckets: int = 1 << 16
    char_min: int = 3
    char_max: int = 5
    word_ngrams: int = 2
    max_length_bucket: int = 12


def features(text: str, cfg: FeatureConfig) -> list[str]:
    """Feature strings of a normalized text (words, word n-grams, edges, char n-grams, length)."""
    words = text.split()
    feats = [f"len:{min(len(words), cfg.max_length_bucket)}"]
    if not words:
        return feats + ["empty"]
    padded = ["<s>", *words, "</s>"]
    feats += [f"w:{w}" for w in words]
    for n in range(2, cfg.word_ngrams + 1):
        feats += [f"w{n}:" + " ".join(padded[i:i + n]) for i in range(len(padded) - n + 1)]
    for w in words:
        marked = f"<{w}>"
        for n in range(cfg.char_min, cfg.char_max + 1):
            feats += [f"c:{marked[i:i + n]}" for i in range(len(marked) - n + 1)]
    return feats


def bucket_ids(text: str, cfg: FeatureConfig) -> np.ndarray:
    """Stable ids (crc32, identical across processes and machines) of a normalized text."""
    return np.fromiter((zlib.crc32(f.encode()) % cfg.buckets for f in features(text, cfg)),
                       dtype=np.int64)


def _sigmoid(x: np.ndarray | float) -> np.ndarray | float:
    return 1.0 / (1.0 + np.exp(-x))


class LexicalModel:
    """Numpy inference for the shipped model. ``predict(text)`` → p(directed) in [0, 1]."""

    def __init__(self, cfg: FeatureConfig, wide: np.ndarray, embedding: np.ndarray,
                 w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: float,
                 meta: dict | None = None):
        self.cfg = cfg
        self.wide = wide.astype(np.float32)
        self.embedding = embedding.astype(np.float32)
        self.w1, self.b1 = w1.astype(np.float32), b1.astype(np.float32)
        self.w2, self.b2 = w2.astype(np.float32), float(b2)
        self.meta = meta or {}

    def logit(self, text: str) -> float:
        ids = bucket_ids(normalize(text), self.cfg)
        wide = self.wide[ids].sum() / np.sqrt(len(ids))
        pooled = self.embedding[ids].mean(axis=0)
        hidden = np.maximum(self.w1 @ pooled + self.b1, 0.0)
        return float(wide + self.w2 @ hidden + self.b2)

    def predict(self, text: str) -> float:
        return float(_sigmoid(self.logit(text)))

    def predict_many(self, texts: list[str]) -> np.ndarray:
        return np.array([self.predict(t) for t in texts], dtype=np.float64)

    # --- files -------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Weights as float16 (the model's size budget), config and metadata as JSON inside."""
        path = Path(path)
        header = {"format": FORMAT, "version": VERSION, "features": asdict(self.cfg),
                  "meta": self.meta}
        with open(path, "wb") as f:
            np.savez_compressed(
                f, header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
                wide=self.wide.astype(np.float16), embedding=self.embedding.astype(np.float16),
                w1=self.w1.astype(np.float16), b1=self.b1, w2=self.w2.astype(np.float16),
                b2=np.array([self.b2]))
        return path

    @classmethod
    def load(cls, path: str | Path) -> LexicalModel:
        """Raises FileNotFoundError for a missing file, ValueError for a foreign one."""
        path = Path(path)
        with np.load(path, allow_pickle=False) as z:
            if "header" not in z:
                raise ValueError(f"{path}: not an {FORMAT} model file")
            header = json.loads(z["header"].tobytes().decode())
            if header.get("format") != FORMAT or header.get("version") != VERSION:
                raise ValueError(f"{path}: not an {FORMAT} v{VERSION} model file")
            return cls(FeatureConfig(**header["features"]), z["wide"], z["embedding"], z["w1"],
                       z["b1"], z["w2"], float(z["b2"][0]), header.get("meta", {}))

    @property
    def size_bytes(self) -> int:
        """Parameter bytes as stored (float16 weights)."""
        return (2 * (self.wide.size + self.embedding.size + self.w1.size + self.w2.size)
                + 4 * (self.b1.size + 1))


def load_model(path: str | Path | None = None) -> LexicalModel:
    """The shipped model (``ntt/models/lexical.npz``) or another; a missing or foreign file is an
    InputError (one line, exit 2 in the CLI) that says how to rebuild it."""
    path = Path(path) if path is not None else DEFAULT_MODEL_PATH
    if not path.is_file():
        raise InputError(path, "lexical model not found (rebuild it: ntt train --lexical)")
    try:
        return LexicalModel.load(path)
    except (ValueError, OSError, KeyError) as exc:
        raise InputError(path, f"cannot read lexical model ({exc})") from None


def make_net(cfg: FeatureConfig, dim: int, hidden: int):
    """The torch twin of LexicalModel, for training (imports torch only when called)."""
    import torch
    from torch import nn

    class LexicalNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.wide = nn.EmbeddingBag(cfg.buckets, 1, mode="sum")
            nn.init.zeros_(self.wide.weight)
            self.bag = nn.EmbeddingBag(cfg.buckets, dim, mode="mean")
            self.hidden = nn.Linear(dim, hidden)
            self.out = nn.Linear(hidden, 1)
            nn.init.normal_(self.bag.weight, std=0.1)

        def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
            lengths = torch.diff(offsets, append=torch.tensor([len(ids)]))
            scale = torch.repeat_interleave(lengths.float().rsqrt(), lengths)
            wide = self.wide(ids, offsets, per_sample_weights=scale).squeeze(-1)
            deep = self.out(torch.relu(self.hidden(self.bag(ids, offsets)))).squeeze(-1)
            return wide + deep

        def to_numpy_model(self, meta: dict | None = None) -> LexicalModel:
            def arr(t):
                return t.detach().cpu().numpy()

            # Round through float16 as saved, so the in-memory model equals the shipped one.
            half = [arr(p).astype(np.float16).astype(np.float32) for p in
                    (self.wide.weight[:, 0], self.bag.weight, self.hidden.weight,
                     self.out.weight[0])]
            return LexicalModel(cfg, half[0], half[1], half[2], arr(self.hidden.bias), half[3],
                                float(arr(self.out.bias)[0]), meta)

    return LexicalNet()
