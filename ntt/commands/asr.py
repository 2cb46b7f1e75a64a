"""``ntt asr WAV``: voice activity segments and recognition hypotheses for an audio file.

The file is streamed through the same VAD and ASR stages the pipeline runs, in 32 ms
chunks, so what this prints is what the live system would have heard.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from ntt import argtypes
from ntt.asr import BACKENDS, DEFAULT_BACKEND
from ntt.cues import SAMPLE_RATE_HZ, AsrResult, AudioChunk, SpeechEvent
from ntt.errors import InputError
from ntt.jsonout import print_json

log = logging.getLogger(__name__)
CHUNK_SAMPLES = 512


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("wav", help="audio file (any rate and channel count libsndfile reads)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--asr", default=DEFAULT_BACKEND, choices=BACKENDS,
                   help=f"speech recognizer backend (default {DEFAULT_BACKEND})")
    p.add_argument("--nbest", type=argtypes.integer(1), default=5,
                   help="hypotheses per segment (default 5)")
    p.add_argument("--hangover-ms", type=argtypes.number(0, lo_open=True), default=None,
                   help="silence that ends an utterance (default 160)")


def transcribe(audio, recognizer, vad) -> list[AsrResult]:
    """Stream ``audio`` through ``vad`` and an ASR stage around ``recognizer``."""
    from ntt.asr.stage import AsrStage

    asr = AsrStage(recognizer)
    results: list[AsrResult] = []

    def route(cues: list) -> None:
        for cue in cues:
            if isinstance(cue, SpeechEvent):
                results.extend(c for c in asr.push(cue) if isinstance(c, AsrResult))

    for start in range(0, len(audio), CHUNK_SAMPLES):
        chunk = AudioChunk(start / SAMPLE_RATE_HZ, audio[start:start + CHUNK_SAMPLES])
        events = vad.push(chunk)
        asr.push(chunk)
        route(events)
    route(vad.flush())
    results.extend(c for c in asr.flush() if isinstance(c, AsrResult))
    return results


def segment_json(result: AsrResult) -> dict:
    return {"start": result.start_s, "end": result.end_s,
            "hypotheses": [{"text": h.text, "confidence": h.confidence,
                            "posterior": h.posterior,
                            "words": [{"w": w.word, "start": w.start_s, "end": w.end_s,
                                       "conf": w.confidence} for w in h.words]}
                           for h in result.hypotheses]}


def run(args: argparse.Namespace) -> int:
    from ntt.asr import load_recognizer
    from ntt.audio.vad import SileroVad, load_silero_model
    from ntt.io.audio_file import read_audio
    from ntt.settings import VadSettings

    if args.nbest < 1:
        raise InputError("--nbest", "must be at least 1")
    if args.hangover_ms is not None and args.hangover_ms <= 0:
        raise InputError("--hangover-ms", "must be positive")
    audio = read_audio(args.wav)
    recognizer = load_recognizer(args.asr, nbest=args.nbest)
    config = VadSettings() if args.hangover_ms is None else \
        VadSettings(hangover_ms=args.hangover_ms)
    vad = SileroVad(load_silero_model(), config)
    t0 = time.perf_counter()
    results = transcribe(audio, recognizer, vad)
    wall_s = time.perf_counter() - t0
    duration_s = len(audio) / SAMPLE_RATE_HZ
    log.info("%s: %.1f s of audio in %.2f s (real-time factor %.2f)", args.asr, duration_s,
             wall_s, wall_s / duration_s)
    if args.json:
        print_json({"segments": [segment_json(r) for r in results], "backend": args.asr,
                    "duration_s": duration_s})
        return 0
    out = sys.stdout
    for r in results:
        text = r.text if r.hypotheses else "(no words)"
        out.write(f"{r.start_s:7.2f}–{r.end_s:7.2f} s  conf {r.confidence:.2f}  {text}\n")
    out.write(f"{len(results)} segments in {duration_s:.1f} s of audio ({args.asr})\n")
    return 0
