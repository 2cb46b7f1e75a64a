"""Run the real front-ends over a session once and keep the cue stream fusion sees.

Fusion variants (the trained model, each ablation, the rule, no context) are then replayed
over the same cues in milliseconds, so every number of an evaluation table comes from the
same front-end output — and it is exactly the stream the live pipeline would feed fusion.
Records are cached by session content and front-end version.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import pickle
import time
from dataclasses import dataclass
from pathlib import Path

from ntt.cues import FacesCue
from ntt.io.session import Session

log = logging.getLogger(__name__)

# Bump when a front-end changes what it emits (3: EndOfTurn cues; 4, 5: VAD state resets;
# 6: Whisper decodes at pauses).
RECORD_VERSION = "6"


@dataclass
class SessionRecord:
    """Everything fusion received for one session, in order, plus the front-end costs."""

    name: str
    scenario: str
    duration_s: float
    cues: list
    stage_rtf: dict[str, float]
    wall_s: float
    asr: str


class CueRecorder:
    """A stage that only remembers what reaches it (placed where fusion would be)."""

    def __init__(self) -> None:
        self.items: list = []

    def push(self, item) -> list:
        if isinstance(item, FacesCue):  # landmarks are for drawing, not for fusion
            item = dataclasses.replace(item, faces=tuple(
                dataclasses.replace(f, landmarks_xy=None) for f in item.faces))
        self.items.append(item)
        return []

    def flush(self) -> list:
        return []

    def reset(self) -> None:
        self.items.clear()


def session_camera(session: Session):
    """The camera geometry fusion gets for this session (its device profile's, as the live
    pipeline does), or None for a version-1 session, which has no array and no profile."""
    if session.channels <= 1:
        return None
    from ntt.calibration.profile import profile_for_session

    return profile_for_session(session).camera_geometry()


def session_hash(session: Session) -> str:
    """Content hash of the session's media and metadata (labels excluded: they do not change
    what the front-ends emit)."""
    h = hashlib.sha256()
    for path in (session.root / "session.json", session.audio_path, session.video_path,
                 session.playback_path):
        if path is not None:
            with open(path, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()[:16]


def record_session(session: Session, asr: str = "pocketsphinx", use_video: bool = True,
                   cache_dir: Path | None = None) -> SessionRecord:
    from ntt.pipeline import build_session_pipeline, session_source
    from ntt.settings import Settings

    cache = None
    if cache_dir is not None:
        key = f"{session_hash(session)}-{asr}-{int(use_video)}-v{RECORD_VERSION}"
        cache = Path(cache_dir) / f"{key}.pkl"
        if cache.is_file():
            with open(cache, "rb") as f:
                return pickle.load(f)
    recorder = CueRecorder()
    # As ``ntt run`` hears it: the session's profile, its array and its playback reference.
    pipeline = build_session_pipeline(session, Settings(use_video=use_video, asr=asr),
                                      fusion_stage=recorder)
    t0 = time.perf_counter()
    source = session_source(session, pipeline, use_video=use_video)
    for _ in pipeline.run(source):
        pass
    wall = time.perf_counter() - t0
    record = SessionRecord(session.name, session.scenario, session.duration_s, recorder.items,
                           pipeline.times.rtf(), wall, asr)
    if cache is not None:
        from ntt.outputs import atomic_save

        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_save(cache, lambda f: pickle.dump(record, f, pickle.HIGHEST_PROTOCOL),
                    "store the record")
    log.info("%s: recorded %d cues, RTF %.2f", session.name, len(recorder.items),
             record.stage_rtf.get("total", 0))
    return record
