"""The contract every pipeline stage keeps (after silero-vad's two-method streaming API)."""

from __future__ import annotations

from typing import Any, NoReturn, Protocol, runtime_checkable


@runtime_checkable
class Stage(Protocol):
    """A small stateful processor: feed items in time order, collect the cues they cause.

    ``push`` never blocks on I/O and never looks at another stage; ``flush`` emits what is
    still pending at end of stream; ``reset`` forgets all state (new session).
    """

    def push(self, item: Any) -> list[Any]: ...

    def flush(self) -> list[Any]: ...

    def reset(self) -> None: ...


def refuse(stage: object, item: object, takes: tuple[type, ...]) -> NoReturn:
    """The one error for an item a stage does not take: a wiring mistake, never data."""
    names = ", ".join(t.__name__ for t in takes)
    raise TypeError(f"{type(stage).__name__} takes {names}, not {type(item).__name__}")
