"""Word error rate, and reading the real read-speech clips the tests and benchmarks score
against.

The clips live in the source checkout, not in the package (``tests/data/audio``: Asterisk's
English voice prompts, read by a professional speaker and recorded in a studio; they keep
their CC-BY-SA-3.0 licence, see the README there), so the caller names the directory.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ntt.cues import SAMPLE_RATE_HZ


@functools.cache
def _whisper_normalizer():
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()


def normalize(text: str) -> list[str]:
    """The words after Whisper's English text normaliser (Radford et al., 2022, appendix
    C; the ``whisper-normalizer`` package): lower case, no punctuation, contractions and
    British spellings standardised, fillers ("um", "uh") dropped, spelled numbers as
    digits — so that "seventy nine" against "79", "I'm" against "I am" and "colour"
    against "color" are not errors, as in every published Whisper WER. One addition: "ok"
    is "okay" (the normaliser keeps both; the references write either)."""
    return ["okay" if w == "ok" else w for w in _whisper_normalizer()(text).split()]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference words) after ``normalize``."""
    ref, hyp = normalize(reference), normalize(hypothesis)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i]
        for j, h in enumerate(hyp, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h)))
        prev = cur
    return prev[-1], len(ref)


def wer(references: list[str], hypotheses: list[str]) -> float:
    """Corpus word error rate: all edits over all reference words."""
    edits = words = 0
    for ref, hyp in zip(references, hypotheses, strict=True):
        e, n = word_errors(ref, hyp)
        edits, words = edits + e, words + n
    return edits / max(words, 1)


@dataclass(frozen=True)
class Clip:
    name: str
    audio: np.ndarray
    text: str

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SAMPLE_RATE_HZ


def read_speech_clips(directory: str | Path) -> list[Clip]:
    """Read-speech clips with their transcripts (``transcripts.json`` names each
    ``<name>.opus`` in ``directory``), decoded to 16 kHz mono."""
    from ntt.io.audio_file import read_audio

    directory = Path(directory)
    meta = json.loads((directory / "transcripts.json").read_text(encoding="utf-8"))
    return [Clip(name, read_audio(directory / f"{name}.opus"), text)
            for name, text in meta["clips"].items()]


@dataclass(frozen=True)
class SpokenStream:
    """Clips laid end to end with pauses: ``spans_s[i]`` is where clip ``i``'s speech is
    (its energy extent on the clean clip), ``texts[i]`` what it says."""

    audio: np.ndarray
    spans_s: tuple[tuple[float, float], ...]
    texts: tuple[str, ...]
    placements_s: tuple[float, ...]

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SAMPLE_RATE_HZ


def speech_extent_s(audio: np.ndarray, below_peak_db: float = 40.0) -> tuple[float, float]:
    """First and last 10 ms frame within ``below_peak_db`` of the loudest one."""
    hop = SAMPLE_RATE_HZ // 100
    n = len(audio) // hop
    power = np.mean(audio[:n * hop].astype(np.float64).reshape(n, hop) ** 2, axis=1)
    db = 10 * np.log10(power + 1e-12)
    active = np.flatnonzero(db > db.max() - below_peak_db)
    return active[0] * hop / SAMPLE_RATE_HZ, (active[-1] + 1) * hop / SAMPLE_RATE_HZ


def spoken_stream(clips: list[Clip], gap_s: tuple[float, float] = (0.8, 1.6), seed: int = 0,
                  noise_dbfs: float | None = -60.0) -> SpokenStream:
    """Clips separated by random pauses, with a little white noise so silence is not
    digital zero."""
    rng = np.random.default_rng(seed)
    parts, spans, places, t = [], [], [], 0.0

    def pause() -> np.ndarray:
        return np.zeros(int(rng.uniform(*gap_s) * SAMPLE_RATE_HZ), dtype=np.float32)

    for clip in clips:
        gap = pause()
        parts.append(gap)
        t += len(gap) / SAMPLE_RATE_HZ
        start, end = speech_extent_s(clip.audio)
        spans.append((t + start, t + end))
        places.append(t)
        parts.append(clip.audio)
        t += clip.duration_s
    parts.append(pause())
    audio = np.concatenate(parts).astype(np.float32)
    if noise_dbfs is not None:
        audio += rng.normal(0.0, 10 ** (noise_dbfs / 20), len(audio)).astype(np.float32)
    return SpokenStream(audio, tuple(spans), tuple(c.text for c in clips), tuple(places))
