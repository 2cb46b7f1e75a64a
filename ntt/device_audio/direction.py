"""The direction stage: one ``DirectionCue`` per utterance, located from the array's
frames between the VAD's boundaries (``ArrayHistory``, filled by the front-end).

While an utterance goes on it also gives provisional directions (``final=False``) every
``doa_update_s``, from the speech so far: the early decision needs to know where the
voice comes from before the talker has finished, and the front-end's beam turns to each
confident one. It sits after the VAD in the pipeline and takes the VAD's ``SpeechEvent``s
and the front-end's mono ``AudioChunk``s (its clock while speech goes on), and the utterance
gate's ``TurnEvent``s, which end and begin utterances before the VAD does.
"""

from __future__ import annotations

from ntt.cues import AudioChunk, DirectionCue, SourceStatus, SpeechEvent, TurnEvent
from ntt.device_audio.doa import SrpLocator
from ntt.device_audio.history import ArrayHistory
from ntt.settings import DeviceAudioSettings
from ntt.stage import refuse

TAKES = (SpeechEvent, TurnEvent, AudioChunk, SourceStatus)


class DirectionStage:
    def __init__(self, locator: SrpLocator, history: ArrayHistory,
                 settings: DeviceAudioSettings | None = None):
        self.locator = locator
        self.history = history
        self.settings = settings or DeviceAudioSettings()
        self.reset()

    def reset(self) -> None:
        self._start_s: float | None = None
        self._last_update_s = 0.0

    def push(self, item: SpeechEvent | TurnEvent | AudioChunk | SourceStatus
             ) -> list[DirectionCue]:
        match item:
            case SpeechEvent(kind="speech_start") | TurnEvent(kind="turn_resume"):
                self._start_s = item.boundary_s
                self._last_update_s = item.t_s
                return self._locate(item.t_s, item.boundary_s, item.t_s, final=False)
            case SpeechEvent(kind="speech_end") | TurnEvent(kind="turn_end"):
                if self._start_s is None:  # closed already (a turn end before the VAD's)
                    return []
                start, self._start_s = self._start_s, None
                return self._locate(item.t_s, start, item.boundary_s, final=True)
            case AudioChunk():
                if self._start_s is None or \
                        item.end_s - self._last_update_s < self.settings.doa_update_s:
                    return []
                self._last_update_s = item.end_s
                return self._locate(item.end_s, self._start_s, item.end_s, final=False)
            case SourceStatus(kind="mic_lost" | "privacy_on"):
                self._start_s = None
                return []
            case SourceStatus():
                return []
            case _:
                refuse(self, item, TAKES)

    def flush(self) -> list[DirectionCue]:
        return []

    def _locate(self, t_s: float, start_s: float, end_s: float, final: bool
                ) -> list[DirectionCue]:
        span_start = max(start_s, end_s - self.settings.doa_max_span_s)
        found = self.locator.locate(self.history.span(span_start, end_s))
        if not found:
            return []
        best = found[0]
        if self.settings.steer and best.confidence >= self.settings.min_steer_confidence:
            self.history.steer_deg = best.azimuth_deg
        return [DirectionCue(t_s=t_s, start_s=start_s, end_s=end_s,
                             azimuth_deg=best.azimuth_deg, confidence=best.confidence,
                             final=final)]
