"""Finding sessions (a directory of them, one session, or a JSON-lines manifest) and recording
their cue streams on all cores."""

from __future__ import annotations

import json
import logging
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ntt.errors import InputError
from ntt.eval.record import SessionRecord, record_session
from ntt.io.session import SESSION_FILE, Session, load_session

log = logging.getLogger(__name__)
DEFAULT_CACHE = Path(".cache") / "ntt-records"


def find_sessions(path: str | Path) -> list[Path]:
    """A session directory, a directory of sessions, or a manifest (``.jsonl``: one
    ``{"path": ..., "scenario": ...}`` or plain path string per line)."""
    path = Path(path)
    if path.is_file() and path.suffix in (".jsonl", ".json"):
        out = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                raise InputError(path, f"line {n}: not JSON") from None
            p = entry.get("path") if isinstance(entry, dict) else entry
            if not isinstance(p, str):
                raise InputError(path, f"line {n}: needs a session path")
            out.append((path.parent / p).resolve() if not Path(p).is_absolute() else Path(p))
        return out
    if (path / SESSION_FILE).is_file():
        return [path]
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if (p / SESSION_FILE).is_file())
        if found:
            return found
    raise InputError(path, "no sessions found (a session directory, a directory of "
                           "sessions, or a .jsonl manifest)")


def _record(job: tuple[str, str, str | None]) -> tuple[SessionRecord, Session]:
    path, asr, cache = job
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    session = load_session(path)
    return record_session(session, asr=asr, cache_dir=Path(cache) if cache else None), session


def record_all(paths: list[Path], asr: str = "pocketsphinx", cache: Path | None = None,
               workers: int = 0, progress: bool = True) -> list[tuple[SessionRecord, Session]]:
    """Record every session (cached), in parallel processes, with a progress bar."""
    from tqdm import tqdm

    # Validate everything first: a corrupt session stops the run before any work.
    for p in paths:
        load_session(p)
    jobs = [(str(p), asr, str(cache) if cache else None) for p in paths]
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    bar = tqdm(total=len(jobs), desc="sessions", unit="session", disable=not progress)
    out = []
    try:
        if workers <= 1:
            for job in jobs:
                out.append(_record(job))
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for result in pool.map(_record, jobs):
                    out.append(result)
                    bar.update()
    finally:
        bar.close()
    return out
