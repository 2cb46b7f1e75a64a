"""The wiring: sources → front-ends → fusion → conversation engine, with observers.

One code path for live and offline: the pipeline neither knows nor cares whether items come
from a file or from devices; ``--realtime`` pacing lives in the source.

A pipeline is an ordered chain of ``Route``s (a stage and the item types it takes). Each
source item travels down the chain; every cue a stage emits travels on to the stages after
it, so the VAD's events reach the ASR stage right after the chunk that caused them, and
fusion sees every cue of the tick. Cues that an *earlier* stage takes (the conversation
engine's context for fusion) are fed back at the start of the next item. Control items
(``SourceStatus``) reach every stage that takes them before any data that follows.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ntt import paths
from ntt.cues import (
    AsrResult,
    AudioChunk,
    Decision,
    EchoActivity,
    LexicalCue,
    MicArrayChunk,
    PartialHypothesis,
    ProsodyFrame,
    SourceStatus,
    SpeechEvent,
    SpeechProbability,
    Tick,
    VideoFrame,
)
from ntt.settings import Settings, TimingSettings
from ntt.stage import Stage, refuse

if TYPE_CHECKING:
    from ntt.calibration.gaze import GazeCorrection
    from ntt.calibration.profile import DeviceProfile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Route:
    """A stage, the item types it takes, and whether its cues may flow back to earlier
    stages (the engine's context for fusion: live yes; offline the recording's own device
    turns are the context, so the engine only listens)."""

    name: str
    stage: Stage
    accepts: tuple[type, ...]
    feedback: bool = True


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


class Clock:
    """Emits a ``Tick`` every ``tick_s`` of audio time: the fusion clock."""

    def __init__(self, tick_s: float = TimingSettings.tick_s):
        self.tick_s = tick_s
        self.reset()

    def reset(self) -> None:
        self._next_s = 0.0

    def push(self, chunk: AudioChunk) -> list[Tick]:
        if not isinstance(chunk, AudioChunk):
            refuse(self, chunk, (AudioChunk,))
        out = []
        while self._next_s <= chunk.end_s:
            out.append(Tick(self._next_s))
            self._next_s += self.tick_s
        return out

    def flush(self) -> list[Tick]:
        return []


class Pipeline:
    def __init__(self, routes: list[Route], observers: Iterable[Callable[[Any], None]] = ()):
        self.routes = routes
        self.observers = list(observers)
        self.times = StageTimes()
        self._feedback: list = []

    def stage(self, name: str) -> Stage:
        return next(r.stage for r in self.routes if r.name == name)

    def takes(self, item_type: type) -> bool:
        """Whether some stage takes ``item_type`` (a source asks before it sends
        ``MicArrayChunk``s instead of mono ``AudioChunk``s)."""
        return any(issubclass(item_type, r.accepts) for r in self.routes)

    def _emit(self, items: list) -> None:
        for item in items:
            if isinstance(item, Tick):
                continue
            for observe in self.observers:
                observe(item)

    def _run_chain(self, first: list, flush: bool = False) -> list:
        pending = list(first)
        produced: list = []
        for index, route in enumerate(self.routes):
            t0 = time.perf_counter()
            new: list = []
            for item in pending:
                if isinstance(item, route.accepts):
                    new += route.stage.push(item)
            if flush:
                new += route.stage.flush()
            self.times.seconds[route.name] += time.perf_counter() - t0
            if not new:
                continue
            self._emit(new)
            pending += new
            produced += new
            # Cues for stages earlier in the chain wait for the next item.
            earlier = tuple(t for r in self.routes[:index] for t in r.accepts)
            if route.feedback and earlier:
                self._feedback += [c for c in new if isinstance(c, earlier)]
        return produced

    def push(self, item: Any) -> list:
        """Everything produced by one source item, in the order it was produced (a control
        item itself comes first)."""
        if isinstance(item, AudioChunk | MicArrayChunk):
            self.times.audio_s = max(self.times.audio_s, item.end_s)
        first, self._feedback = self._feedback + [item], []
        if isinstance(item, SourceStatus):  # sources report changes, so this logs each once
            log.warning("%s at %.2f s %s", item.kind, item.t_s, item.detail)
            self._emit([item])
            return [item] + self._run_chain(first)
        return self._run_chain(first)

    def flush(self) -> list:
        first, self._feedback = self._feedback, []
        return self._run_chain(first, flush=True)

    def run(self, source: Iterable) -> Iterator:
        """Push every item of ``source``, then flush; yields everything produced."""
        for item in source:
            yield from self.push(item)
        yield from self.flush()


def build_pipeline(settings: Settings | None = None, *, device: DeviceProfile | None = None,
                   gaze_correction: GazeCorrection | None = None,
                   observers: Iterable[Callable[[Any], None]] = (), device_turns: tuple = (),
                   fusion_stage: Stage | None = None, engine: Stage | None = None,
                   audio_channels: int = 1, playback: bool = False) -> Pipeline:
    """The standard NTT pipeline with every model loaded from installed packages.

    ``settings`` is the one settings tree; ``device`` the device profile (camera geometry,
    calibrated threshold); ``gaze_correction`` a consenting user's gaze calibration.
    ``device_turns`` (offline) are the device's recorded turns, the source of interaction
    context; live, ``engine`` (the conversation engine) answers decisions and what it says is
    the context. Offline the engine still answers, but the recording's turns are the context.
    ``fusion_stage`` replaces the fusion built from ``settings``.
    ``audio_channels`` and ``playback`` say what the source delivers (a session's
    ``channels`` and whether it has ``playback.wav``; live, the profile's microphones and
    whether the device records what it plays): with more than one microphone or a playback
    reference the device-audio front-end (``ntt.device_audio``) comes before the VAD, and
    the source should send ``MicArrayChunk``s (``Pipeline.takes``). Otherwise the mono audio
    reaches the VAD exactly as before.
    """
    from ntt.audio.prosody import TAKES as PROSODY_TAKES
    from ntt.audio.prosody import ProsodyAnalyzer
    from ntt.audio.vad import SileroVad, load_silero_model
    from ntt.device_context import DeviceContextStage
    from ntt.fusion.features import FUSION_INPUTS

    settings = settings or Settings()
    routes: list[Route] = []
    if settings.use_video:
        from ntt.vision.analyzer import FaceAnalyzer
        from ntt.vision.detector import FaceDetector
        from ntt.vision.landmarks import FaceMesh

        geometry = device.camera_geometry() if device is not None else None
        vision, correct = settings.vision, None
        if gaze_correction is not None:  # a consenting user's own tolerance and correction
            vision = dataclasses.replace(vision, attending=gaze_correction.attending_settings(
                vision.attending))
            correct = gaze_correction.apply_vector
        routes.append(Route("vision", FaceAnalyzer(FaceDetector(), FaceMesh(), geometry=geometry,
                                                   settings=vision, gaze_correction=correct),
                            (VideoFrame, SourceStatus)))
    direction = None
    if settings.device_audio.enabled and (audio_channels > 1 or playback):
        from ntt.device_audio import build_stages

        front, direction = build_stages(settings.device_audio,
                                        device.microphone if device is not None else None,
                                        audio_channels)
        routes.append(Route("device_audio", front, (MicArrayChunk,)))
    # The end-of-turn detector reads silero's score of every window.
    # It says when the voice pauses to a recognizer that decodes whole utterances.
    routes.append(Route("vad", SileroVad(load_silero_model(), settings.vad,
                                         emit_probabilities=settings.endpoint.enabled,
                                         emit_pauses=settings.asr != "none"),
                        (AudioChunk, EchoActivity, SourceStatus)))
    if direction is not None:
        from ntt.device_audio.direction import TAKES as DIRECTION_TAKES

        routes.append(Route("direction", direction, DIRECTION_TAKES))
    # The gate's own turn ends (``TurnEvent``) come back to the stages that sum an
    # utterance up (direction, prosody, recognizer: each takes them, its ``TAKES``), so
    # an early final decision hears what a VAD end would have given it.
    routes.append(Route("prosody", ProsodyAnalyzer(), PROSODY_TAKES))
    if settings.asr != "none":
        from ntt.asr import load_recognizer
        from ntt.asr.stage import TAKES as ASR_TAKES
        from ntt.asr.stage import AsrStage
        from ntt.language.intents import default_recognizer
        from ntt.language.model import load_model
        from ntt.language.scorer import LexicalScorer

        routes.append(Route("asr", AsrStage(load_recognizer(settings.asr)), ASR_TAKES))
        routes.append(Route("language", LexicalScorer(load_model(), default_recognizer()),
                            (AsrResult, PartialHypothesis)))
    if settings.endpoint.enabled:
        # End-of-turn from the words and the voice so far: it times fusion's final decision.
        from ntt.endpoint import load_detector

        routes.append(Route("endpoint", load_detector(settings.endpoint),
                            (AudioChunk, SpeechEvent, SpeechProbability, ProsodyFrame,
                             PartialHypothesis, LexicalCue, SourceStatus)))
    routes.append(Route("clock", Clock(settings.timing.tick_s), (AudioChunk,)))
    # The context comes from the recorded device turns (offline) or from what the engine
    # says (live); the same rule either way.
    turns = sorted(device_turns, key=lambda t: t.start_s) if device_turns or engine is None \
        else engine.device_turns
    routes.append(Route("context", DeviceContextStage(turns, settings.engine.answer_window_s),
                        (Tick,)))
    if fusion_stage is None:
        fusion_stage = build_fusion(settings, device)
    routes.append(Route("fusion", fusion_stage, (*FUSION_INPUTS, Tick)))
    if engine is not None:
        routes.append(Route("engine", engine, (Decision, AsrResult, LexicalCue, Tick)))
    return Pipeline(routes, observers=observers)


def build_fusion(settings: Settings, device: DeviceProfile | None = None) -> Stage:
    """The trained model (or the hand-set rule) behind the utterance gate, at the threshold
    the settings name, else the device profile's calibrated one, else the model's own."""
    from ntt.fusion.rule import rule_fusion
    from ntt.fusion.runtime import FusionModel, model_fusion

    fusion = settings.fusion
    threshold = fusion.threshold
    if threshold is None and device is not None:
        threshold = device.thresholds.override
    awaits_words = settings.asr != "none"
    rule = rule_fusion(fusion.rule, threshold, settings.timing, awaits_words)
    if fusion.kind == "rule":
        return rule
    path = Path(fusion.model_path) if fusion.model_path else paths.FUSION_MODEL
    if fusion.model_path is None and not path.is_file():
        log.warning("no trained fusion model at %s: using the hand-set rule", path)
        return rule
    camera = device.camera_geometry() if device is not None else None
    return model_fusion(FusionModel.load(path), threshold=threshold, timing=settings.timing,
                        camera=camera, awaits_words=awaits_words)


def build_session_pipeline(session, settings: Settings | None = None, *,
                           device: DeviceProfile | None = None,
                           observers: Iterable[Callable[[Any], None]] = (),
                           engine: Stage | None = None, device_turns: tuple | None = None,
                           fusion_stage: Stage | None = None) -> Pipeline:
    """The pipeline a recorded ``session`` replays through — the one builder of every replay
    path (``ntt run``, the API, the visualizer, ``ntt wyoming satellite --replay``), so none
    of them hears the session differently: the session's device profile (its microphone
    array; ``device`` overrides it), its channel count and its playback reference, so the
    device-audio front-end and its echo route to the VAD are there exactly when the
    recording has them; and the recording's device turns as context unless ``device_turns``
    says otherwise (``()``: the context comes from ``engine``); ``fusion_stage`` as in
    ``build_pipeline`` (the endpoint benchmark's recorder). Feed it
    ``session_source(session, pipeline)``."""
    from ntt.calibration.profile import profile_for_session

    if device is None:
        device = profile_for_session(session)
    if device_turns is None:
        device_turns = tuple(session.labels.device_turns) if session.labels else ()
    return build_pipeline(settings, device=device, observers=observers,
                          device_turns=device_turns, engine=engine, fusion_stage=fusion_stage,
                          audio_channels=session.channels,
                          playback=session.playback_path is not None)


def session_source(session, pipeline: Pipeline, *, use_video: bool = True,
                   realtime: bool = False):
    """The session's source for ``pipeline``: every microphone and the playback reference
    as ``MicArrayChunk``s where the pipeline has the device-audio front-end, else the mono
    audio."""
    from ntt.io.sources import SessionSource

    return SessionSource(session, use_video=use_video, realtime=realtime,
                         array=pipeline.takes(MicArrayChunk))
