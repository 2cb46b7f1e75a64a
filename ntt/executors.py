"""Where per-session work runs: a local process pool (default) or a Ray cluster.

Both executors have one API, ``map_unordered(fn, jobs)``, yielding a ``JobResult`` per job
as it completes. A job that raises is reported with its reason and the others go on; a
worker process that dies (killed, out of memory, a crash in native code) has its job run
again, up to ``max_retries`` times. The same ``fn`` over the same jobs gives the same values
on either executor: only where and when it runs differs.

Ray is optional: it is imported only when a ``RayExecutor`` is made.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import socket
import threading
import time
import traceback
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from ntt.errors import InputError

log = logging.getLogger(__name__)

EXECUTORS = ("local", "ray")
DEFAULT_MAX_RETRIES = 2  # runs after a worker died: a job gets 3 tries in all
# Fresh interpreters, not forks: a fork of a process that already runs torch/OpenMP threads
# can deadlock, and Ray's workers are fresh interpreters too, so both paths start alike.
START_METHOD = "spawn"
THREADS_PER_WORKER = "1"  # one core per worker: N workers use N cores, as Ray's tasks do
RAY_INSTALL_HINT = "pip install -e '.[ray]'"
RAY_ADDRESS_ENV = "RAY_ADDRESS"
# Ray sends a token only to a cluster it found itself, never to an address it was given.
RAY_AUTH_HINT = ("if the cluster uses token authentication, set RAY_AUTH_MODE=token and "
                 "RAY_AUTH_TOKEN (from 'ray get-auth-token' on its head)")
# Ray tasks queued per worker slot when the cluster decides the concurrency.
RAY_QUEUE_PER_CPU = 2
PARENT_CHECK_S = 1.0  # how often a local worker looks whether its driver is still there
ORPHAN_EXIT_CODE = 3


@dataclass(frozen=True)
class JobResult:
    """One job's outcome: ``value`` when it finished, else ``error`` (one line: why)."""

    index: int  # position in the jobs given to map_unordered
    job: Any
    value: Any = None
    error: str | None = None
    detail: str = ""  # the worker's traceback, for the debug log
    run_s: float = 0.0  # seconds the job ran inside its worker
    cpu_s: float = 0.0  # CPU seconds its worker process spent on it (all threads)
    worker: str = ""  # host:pid of the process that ran it

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class _Outcome:
    value: Any
    error: str | None
    detail: str
    run_s: float
    cpu_s: float
    worker: str


def error_reason(exc: BaseException) -> str:
    """One line for a report: a user-input error says where and what; others their type."""
    if isinstance(exc, InputError):
        return str(exc)
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _call(fn: Callable[[Any], Any], job: Any) -> _Outcome:
    """Run one job in a worker; its exception becomes its result instead of the run's end."""
    where = f"{socket.gethostname()}:{os.getpid()}"
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        value = fn(job)
    except Exception as exc:  # any failure of one job is reported, the others go on
        return _Outcome(None, error_reason(exc), traceback.format_exc(),
                        time.perf_counter() - t0, time.process_time() - c0, where)
    return _Outcome(value, None, "", time.perf_counter() - t0, time.process_time() - c0,
                    where)


def _init_worker() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", THREADS_PER_WORKER)
    _watch_parent(os.getppid())


