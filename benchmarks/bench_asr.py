"""Word error rate and real-time factor of each recognizer on real read speech.

The bundled clips (15 studio recordings of one speaker, 45 s of speech; see
``tests/data/audio/transcripts.json``) are laid end to end with 0.8-1.6 s pauses and
streamed in 32 ms chunks through silero VAD and the ASR stage, exactly as the pipeline
runs them. WER is over the whole stream (hypotheses joined in order against the joined
transcripts, so VAD splits or merges do not count twice); RTF is the ASR stage's
processing time over the stream's duration (model loading excluded, the VAD excluded).

Run: ``.venv/bin/python benchmarks/bench_asr.py [--backend NAME] [--threads N]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ntt.asr import BACKENDS, load_recognizer
from ntt.asr.evaluation import read_speech_clips, spoken_stream, wer
from ntt.asr.stage import AsrStage
from ntt.audio.vad import SileroVad, load_silero_model
from ntt.cues import SAMPLE_RATE_HZ, AsrResult, AudioChunk, SpeechEvent
from ntt.errors import InputError

CLIPS_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "audio"
CHUNK_SAMPLES = 512
WHISPER_THREADS = 2


def run_stream(recognizer, stream, vad) -> tuple[list[AsrResult], float, float]:
    """(final results, wall seconds and process CPU seconds spent in the ASR stage)."""
    asr = AsrStage(recognizer)
    results: list[AsrResult] = []
    asr_s = cpu_s = 0.0

    def timed(call, *args):
        nonlocal asr_s, cpu_s
        t0, c0 = time.perf_counter(), time.process_time()
        out = call(*args)
        asr_s += time.perf_counter() - t0
        cpu_s += time.process_time() - c0
        results.extend(c for c in out if isinstance(c, AsrResult))

    audio = stream.audio
    for start in range(0, len(audio), CHUNK_SAMPLES):
        chunk = AudioChunk(start / SAMPLE_RATE_HZ, audio[start:start + CHUNK_SAMPLES])
        events = [e for e in vad.push(chunk) if isinstance(e, SpeechEvent)]
        timed(asr.push, chunk)
        for event in events:
            timed(asr.push, event)
    for event in vad.flush():
        timed(asr.push, event)
    timed(asr.flush)
    return results, asr_s, cpu_s


def bench_backend(name: str, clips, stream, vad_model, threads: int = WHISPER_THREADS) -> dict:
    options = {"cpu_threads": threads} if name == "whisper" else {}
    recognizer = load_recognizer(name, **options)
    # One short utterance first so lazy initialisation is not billed to the stream.
    from ntt.asr.base import recognize

    recognize(recognizer, clips[0].audio[:SAMPLE_RATE_HZ])
    results, asr_s, cpu_s = run_stream(recognizer, stream, SileroVad(vad_model))
    hypothesis = " ".join(r.text for r in results)
    speech_s = sum(c.duration_s for c in clips)
    # CPU seconds of all the process's threads: steadier than wall time on a shared machine
    # (whisper's two threads count twice).
    return {"wer": wer([" ".join(stream.texts)], [hypothesis]),
            "rtf": asr_s / stream.duration_s, "rtf_speech": asr_s / speech_s,
            "cpu_rtf": cpu_s / stream.duration_s,
            "segments": len(results), "hypothesis": hypothesis}


def bench_asr(backends: tuple[str, ...] = BACKENDS) -> dict:
    """``{"wer": {backend: fraction}, "rtf": {backend: float}}`` for every installed
    backend (one that is not installed is left out and logged)."""
    import logging

    clips = read_speech_clips(CLIPS_DIR)
    stream = spoken_stream(clips)
    vad_model = load_silero_model()
    out: dict = {"wer": {}, "rtf": {}}
    for name in backends:
        try:
            figures = bench_backend(name, clips, stream, vad_model)
        except InputError as exc:
            logging.getLogger(__name__).warning("ASR backend %s skipped: %s", name, exc)
            continue
        out["wer"][name] = figures["wer"]
        out["rtf"][name] = figures["rtf"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=BACKENDS, action="append")
    parser.add_argument("--threads", type=int, default=WHISPER_THREADS,
                        help="CPU threads for whisper")
    args = parser.parse_args(argv)
    clips = read_speech_clips(CLIPS_DIR)
    stream = spoken_stream(clips)
    vad_model = load_silero_model()
    report = {"audio_s": stream.duration_s, "speech_s": sum(c.duration_s for c in clips),
              "clips": len(clips), "backends": {}}
    for name in args.backend or BACKENDS:
        report["backends"][name] = bench_backend(name, clips, stream, vad_model, args.threads)
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
