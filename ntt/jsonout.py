"""Turning cues and decisions into JSON (stdout documents and the JSON-lines event log)."""

from __future__ import annotations

import dataclasses
import json
import math
import sys
from typing import Any, TextIO

import numpy as np


def to_jsonable(obj: Any, ndigits: int = 4) -> Any:
    """Dataclasses → dicts (with their type under ``type``), numpy → lists, floats rounded.
    Large arrays (images, audio) are left out: the event log carries cues, not media."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {"type": type(obj).__name__}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if isinstance(value, np.ndarray) and value.size > 64:
                continue
            out[f.name] = to_jsonable(value, ndigits)
        return out
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v, ndigits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v, ndigits) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist(), ndigits)
    if isinstance(obj, (np.floating, float)):
        value = float(obj)
        return round(value, ndigits) if math.isfinite(value) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def print_json(doc: Any, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    json.dump(to_jsonable(doc), stream, indent=2)
    stream.write("\n")
    stream.flush()


def open_event_log(stack, path: str | None) -> list:
    """Observers for ``--events PATH``: an EventLog on a file the ``ExitStack`` closes, or
    none when no path is given."""
    if not path:
        return []
    from ntt.errors import InputError

    try:
        stream = stack.enter_context(open(path, "w", encoding="utf-8"))
    except OSError as exc:
        raise InputError(path, f"cannot write the event log ({exc.strerror})") from None
    return [EventLog(stream)]


class EventLog:
    """JSON-lines observer: every cue the pipeline sees, one object per line."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def __call__(self, item: Any) -> None:
        self.stream.write(json.dumps(to_jsonable(item), separators=(",", ":")) + "\n")

    def close(self) -> None:
        self.stream.flush()
