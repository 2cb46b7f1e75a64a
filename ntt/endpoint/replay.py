"""The end-of-turn detector over recorded cue streams, for training its head and for the
endpoint benchmark: the front-ends run once per session, the detector and the gate are
replayed over their cues in milliseconds with any weights or thresholds.

``record_inputs`` runs the audio front-ends (VAD, prosody, recognizer, lexical) with the
detector switched off and keeps what fusion received, cached by session content, with
silero's per-window ``SpeechProbability`` put back where the VAD emits it (before the
``ProsodyFrame`` of the same window; fusion does not take them, so they are scored again
from the recorded audio, which gives the VAD's own numbers: the same model over the same
windows). The session is heard as ``ntt run`` hears it (``build_session_pipeline``), and
the audio the VAD heard (the session's, or the device-audio front-end's beam) is recorded
as ``AudioChunk``s in the stream, where the pipeline's own chunks arrive (before the cues
made from them): Smart Turn listens to it. ``with_end_of_turn`` puts a detector's
``EndOfTurn`` cues into such a stream where the pipeline would have put them: after the
front-end cues of their 32 ms chunk, before the chunk's ``Tick``; the audio goes to the
detector only. ``through_gate`` runs an utterance gate over such a stream and answers each
turn it ends before the VAD (a ``TurnEvent``) as the pipeline's front-ends would.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path

from ntt.cues import (
    SAMPLE_RATE_HZ,
    AsrDecoderCue,
    AsrResult,
    AudioChunk,
    DirectionCue,
    EndOfTurn,
    LexicalCue,
    ProsodyFrame,
    SpeechEvent,
    SpeechProbability,
    Tick,
    TurnEvent,
    UtteranceProsody,
)
from ntt.endpoint.stage import TAKES

RECORD_VERSION = "5"  # 3: Whisper decodes at pauses; 4: through the device-audio front-end;
# 5: the scores stored with the cues


def record_inputs(session, asr: str = "pocketsphinx", cache_dir: Path | None = None) -> list:
    """What fusion receives from the audio front-ends over ``session`` (no vision, no
    end-of-turn), cached under ``cache_dir`` by content."""
    from ntt.eval.record import CueRecorder, session_hash
    from ntt.pipeline import build_session_pipeline, session_source
    from ntt.settings import EndpointSettings, Settings

    cache = None
    if cache_dir is not None:
        cache = Path(cache_dir) / f"{session_hash(session)}-{asr}-eot-v{RECORD_VERSION}.pkl"
        if cache.is_file():
            with open(cache, "rb") as f:
                return pickle.load(f)
    recorder = CueRecorder()
    settings = Settings(use_video=False, asr=asr, endpoint=EndpointSettings(enabled=False))
    # As ``ntt run`` hears it: a microphone array through the device-audio front-end.
    pipeline = build_session_pipeline(session, settings, fusion_stage=recorder)
    for item in [*session_source(session, pipeline, use_video=False), None]:
        at = len(recorder.items)
        produced = pipeline.push(item) if item is not None else pipeline.flush()
        # What the VAD heard, before the cues made of it: a mono source's chunk or the beam.
        heard = [item] if isinstance(item, AudioChunk) else []
        recorder.items[at:at] = heard + [c for c in produced if isinstance(c, AudioChunk)]
    cues = with_speech_probabilities([c for c in recorder.items if not isinstance(c, EndOfTurn)])
    if cache is not None:
        from ntt.outputs import atomic_save

        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_save(cache, lambda f: pickle.dump(cues, f, pickle.HIGHEST_PROTOCOL),
                    "store the record")
    return cues


def with_speech_probabilities(cues: list) -> list:
    """``cues`` with silero's score of each window before that window's ``ProsodyFrame``,
    scored on the recorded audio the VAD heard (the beam, for an array)."""
    from ntt.audio.vad import SileroVad, load_silero_model

    vad = SileroVad(load_silero_model(), emit_probabilities=True)
    scored = [p for c in cues if isinstance(c, AudioChunk) for p in vad.push(c)
              if isinstance(p, SpeechProbability)]
    p = {round(c.t_s * SAMPLE_RATE_HZ): c for c in scored}
    out = []
    for c in cues:
        if isinstance(c, ProsodyFrame) and round(c.t_s * SAMPLE_RATE_HZ) in p:
            out.append(p[round(c.t_s * SAMPLE_RATE_HZ)])
        out.append(c)
    return out


def with_end_of_turn(cues: list, detector) -> Iterator:
    """``cues`` as fusion receives them, with the detector's ``EndOfTurn`` cues spliced in
    (any old ones dropped; ``SpeechProbability`` and ``AudioChunk`` go to the detector
    only)."""
    detector.reset()
    pending: list = []
    for cue in cues:
        if isinstance(cue, EndOfTurn):
            continue
        if pending and isinstance(cue, Tick | ProsodyFrame | SpeechEvent | SpeechProbability
                                  | AudioChunk):
            yield from pending
            pending = []
        if isinstance(cue, TAKES):
            pending += detector.push(cue)
        if not isinstance(cue, SpeechProbability | AudioChunk):  # for the detector only
            yield cue
    yield from pending
    yield from detector.flush()


def _sums_up(cue) -> bool:
    """A cue the front-ends make when an utterance ends (at the VAD's end or the gate's)."""
    if isinstance(cue, LexicalCue | DirectionCue):
        return cue.final
    return isinstance(cue, UtteranceProsody | AsrResult | AsrDecoderCue)


def through_gate(gate, stream: list) -> list:
    """What ``gate`` makes over a recorded ``stream`` (``with_end_of_turn``'s). A turn the
    gate ends before the VAD is answered as the pipeline answers it, on the next chunk (its
    ``ProsodyFrame``), with the recording's summing-up of the VAD utterance it lies in (made
    at the VAD's end); that summing-up then comes no second time at the VAD's end unless the
    gate has opened a new turn since (a ``turn_resume``). An approximation: the recorded
    words are of the speech up to the VAD's end, so a turn the gate ends and one it then
    opens inside one VAD utterance both hear all of it."""
    out: list = []
    recorded = set()  # indices of summing-up cues already given as answers
    answers: list = []
    closed = False  # the gate ended the turn and has not opened another
    for i, cue in enumerate(stream):
        if answers and isinstance(cue, ProsodyFrame):
            for answer in answers:
                out += gate.push(answer)
            answers = []
        if i in recorded and closed:
            continue
        produced = gate.push(cue)
        out += produced
        for event in (e for e in produced if isinstance(e, TurnEvent)):
            closed = event.kind == "turn_end"
            if closed:
                found = _summing_up(stream, i + 1)
                recorded.update(found)
                answers += [stream[j] for j in found]
    for answer in answers:
        out += gate.push(answer)
    return out + gate.flush()


def _summing_up(stream: list, start: int) -> list[int]:
    """Indices of the cues the VAD's end of the utterance under way makes (from ``start``:
    those after its ``speech_end`` and before the next chunk's window; the end's own chunk
    has one window, which the prosody stage gives before its summing-up)."""
    found, windows = [], None
    for j in range(start, len(stream)):
        cue = stream[j]
        if isinstance(cue, SpeechEvent):
            if cue.kind == "speech_start" or windows is not None:
                break
            windows = 0
        elif windows is not None and isinstance(cue, ProsodyFrame):
            windows += 1
            if windows > 1:
                break
        elif windows is not None and _sums_up(cue):
            found.append(j)
    return found
