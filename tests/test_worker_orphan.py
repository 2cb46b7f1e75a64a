"""A worker whose driver dies (``kill -9`` of ``ntt eval``) exits instead of waiting forever
on a pipe nobody reads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import SAMPLE

NTT = Path(sys.executable).parent / "ntt"
WORKER_START_S = 120.0
WORKER_EXIT_S = 15.0


def _workers(pid: int) -> list[int]:
    """The pool's worker processes among ``pid``'s children (not its resource tracker)."""
    out = []
    for proc in Path("/proc").iterdir():
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid and b"spawn_main" in (proc / "cmdline").read_bytes():
                out.append(int(proc.name))
        except (ValueError, OSError, IndexError):
            continue  # not a process, or gone meanwhile
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


def test_worker_exits_when_the_eval_driver_is_killed(tmp_path):
    driver = subprocess.Popen([str(NTT), "eval", str(SAMPLE), "--workers", "1",
                               "--cache", str(tmp_path / "cache")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + WORKER_START_S
        while not workers and time.monotonic() < deadline and driver.poll() is None:
            time.sleep(0.2)
            workers = _workers(driver.pid)
        assert workers, f"ntt eval started no worker process (exit {driver.poll()})"
        time.sleep(1.0)  # the worker is at work (importing, recording)
        driver.send_signal(signal.SIGKILL)
        driver.wait()
        deadline = time.monotonic() + WORKER_EXIT_S
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(map(_alive, workers)), "the orphaned worker is still running"
    finally:
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
