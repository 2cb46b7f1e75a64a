"""``ntt simulate OUT --sessions N --seed S [--scenario NAME]``: render household sessions."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ntt.errors import InputError
from ntt.jsonout import print_json

log = logging.getLogger(__name__)
SCENARIOS = ("single-user", "two-people", "family-tv", "follow-up", "barge-in", "camera-off",
             "dark-room", "far-field", "mixed")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", type=Path, help="directory to write sessions into")
    p.add_argument("--sessions", type=int, default=1, help="how many sessions")
    p.add_argument("--seed", type=int, default=0, help="seed of the first session")
    p.add_argument("--scenario", default="mixed", choices=SCENARIOS)
    p.add_argument("--duration", type=float, default=60.0, metavar="SECONDS")
    p.add_argument("--text-split", default="train", choices=["train", "test"],
                   help="language corpus split the lines come from (test for held-out sets)")
    p.add_argument("--workers", type=int, default=0, help="processes (default: all cores)")
    p.add_argument("--stats", action="store_true",
                   help="print the behaviour rates of all sessions in OUT afterwards")
    p.add_argument("--json", action="store_true", help="stats as JSON")


def session_name(scenario: str, seed: int) -> str:
    return f"{scenario}-{seed:05d}"


def render_one(job: tuple[str, int, float, str, str]) -> tuple[str, float]:
    """One session in a worker process; returns its path and render seconds."""
    from ntt.sim.render import render_session
    from ntt.sim.scenarios import make_script

    scenario, seed, duration_s, split, out = job
    t0 = time.perf_counter()
    script = make_script(scenario, seed, duration_s, split)
    path = render_session(script, Path(out) / session_name(scenario, seed))
    return str(path), time.perf_counter() - t0


def run(args: argparse.Namespace) -> int:
    if args.sessions < 0:
        raise InputError("--sessions", "must be 0 or more")
    if not 5.0 <= args.duration <= 3600.0:
        raise InputError("--duration", "must be between 5 and 3600 seconds")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(args.out, f"cannot create output directory ({exc.strerror})") \
            from None
    jobs = [(args.scenario, args.seed + i, args.duration, args.text_split, str(args.out))
            for i in range(args.sessions)]
    workers = args.workers or min(len(jobs), os.cpu_count() or 1) or 1
    t0 = time.perf_counter()
    if workers == 1 or len(jobs) <= 1:
        results = map(render_one, jobs)
        for path, secs in results:
            log.info("%s rendered in %.1f s", path, secs)
            print(path, file=sys.stderr)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for path, secs in pool.map(render_one, jobs):
                log.info("%s rendered in %.1f s", path, secs)
                print(path, file=sys.stderr)
    wall = time.perf_counter() - t0
    if jobs:
        print(f"{len(jobs)} sessions of {args.duration:g} s in {wall:.1f} s "
              f"({workers} workers)", file=sys.stderr)
    if args.stats:
        from ntt.sim.stats import simulation_stats

        sessions = sorted(p for p in args.out.iterdir() if (p / "session.json").is_file())
        stats = simulation_stats(sessions)
        if args.json:
            print_json(stats)
        else:
            for key, value in stats.items():
                print(f"{key:28} {value}")
    return 0
