"""A session's record for another recognizer, without running vision again.

Vision, VAD and prosody cues do not depend on the recognizer or on the lexical model, and
vision is the costliest front-end. So a record for a second backend (or after the lexical
model changed) runs only the audio path again — VAD, recognizer, lexical scorer — and
splices its recognizer and lexical cues into the stored stream where the pipeline would have
put them: before the first tick whose audio chunk ends at or after the cue's time (the clock
ticks after the chunk that reaches its time has gone through every stage).

Run: ``python -m ntt.eval.rederive SESSIONS --from pocketsphinx --to whisper [--cache DIR]``.
"""

from __future__ import annotations

import argparse
import bisect
import dataclasses
import logging
import math
import sys
from pathlib import Path

from ntt.cues import SAMPLE_RATE_HZ, AsrDecoderCue, LexicalCue, PartialHypothesis, Tick
from ntt.errors import InputError
from ntt.eval import DEFAULT_CACHE_DIR
from ntt.eval.record import CueRecorder, SessionRecord, session_hash
from ntt.eval.sessions import RecordStore, find_sessions, record_config
from ntt.executors import LocalExecutor
from ntt.io.session import Session, load_session
from ntt.io.sources import CHUNK_SAMPLES

# What the recognizer and the lexical scorer emit.
AUDIO_PATH_CUES = (AsrDecoderCue, PartialHypothesis, LexicalCue)


def _chunk_end_s(t_s: float) -> float:
    """End of the audio chunk during which the clock reaches ``t_s``."""
    chunks = math.ceil(t_s * SAMPLE_RATE_HZ / CHUNK_SAMPLES - 1e-6)
    return chunks * CHUNK_SAMPLES / SAMPLE_RATE_HZ


def splice(cues: list, new: list) -> list:
    """``cues`` without its recognizer/lexical cues, with ``new`` ones (in time order) put
    where the pipeline would have emitted them relative to the ticks."""
    kept = [c for c in cues if not isinstance(c, AUDIO_PATH_CUES)]
    ticks = [i for i, c in enumerate(kept) if isinstance(c, Tick)]
    tick_chunk_ends = [_chunk_end_s(kept[i].t_s) for i in ticks]
    inserts: dict[int, list] = {}
    for cue in new:
        j = bisect.bisect_left(tick_chunk_ends, cue.t_s - 1e-6)
        inserts.setdefault(ticks[j] if j < len(ticks) else len(kept), []).append(cue)
    out: list = []
    for i, cue in enumerate(kept):
        out += inserts.get(i, [])
        out.append(cue)
    return out + inserts.get(len(kept), [])


def rederive(record: SessionRecord, session: Session, asr: str) -> SessionRecord:
    """``record`` with its recognizer and lexical cues made again by ``asr``."""
    from ntt.io.sources import SessionSource
    from ntt.pipeline import build_pipeline
    from ntt.settings import Settings

    recorder = CueRecorder()
    pipeline = build_pipeline(Settings(use_video=False, asr=asr), fusion_stage=recorder)
    for _ in pipeline.run(SessionSource(session, use_video=False)):
        pass
    new = [c for c in recorder.items if isinstance(c, AUDIO_PATH_CUES)]
    rtf, audio_path_rtf = dict(record.stage_rtf), pipeline.times.rtf()
    for stage in ("asr", "language"):
        rtf[stage] = audio_path_rtf.get(stage, 0.0)
    rtf["total"] = sum(v for k, v in rtf.items() if k != "total")
    return dataclasses.replace(record, cues=splice(record.cues, new), stage_rtf=rtf, asr=asr)


def _job(args: tuple[str, str, str, str]) -> str:
    path, source_asr, asr, cache = args
    store = RecordStore(Path(cache))
    session = load_session(path)
    digest = session_hash(session)
    config = record_config(asr)
    if store.has(f"{digest}-{config}"):
        return path  # done by an earlier run
    record = store.load(f"{digest}-{record_config(source_asr)}")
    if record is None:
        raise InputError(path, f"no {source_asr} record in {cache} (run ntt eval first)")
    store.save(Path(path), config, f"{digest}-{config}", rederive(record, session, asr))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sessions")
    parser.add_argument("--from", dest="source", default="pocketsphinx")
    parser.add_argument("--to", dest="target", default="whisper")
    parser.add_argument("--cache", default=DEFAULT_CACHE_DIR)
    parser.add_argument("--workers", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    try:
        refs = find_sessions(args.sessions)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    jobs = [(str(r.path), args.source, args.target, args.cache) for r in refs]
    failed = 0
    with LocalExecutor(args.workers) as executor:
        for result in executor.map_unordered(_job, jobs):
            if not result.ok:
                failed += 1
            print(result.job[0], "ok" if result.ok else f"failed: {result.error}", flush=True)
    return 2 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
