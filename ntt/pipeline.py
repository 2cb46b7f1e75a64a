"""The wiring: sources → front-ends → fusion → decisions, with observers on every item.

One code path for live and offline: the pipeline neither knows nor cares whether items come
from a file or from devices; ``--realtime`` pacing lives in the source.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ntt.cues import AudioChunk, Decision, SourceStatus, Tick, VideoFrame
from ntt.stage import Stage

TICK_S = 0.05


@dataclass
class StageTimes:
    """Seconds spent in each stage; the pipeline's only built-in metric."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    audio_s: float = 0.0

    def rtf(self) -> dict[str, float]:
        if self.audio_s <= 0:
            return {}
        out = {name: s / self.audio_s for name, s in self.seconds.items()}
        out["total"] = sum(self.seconds.values()) / self.audio_s
        return out


class Pipeline:
    """Routes each source item to the stages that consume it.

    ``audio_stages`` take ``AudioChunk``; ``video_stages`` take ``VideoFrame``; their cues go
    to ``fusion`` along with a ``Tick`` every ``tick_s`` of audio time. ``SourceStatus``
    items (control) reach every stage before any data that follows them.
    """

    def __init__(self, audio_stages: dict[str, Stage], video_stages: dict[str, Stage],
                 fusion: Stage, observers: Iterable[Callable[[Any], None]] = (),
                 tick_s: float = TICK_S):
        self.audio_stages = audio_stages
        self.video_stages = video_stages
        self.fusion = fusion
        self.observers = list(observers)
        self.tick_s = tick_s
        self.times = StageTimes()
        self._next_tick_s = 0.0

    def _timed(self, name: str, stage: Stage, item: Any, flush: bool = False) -> list:
        t0 = time.perf_counter()
        out = stage.flush() if flush else stage.push(item)
        self.times.seconds[name] += time.perf_counter() - t0
        return out

    def _emit(self, items: list) -> list:
        for item in items:
            for observe in self.observers:
                observe(item)
        return items

    def _fuse(self, cues: list) -> list[Decision]:
        decisions = []
        for cue in cues:
            decisions += self._emit(self._timed("fusion", self.fusion, cue))
        return decisions

    def push(self, item: AudioChunk | VideoFrame | SourceStatus) -> list:
        """Everything produced by one source item: cues, then decisions."""
        if isinstance(item, SourceStatus):
            self._emit([item])
            out = []
            for name, stage in {**self.audio_stages, **self.video_stages}.items():
                out += self._emit(self._timed(name, stage, item))
            return out + self._fuse([item] + out)
        cues: list = []
        if isinstance(item, AudioChunk):
            self.times.audio_s = max(self.times.audio_s, item.end_s)
            for name, stage in self.audio_stages.items():
                cues += self._emit(self._timed(name, stage, item))
            while self._next_tick_s <= item.end_s:
                cues.append(Tick(self._next_tick_s))
                self._next_tick_s += self.tick_s
        elif isinstance(item, VideoFrame):
            for name, stage in self.video_stages.items():
                cues += self._emit(self._timed(name, stage, item))
        return cues + self._fuse(cues)

    def flush(self) -> list:
        cues: list = []
        for name, stage in {**self.audio_stages, **self.video_stages}.items():
            cues += self._emit(self._timed(name, stage, None, flush=True))
        decisions = self._fuse(cues)
        decisions += self._emit(self._timed("fusion", self.fusion, None, flush=True))
        return cues + decisions

    def run(self, source: Iterable) -> Iterator:
        """Push every item of ``source``, then flush; yields everything produced."""
        for item in source:
            yield from self.push(item)
        yield from self.flush()


@dataclass(frozen=True)
class PipelineOptions:
    use_video: bool = True
    tick_s: float = TICK_S


def build_pipeline(options: PipelineOptions | None = None,
                   observers: Iterable[Callable[[Any], None]] = ()) -> Pipeline:
    """The standard NTT pipeline with every model loaded from installed packages."""
    from ntt.audio.vad import SileroVad, load_silero_model
    from ntt.fusion.rule import RuleFusion

    options = options or PipelineOptions()
    video_stages: dict[str, Stage] = {}
    if options.use_video:
        from ntt.vision.analyzer import FaceAnalyzer
        from ntt.vision.detector import FaceDetector
        from ntt.vision.landmarks import FaceMesh

        video_stages["vision"] = FaceAnalyzer(FaceDetector(), FaceMesh())
    return Pipeline(audio_stages={"audio": SileroVad(load_silero_model())},
                    video_stages=video_stages, fusion=RuleFusion(), observers=observers,
                    tick_s=options.tick_s)
