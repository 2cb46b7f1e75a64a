"""Where a command writes its results: checked before the long work, written atomically.

``output_dir`` and ``output_file`` fail at once — before a training, a recording or a
render — on an empty name, a file where a directory belongs (or the reverse), a read-only
or missing place, with one ``InputError`` naming the flag. ``atomic_write`` writes to a
temporary file in the same directory and renames it over the target, so a full disk or a
crash leaves the old file (or nothing), never half a file; its ``OSError`` becomes an
``InputError`` too, after the caller has kept (printed) what it computed.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ntt.errors import InputError


def _probe(directory: Path, flag: str) -> None:
    """Create and remove a file in ``directory``: the only sure test of writability."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".ntt-write-test.", dir=directory)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(directory, f"{flag}: cannot write here ({exc.strerror})") from None


def output_dir(path: str | Path, flag: str) -> Path:
    """A directory results go into, created if missing and checked writable."""
    if str(path).strip() == "":
        raise InputError(flag, "must name a directory, not an empty string")
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputError(p, f"{flag}: exists and is not a directory")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(p, f"{flag}: cannot create the directory ({exc.strerror})") from None
    _probe(p, flag)
    return p


def output_file(path: str | Path, flag: str) -> Path:
    """A file a result will replace (atomically): not a directory, its directory writable
    (created if missing)."""
    if str(path).strip() == "":
        raise InputError(flag, "must name a file, not an empty string")
    p = Path(path)
    if p.is_dir():
        raise InputError(p, f"{flag}: is a directory; give a file name")
    if p.parent.exists() and not p.parent.is_dir():
        raise InputError(p.parent, f"{flag}: not a directory")
    output_dir(p.parent, flag)
    return p


@contextmanager
def atomic_write(path: str | Path, mode: str = "wb", what: str = "write") -> Iterator[IO]:
    """``with atomic_write(path) as f: ...``: ``f`` is a temporary file beside ``path``,
    renamed over it when the block ends without an exception and removed otherwise. A
    failing write (disk full, read-only, file too large) is an ``InputError``."""
    path = Path(path)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise InputError(path, f"cannot {what} ({exc.strerror or exc})") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def atomic_save(path: str | Path, save: Callable[[IO], None], what: str = "write") -> None:
    """``save(f)`` into a binary file written atomically (``torch.save``, ``pickle.dump``)."""
    with atomic_write(path, "wb", what) as f:
        save(f)
