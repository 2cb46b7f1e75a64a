"""End-of-turn: has the speaker finished, or only paused? From the words so far, how the
voice ended, and the silence since (``EndOfTurn`` cues for the utterance gate).

* ``EndOfTurnDetector`` — the stage (``stage``);
* ``CompletenessModel`` — p(the words are a whole request) (``words``);
* ``EndpointHead`` — the logistic head over the named cues (``head``);
* ``SmartTurn`` — pipecat's Smart Turn v3: p(finished) from the sound (``smart_turn``);
* ``load_detector(settings)`` — the stage with the shipped models (``ntt/models/endpoint*``,
  card ``ntt/models/endpoint.md``).
"""

from __future__ import annotations

from pathlib import Path

from ntt import paths
from ntt.endpoint.head import EndpointHead
from ntt.endpoint.smart_turn import MODEL_PATH, SmartTurn
from ntt.endpoint.stage import EndOfTurnDetector
from ntt.endpoint.words import CompletenessModel
from ntt.errors import InputError
from ntt.settings import EndpointSettings

HEAD_PATH = paths.MODELS / "endpoint_head.json"
WORDS_PATH = paths.MODELS / "endpoint_words.npz"


def load_detector(settings: EndpointSettings | None = None) -> EndOfTurnDetector:
    """The detector with the shipped (or the settings') head and words model; a missing or
    foreign file is an InputError that says how to rebuild it."""
    settings = settings or EndpointSettings()
    head_path = Path(settings.head_path) if settings.head_path else HEAD_PATH
    words_path = Path(settings.words_path) if settings.words_path else WORDS_PATH
    try:
        head = EndpointHead.load(head_path)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(head_path, f"cannot read the end-of-turn head ({exc}); rebuild it: "
                         "python -m ntt.endpoint.train_head") from None
    try:
        words = CompletenessModel.load(words_path)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(words_path, f"cannot read the end-of-turn words model ({exc}); "
                         "rebuild it: python -m ntt.endpoint.train_words") from None
    smart_turn = None
    if settings.smart_turn:
        try:
            smart_turn = SmartTurn()
        except Exception as exc:  # onnxruntime says only "failed to load" in its own words
            raise InputError(MODEL_PATH, f"cannot load Smart Turn ({exc}); it ships with "
                             "NTT: reinstall it") from None
    return EndOfTurnDetector(head, words, settings, smart_turn)


__all__ = ["CompletenessModel", "EndOfTurnDetector", "EndpointHead", "SmartTurn",
           "load_detector"]
