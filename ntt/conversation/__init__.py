"""Conversation engine: turn-taking state machine, skills over a simulated home, teaching,
anticipated goals, implicit feedback, speech out.

* ``ConversationEngine`` — the stage: ``Turn`` / early ``Decision`` / ``Tick`` in, actions out.
* ``Turn`` — its input: a final decision joined with the recognised text (``TurnJoiner``
  does the joining in the pipeline).
* ``Say``, ``StopSpeaking``, ``SkillRun``, ``TurnOutcome``, ``Transition`` — its outputs.
* ``engine.context(t_s)`` — what fusion sees of it (``ntt.device_context``).
* ``Store`` — the SQLite memory (``$NTT_DATA_DIR`` or the user data directory).
* ``TextSpeech`` / ``EspeakSpeech`` / ``default_speech`` — speech out.
"""

from ntt.conversation.engine import ConversationEngine
from ntt.conversation.speech import EspeakSpeech, SpeechOut, TextSpeech, default_speech
from ntt.conversation.store import FalseReject, Routine, Step, Store, default_data_dir
from ntt.conversation.turns import TurnJoiner
from ntt.cues import DeviceTurn, Say, SkillRun, State, StopSpeaking, Transition, Turn, TurnOutcome

__all__ = ["ConversationEngine", "DeviceTurn", "EspeakSpeech",
           "FalseReject", "Routine", "Say", "SkillRun", "SpeechOut", "State", "Step",
           "StopSpeaking", "Store", "TextSpeech", "Transition", "Turn", "TurnJoiner", "TurnOutcome",
           "default_data_dir", "default_speech"]
