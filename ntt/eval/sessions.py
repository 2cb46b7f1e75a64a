"""Finding sessions (a directory of them, one session, or a JSON-lines manifest) and recording
their cue streams on an executor: local processes or a Ray cluster.

Each finished session is stored as it arrives (the record under its content key, plus a line
in the store's journal), so an interrupted run loses only the sessions in flight and
``resume=True`` skips the finished ones without touching their media. A session that cannot
be read or recorded is reported with its reason; the others go on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

from ntt.errors import InputError
from ntt.eval.record import RECORD_VERSION, SessionRecord, record_session, session_hash
from ntt.executors import Executor, LocalExecutor
from ntt.io.session import LABELS_FILE, SESSION_FILE, TRUTH_FILE, Session, load_session
from ntt.outputs import atomic_save

log = logging.getLogger(__name__)
DEFAULT_CACHE = Path(".cache") / "ntt-records"
JOURNAL_FILE = "journal.jsonl"
# Files whose change does not change what the front-ends emit (so a resumed record stands).
NOT_RECORDED = (LABELS_FILE, TRUTH_FILE)
MODEL_DIGEST_CHARS = 12


@dataclass(frozen=True)
class SessionRef:
    """A session to process: its directory and, from a manifest, a scenario tag that
    overrides the one in its session.json."""

    path: Path
    scenario: str | None = None


@dataclass(frozen=True)
class Failure:
    session: str
    reason: str


@dataclass
class Recorded:
    """What record_all made: records in input order, failures with reasons, and how many
    sessions a resumed run took from the store instead of recording them."""

    records: list[tuple[SessionRecord, Session]]
    failed: list[Failure]
    resumed: int = 0
    cache_error: str | None = None
    """Why the store stopped taking records (a full disk): the records are all here, but
    later runs cannot resume from them."""

    def failed_json(self) -> list[dict[str, str]]:
        return [dataclasses.asdict(f) for f in self.failed]


def find_sessions(path: str | Path) -> list[SessionRef]:
    """A session directory, a directory of sessions, or a manifest (``.jsonl``: one
    ``{"path": ..., "scenario": ...}`` or plain path string per line; relative paths are
    relative to the manifest)."""
    path = Path(path)
    if path.is_file() and path.suffix in (".jsonl", ".json"):
        out = []
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError(path, "not UTF-8 text") from None
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except (ValueError, RecursionError):  # bad, nested too deeply, huge numbers
                raise InputError(path, f"line {n}: not JSON NTT can read") from None
            p = entry.get("path") if isinstance(entry, dict) else entry
            if not isinstance(p, str):
                raise InputError(path, f"line {n}: needs a session path")
            scenario = entry.get("scenario") if isinstance(entry, dict) else None
            if scenario is not None and not isinstance(scenario, str):
                raise InputError(path, f"line {n}: scenario must be a string")
            out.append(SessionRef((path.parent / p).resolve(), scenario))
        if not out:
            raise InputError(path, "the manifest lists no sessions")
        return out
    if (path / SESSION_FILE).is_file():
        return [SessionRef(path.resolve())]
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if (p / SESSION_FILE).is_file())
        if found:
            return [SessionRef(p.resolve()) for p in found]
    raise InputError(path, "no sessions found (a session directory, a directory of "
                           "sessions, or a .jsonl manifest)")


def record_config(asr: str) -> str:
    """What besides the session decides a record: the recognizer, the front-end version and
    the lexical model (by content). Driver and workers compare it, so a worker with other
    models fails its sessions instead of changing the answer."""
    lexical = "none"
    if asr != "none":
        from ntt.language.model import DEFAULT_MODEL_PATH

        if not DEFAULT_MODEL_PATH.is_file():
            raise InputError(DEFAULT_MODEL_PATH,
                             "lexical model not found (rebuild it: ntt train --lexical)")
        lexical = hashlib.sha256(DEFAULT_MODEL_PATH.read_bytes()).hexdigest()
    from ntt.asr import backend_settings

    settings = backend_settings(asr)
    if settings:
        digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
        asr = f"{asr}.{digest[:MODEL_DIGEST_CHARS]}"
    return f"{asr}-v{RECORD_VERSION}-lex{lexical[:MODEL_DIGEST_CHARS]}"


@dataclass(frozen=True)
class RecordJob:
    path: str
    asr: str
    config: str
    cache: str | None
    scenario: str | None


def record_one(job: RecordJob) -> tuple[SessionRecord, Session, str]:
    """In a worker: one session's record (from the store when this worker can see it) and
    its content key."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    config = record_config(job.asr)
    if config != job.config:
        raise RuntimeError(f"this worker's front-ends differ from the driver's ({config}, "
                           f"not {job.config}): install the same NTT and models everywhere")
    session = load_session(job.path)
    if job.scenario is not None:
        session = dataclasses.replace(session, scenario=job.scenario)
    key = f"{session_hash(session)}-{config}"
    record = RecordStore(Path(job.cache)).load(key) if job.cache else None
    if record is None:
        record = record_session(session, asr=job.asr)
    return record, session, key


