"""The Python API: the pipeline ``ntt run`` and ``ntt live`` drive, in a few calls.

```python
import ntt

with ntt.open_session("datasets/samples/camera-off", asr="none") as stream:
    for d in stream.decisions():           # final decisions, in session time
        print(f"{d.start_s:.2f}-{d.end_s:.2f} s p={d.p_directed:.2f} {d.directed}")
```

* ``open_session(PATH)`` replays a recorded session (``ntt.io.session``'s format);
  ``open_live(camera=0, mic=None)`` listens to the microphone and watches the camera.
  Both return a ``Stream``: the pipeline (``ntt.pipeline.build_pipeline``) over a source
  (``ntt.io.sources.SessionSource`` / ``LiveSource``), exactly the objects the CLI uses.
* ``Stream.decisions(kind="final", on_decision=None)`` yields ``ntt.cues.Decision``s
  (``"early"``, ``"final"`` or ``"all"``), calling ``on_decision`` on each first;
  ``Stream.run(on_decision)`` consumes the stream and returns the list;
  iterating the ``Stream`` itself yields every cue the stages produce (faces, speech
  events, recognition results, decisions, the engine's replies: ``ntt.cues``).
* Settings: any ``ntt.settings.Settings`` field by keyword (``asr="whisper"``,
  ``use_video=False``), or a whole ``settings=Settings(...)``.
* Observers (``observers=[fn]``) see every cue as it is produced, as ``--events`` does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from ntt.cues import Decision
from ntt.settings import Settings

DecisionKind = Literal["early", "final", "all"]


class Stream:
    """A pipeline fed by a source. Iterate it for every cue, or ``decisions()`` for the
    decisions alone; a live stream runs until ``stop()`` (or Ctrl-C in the loop)."""

    def __init__(self, pipeline, source, engine=None):
        self.pipeline = pipeline
        """The ``ntt.pipeline.Pipeline`` (its stages: ``pipeline.stage("vad")``, its
        per-stage times: ``pipeline.times.rtf()``)."""
        self.source = source
        """The ``SessionSource`` or ``LiveSource``."""
        self.engine = engine
        """The conversation engine, when one answers (live), else None."""

    def __iter__(self) -> Iterator[Any]:
        return self.pipeline.run(self.source)

    def decisions(self, kind: DecisionKind = "final",
                  on_decision: Callable[[Decision], None] | None = None
                  ) -> Iterator[Decision]:
        """The decisions of ``kind`` as they are made; ``on_decision`` is called on each
        before it is yielded."""
        if kind not in ("early", "final", "all"):
            raise ValueError(f"kind must be 'early', 'final' or 'all', not {kind!r}")
        for item in self:
            if isinstance(item, Decision) and kind in ("all", item.kind):
                if on_decision is not None:
                    on_decision(item)
                yield item

    def run(self, on_decision: Callable[[Decision], None] | None = None,
            kind: DecisionKind = "final") -> list[Decision]:
        """Consume the whole stream (a live one: until ``stop()``); the decisions."""
        return list(self.decisions(kind, on_decision))

    def stop(self) -> None:
        """End a live stream after the block being read (a recorded one ends by itself)."""
        stop = getattr(self.source, "stop", None)
        if stop is not None:
            stop()

    def close(self) -> None:
        self.stop()
        if self.engine is not None:
            self.engine.close()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _settings(settings: Settings | None, overrides: dict[str, Any]) -> Settings:
    settings = settings or Settings()
    return dataclasses.replace(settings, **overrides) if overrides else settings


def open_session(path: str | Path, *, settings: Settings | None = None,
                 realtime: bool = False, device=None,
                 observers: Iterable[Callable[[Any], None]] = (), **fields) -> Stream:
    """A recorded session (its directory or ``session.json``) through the pipeline.

    ``device``: a ``DeviceProfile`` (default: the one the session names); ``realtime``
    paces the replay to the clock; ``fields``: ``Settings`` fields to change. Offline, the
    interaction context comes from the recording's own device turns, as in ``ntt run``.
    Bad input raises ``ntt.errors.InputError`` naming the file and the problem."""
    from ntt.io.session import load_session
    from ntt.pipeline import build_session_pipeline, session_source

    settings = _settings(settings, fields)
    session = load_session(path)
    pipeline = build_session_pipeline(session, settings, device=device, observers=observers)
    return Stream(pipeline, session_source(session, pipeline, use_video=settings.use_video,
                                           realtime=realtime))


def open_live(*, camera: int | str | None = 0, mic: int | str | None = None,
              device: str | Path = "laptop-webcam", settings: Settings | None = None,
              speak: bool = False, observers: Iterable[Callable[[Any], None]] = (),
              **fields) -> Stream:
    """The microphone (``mic``: a sounddevice name or index, None for the default) and the
    camera (an index or a device path; None for audio only) through the pipeline, as
    ``ntt live`` runs it. ``device``: a profile name or a ``.toml`` file. With ``speak``
    the conversation engine answers aloud (and its voice goes to the echo canceller);
    without it only decisions come out. Nothing is opened until the stream is iterated."""
    from ntt.calibration.profile import load_profile
    from ntt.io.sources import CameraReader, LiveSource, MicrophoneReader
    from ntt.pipeline import build_pipeline

    profile = load_profile(device)
    settings = _settings(settings, {"use_video": camera is not None, **fields})
    channels = profile.microphone.channels if profile.microphone.is_array else 1
    reader = MicrophoneReader(mic, channels=channels)
    cam = CameraReader(camera) if camera is not None else None
    engine, reference, plays = None, None, False
    if speak:
        from ntt.conversation.engine import ConversationEngine
        from ntt.conversation.speech import default_speech
        from ntt.io.playback import PlaybackReference

        reference = PlaybackReference()
        speech = default_speech(live=True, reference=reference)
        plays = bool(getattr(speech, "plays_audio", False))
        engine = ConversationEngine.live(speech=speech)
    pipeline = build_pipeline(settings, device=profile, observers=observers, engine=engine,
                              audio_channels=channels, playback=plays)
    source = LiveSource(reader, cam, playback=reference if plays else None)
    return Stream(pipeline, source, engine=engine)
