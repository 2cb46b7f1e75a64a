"""The cue vocabulary: every item that crosses a stage boundary, one module per modality.

Stages import these types, never each other, and dispatch on them with ``isinstance``
(after Pipecat's single frames module). Every item carries ``t_s``, seconds on the session
clock (the audio sample count is its master); units live in field names.

* ``source`` — what sources read and report: ``AudioChunk``, ``MicArrayChunk`` (an array's
  channels and the playback reference, before the device-audio front-end), ``VideoFrame``,
  ``SourceStatus``, and the fusion clock ``Tick``.
* ``vision`` — ``Face``, ``FacesCue``.
* ``audio`` — ``EchoActivity``, ``SpeechEvent``, ``SpeechPause``, ``SpeechProbability``,
  ``ProsodyFrame``, ``UtteranceProsody``, ``EndOfTurn``, ``DirectionCue``.
* ``asr`` — ``PartialHypothesis``, ``AsrResult`` (n-best of ``Hypothesis``/``WordTiming``),
  ``AsrDecoderCue``.
* ``language`` — ``LexicalCue``, ``Intent``.
* ``decision`` — ``Decision``, ``TurnEvent``.
* ``conversation`` — the engine's ``Turn`` in, ``Say``/``StopSpeaking``/``SkillRun``/
  ``TurnOutcome``/``Transition`` out; ``DeviceTurn`` and ``DeviceContext``.
"""

from ntt.cues.asr import AsrDecoderCue, AsrResult, Hypothesis, PartialHypothesis, WordTiming
from ntt.cues.audio import (
    DirectionCue,
    EchoActivity,
    EndOfTurn,
    ProsodyFrame,
    SpeechEvent,
    SpeechPause,
    SpeechProbability,
    UtteranceProsody,
)
from ntt.cues.conversation import (
    Action,
    DeviceContext,
    DeviceTurn,
    Outcome,
    Say,
    SayKind,
    SkillRun,
    State,
    StopSpeaking,
    Transition,
    Turn,
    TurnOutcome,
)
from ntt.cues.decision import Addressee, Decision, TurnEvent
from ntt.cues.language import Intent, LexicalCue
from ntt.cues.source import (
    SAMPLE_RATE_HZ,
    AudioChunk,
    MicArrayChunk,
    SourceStatus,
    SourceStatusKind,
    Tick,
    VideoFrame,
)
from ntt.cues.vision import Face, FacesCue

__all__ = [
    "SAMPLE_RATE_HZ", "Action", "Addressee", "AsrDecoderCue", "AsrResult", "AudioChunk",
    "Decision", "DeviceContext", "DeviceTurn", "DirectionCue", "EchoActivity", "EndOfTurn", "Face",
    "FacesCue",
    "Hypothesis", "Intent", "LexicalCue", "MicArrayChunk", "Outcome", "PartialHypothesis",
    "ProsodyFrame", "Say", "SayKind", "SkillRun", "SourceStatus", "SourceStatusKind",
    "SpeechEvent", "SpeechPause", "SpeechProbability", "State", "StopSpeaking", "Tick",
    "Transition", "Turn", "TurnEvent", "TurnOutcome", "UtteranceProsody", "VideoFrame",
    "WordTiming",
]
