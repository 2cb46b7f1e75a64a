"""Scale-out speed: recording sessions (the costly part of ``ntt eval``/``ntt train``) on 1 and
2 local workers, and the Ray path's cost per session.

Sessions are simulated (``--sessions`` of ``--duration`` s, two-people, with video) or taken
from ``--data``; recording runs the real front-ends with ASR off (``--asr`` to change), no
cache. Figures:

* ``local_s``/``ray_s``: wall seconds per worker count; ``speedup_2_vs_1``: local 1 over 2.
* ``overhead_per_session_s``: with one worker, (wall − the seconds the jobs ran inside their
  workers) / sessions — scheduling, moving jobs and records, worker start-up, amortised.
* ``ray_start_s``: starting the local Ray cluster (once per run, not per session).
* ``load_avg_1m``: the machine's load before the run; on a shared machine read the timings
  with it.

Run: ``.venv/bin/python benchmarks/bench_executors.py [--sessions 4] [--no-ray]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from ntt.eval.sessions import RecordJob, find_sessions, record_config, record_one
from ntt.executors import Executor, LocalExecutor

SESSIONS = 4  # even, so 2 workers get equal shares
DURATION_S = 8.0
SCENARIO = "two-people"


def simulate(out: Path, sessions: int, duration_s: float) -> list[Path]:
    from ntt.commands.simulate import render_one

    jobs = [(SCENARIO, seed, duration_s, "test", str(out)) for seed in range(sessions)]
    with LocalExecutor() as executor:
        results = list(executor.map_unordered(render_one, jobs))
    bad = [r.error for r in results if not r.ok]
    if bad:
        raise RuntimeError(f"simulation failed: {bad[0]}")
    return sorted(Path(r.value[0]) for r in results)


def timed(executor: Executor, jobs: list[RecordJob]) -> tuple[float, float]:
    """(wall seconds, seconds the jobs ran inside workers)."""
    t0 = time.perf_counter()
    results = list(executor.map_unordered(record_one, jobs))
    wall = time.perf_counter() - t0
    bad = [r.error for r in results if not r.ok]
    if bad:
        raise RuntimeError(f"recording failed: {bad[0]}")
    return wall, sum(r.run_s for r in results)


def bench_executors(data: str | Path | None = None, sessions: int = SESSIONS,
                    duration_s: float = DURATION_S, asr: str = "none",
                    with_ray: bool = True) -> dict:
    result: dict = {"load_avg_1m": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory(prefix="ntt-bench-exec-") as tmp:
        paths = ([r.path for r in find_sessions(data)] if data is not None
                 else simulate(Path(tmp), sessions, duration_s))
        config = record_config(asr)
        jobs = [RecordJob(str(p), asr, config, None, None) for p in paths]
        result["sessions"] = len(jobs)
        local: dict[int, float] = {}
        overhead: dict[str, float] = {}
        for workers in (1, 2):
            wall, inside = timed(LocalExecutor(workers), jobs)
            local[workers] = round(wall, 2)
            if workers == 1:
                overhead["local"] = round((wall - inside) / len(jobs), 3)
        result["local_s"] = local
        result["speedup_2_vs_1"] = round(local[1] / local[2], 2)
        if with_ray:
            import ray

            from ntt.executors import RayExecutor

            t0 = time.perf_counter()
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
            result["ray_start_s"] = round(time.perf_counter() - t0, 2)
            try:
                remote: dict[int, float] = {}
                for workers in (1, 2):
                    wall, inside = timed(RayExecutor(workers), jobs)
                    remote[workers] = round(wall, 2)
                    if workers == 1:
                        overhead["ray"] = round((wall - inside) / len(jobs), 3)
                result["ray_s"] = remote
                result["ray_speedup_2_vs_1"] = round(remote[1] / remote[2], 2)
            finally:
                ray.shutdown()
        result["overhead_per_session_s"] = overhead
    result["load_avg_1m_after"] = round(os.getloadavg()[0], 2)
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", help="sessions to record (default: simulate --sessions of them)")
    p.add_argument("--sessions", type=int, default=SESSIONS)
    p.add_argument("--duration", type=float, default=DURATION_S)
    p.add_argument("--asr", default="none", choices=["none", "pocketsphinx", "whisper"])
    p.add_argument("--no-ray", action="store_true")
    args = p.parse_args()
    out = bench_executors(args.data, args.sessions, args.duration, args.asr, not args.no_ray)
    json.dump(out, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
