"""Building the pipeline (and, live, the conversation engine) the way the window needs it.

``ntt.pipeline.build_pipeline`` grows options as front-ends land; the window passes only the
options and keyword arguments this build of it has, so the visualizer keeps working while
the library changes under it.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from dataclasses import fields
from typing import Any

from ntt.cues import Decision, Tick
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


class EngineAdapter:
    """The conversation engine as one stage of the live pipeline: decisions and recognised
    text are joined into turns (``TurnJoiner``) and, with the clock, fed to the engine."""

    def __init__(self, engine: Any, joiner: Any):
        self.engine = engine
        self.joiner = joiner

    def push(self, item: Any) -> list:
        out = []
        if isinstance(item, Decision):
            out += self.engine.push(item)
        for turn in self.joiner.push(item):
            out += self.engine.push(turn)
        if isinstance(item, Tick):
            out += self.engine.tick(item.t_s)
        return out

    def flush(self) -> list:
        out = []
        for turn in self.joiner.flush():
            out += self.engine.push(turn)
        return out + self.engine.flush()

    def reset(self) -> None:
        self.joiner.reset()
        self.engine.reset()

    def set_conversation_mode(self, on: bool) -> bool:
        """Ask the engine to enter or leave conversation mode; False if it cannot be told."""
        setter = getattr(self.engine, "set_conversation_mode", None)
        if not callable(setter):
            return False
        setter(on)
        return True

    def close(self) -> None:
        close = getattr(self.engine, "close", None)
        if callable(close):
            close()


def make_engine(speak: bool) -> EngineAdapter | None:
    """The live demo's conversation engine (None where this build has none): replies are
    spoken with espeak-ng when ``speak`` and an audio output exist, else text only."""
    try:
        from ntt.conversation import ConversationEngine, TextSpeech, TurnJoiner, default_speech
        from ntt.language.intents import Home, IntentRecognizer
    except ImportError as exc:
        log.info("no conversation engine: %s", exc)
        return None
    speech = default_speech(live=True) if speak else TextSpeech()
    engine = ConversationEngine(IntentRecognizer(Home.load()), speech=speech)
    return EngineAdapter(engine, TurnJoiner(keep_without_text=True))
