"""Real text and real speech through the project's recognizers, with n-best lists: what the
lexical model meets after recognition.

Three kinds of rows, cached in ``data/asr_real.tsv`` (slow to build, so training only reads
it):

* ``tts``: lines from the held-out groups of every real source family (never trained on by
  the shipped model), spoken by espeak-ng voices and recognized;
* ``kokoro``: some of the same lines in the simulator's natural household voices
  (``ntt.sim.voices``, Kokoro-82M), over the real kitchen recording at ``KITCHEN_SNR_DB``
  (no room: the device-audio rooms were still being built);
* ``speech``: the real spoken coffee orders in ``../shared/data/speech/commands`` (directed),
  clean and mixed with the real kitchen recording at ``KITCHEN_SNR_DB``.

Each recognizer (``ntt.asr``: pocketsphinx, Whisper tiny.en) decodes the whole utterance
and, separately, only its first ``EARLY_S`` seconds of speech (what a partial hypothesis
holds then). Columns hold JSON n-best lists ``[[text, posterior], ...]``.

Rebuild: ``python -m ntt.language.asr_real --per-family 25`` (about 40 minutes on one
core; ``--only tts|kokoro|speech`` rebuilds one kind and keeps the others).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import random
import sys
import time
from pathlib import Path

import numpy as np

from ntt.cues import SAMPLE_RATE_HZ
from ntt.language.asr_corpus import RATES_WPM, VOICES
from ntt.language.corpus import DATA_DIR, Example
from ntt.language.real_text import default_text_dir, family_of

log = logging.getLogger(__name__)

ASR_REAL_FILE = DATA_DIR / "asr_real.tsv"
RECOGNIZERS = ("pocketsphinx", "whisper")
KOKORO_PER_FAMILY = 15
TTS_PER_FAMILY = 25           # the tts rows' sample (the kokoro rows take its first lines)
EARLY_S = 1.5                 # the first 1.5 s of speech carry most of the evidence
KITCHEN_SNR_DB = 10.0
PAD_S = 0.3
LEVEL = 0.3
WORDS = (3, 20)               # spoken-length lines only
COLUMNS = ("kind", "family", "source", "directed", "voice", "rate_wpm", "clean",
           *RECOGNIZERS, *(f"{r}_early" for r in RECOGNIZERS))


HEADER = (
    "# espeak-ng / Kokoro voices and real speech -> ntt.asr pocketsphinx and Whisper tiny.en "
    "n-best; built by ntt.language.asr_real\n"
    "# Rows carry the licence of their source (column source): hwu64/slurp CC BY 4.0 "
    "(Liu et al. 2019; Bastianelli et al. 2020), snips CC0, clinc150 CC BY 3.0 (Larson et "
    "al. 2019), topv2 CC BY-SA (Chen et al. 2020), ami CC BY 4.0 (AMI Meeting Corpus), "
    "cabnc CC BY 3.0 (Albert et al. 2015), topicalchat CDLA-Sharing-1.0 (Gopalakrishnan et "
    "al. 2019), talk:chitchat_corpus MIT (chitchat-dataset), picovoice Apache-2.0 (Picovoice "
    "speech-to-intent benchmark). Lines are normalized and modified; share-alike rows stay "
    "under their licence.\n")


def default_speech_dir() -> Path:
    return default_text_dir().parent / "speech"


def choose_lines(examples: list[Example], per_family: int, seed: int) -> list[Example]:
    """``per_family`` held-out-group lines of each real family, seeded."""
    rng = random.Random(seed)
    out = []
    by_family: dict[str, list[Example]] = {}
    for e in examples:
        if e.split == "test" and WORDS[0] <= len(e.text.split()) <= WORDS[1]:
            by_family.setdefault(family_of(e.source), []).append(e)
    for family in sorted(by_family):
        if family == "templates":
            continue
        pool = sorted(by_family[family], key=lambda e: e.text)
        out += rng.sample(pool, min(per_family, len(pool)))
    return out


def _nbest(recognizer, audio: np.ndarray) -> list[list]:
    from ntt.asr.base import recognize

    rec = recognize(recognizer, audio)
    return [[h.text, round(float(h.posterior), 4)] for h in rec.hypotheses]


def _early(audio: np.ndarray) -> np.ndarray:
    from ntt.asr.evaluation import speech_extent_s

    start, _ = speech_extent_s(audio)
    return audio[: int((start + EARLY_S) * SAMPLE_RATE_HZ)]


def decode_row(recognizers: dict, audio: np.ndarray) -> dict[str, str]:
    pad = np.zeros(int(PAD_S * SAMPLE_RATE_HZ), np.float32)
    peak = float(np.abs(audio).max()) or 1.0
    x = np.concatenate([pad, audio / peak * LEVEL, pad]).astype(np.float32)
    out = {}
    for name, rec in recognizers.items():
        out[name] = json.dumps(_nbest(rec, x))
        out[f"{name}_early"] = json.dumps(_nbest(rec, _early(x)))
    return out


def _mix(speech: np.ndarray, noise: np.ndarray, snr_db: float, rng: random.Random
         ) -> np.ndarray:
    start = rng.randrange(0, max(1, len(noise) - len(speech)))
    bed = np.resize(noise[start:start + len(speech)], len(speech))
    gain = np.sqrt(np.mean(speech ** 2) / (np.mean(bed ** 2) + 1e-12) / 10 ** (snr_db / 10))
    return (speech + gain * bed).astype(np.float32)


def _tts_rows(recognizers: dict, per_family: int, seed: int, rng: random.Random):
    from ntt.language.corpus import build_corpus
    from ntt.language.real_text import read_real_text
    from ntt.tts import synthesize

    chitchat = [e for e in build_corpus(seed) if family_of(e.source) == "chitchat"]
    lines = choose_lines(read_real_text() + chitchat, per_family, seed)
    t0 = time.perf_counter()
    for i, e in enumerate(lines):
        voice, rate = rng.choice(VOICES), rng.choice(RATES_WPM)
        audio = synthesize(e.text, voice=voice, rate_wpm=rate)
        if i % 25 == 0:
            log.info("%d/%d lines, %.0f s", i, len(lines), time.perf_counter() - t0)
        yield {"kind": "tts", "family": family_of(e.source), "source": e.source,
               "directed": int(e.directed), "voice": voice, "rate_wpm": rate,
               "clean": e.text, **decode_row(recognizers, audio)}


def _kokoro_rows(recognizers: dict, per_family: int, seed: int, rng: random.Random):
    """The first ``per_family`` lines of each family that the tts rows speak, in natural
    voices over kitchen noise."""
    from ntt.io.audio_file import read_audio
    from ntt.language.corpus import build_corpus
    from ntt.language.real_text import read_real_text
    from ntt.sim.voices import VoiceBank, household_voices

    bank = VoiceBank()
    voices = [v for v in household_voices() if bank.engine_for(bank.voice(v)) == "kokoro"]
    if not voices:
        raise RuntimeError("no natural voices installed (the simulator's voice packages)")
    noise = read_audio(default_speech_dir() / "kitchen-noise.wav")
    chitchat = [e for e in build_corpus(seed) if family_of(e.source) == "chitchat"]
    lines = choose_lines(read_real_text() + chitchat, TTS_PER_FAMILY, seed)
    taken: dict[str, int] = {}
    for e in lines:
        fam = family_of(e.source)
        if taken.get(fam, 0) >= per_family:
            continue
        taken[fam] = taken.get(fam, 0) + 1
        voice = rng.choice(voices)
        audio = _mix(bank.speak(e.text, voice), noise, KITCHEN_SNR_DB, rng)
        yield {"kind": "kokoro", "family": fam, "source": e.source,
               "directed": int(e.directed), "voice": voice, "rate_wpm": 0,
               "clean": e.text, **decode_row(recognizers, audio)}


def _speech_rows(recognizers: dict, rng: random.Random):
    from ntt.endpoint.mix import request_words
    from ntt.io.audio_file import read_audio

    speech = default_speech_dir()
    labels = json.loads((speech / "commands" / "labels.json").read_text(encoding="utf-8"))
    noise = read_audio(speech / "kitchen-noise.wav")
    for name in sorted(labels):
        clip = read_audio(speech / "commands" / name)
        for kind, audio in (("speech", clip),
                            ("speech_kitchen", _mix(clip, noise, KITCHEN_SNR_DB, rng))):
            yield {"kind": kind, "family": "picovoice",
                   "source": f"picovoice:{labels[name]['intent']}", "directed": 1,
                   "voice": name, "rate_wpm": 0,
                   "clean": request_words(labels[name]),
                   **decode_row(recognizers, audio)}


_DIALECT = {"delimiter": "\t", "lineterminator": "\n", "quoting": csv.QUOTE_NONE,
            "escapechar": "\\"}


def _raw_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader((line for line in f if not line.startswith("#")),
                                   **{k: v for k, v in _DIALECT.items()
                                      if k != "lineterminator"}))


def build(per_family: int = TTS_PER_FAMILY, seed: int = 0, path: Path = ASR_REAL_FILE,
          kinds: tuple[str, ...] = ("tts", "kokoro", "speech")) -> Path:
    """Rebuild the rows of ``kinds`` (``tts``, ``kokoro``, ``speech``); rows of the other
    kinds already in ``path`` are kept."""
    from ntt.asr import load_recognizer

    recognizers = {name: load_recognizer(name, **({"cpu_threads": 1} if name == "whisper"
                                                   else {}))
                   for name in RECOGNIZERS}
    kept = [r for r in _raw_rows(path) if r["kind"].split("_")[0] not in kinds]
    order = {"tts": 0, "kokoro": 1, "speech": 2}
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        writer = csv.DictWriter(f, COLUMNS, **_DIALECT)
        writer.writeheader()
        makers = {"tts": lambda: _tts_rows(recognizers, per_family, seed, random.Random(seed)),
                  "kokoro": lambda: _kokoro_rows(recognizers, KOKORO_PER_FAMILY, seed,
                                                 random.Random(seed + 2)),
                  "speech": lambda: _speech_rows(recognizers, random.Random(seed + 1))}
        for kind in sorted(order, key=order.get):
            if kind in kinds:
                writer.writerows(makers[kind]())
            else:
                writer.writerows(r for r in kept if r["kind"].split("_")[0] == kind)
    tmp.replace(path)
    return path


def read_asr_real(path: Path = ASR_REAL_FILE) -> list[dict]:
    """The cached rows, n-best columns parsed into [(text, posterior), ...]."""
    rows = _raw_rows(path)
    for row in rows:
        for col in COLUMNS[7:]:
            row[col] = [tuple(h) for h in json.loads(row[col])]
        row["directed"] = row["directed"] == "1"
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-family", type=int, default=TTS_PER_FAMILY)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ASR_REAL_FILE)
    parser.add_argument("--only", choices=("tts", "kokoro", "speech"),
                        help="rebuild only these rows, keep the others")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    build(args.per_family, args.seed, args.out,
          (args.only,) if args.only else ("tts", "kokoro", "speech"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
