"""TOML in and out for profiles and calibration results, and atomic file writes.

Reading is the standard library's ``tomllib``. The standard library has no writer, so
``dumps`` writes the subset profiles use: tables (nested dicts), strings, booleans,
integers, finite floats and (nested) arrays of those. Comments matter in these files — they
document assumed numbers — so ``read_comments`` collects the comment lines that stand on
their own above a key or a table header, and ``dumps`` puts them back: a profile that
``ntt calibrate`` rewrites keeps its documentation. Comments at the end of a line are not
kept.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from ntt.errors import InputError

HEADER = ""  # the comment-path of the file's leading comment block
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")  # used with fullmatch: "$" would take "a\n"
_TABLE_LINE = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")
_KEY_LINE = re.compile(r'^\s*([A-Za-z0-9_.-]+|"[^"]*")\s*=')
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f",
            "\r": "\\r"}

Comments = dict[str, list[str]]


def loads(text: str, where: str | Path) -> dict[str, Any]:
    """Parse TOML; a syntax error becomes an ``InputError`` naming ``where``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(where, f"invalid TOML: {exc}") from None
    except RecursionError:
        raise InputError(where, "invalid TOML: nested too deeply") from None


def load(path: str | Path) -> tuple[dict[str, Any], Comments]:
    """Data and comments of a TOML file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text") from None
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror})") from None
    return loads(text, path), read_comments(text)


# --- comments -----------------------------------------------------------------------------


def _unquote(key: str) -> str:
    return key[1:-1] if key.startswith('"') else key


def read_comments(text: str) -> Comments:
    """Own-line comments, keyed by the dotted path of the key or table they stand above.
    The file's leading block (up to its first blank line) is keyed ``HEADER``."""
    out: Comments = {}
    pending: list[str] = []
    table = ""
    seen_content = False
    in_multiline = False
    for line in text.splitlines():
        stripped = line.strip()
        if in_multiline:
            in_multiline = line.count('"""') % 2 == 0
            continue
        if stripped.startswith("#"):
            pending.append(stripped[1:][1:] if stripped[1:2] == " " else stripped[1:])
            continue
        if not stripped:
            if not seen_content and pending and HEADER not in out:
                out[HEADER] = pending
                pending = []
            continue
        seen_content = True
        if stripped.startswith("[["):
            pending = []
            continue
        m = _TABLE_LINE.match(line)
        if m:
            table = ".".join(_unquote(p.strip()) for p in m.group(1).split("."))
            if pending:
                out[table] = pending
            pending = []
            continue
        m = _KEY_LINE.match(line)
        if m:
            key = _unquote(m.group(1))
            if pending:
                out[f"{table}.{key}" if table else key] = pending
            pending = []
            in_multiline = line.count('"""') % 2 == 1
    return out


# --- writing ------------------------------------------------------------------------------


def _key(key: str) -> str:
    if not isinstance(key, str):
        raise TypeError(f"TOML keys are strings, got {type(key).__name__}")
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _escape(s: str, keep_newlines: bool = False) -> str:
    out = []
    for ch in s:
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return "".join(out)


def _string(s: str) -> str:
    return '"' + _escape(s) + '"'


def _multiline(s: str) -> str:
    """A multi-line basic string; every quote is escaped so no run of three appears."""
    return '"""\n' + _escape(s, keep_newlines=True) + '"""'


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"cannot write a non-finite float ({v}) to a profile")
        text = repr(v)
        return text if any(c in text for c in ".eE") else text + ".0"
    if isinstance(v, str):
        return _multiline(v) if "\n" in v else _string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if hasattr(v, "item"):  # numpy scalars
        return _value(v.item())
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def dumps(data: dict[str, Any], comments: Comments | None = None) -> str:
    """TOML text for ``data``; ``comments`` (as from ``read_comments``) go back above their
    keys and tables."""
    comments = comments or {}
    lines: list[str] = []

    def note(path: str) -> None:
        lines.extend(f"# {c}".rstrip() for c in comments.get(path, ()))

    def table(obj: dict[str, Any], path: tuple[str, ...]) -> None:
        name = ".".join(path)
        scalars = {k: v for k, v in obj.items() if not isinstance(v, dict)}
        tables = {k: v for k, v in obj.items() if isinstance(v, dict)}
        if path and (scalars or not tables or comments.get(name)):
            if lines:
                lines.append("")
            note(name)
            lines.append("[" + ".".join(_key(p) for p in path) + "]")
        for k, v in scalars.items():
            if isinstance(v, (list, tuple)) and any(isinstance(x, dict) for x in v):
                raise TypeError(f"{name}.{k}: arrays of tables are not supported")
            note(f"{name}.{k}" if path else k)
            lines.append(f"{_key(k)} = {_value(v)}")
        for k, v in tables.items():
            table(v, (*path, k))

    if comments.get(HEADER):
        note(HEADER)
        lines.append("")
    table(data, ())
    return "\n".join(lines) + "\n"


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write to a temporary file beside ``path``, flush it to disk, then rename it over
    ``path``: a reader (or a crash) never sees half a file."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise InputError(path, f"cannot write ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
