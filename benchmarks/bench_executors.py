"""Scale-out speed: recording sessions (the costly part of ``ntt eval``/``ntt train``) on 1 and
2 local workers, and the Ray path's cost per session.

Sessions are simulated (``--sessions`` of ``--duration`` s, two-people, with video) or taken
from ``--data``; recording runs the real front-ends with ASR off (``--asr`` to change), no
cache. For each executor (``local``, ``ray`` on a local 2-CPU cluster), 1 and 2 workers,
alternating, best of ``--repeats``:

* ``wall_s`` and ``speedup_2_vs_1`` (1-worker wall over 2-worker wall);
* ``cores_used``: CPU seconds of the jobs over wall — the cores the workers really got. On a
  machine shared with other work, 2 workers may get little more than 1 did, and the wall
  speedup shows the neighbours, not the executor;
* ``speedup_2_vs_1_cpu_estimate``: the same work on two cores of its own — all jobs' CPU
  seconds over the busiest worker's share (leaves out start-up and the driver);
* ``overhead_per_session_s``: with one worker, (wall − seconds the jobs ran inside their
  worker) / sessions — scheduling, moving jobs and records, worker start-up, amortised.

``ray_start_s`` is starting the local cluster (once per run); ``load_avg_1m`` the machine's load
before and after.

Run: ``.venv/bin/python benchmarks/bench_executors.py [--sessions 8] [--repeats 1] [--no-ray]``
(about 7 minutes with the defaults on a quiet 2-core machine). A fresh worker pays about 8 s
of imports and model loading before its first session, so short runs understate the speed-up
of a real evaluation of many sessions.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ntt.eval.sessions import RecordJob, find_sessions, record_config, record_one
from ntt.executors import Executor, LocalExecutor

SESSIONS = 8  # even, so 2 workers get equal shares
DURATION_S = 40.0  # long enough that per-worker start-up (imports, models) is not most of it
SCENARIO = "two-people"
REPEATS = 1


def simulate(out: Path, sessions: int, duration_s: float) -> list[Path]:
    from ntt.commands.simulate import render_one

    jobs = [(SCENARIO, seed, duration_s, "test", str(out)) for seed in range(sessions)]
    with LocalExecutor() as executor:
        results = list(executor.map_unordered(render_one, jobs))
    bad = [r.error for r in results if not r.ok]
    if bad:
        raise RuntimeError(f"simulation failed: {bad[0]}")
    return sorted(Path(r.value[0]) for r in results)


@dataclass
class Run:
    wall_s: float
    inside_s: float  # seconds the jobs ran inside their workers
    cpu_s: float  # CPU seconds the workers spent on the jobs
    busiest_cpu_s: float  # CPU seconds of the worker with the most work


def timed(executor: Executor, jobs: list[RecordJob]) -> Run:
    t0 = time.perf_counter()
    results = list(executor.map_unordered(record_one, jobs))
    wall = time.perf_counter() - t0
    bad = [r.error for r in results if not r.ok]
    if bad:
        raise RuntimeError(f"recording failed: {bad[0]}")
    per_worker: dict[str, float] = defaultdict(float)
    for r in results:
        per_worker[r.worker] += r.cpu_s
    return Run(wall, sum(r.run_s for r in results), sum(r.cpu_s for r in results),
               max(per_worker.values()))


def compare(make: Callable[[int], Executor], jobs: list[RecordJob], repeats: int) -> dict:
    """1 and 2 workers, alternating, best of ``repeats`` each (the least disturbed run)."""
    runs: dict[int, list[Run]] = {1: [], 2: []}
    for _ in range(repeats):
        for workers in (1, 2):
            runs[workers].append(timed(make(workers), jobs))
    best = {w: min(rs, key=lambda r: r.wall_s) for w, rs in runs.items()}
    one, two = best[1], best[2]
    return {
        "wall_s": {w: round(r.wall_s, 2) for w, r in best.items()},
        "speedup_2_vs_1": round(one.wall_s / two.wall_s, 2),
        # Cores the workers actually got: on a shared machine 2 workers may get no more
        # than 1 did, and then no executor can be faster.
        "cores_used": {w: round(r.cpu_s / r.wall_s, 2) for w, r in best.items()},
        "job_cpu_s": {w: round(r.cpu_s, 2) for w, r in best.items()},
        # The same work on 2 cores of its own: all CPU seconds over the busiest worker's.
        "speedup_2_vs_1_cpu_estimate": round(one.cpu_s / two.busiest_cpu_s, 2),
        "overhead_per_session_s": round((one.wall_s - one.inside_s) / len(jobs), 3),
    }


def bench_executors(data: str | Path | None = None, sessions: int = SESSIONS,
                    duration_s: float = DURATION_S, asr: str = "none",
                    with_ray: bool = True, repeats: int = REPEATS) -> dict:
    result: dict = {"load_avg_1m": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory(prefix="ntt-bench-exec-") as tmp:
        paths = ([r.path for r in find_sessions(data)] if data is not None
                 else simulate(Path(tmp), sessions, duration_s))
        config = record_config(asr)
        jobs = [RecordJob(str(p), asr, config, None, None) for p in paths]
        result["sessions"] = len(jobs)
        result["local"] = compare(LocalExecutor, jobs, repeats)
        if with_ray:
            import ray

            from ntt.executors import RayExecutor

            t0 = time.perf_counter()
            ray.init(address="local", num_cpus=2, include_dashboard=False,
                     log_to_driver=False)
            result["ray_start_s"] = round(time.perf_counter() - t0, 2)
            try:
                result["ray"] = compare(RayExecutor, jobs, repeats)
            finally:
                ray.shutdown()
    result["load_avg_1m_after"] = round(os.getloadavg()[0], 2)
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", help="sessions to record (default: simulate --sessions of them)")
    p.add_argument("--sessions", type=int, default=SESSIONS)
    p.add_argument("--duration", type=float, default=DURATION_S)
    p.add_argument("--asr", default="none", choices=["none", "pocketsphinx", "whisper"])
    p.add_argument("--repeats", type=int, default=REPEATS)
    p.add_argument("--no-ray", action="store_true")
    args = p.parse_args()
    out = bench_executors(args.data, args.sessions, args.duration, args.asr, not args.no_ray,
                          args.repeats)
    json.dump(out, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
