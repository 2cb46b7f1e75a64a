"""Building the pipeline (and, live, the conversation engine) the way the window needs it."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from typing import Any

from ntt.conversation import ConversationEngine, TextSpeech
from ntt.pipeline import Pipeline, build_pipeline
from ntt.settings import Settings


def make_pipeline(observers: list[Callable[[Any], None]], settings: Settings, *,
                  use_video: bool, device_turns: tuple = (),
                  engine: ConversationEngine | None = None) -> Pipeline:
    """The standard pipeline with ``settings``, video on or off."""
    return build_pipeline(dataclasses.replace(settings, use_video=use_video),
                          observers=observers, device_turns=tuple(device_turns), engine=engine)


def make_engine(live: bool, speak: bool = False
                ) -> tuple[ConversationEngine, Callable[[], None]]:
    """The conversation engine and how to dispose of it. Live: the household's store,
    replies spoken when ``speak`` (espeak-ng, where an audio output exists). Replay: text
    replies and a temporary store, as ``ntt run`` does, so replaying a recording leaves the
    household's data alone. Call on the thread that will run the pipeline (the store is
    SQLite)."""
    if live:
        engine = ConversationEngine.live() if speak else ConversationEngine.live(
            speech=TextSpeech())
        return engine, engine.close
    tmp = tempfile.TemporaryDirectory(prefix="ntt-gui-")
    engine = ConversationEngine.offline(data_dir=tmp.name)

    def dispose() -> None:
        engine.close()
        tmp.cleanup()

    return engine, dispose
