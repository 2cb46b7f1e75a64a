"""The engine's memory: one SQLite file in the user's data directory.

Holds the simulated home's device states, the device's own settings, shopping and to-do
lists, taught routines and likely false rejects (text and scores only — never audio or
images). ``forget()`` erases all of it. The directory is the constructor argument, else
``$NTT_DATA_DIR``, else ``platformdirs.user_data_dir("ntt")``.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ntt.errors import InputError

log = logging.getLogger(__name__)

DATA_DIR_ENV = "NTT_DATA_DIR"
APP_NAME = "ntt"
DB_FILE = "conversation.sqlite3"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entity_state (name TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS list_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT, list TEXT NOT NULL, item TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0, added TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS routines (
    name TEXT PRIMARY KEY, request TEXT NOT NULL, target TEXT NOT NULL, steps TEXT NOT NULL,
    taught TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS false_rejects (
    id INTEGER PRIMARY KEY AUTOINCREMENT, recorded TEXT NOT NULL, t_s REAL NOT NULL,
    start_s REAL NOT NULL, end_s REAL NOT NULL, speaker_track INTEGER, p_directed REAL NOT NULL,
    contributions TEXT NOT NULL, text TEXT NOT NULL, repeat_text TEXT NOT NULL,
    similarity REAL NOT NULL);
"""
_TABLES = ("entity_state", "settings", "list_items", "routines", "false_rejects")
# forget() waits this long for another connection's write to finish.
FORGET_BUSY_MS = 5000
# Shorter stored texts ("on", "7") are not looked for on disk after forget(): any file holds
# such bytes by chance.
MIN_CHECKED_TEXT = 4


def default_data_dir(override: str | Path | None = None) -> Path:
    """Where the engine keeps its file: ``override``, ``$NTT_DATA_DIR``, or the platform's
    per-user data directory."""
    if override is not None:
        return Path(override)
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def _holders(paths: list[Path]) -> list[str]:
    """Other processes with any of ``paths`` open ("process PID (command)"), from /proc
    (Linux); empty where that cannot be read."""
    wanted = {str(p.resolve()) for p in paths}
    found = []
    proc = Path("/proc")
    for entry in proc.iterdir() if proc.is_dir() else ():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        links = set()
        try:
            for fd in (entry / "fd").iterdir():
                try:
                    links.add(os.readlink(fd))
                except OSError:  # closed meanwhile
                    pass
        except OSError:  # gone, or not ours to look at
            continue
        if links & wanted:
            try:
                raw = (entry / "cmdline").read_bytes()
            except OSError:
                raw = b""
            cmd = " ".join(raw.replace(b"\0", b" ").decode("utf-8", "replace").split())
            found.append(f"process {entry.name}" + (f" ({cmd[:60]})" if cmd else ""))
    return found


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Step:
    """One action of a taught routine: an intent as the recogniser produced it."""

    intent: str
    slots: dict[str, Any] = field(default_factory=dict, hash=False)
    text: str = ""


@dataclass(frozen=True)
class Routine:
    """A taught request ("study mode"): what it targets and the steps it runs."""

    name: str
    request: str
    target: dict[str, str] = field(default_factory=dict, hash=False)
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True)
class FalseReject:
    """A turn the device ignored that its speaker then repeated or rephrased to it."""

    t_s: float
    start_s: float
    end_s: float
    speaker_track: int | None
    p_directed: float
    text: str
    repeat_text: str
    similarity: float
    contributions: dict[str, float] = field(default_factory=dict, hash=False)
    recorded: str = ""


