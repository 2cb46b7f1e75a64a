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
    none when no path is given. A path that cannot be written fails here, before the run."""
    if not path:
        return []
    from ntt.errors import InputError

    try:
        stream = stack.enter_context(open(path, "wb", buffering=0))
    except OSError as exc:
        raise InputError(path, f"cannot write the event log ({exc.strerror})") from None
    return [EventLog(stream)]


def event_log_error(observers) -> str | None:
    """Why an event log among ``observers`` stopped writing (disk full, file too large), or
    None when every line went out."""
    return next((o.error for o in observers if isinstance(o, EventLog) and o.error), None)


class EventLog:
    """JSON-lines observer: every cue the pipeline sees, one object per line.

    Each line goes out in one unbuffered write. When the file cannot take more (a full
    disk, a size limit), the log is cut back to its last whole line, stops, and says why in
    ``error``; the run itself goes on, so its decisions are never lost to the log."""

    def __init__(self, stream):
        self.stream = stream  # a binary stream; text streams get encoded lines
        self.error: str | None = None
        self._binary = "b" in getattr(stream, "mode", "")
        self._end = stream.tell() if self._binary and stream.seekable() else None

    def __call__(self, item: Any) -> None:
        if self.error is not None:
            return
        line = json.dumps(to_jsonable(item), separators=(",", ":")) + "\n"
        if not self._binary:
            self.stream.write(line)
            return
        data = memoryview(line.encode("utf-8"))
        try:
            while data:
                n = self.stream.write(data)
                data = data[n:]
        except OSError as exc:
            self._stop(exc)
            return
        if self._end is not None:
            self._end += len(line.encode("utf-8"))

    def _stop(self, exc: OSError) -> None:
        kept = "nothing"
        if self._end is not None:
            try:
                self.stream.truncate(self._end)  # drop the cut line; frees, so it works
                kept = "the lines before"
            except OSError:
                kept = "the lines before and a cut last line"
        self.error = (f"cannot write the event log ({exc.strerror or exc}); it holds {kept}")

    def close(self) -> None:
        self.stream.flush()
