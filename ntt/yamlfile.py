"""Reading the project's YAML data files (home, phrase book, anticipation rules) with one
kind of failure: an ``InputError`` that names the file and the problem."""

from __future__ import annotations

from pathlib import Path

import yaml

from ntt.errors import InputError


def load_yaml_mapping(path: str | Path, what: str, expected: str = "a mapping") -> dict:
    """The top-level mapping of a YAML file (an empty file is an empty mapping).

    ``what`` names the file's role in the messages ("cannot read home file …");
    ``expected`` says what the top level should be when it is not a mapping."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(path, f"cannot read {what} ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise InputError(path, f"not valid YAML ({exc})") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise InputError(path, f"expected {expected}")
    return doc