def _watch_parent(parent: int, every_s: float = PARENT_CHECK_S) -> None:
    """Exit this worker when its driver dies (``kill -9``, a crash): the pool's pipes are
    held open by the workers themselves, so without this an orphan would wait forever on a
    pipe nobody reads, holding its memory. A daemon thread, so it works while the job runs
    or the worker is blocked in a write."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every_s)
        os._exit(ORPHAN_EXIT_CODE)  # no cleanup to wait for: the results have no reader

    threading.Thread(target=watch, name="ntt-parent-watch", daemon=True).start()


def _result(index: int, job: Any, outcome: _Outcome) -> JobResult:
    if outcome.error is not None:
        log.debug("job %d failed on %s:\n%s", index, outcome.worker, outcome.detail)
    return JobResult(index, job, outcome.value, outcome.error, outcome.detail, outcome.run_s,
                     outcome.cpu_s, outcome.worker)


class Executor(ABC):
    """Runs ``fn(job)`` for many jobs in worker processes; a context manager."""

    name = ""

    def __init__(self, workers: int = 0, max_retries: int = DEFAULT_MAX_RETRIES):
        if workers < 0:
            raise InputError("--workers", "must be 0 (all cores) or more")
        self.workers = workers
        self.max_retries = max_retries

    @abstractmethod
    def map_unordered(self, fn: Callable[[Any], Any], jobs: Iterable[Any]
                      ) -> Iterator[JobResult]:
        """Yield one result per job, in the order they complete. ``fn`` must be picklable
        (a module-level function) and return a picklable value."""

    @abstractmethod
    def close(self) -> None:
        """Release what the executor started."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalExecutor(Executor):
    """A pool of fresh worker processes on this machine (``workers=0``: one per core)."""

    name = "local"

    def __init__(self, workers: int = 0, max_retries: int = DEFAULT_MAX_RETRIES):
        super().__init__(workers, max_retries)
        self.workers = workers or len(os.sched_getaffinity(0))

    def _pool(self, size: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=size, initializer=_init_worker,
                                   mp_context=multiprocessing.get_context(START_METHOD))

    def map_unordered(self, fn, jobs):
        jobs = list(jobs)
        if not jobs:
            return
        size = min(self.workers, len(jobs))
        pending = deque(range(len(jobs)))
        tries = [0] * len(jobs)
        running: dict[Future, int] = {}
        pool = self._pool(size)
        try:
            while pending or running:
                # No more in flight than workers: when the pool breaks, every job it held
                # was running, so charging each a try is fair to the queued ones.
                broken = False
                while pending and len(running) < size:
                    i = pending.popleft()
                    try:
                        fut = pool.submit(_call, fn, jobs[i])
                    except BrokenProcessPool:  # a worker died since the last wait
                        pending.appendleft(i)
                        broken = True
                        break
                    tries[i] += 1
                    running[fut] = i
                done: set[Future] = set()
                if not broken:
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    broken = any(isinstance(f.exception(), BrokenProcessPool) for f in done)
                if broken:
                    done, _ = wait(running)  # the rest of the pool is gone too
                    pool.shutdown(wait=True, cancel_futures=True)
                    pool = self._pool(size)
                for fut in done:
                    i = running.pop(fut)
                    exc = fut.exception()
                    if exc is None:
                        yield _result(i, jobs[i], fut.result())
                    elif not isinstance(exc, BrokenProcessPool):  # e.g. an unpicklable value
                        yield JobResult(i, jobs[i], error=error_reason(exc))
                    elif tries[i] <= self.max_retries:
                        log.warning("a worker died running job %d; running it again "
                                    "(try %d of %d)", i, tries[i] + 1, self.max_retries + 1)
                        pending.appendleft(i)
                    else:
                        yield JobResult(i, jobs[i], error=f"its worker process died on each "
                                                          f"of {tries[i]} tries")
        finally:
            pool.shutdown(wait=not running, cancel_futures=True)

    def close(self) -> None:
        """Nothing to release: each map_unordered call owns its pool."""


