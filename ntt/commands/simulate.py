"""``ntt simulate OUT --sessions N --seed S [--scenario NAME]``: render household sessions."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from ntt import argtypes
from ntt.errors import InputError
from ntt.executors import add_executor_arguments, executor_from_args
from ntt.jsonout import print_json
from ntt.outputs import output_dir
from ntt.progress import bar

log = logging.getLogger(__name__)
SCENARIOS = ("single-user", "two-people", "family-tv", "follow-up", "barge-in", "camera-off",
             "dark-room", "far-field", "mixed")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", type=Path, help="directory to write sessions into")
    p.add_argument("--sessions", type=argtypes.integer(0), default=1, help="how many sessions")
    p.add_argument("--seed", type=int, default=0, help="seed of the first session")
    p.add_argument("--scenario", default="mixed", choices=SCENARIOS)
    p.add_argument("--duration", type=argtypes.number(5, 3600), default=60.0, metavar="SECONDS")
    p.add_argument("--text-split", default="train", choices=["train", "test"],
                   help="language corpus split the lines come from (test for held-out sets)")
    add_executor_arguments(p, "skip sessions already written in OUT")
    p.add_argument("--stats", nargs="?", const="sessions", choices=["sessions", "scripts"],
                   help="print the behaviour rates of all sessions in OUT afterwards; "
                        "'scripts': render nothing, report the behaviour table's rates "
                        "and the perfect-front-end floor from --sessions generated scripts")
    p.add_argument("--json", action="store_true", help="stats as JSON")
    p.add_argument("--audio-only", action="store_true",
                   help="no video.mp4 (truth.json still has every frame's faces and looks): "
                        "for training sets whose pictures are not needed")
    p.add_argument("--real-requests", choices=["tune", "report"],
                   help="every request a person says to the device is a real recording of "
                        "this split (ntt.sim.real_requests), played from where they stand")


def session_name(scenario: str, seed: int) -> str:
    return f"{scenario}-{seed:05d}"


def render_one(job: tuple) -> tuple[str, float]:
    """One session in a worker process; returns its path and render seconds. ``job``:
    (scenario, seed, duration_s, split, out[, video[, real-requests split or None]])."""
    from ntt.sim.render import render_session
    from ntt.sim.scenarios import make_script

    scenario, seed, duration_s, split, out, *rest = job
    video = rest[0] if rest else True
    real = rest[1] if len(rest) > 1 else None
    t0 = time.perf_counter()
    script = make_script(scenario, seed, duration_s, split)
    if real:
        from ntt.sim.real_requests import with_real_requests

        script = with_real_requests(script, real)
    path = render_session(script, Path(out) / session_name(scenario, seed), video=video)
    return str(path), time.perf_counter() - t0


def run(args: argparse.Namespace) -> int:
    if args.sessions < 0:
        raise InputError("--sessions", "must be 0 or more")
    if not 5.0 <= args.duration <= 3600.0:
        raise InputError("--duration", "must be between 5 and 3600 seconds")
    if args.stats == "scripts":  # the generator's world: nothing rendered, OUT unused
        from ntt.sim.stats import script_report

        if args.sessions < 1:
            raise InputError("--sessions", "--stats scripts needs at least 1")
        _print_stats(script_report(args.scenario, args.sessions, args.seed, args.duration,
                                   args.text_split), args.json)
        return 0
    output_dir(args.out, "OUT")  # a file, a read-only place: one line before rendering
    jobs = [(args.scenario, args.seed + i, args.duration, args.text_split, str(args.out),
             not args.audio_only, args.real_requests) for i in range(args.sessions)]
    if args.resume:
        jobs = [j for j in jobs if not _written(args.out / session_name(j[0], j[1]))]
        log.info("resuming: %d of %d sessions left to render", len(jobs), args.sessions)
    failed = 0
    t0 = time.perf_counter()
    progress = bar(len(jobs), "ntt simulate", "session", show=not args.json)
    with executor_from_args(args) as executor, progress:
        for result in executor.map_unordered(render_one, jobs):
            progress.update(1)
            if not result.ok:
                failed += 1
                name = session_name(result.job[0], result.job[1])
                progress.write(f"{name}: failed: {result.error}", file=sys.stderr)
                continue
            path, secs = result.value
            log.info("%s rendered in %.1f s", path, secs)
            progress.write(path, file=sys.stderr)
        workers = executor.workers or "all"
    wall = time.perf_counter() - t0
    if jobs:
        print(f"{len(jobs) - failed} sessions of {args.duration:g} s in {wall:.1f} s "
              f"({workers} {args.executor} workers)", file=sys.stderr)
    if args.stats:
        from ntt.sim.stats import simulation_stats

        sessions = sorted(p for p in args.out.iterdir() if (p / "session.json").is_file())
        _print_stats(simulation_stats(sessions), args.json)
    return 1 if failed else 0


def _print_stats(stats: dict, as_json: bool) -> None:
    if as_json:
        print_json(stats)
        return
    for key, value in stats.items():
        if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()):
            for sub, rates in value.items():  # per scenario
                print(f"{key}.{sub:22} {rates}")
        else:
            print(f"{key:28} {value}")


def _written(session_dir: Path) -> bool:
    """A session an earlier run finished (sessions are moved into place whole)."""
    from ntt.io.session import load_session

    try:
        load_session(session_dir)
    except InputError:
        return False
    return True
