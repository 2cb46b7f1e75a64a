"""Simulator speed: seconds to render a 60 s session (target ≤ 60 s on a 2-core machine),
and the speed-up of ``--workers 2``.

    .venv/bin/python benchmarks/bench_sim.py [--duration 60] [--scenario two-people]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ntt.commands.simulate import render_one  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--scenario", default="two-people")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as out:
        jobs = [(args.scenario, seed, args.duration, "train", out) for seed in (1, 2)]
        render_one(jobs[0])  # warm caches (face meshes, corpus)
        t0 = time.perf_counter()
        render_one(jobs[1])
        one = time.perf_counter() - t0
        t0 = time.perf_counter()
        with ProcessPoolExecutor(2) as pool:
            list(pool.map(render_one, [(args.scenario, s, args.duration, "train", out)
                                       for s in (3, 4)]))
        two = time.perf_counter() - t0
    print(json.dumps({"session_s": args.duration, "render_one_s": round(one, 1),
                      "two_sessions_two_workers_s": round(two, 1),
                      "speedup_2_workers": round(2 * one / two, 2)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