class RayExecutor(Executor):
    """Tasks on a Ray cluster: the one at ``address`` (``auto``: the cluster started on this
    machine with ``ray start``) or in ``RAY_ADDRESS``, else a new private one with ``workers``
    CPUs. When Ray is already initialised in this process, that cluster is used and left
    running."""

    name = "ray"

    def __init__(self, workers: int = 0, address: str | None = None,
                 max_retries: int = DEFAULT_MAX_RETRIES):
        super().__init__(workers, max_retries)
        try:
            import ray
        except ImportError:
            raise InputError("--executor ray", f"Ray is not installed; install it with "
                                               f"{RAY_INSTALL_HINT}") from None
        self._ray = ray
        self._owned = not ray.is_initialized()
        if self._owned:
            verbose = log.isEnabledFor(logging.INFO)
            # No address: Ray's own RAY_ADDRESS, else a private cluster ("local"), never
            # whatever cluster `ray start` left on this machine.
            target = address or os.environ.get(RAY_ADDRESS_ENV) or "local"
            options: dict[str, Any] = {
                "address": target, "include_dashboard": False, "log_to_driver": verbose,
                "logging_level": logging.INFO if verbose else logging.WARNING}
            if target == "local" and workers:
                options["num_cpus"] = workers
            try:
                ray.init(**options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                hint = f"; {RAY_AUTH_HINT}" if address else ""
                raise InputError(address or "--executor ray", f"cannot start or reach a Ray "
                                 f"cluster ({error_reason(exc)}){hint}") from None
        # Ray reruns a task whose worker died; the job's own exceptions never reach it.
        self._remote = ray.remote(_call).options(num_cpus=1, max_retries=max_retries,
                                                 retry_exceptions=False)

    def cluster_cpus(self) -> int:
        return max(1, int(self._ray.cluster_resources().get("CPU", 1)))

    def map_unordered(self, fn, jobs):
        ray = self._ray
        jobs = list(jobs)
        window = self.workers or RAY_QUEUE_PER_CPU * self.cluster_cpus()
        fn_ref = ray.put(fn)
        pending = deque(range(len(jobs)))
        running: dict[Any, int] = {}
        try:
            while pending or running:
                while pending and len(running) < window:
                    i = pending.popleft()
                    running[self._remote.remote(fn_ref, jobs[i])] = i
                ready, _ = ray.wait(list(running), num_returns=1)
                for ref in ready:
                    i = running.pop(ref)
                    try:
                        outcome = ray.get(ref)
                    except ray.exceptions.RayError as exc:  # retries used up, node lost
                        yield JobResult(i, jobs[i], error=f"lost on the cluster (Ray gives up "
                                                          f"after {self.max_retries + 1} tries): "
                                                          f"{error_reason(exc)}")
                        continue
                    yield _result(i, jobs[i], outcome)
        finally:
            for ref in running:
                ray.cancel(ref, force=True)

    def close(self) -> None:
        if self._owned and self._ray.is_initialized():
            self._ray.shutdown()


def make_executor(kind: str = "local", workers: int = 0, address: str | None = None,
                  max_retries: int = DEFAULT_MAX_RETRIES) -> Executor:
    if kind == "local":
        if address:
            raise InputError("--address", "is for --executor ray")
        return LocalExecutor(workers, max_retries)
    if kind == "ray":
        return RayExecutor(workers, address, max_retries)
    raise InputError("--executor", f"must be one of {', '.join(EXECUTORS)}, not {kind!r}")


def add_executor_arguments(p: argparse.ArgumentParser, resume_help: str) -> None:
    """``--executor``, ``--workers``, ``--address``, ``--resume`` for a command."""
    p.add_argument("--executor", default="local", choices=EXECUTORS,
                   help="where the per-session work runs (default: processes on this machine)")
    p.add_argument("--workers", type=int, default=0,
                   help="parallel workers (default: all cores, or the Ray cluster's CPUs)")
    p.add_argument("--address", metavar="ADDR",
                   help="an existing Ray cluster (host:port, or 'auto' for the one started "
                        "on this machine by 'ray start'); default: $RAY_ADDRESS, else a new "
                        "private one on this machine")
    p.add_argument("--resume", action="store_true", help=resume_help)


def executor_from_args(args: argparse.Namespace) -> Executor:
    return make_executor(args.executor, args.workers, args.address)