def _fingerprint(session_dir: Path) -> list[list]:
    """Name, size and mtime of each file that feeds the front-ends (cheap: no reading)."""
    out = []
    for entry in sorted(os.scandir(session_dir), key=lambda e: e.name):
        if entry.is_file() and entry.name not in NOT_RECORDED:
            st = entry.stat()
            out.append([entry.name, st.st_size, st.st_mtime_ns])
    return out


class RecordStore:
    """Records by content key (``<key>.pkl``) and a journal of which session path gave which
    key, so a resumed run finds finished sessions by a stat instead of a content hash."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._journal: dict[tuple[str, str], dict] | None = None

    def has(self, key: str) -> bool:
        return (self.root / f"{key}.pkl").is_file()

    def load(self, key: str) -> SessionRecord | None:
        path = self.root / f"{key}.pkl"
        try:
            with open(path, "rb") as f:
                return pickle.load(f)
        except FileNotFoundError:
            return None
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            log.warning("%s: unreadable, recording again (%s)", path, exc)
            return None

    def save(self, session_dir: Path, config: str, key: str, record: SessionRecord) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"{key}.pkl"
        if not path.is_file():
            atomic_save(path, lambda f: pickle.dump(record, f, pickle.HIGHEST_PROTOCOL),
                        "store the record")
        line = json.dumps({"session": str(session_dir), "config": config, "key": key,
                           "files": _fingerprint(session_dir)})
        with open(self.root / JOURNAL_FILE, "a", encoding="utf-8") as f:
            f.write(line + "\n")  # one short append: whole lines even with runs side by side

    def finished(self, session_dir: Path, config: str) -> SessionRecord | None:
        """The stored record of a session recorded before with this config and unchanged
        since; None otherwise."""
        if self._journal is None:
            self._journal = self._read_journal()
        entry = self._journal.get((str(session_dir), config))
        if entry is None or entry["files"] != _fingerprint(session_dir):
            return None
        return self.load(entry["key"])

    def _read_journal(self) -> dict[tuple[str, str], dict]:
        out: dict[tuple[str, str], dict] = {}
        path = self.root / JOURNAL_FILE
        if not path.is_file():
            return out
        for line in path.read_bytes().splitlines():
            try:
                entry = json.loads(line.decode("utf-8"))
                out[(entry["session"], entry["config"])] = entry
            except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
                continue  # a line cut by an interrupted run (anywhere, even mid-character)
        return out


def record_all(sessions: list[SessionRef | Path], asr: str = "pocketsphinx",
               cache: Path | None = None, workers: int = 0, progress: bool = True,
               executor: Executor | None = None, resume: bool = False) -> Recorded:
    """Record every session on ``executor`` (default: local processes, ``workers`` of them).

    Each result is stored as it completes; ``resume`` takes sessions finished by an earlier
    run from the store. Sessions that fail are listed with their reason; when all fail, the
    first reason is raised as an InputError.
    """
    from ntt.progress import bar as progress_bar

    refs = [s if isinstance(s, SessionRef) else SessionRef(Path(s).resolve()) for s in sessions]
    config = record_config(asr)
    store = RecordStore(cache) if cache else None
    if resume and store is None:
        raise InputError("--resume", "needs a --cache directory to resume from")
    done: dict[int, tuple[SessionRecord, Session]] = {}
    failed: dict[int, Failure] = {}
    cache_error: str | None = None
    if resume:
        for i, ref in enumerate(refs):
            record = store.finished(ref.path, config)
            if record is not None:
                done[i] = _with_scenario(record, load_session(ref.path), ref.scenario)
    resumed = len(done)
    if resumed:
        log.info("resuming: %d of %d sessions already recorded", resumed, len(refs))
    todo = [i for i in range(len(refs)) if i not in done]
    where = str(Path(cache).resolve()) if cache else None
    jobs = [RecordJob(str(refs[i].path), asr, config, where, refs[i].scenario) for i in todo]
    own = executor is None
    executor = executor or LocalExecutor(workers)
    bar = progress_bar(len(refs), "sessions", "session", initial=resumed, show=progress)
    try:
        for result in executor.map_unordered(record_one, jobs):
            i = todo[result.index]
            if result.ok:
                record, session, key = result.value
                if store is not None and cache_error is None:
                    try:
                        store.save(refs[i].path, config, key, record)
                    except (InputError, OSError) as exc:  # keep recording, in memory
                        cache_error = f"the record store stopped taking records: {exc}"
                        log.warning("%s", cache_error)
                done[i] = _with_scenario(record, session, None)
            else:
                failed[i] = Failure(str(refs[i].path), result.error)
                log.warning("%s: failed: %s", refs[i].path, result.error)
            bar.update()
    finally:
        bar.close()
        if own:
            executor.close()
    if failed and not done:
        first = failed[min(failed)]
        raise InputError(first.session, f"every session failed; this one: {first.reason}")
    return Recorded([done[i] for i in sorted(done)], [failed[i] for i in sorted(failed)],
                    resumed, cache_error)


def _with_scenario(record: SessionRecord, session: Session, scenario: str | None
                   ) -> tuple[SessionRecord, Session]:
    """The manifest's tag (or the session's own) on both, whatever the stored record says."""
    if scenario is not None:
        session = dataclasses.replace(session, scenario=scenario)
    return dataclasses.replace(record, scenario=session.scenario), session
