"""Reading the project's data files (home, phrase book, anticipation rules, the weather
fixture) with one kind of failure: an ``InputError`` that names the file and the problem."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from ntt.errors import InputError


def load_mapping(path: str | Path, what: str, expected: str = "a mapping") -> dict:
    """The top-level mapping of a YAML file, or of a JSON one (``.json``); an empty file
    is an empty mapping.

    ``what`` names the file's role in the messages ("cannot read home file …");
    ``expected`` says what the top level should be when it is not a mapping."""
    path = Path(path)
    is_json = path.suffix == ".json"
    try:
        text = path.read_text(encoding="utf-8")
        doc = (json.loads(text) if text.strip() else None) if is_json else yaml.safe_load(text)
    except OSError as exc:
        raise InputError(path, f"cannot read {what} ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(path, f"cannot read {what} (not UTF-8 text)") from None
    except RecursionError:
        raise InputError(path, f"not valid {'JSON' if is_json else 'YAML'} (nested too "
                               "deeply)") from None
    except (ValueError, yaml.YAMLError) as exc:  # JSONDecodeError is a ValueError
        raise InputError(path, f"not valid {'JSON' if is_json else 'YAML'} "
                               f"({_one_line(exc)})") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise InputError(path, f"expected {expected}")
    return doc


def _one_line(exc: Exception) -> str:
    """A parser's message on one line: YAML's spans four (problem, context, the source line
    and a caret); keep the problem and where it is."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        return f"{exc.problem or exc.context or 'syntax error'}{where}"
    return " ".join(str(exc).split())
