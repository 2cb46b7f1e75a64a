"""Building the pipeline (and, live, the conversation engine) the way the window needs it."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from typing import Any

from ntt.conversation import ConversationEngine, TextSpeech
from ntt.io.session import Session
from ntt.io.sources import SessionSource
from ntt.pipeline import Pipeline, build_pipeline, build_session_pipeline, session_source
from ntt.settings import Settings


def make_pipeline(observers: list[Callable[[Any], None]], settings: Settings, *,
                  use_video: bool, engine: ConversationEngine | None = None) -> Pipeline:
    """The live pipeline with ``settings``, video on or off."""
    return build_pipeline(dataclasses.replace(settings, use_video=use_video),
                          observers=observers, engine=engine)


def replay_source(session: Session, *, use_video: bool) -> SessionSource:
    """The session's source before its pipeline exists (models load on the worker thread);
    ``make_session_pipeline`` tells it whether to send the microphones and the playback."""
    return SessionSource(session, use_video=use_video)


def make_session_pipeline(observers: list[Callable[[Any], None]], settings: Settings,
                          session: Session, source: SessionSource, *, use_video: bool,
                          engine: ConversationEngine | None = None) -> Pipeline:
    """The replay pipeline exactly as ``ntt run`` builds it (``build_session_pipeline``: the
    session's device profile, microphone array, playback reference and recorded device
    turns), and ``source`` switched to what that pipeline takes (``session_source``)."""
    pipeline = build_session_pipeline(session, dataclasses.replace(settings, use_video=use_video),
                                      observers=observers, engine=engine)
    source.array = session_source(session, pipeline).array
    return pipeline


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
