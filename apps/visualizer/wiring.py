"""Building the pipeline (and, live, the conversation engine) the way the window needs it.

``ntt.pipeline.build_pipeline`` grows options as front-ends land; the window passes only the
options and keyword arguments this build of it has, so the visualizer keeps working while
the library changes under it.
"""

from __future__ import annotations

import inspect
import logging
import tempfile
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from ntt.pipeline import Pipeline, PipelineOptions, build_pipeline

log = logging.getLogger(__name__)


def pipeline_options(use_video: bool, overrides: dict[str, Any] | None = None
                     ) -> PipelineOptions:
    """``PipelineOptions`` with video on/off and the overrides this version knows."""
    names = {f.name for f in fields(PipelineOptions)}
    wanted = {**(overrides or {}), "use_video": use_video}
    unknown = sorted(set(wanted) - names)
    if unknown:
        log.info("pipeline options not in this build: %s", ", ".join(unknown))
    return PipelineOptions(**{k: v for k, v in wanted.items() if k in names})


def make_pipeline(observers: list[Callable[[Any], None]], *, use_video: bool,
                  overrides: dict[str, Any] | None = None, device_turns: tuple = (),
                  engine: Any = None) -> Pipeline:
    params = inspect.signature(build_pipeline).parameters
    extra: dict[str, Any] = {}
    if device_turns and "device_turns" in params:
        extra["device_turns"] = tuple(device_turns)
    if engine is not None:
        if "engine" in params:
            extra["engine"] = engine
        else:
            log.warning("this pipeline cannot take a conversation engine yet")
    return build_pipeline(pipeline_options(use_video, overrides), observers=observers, **extra)


def make_engine(live: bool, speak: bool = False) -> tuple[Any, Callable[[], None]]:
    """The conversation engine and how to dispose of it, or (None, no-op) where this build
    has none. Live: the household's store, replies spoken when ``speak`` (espeak-ng, where an
    audio output exists). Replay: text replies and a temporary store, as ``ntt run`` does,
    so replaying a recording leaves the household's data alone. Call on the thread that
    will run the pipeline (the store is SQLite)."""
    try:
        from ntt.conversation import ConversationEngine, TextSpeech
    except ImportError as exc:
        log.info("no conversation engine: %s", exc)
        return None, lambda: None
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


def set_conversation_mode(engine: Any, on: bool) -> bool:
    """Ask the engine to enter or leave conversation mode; False if it cannot be told."""
    setter = getattr(engine, "set_conversation_mode", None)
    if not callable(setter):
        return False
    setter(on)
    return True
