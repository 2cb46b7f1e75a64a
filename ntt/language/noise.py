"""Simulated recognition errors, so the lexical model trains on text that looks like ASR output.

Substitutes come from two real sources: sound-alike words (CMU pronouncing dictionary that
pocketsphinx ships, phone edit distance one) and the substitutions pocketsphinx actually made
on the cached TTS→ASR corpus (``data/asr_noised.tsv``, aligned word by word). Deletions and
insertions (short function words, as recognizers insert them) complete the error model.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

SUBSTITUTE_SHARE = 0.6          # of the word errors; the rest are deletions and insertions
DELETE_SHARE = 0.25
MAX_NEIGHBORS = 24
INSERTABLE = ("the", "a", "and", "i", "oh", "you", "it", "to", "in", "of", "is", "that")
_VARIANT = re.compile(r"\(\d+\)$")
_WORD = re.compile(r"^[a-z][a-z']*$")


def cmudict_path() -> Path:
    import pocketsphinx

    return Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"


def read_cmudict(path: Path | None = None) -> dict[str, tuple[str, ...]]:
    """Word → phones (first pronunciation, stress marks dropped)."""
    out: dict[str, tuple[str, ...]] = {}
    with open(path or cmudict_path(), encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            word = _VARIANT.sub("", parts[0].lower())
            if word in out or not _WORD.match(word):
                continue
            out[word] = tuple(p.rstrip("012") for p in parts[1:])
    return out


def _deletion_keys(phones: tuple[str, ...]) -> set[tuple[str, ...]]:
    keys = {phones}
    keys.update(phones[:i] + phones[i + 1:] for i in range(len(phones)))
    return keys


def _one_edit_apart(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """True when one phone substitution, insertion or deletion turns ``a`` into ``b``."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def sound_alike(vocabulary: Iterable[str], pronunciations: dict[str, tuple[str, ...]],
                common: set[str]) -> dict[str, list[str]]:
    """For each vocabulary word, its homophones and dictionary words one phone edit away.

    Words in ``common`` (what recognizers actually output) come first, since a recognizer's
    language model prefers them; rarer dictionary words fill up to ``MAX_NEIGHBORS``.
    """
    vocabulary = [w for w in set(vocabulary) if w in pronunciations]
    wanted: set[tuple[str, ...]] = set()
    for w in vocabulary:
        wanted |= _deletion_keys(pronunciations[w])
    index: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for word, phones in pronunciations.items():
        for key in _deletion_keys(phones):
            if key in wanted:
                index[key].append(word)
    out = {}
    for w in sorted(vocabulary):
        phones = pronunciations[w]
        found = {n for key in _deletion_keys(phones) for n in index.get(key, ())
                 if n != w and (pronunciations[n] == phones  # homophones first of all
                                or _one_edit_apart(phones, pronunciations[n]))}
        ranked = sorted(found, key=lambda n: (n not in common, len(n), n))
        if ranked:
            out[w] = ranked[:MAX_NEIGHBORS]
    return out


def align(ref: Sequence[str], hyp: Sequence[str]) -> list[tuple[str | None, str | None]]:
    """Levenshtein word alignment: (ref, hyp) pairs, None for an insertion or deletion."""
    n, m = len(ref), len(hyp)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        cost[i][0] = i
    for j in range(m + 1):
        cost[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost[i][j] = min(cost[i - 1][j] + 1, cost[i][j - 1] + 1,
                             cost[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]))
    pairs: list[tuple[str | None, str | None]] = []
    i, j = n, m
    while i > 0 or j > 0:
        if i > 0 and j > 0 and cost[i][j] == cost[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            pairs.append((ref[i - 1], hyp[j - 1]))
            i, j = i - 1, j - 1
        elif i > 0 and cost[i][j] == cost[i - 1][j] + 1:
            pairs.append((ref[i - 1], None))
            i -= 1
        else:
            pairs.append((None, hyp[j - 1]))
            j -= 1
    return pairs[::-1]


def word_error_rate(ref: str, hyp: str) -> float:
    r = ref.split()
    errors = sum(1 for a, b in align(r, hyp.split()) if a != b)
    return errors / max(1, len(r))


def observed_substitutions(pairs: Iterable[tuple[str, str]]) -> dict[str, Counter]:
    """Word → Counter of what a recognizer wrote instead, from (reference, hypothesis) texts."""
    out: dict[str, Counter] = defaultdict(Counter)
    for ref, hyp in pairs:
        for a, b in align(ref.split(), hyp.split()):
            if a is not None and b is not None and a != b:
                out[a][b] += 1
    return out


class Confuser:
    """Corrupts text at a chosen word error rate with sound-alike substitutions, deletions and
    insertions. ``neighbors`` maps a word to plausible misrecognitions of it."""

    def __init__(self, neighbors: dict[str, list[str]],
                 insertable: Sequence[str] = INSERTABLE):
        self.neighbors = neighbors
        self.insertable = tuple(insertable)

    @classmethod
    def build(cls, vocabulary: Iterable[str],
              asr_pairs: Iterable[tuple[str, str]] = ()) -> Confuser:
        """Sound-alikes from the CMU dictionary, plus what the recognizer really wrote."""
        asr_pairs = list(asr_pairs)
        common = {w for _, hyp in asr_pairs for w in hyp.split()}
        neighbors = sound_alike(vocabulary, read_cmudict(), common)
        for word, seen in observed_substitutions(asr_pairs).items():
            heard = [w for w, _ in seen.most_common(MAX_NEIGHBORS)]
            neighbors[word] = heard + [w for w in neighbors.get(word, []) if w not in heard]
        return cls(neighbors)

    def corrupt(self, text: str, rng: random.Random, wer: float) -> str:
        out: list[str] = []
        for word in text.split():
            if rng.random() >= wer:
                out.append(word)
                continue
            kind = rng.random()
            if kind < SUBSTITUTE_SHARE and word in self.neighbors:
                out.append(rng.choice(self.neighbors[word]))
            elif kind < SUBSTITUTE_SHARE + DELETE_SHARE:
                continue
            else:
                out += [word, rng.choice(self.insertable)] if rng.random() < 0.5 else \
                    [rng.choice(self.insertable), word]
        return " ".join(out)