class Store:
    """SQLite-backed persistent state. Every write commits at once (a crash loses nothing)."""

    def __init__(self, data_dir: str | Path | None = None):
        directory = default_data_dir(data_dir)
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self.path = directory / DB_FILE
            self._db = sqlite3.connect(self.path, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise InputError(directory, f"cannot open the conversation store ({exc})") from None
        # WAL + synchronous=NORMAL: a write costs microseconds instead of an fsync, and a
        # power cut can lose only the last moments, never corrupt the file. secure_delete
        # overwrites what forget() deletes.
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA secure_delete=ON")
            self._db.executescript(_SCHEMA)
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)",
                             (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError as exc:  # not a database, or the disk refused: say so
            self._db.close()
            hint = "; move it aside and NTT starts a new one" if "not a database" in str(exc) \
                else " (is the disk full or read-only?)"
            raise InputError(self.path, f"not a usable conversation store ({exc}){hint}"
                             ) from None
        log.debug("conversation store at %s", self.path)

    # --- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes (one skill touching many devices) into one commit."""
        if self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def forget(self) -> None:
        """Erase everything the device has stored about this household, and every copy of
        it on disk: rows are deleted with ``secure_delete`` (their bytes overwritten), the
        write-ahead log is checkpointed into the file and truncated, the file is rebuilt
        (VACUUM) and checkpointed again. Then every file of the store (database, ``-wal``,
        ``-shm``) is searched for the erased text; if any is left — another process holds
        a read transaction that pins the log — InputError says which process, and a later
        ``forget()``, once it has let go, finishes the job."""
        erased = self._texts()
        self._db.execute(f"PRAGMA busy_timeout = {FORGET_BUSY_MS}")
        try:
            with self.transaction():
                for table in _TABLES:
                    self._db.execute(f"DELETE FROM {table}")
        except sqlite3.Error as exc:
            holders = _holders(self.files()) or ["another process (unknown)"]
            raise InputError(self.path, f"nothing erased ({exc}): {', '.join(holders)} "
                                        "holds the store; stop it, then run ntt forget "
                                        "again") from None
        problems = []
        try:
            self._checkpoint()
            self._db.execute("VACUUM")
            if not self._checkpoint():
                problems.append(f"{self.path.name}-wal could not be emptied")
        except sqlite3.Error as exc:
            problems.append(f"the file could not be rebuilt ({exc})")
        problems = self.remnants(erased) + problems
        if problems:
            holders = _holders(self.files()) or ["another process (unknown)"]
            raise InputError(self.path, f"rows deleted, but {'; '.join(problems)}: "
                                        f"{', '.join(holders)} holds the store open; stop "
                                        "it, then run ntt forget again")
        log.info("conversation store cleared (%s)", self.path)

    def files(self) -> list[Path]:
        """The store's files on disk: the database and its log and shared memory."""
        return [p for p in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm"))
                if p.exists()]

    def remnants(self, texts: set[str]) -> list[str]:
        """Which of ``texts`` any file of the store still holds, as messages."""
        found = []
        for path in self.files():
            data = path.read_bytes()
            hits = sum(1 for t in texts if t.encode("utf-8") in data)
            if hits:
                found.append(f"{hits} erased entries are still in {path.name}")
        return found

    def _checkpoint(self) -> bool:
        """Copy the log into the file and truncate it; False if a reader kept it."""
        busy, _log_frames, _done = self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)"
                                                    ).fetchone()
        wal = Path(f"{self.path}-wal")
        return busy == 0 and (not wal.exists() or wal.stat().st_size == 0)

    def _texts(self) -> set[str]:
        """Every text value stored (long enough to be told apart from the file's own
        structure), to look for on disk after ``forget()``."""
        texts: set[str] = set()
        for table in _TABLES:
            for row in self._db.execute(f"SELECT * FROM {table}"):
                texts.update(v for v in row if isinstance(v, str)
                             and len(v.encode("utf-8")) >= MIN_CHECKED_TEXT
                             and v not in _SCHEMA)
        return texts

    def counts(self) -> dict[str, int]:
        """Rows per table (to show what is stored, and that forget() cleared it)."""
        return {t: self._db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in _TABLES}

    # --- devices and settings ----------------------------------------------------------

    def entity_state(self, name: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT state FROM entity_state WHERE name = ?",
                               (name,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_entity_state(self, name: str, state: dict[str, Any]) -> None:
        self._db.execute("INSERT OR REPLACE INTO entity_state VALUES (?, ?)",
                         (name, json.dumps(state, sort_keys=True)))

    def setting(self, key: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        self._db.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)",
                         (key, json.dumps(value)))

    # --- lists -------------------------------------------------------------------------

    def list_add(self, list_name: str, item: str) -> None:
        self._db.execute("INSERT INTO list_items (list, item, done, added) VALUES (?, ?, 0, ?)",
                         (list_name, item, _now_iso()))

    def list_items(self, list_name: str) -> list[str]:
        """Open items of a list, oldest first."""
        rows = self._db.execute("SELECT item FROM list_items WHERE list = ? AND done = 0 "
                                "ORDER BY id", (list_name,))
        return [r[0] for r in rows]

    def list_complete(self, list_name: str, item: str) -> bool:
        """Tick an open item off (case-insensitive); False when it is not on the list."""
        cur = self._db.execute(
            "UPDATE list_items SET done = 1 WHERE id = (SELECT id FROM list_items WHERE "
            "list = ? AND done = 0 AND lower(item) = lower(?) ORDER BY id LIMIT 1)",
            (list_name, item))
        return cur.rowcount > 0

    def list_remove(self, list_name: str, item: str) -> bool:
        cur = self._db.execute("DELETE FROM list_items WHERE list = ? AND lower(item) = lower(?)",
                               (list_name, item))
        return cur.rowcount > 0

    # --- routines ----------------------------------------------------------------------

    def save_routine(self, routine: Routine) -> None:
        steps = [{"intent": s.intent, "slots": s.slots, "text": s.text} for s in routine.steps]
        self._db.execute("INSERT OR REPLACE INTO routines VALUES (?, ?, ?, ?, ?)",
                         (routine.name, routine.request, json.dumps(routine.target),
                          json.dumps(steps), _now_iso()))

    def routine(self, name: str) -> Routine | None:
        row = self._db.execute("SELECT name, request, target, steps FROM routines "
                               "WHERE name = ?", (name,)).fetchone()
        return None if row is None else _routine(row)

    def routines(self) -> list[Routine]:
        rows = self._db.execute("SELECT name, request, target, steps FROM routines ORDER BY name")
        return [_routine(r) for r in rows]

    # --- implicit feedback -------------------------------------------------------------

    def record_false_reject(self, fr: FalseReject) -> None:
        self._db.execute(
            "INSERT INTO false_rejects (recorded, t_s, start_s, end_s, speaker_track, p_directed,"
            " contributions, text, repeat_text, similarity) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (_now_iso(), fr.t_s, fr.start_s, fr.end_s, fr.speaker_track, fr.p_directed,
             json.dumps(fr.contributions), fr.text, fr.repeat_text, fr.similarity))

    def false_rejects(self) -> list[FalseReject]:
        rows = self._db.execute(
            "SELECT t_s, start_s, end_s, speaker_track, p_directed, text, repeat_text, "
            "similarity, contributions, recorded FROM false_rejects ORDER BY id")
        return [FalseReject(*r[:8], contributions=json.loads(r[8]), recorded=r[9]) for r in rows]


def _routine(row: tuple) -> Routine:
    name, request, target, steps = row
    return Routine(name, request, json.loads(target),
                   tuple(Step(s["intent"], s["slots"], s.get("text", ""))
                         for s in json.loads(steps)))
