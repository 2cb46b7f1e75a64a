"""Long run: an hour (by default) of a simulated live stream through the whole pipeline,
faster than real time. Reports resident memory at the start and the end, and per-stage
milliseconds per second of stream in each block, so growth would show.

    .venv/bin/python benchmarks/bench_longrun.py --minutes 60 [--session DIR] [--no-video]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ntt.cues import AudioChunk, Decision, VideoFrame  # noqa: E402
from ntt.io.session import load_session  # noqa: E402
from ntt.io.sources import SessionSource  # noqa: E402
from ntt.pipeline import build_pipeline  # noqa: E402
from ntt.settings import Settings  # noqa: E402

PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE_MB


def looped(session, minutes: float, use_video: bool):
    """The session over and over, its timestamps shifted so the clock runs on."""
    offset, index = 0.0, 0
    while offset < minutes * 60:
        for item in SessionSource(session, use_video=use_video):
            if isinstance(item, VideoFrame):
                yield dataclasses.replace(item, t_s=item.t_s + offset, index=index)
                index += 1
            elif isinstance(item, AudioChunk):
                yield dataclasses.replace(item, t_s=item.t_s + offset)
            else:
                yield item
        offset += session.duration_s


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--minutes", type=float, default=60.0)
    p.add_argument("--block-minutes", type=float, default=5.0)
    p.add_argument("--session", default=str(REPO / "datasets/samples/living-room"))
    p.add_argument("--no-video", action="store_true")
    p.add_argument("--asr", default="pocketsphinx")
    args = p.parse_args(argv)
    session = load_session(args.session)
    pipeline = build_pipeline(Settings(use_video=not args.no_video, asr=args.asr),
                              device_turns=())
    blocks, last = [], {}
    start_rss = rss_mb()
    t0 = time.perf_counter()
    next_block = args.block_minutes * 60
    decisions = 0
    for item in looped(session, args.minutes, not args.no_video):
        for out in pipeline.push(item):
            decisions += isinstance(out, Decision)
        if isinstance(item, AudioChunk) and item.end_s >= next_block:
            secs = dict(pipeline.times.seconds)
            block_s = args.block_minutes * 60
            per = {k: round((v - last.get(k, 0.0)) / block_s * 1000, 2) for k, v in secs.items()}
            blocks.append({"stream_min": round(item.end_s / 60, 1), "rss_mb": round(rss_mb(), 1),
                           "ms_per_stream_s": per})
            print(json.dumps(blocks[-1]), file=sys.stderr, flush=True)
            last = secs
            next_block += block_s
    pipeline.flush()
    result = {"stream_minutes": args.minutes, "wall_s": round(time.perf_counter() - t0, 1),
              "rss_start_mb": round(start_rss, 1), "rss_end_mb": round(rss_mb(), 1),
              "decisions": decisions, "blocks": blocks}
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
