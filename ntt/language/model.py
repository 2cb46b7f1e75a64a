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

import functools
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ntt import paths
from ntt.errors import InputError
from ntt.language.text import model_text
from ntt.npz_model import load_npz_model, save_npz_model

FORMAT = "ntt-lexical"
VERSION = 2                     # 2: model_text form, partial-hypothesis features
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
    skeleton_ngrams: int = 0        # n-grams of the function-word skeleton (0: none)


# Closed-class words (and the commonest request verbs): the skeleton keeps them and writes
# "_" for every other word, so "make me a _ _ with _" is one feature whatever was ordered.
# A request's form generalizes to topics no corpus had; its content words do not.
FUNCTION_WORDS = frozenset("""
a an the this that these those some any my your his her its our their me you him us them
i we he she it they what who whom whose which when where why how there here
is am are was were be been being do does did have has had will would shall should can
could may might must not no yes to of in on at for with from by about into onto off up
down out over under again then than so and or but if because as while please just let
let's i'd i'll i'm you're it's what's that's can't don't won't tell give make get set
show put turn play find remind start stop want like need know think go going
""".split())


def features(text: str, cfg: FeatureConfig, final: bool = True) -> list[str]:
    """Feature strings of a model-form text: words, word n-grams with the sentence edges,
    character n-grams of each word, and the length. A partial hypothesis (``final=False``)
    has no end yet: no end edge, and its own length feature."""
    words = text.split()
    length = min(len(words), cfg.max_length_bucket)
    feats = [f"len:{length}" if final else f"plen:{length}"]
    if not words:
        return feats + ["empty"]
    padded = ["<s>", *words, "</s>"] if final else ["<s>", *words]
    feats += [f"w:{w}" for w in words]
    for n in range(2, cfg.word_ngrams + 1):
        feats += [f"w{n}:" + " ".join(padded[i:i + n]) for i in range(len(padded) - n + 1)]
    feats += _skeleton(words, cfg, final)
    for w in words:
        marked = f"<{w}>"
        for n in range(cfg.char_min, cfg.char_max + 1):
            feats += [f"c:{marked[i:i + n]}" for i in range(len(marked) - n + 1)]
    return feats


def _skeleton(words: list[str], cfg: FeatureConfig, final: bool) -> list[str]:
    if not cfg.skeleton_ngrams:
        return []
    shape = ["<s>"] + [w if w in FUNCTION_WORDS else "_" for w in words]
    if final:
        shape.append("</s>")
    return [f"k{n}:" + " ".join(shape[i:i + n]) for n in range(2, cfg.skeleton_ngrams + 1)
            for i in range(len(shape) - n + 1)]


def bucket_ids(text: str, cfg: FeatureConfig, final: bool = True) -> np.ndarray:
    """Stable ids (crc32, identical across processes and machines) of ``features``; the
    character n-grams of a word are hashed once per word and remembered."""
    words = text.split()
    length = min(len(words), cfg.max_length_bucket)
    head = [f"len:{length}" if final else f"plen:{length}"]
    if not words:
        head.append("empty")
    else:
        padded = ["<s>", *words, "</s>"] if final else ["<s>", *words]
        head += [f"w:{w}" for w in words]
        for n in range(2, cfg.word_ngrams + 1):
            head += [f"w{n}:" + " ".join(padded[i:i + n]) for i in range(len(padded) - n + 1)]
        head += _skeleton(words, cfg, final)
    ids = [zlib.crc32(f.encode()) % cfg.buckets for f in head]
    for w in words:
        ids += _char_ids(w, cfg.buckets, cfg.char_min, cfg.char_max)
    return np.array(ids, dtype=np.int64)


@functools.lru_cache(maxsize=1 << 17)
def _char_ids(word: str, buckets: int, char_min: int, char_max: int) -> tuple[int, ...]:
    marked = f"<{word}>"
    return tuple(zlib.crc32(f"c:{marked[i:i + n]}".encode()) % buckets
                 for n in range(char_min, char_max + 1) for i in range(len(marked) - n + 1))


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

    def logit(self, text: str, final: bool = True) -> float:
        """The logit of raw text (normalized here); ``final=False`` for a partial hypothesis,
        the words so far of an utterance still being spoken."""
        ids = bucket_ids(model_text(text), self.cfg, final)
        wide = self.wide[ids].sum() / np.sqrt(len(ids))
        pooled = self.embedding[ids].mean(axis=0)
        hidden = np.maximum(self.w1 @ pooled + self.b1, 0.0)
        return float(wide + self.w2 @ hidden + self.b2)

    def predict(self, text: str, final: bool = True) -> float:
        """p(directed) of a transcript (``final=False``: of the words so far)."""
        return float(_sigmoid(self.logit(text, final)))

    def predict_many(self, texts: list[str], final: bool = True) -> np.ndarray:
        return np.array([self.predict(t, final) for t in texts], dtype=np.float64)

    # --- files -------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Weights as float16, config and metadata as JSON inside; uncompressed (float16
        hardly compresses, and an uncompressed file loads four times faster)."""
        path = Path(path)
        header = {"format": FORMAT, "version": VERSION, "features": asdict(self.cfg),
                  "meta": self.meta}
        save_npz_model(path, header, {
     "wide": self.wide.astype(np.float16), "embedding": self.embedding.astype(np.float16),
     "w1": self.w1.astype(np.float16), "b1": self.b1, "w2": self.w2.astype(np.float16),
     "b2": np.array([self.b2])})
        return path

    @classmethod
    def load(cls, path: str | Path) -> LexicalModel:
        """Raises FileNotFoundError for a missing file, ValueError for a foreign one."""
        header, z = load_npz_model(path, FORMAT, VERSION, "model file")
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


def make_net(cfg: FeatureConfig, dim: int, hidden: int, sparse: bool = False):
    """The torch twin of LexicalModel, for training (imports torch only when called).
    ``sparse``: the bags give sparse gradients (for ``torch.optim.SparseAdam``; four times
    faster on 2^17 buckets, where a dense Adam step touches every bucket)."""
    import torch
    from torch import nn

    class LexicalNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.wide = nn.EmbeddingBag(cfg.buckets, 1, mode="sum", sparse=sparse)
            nn.init.zeros_(self.wide.weight)
            self.bag = nn.EmbeddingBag(cfg.buckets, dim, mode="mean", sparse=sparse)
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
