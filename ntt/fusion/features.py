"""The fusion input: on every tick, the latest cue of each modality as a fixed-size vector
with an availability mask.

``FeatureTracker`` keeps the state needed to build it (the utterance in progress, the
active speaker, the latest ASR and lexical evidence, the interaction context). The cue types
come from ``ntt.cues``, which needs numpy alone, so ``ntt.fusion`` imports with torch and
numpy alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ntt.cues import (
    AsrDecoderCue,
    DeviceContext,
    DirectionCue,
    EndOfTurn,
    FacesCue,
    LexicalCue,
    PartialHypothesis,
    ProsodyFrame,
    SourceStatus,
    SpeechEvent,
    Tick,
    UtteranceProsody,
)
from ntt.fusion.speaker import MAX_FACE_OFFSET_DEG, SpeakerAssociation, SpeakerChoice
from ntt.stage import refuse

if TYPE_CHECKING:
    from ntt.vision.camera import CameraGeometry

# What fusion takes besides the Tick that steps it.
FusionInput = (SourceStatus | FacesCue | SpeechEvent | ProsodyFrame | UtteranceProsody
               | PartialHypothesis | AsrDecoderCue | LexicalCue | DeviceContext | DirectionCue
               | EndOfTurn)
FUSION_INPUTS: tuple[type, ...] = (SourceStatus, FacesCue, SpeechEvent, ProsodyFrame,
                                   UtteranceProsody, PartialHypothesis, AsrDecoderCue,
                                   LexicalCue, DeviceContext, DirectionCue, EndOfTurn)
MODALITIES = ("vision", "audio", "asr", "language", "context", "direction")
VISION = ("attending", "yaw_abs", "pitch", "gaze_angle", "mouth_activity", "eye_open",
          "other_attending", "n_faces", "speaker_margin", "face_size", "sync", "sync_known",
          "sync_margin", "attending_share")
AUDIO = ("in_speech", "speech_time", "level_z", "snr", "f0_z", "utt_level_z", "utt_rate_z",
         "utt_duration_z", "utt_f0_z", "utt_known")
ASR = ("confidence", "entropy", "margin", "n_words", "words_per_s", "min_word_conf",
       "stability", "partial_known", "final_known")
LANGUAGE = ("p_lexical", "p_lexical_final", "has_intent", "final_known")
CONTEXT = ("device_speaking", "awaiting_answer", "since_device", "last_p", "last_directed",
           "same_speaker")
# The utterance's direction of arrival and how it lines up with the faces in view: "the
# voice came from this face" or "from off camera", learnt rather than thresholded. The
# face-dependent ones need the camera's intrinsics and a face in view (FACE_DIRECTION).
DIRECTION = ("confidence", "azimuth", "final", "face_known", "speaker_offset",
             "nearest_offset", "speaker_toward", "any_toward")
FACE_DIRECTION = ("face_known", "speaker_offset", "nearest_offset", "speaker_toward",
                  "any_toward")
FEATURES = {"vision": VISION, "audio": AUDIO, "asr": ASR, "language": LANGUAGE,
            "context": CONTEXT, "direction": DIRECTION}
SLICES: dict[str, slice] = {}
_start = 0
for _name in MODALITIES:
    SLICES[_name] = slice(_start, _start + len(FEATURES[_name]))
    _start += len(FEATURES[_name])
N_FEATURES = _start
N_MODALITIES = len(MODALITIES)
_FACE_DIRECTION_AT = np.array([SLICES["direction"].start + DIRECTION.index(n)
                               for n in FACE_DIRECTION])
_VISION_AT = MODALITIES.index("vision")


def hide_faces(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``values`` (..., N_FEATURES) with the face-dependent direction features zeroed where
    vision is masked (..., N_MODALITIES): a variant without the camera must not see faces
    through the direction's features."""
    hidden = mask[..., _VISION_AT] <= 0
    if not np.any(hidden):
        return values
    out = values.copy()
    out[..., _FACE_DIRECTION_AT] = np.where(hidden[..., None], 0.0,
                                            out[..., _FACE_DIRECTION_AT])
    return out

OFFSET_SCALE_DEG = 30.0  # face-to-direction angles in these units, capped at 3
STALE_FACES_S = 0.5  # faces older than this count as missing (camera covered, lagging)
SINCE_DEVICE_CAP_S = 30.0


def _finite(x: float, default: float = 0.0) -> float:
    return float(x) if x is not None and math.isfinite(float(x)) else default


def _clip(x: float, lo: float = -4.0, hi: float = 4.0) -> float:
    return min(hi, max(lo, _finite(x)))


@dataclass(frozen=True)
class TickFeatures:
    """One tick's vector, mask (one flag per modality), and the state a decision needs."""

    t_s: float
    values: np.ndarray  # (N_FEATURES,) float32
    mask: np.ndarray  # (N_MODALITIES,) float32, 1 = available
    in_utterance: bool
    utterance_start_s: float | None
    speaker_track: int | None


class FeatureTracker:
    """Consumes cues, returns a ``TickFeatures`` on every ``Tick``. A ``DirectionCue`` of the
    utterance in progress fills the direction features; ``camera`` (the device's
    intrinsics) gives each face's azimuth, so the direction also takes part in choosing the
    speaker and says how far the chosen face and the nearest face are from it."""

    def __init__(self, camera: CameraGeometry | None = None) -> None:
        self.camera = camera
        self.reset()

    def reset(self) -> None:
        self._faces: list[tuple[float, FacesCue]] = []
        self._camera_on = True
        self._speech_start: float | None = None
        self._last_speech_end: float | None = None
        self._prosody: ProsodyFrame | None = None
        self._utt_prosody: UtteranceProsody | None = None
        self._partial: PartialHypothesis | None = None
        self._asr: AsrDecoderCue | None = None
        self._lexical_partial: LexicalCue | None = None
        self._lexical_final: LexicalCue | None = None
        self._context: DeviceContext | None = None
        self._last_p = 0.0
        self._last_directed = False
        self._last_speaker: int | None = None
        self._association = SpeakerAssociation(self.camera)
        self._speaker: int | None = None
        self._choice: tuple[SpeakerChoice, FacesCue] | None = None

    # --- cue intake ----------------------------------------------------------------------

    def observe(self, item: FusionInput) -> None:
        """Take one cue; anything that is not a fusion input is a wiring error."""
        match item:
            case SourceStatus(kind="camera_lost" | "privacy_on"):
                self._camera_on = False
                self._faces.clear()
            case SourceStatus(kind="camera_back" | "privacy_off"):
                self._camera_on = True
            case SourceStatus():
                pass
            case FacesCue():
                self._faces.append((item.t_s, item))
                self._faces = self._faces[-4:]
                self._association.observe_faces(item.t_s, item.faces)
            case SpeechEvent(kind="speech_start"):
                self._speech_start = item.boundary_s
                self._utt_prosody = self._partial = self._asr = None
                self._lexical_partial = self._lexical_final = None
            case SpeechEvent():
                self._last_speech_end = item.boundary_s
            case ProsodyFrame():
                self._prosody = item
                self._association.observe_level(item.t_s, item.level_dbfs)
            case UtteranceProsody():
                self._utt_prosody = item
            case PartialHypothesis():
                self._partial = item
            case AsrDecoderCue():
                self._asr = item
            case LexicalCue(final=True):
                self._lexical_final = item
            case LexicalCue():
                self._lexical_partial = item
            case DeviceContext():
                self._context = item
            case DirectionCue():
                self._association.observe_direction(item)
            case EndOfTurn():
                pass  # times the gate's final decision; not in the vector until retrained
            case _:
                refuse(self, item, FUSION_INPUTS)

    def end_utterance(self, p_directed: float, directed: bool) -> None:
        """After the final decision: the utterance is over, remember the outcome."""
        self._last_p, self._last_directed = p_directed, directed
        self._last_speaker = self._speaker
        self._speech_start = None

    # --- tick ----------------------------------------------------------------------------

    def tick(self, tick: Tick) -> TickFeatures:
        t = tick.t_s
        values = np.zeros(N_FEATURES, dtype=np.float32)
        mask = np.zeros(N_MODALITIES, dtype=np.float32)
        in_utt = self._speech_start is not None
        self._vision(t, values, mask)
        self._audio(t, values, mask, in_utt)
        self._asr_features(values, mask)
        self._language(values, mask)
        self._context_features(t, values, mask)
        self._direction_features(values, mask)
        return TickFeatures(t, values, mask, in_utt, self._speech_start, self._speaker)

    def _put(self, values: np.ndarray, modality: str, **named: float) -> None:
        base = SLICES[modality].start
        names = FEATURES[modality]
        for key, value in named.items():
            values[base + names.index(key)] = value

    def _vision(self, t: float, values: np.ndarray, mask: np.ndarray) -> None:
        self._choice = None
        if not self._camera_on or not self._faces or t - self._faces[-1][0] > STALE_FACES_S:
            self._speaker = None
            return
        cue = self._faces[-1][1]
        if not cue.faces:
            self._speaker = None
            return
        mask[MODALITIES.index("vision")] = 1.0
        choice = self._association.choose(t, cue.faces, self._speech_start,
                                          cue.image_size_wh)
        spk = choice.face
        self._choice = (choice, cue)
        self._speaker = spk.track_id if choice.visible else None
        others = [f.attending for f in cue.faces if f.track_id != spk.track_id]
        height = cue.image_size_wh[1] or 480
        self._put(values, "vision", attending=spk.attending, yaw_abs=abs(spk.yaw_deg) / 45.0,
                  pitch=_clip(spk.pitch_deg / 30.0),
                  gaze_angle=math.hypot(spk.gaze_yaw_deg, spk.gaze_pitch_deg) / 30.0,
                  mouth_activity=choice.activity, eye_open=spk.eye_open,
                  other_attending=max(others) if others else 0.0,
                  n_faces=len(cue.faces) / 4.0, speaker_margin=choice.activity_margin,
                  face_size=spk.box_xywh[3] / height,
                  sync=choice.sync if choice.sync is not None else 0.0,
                  sync_known=float(choice.sync is not None), sync_margin=choice.sync_margin,
                  attending_share=choice.attending_share)

    def _audio(self, t: float, values: np.ndarray, mask: np.ndarray, in_utt: bool) -> None:
        mask[MODALITIES.index("audio")] = 1.0
        speech_time = (t - self._speech_start) if in_utt else 0.0
        p = self._prosody
        u = self._utt_prosody
        self._put(values, "audio", in_speech=float(in_utt),
                  speech_time=min(speech_time, 5.0) / 5.0,
                  level_z=_clip(p.level_z) if p else 0.0,
                  snr=_clip(_finite(p.snr_db) / 30.0, 0, 2) if p else 0.0,
                  f0_z=_clip(p.f0_z) if p else 0.0,
                  utt_level_z=_clip(u.level_z) if u else 0.0,
                  utt_rate_z=_clip(u.rate_z) if u else 0.0,
                  utt_duration_z=_clip(u.duration_z) if u else 0.0,
                  utt_f0_z=_clip(u.f0_z) if u else 0.0, utt_known=float(u is not None))

    def _asr_features(self, values: np.ndarray, mask: np.ndarray) -> None:
        a, part = self._asr, self._partial
        if a is None and part is None:
            return
        mask[MODALITIES.index("asr")] = 1.0
        if a is not None:
            self._put(values, "asr", confidence=_finite(a.confidence),
                      entropy=_finite(a.nbest_entropy), margin=_finite(a.nbest_margin),
                      n_words=min(a.n_words, 20) / 10.0,
                      words_per_s=_clip(_finite(a.words_per_s) / 4.0, 0, 2),
                      min_word_conf=_finite(a.min_word_confidence),
                      stability=_finite(a.partial_stability, 0.5), final_known=1.0)
        if part is not None:
            self._put(values, "asr", partial_known=1.0)
            if a is None:
                self._put(values, "asr", stability=_finite(part.stability, 0.5),
                          n_words=min(len(part.text.split()), 20) / 10.0)

    def _language(self, values: np.ndarray, mask: np.ndarray) -> None:
        final, partial = self._lexical_final, self._lexical_partial
        latest = final or partial
        if latest is None:
            return
        mask[MODALITIES.index("language")] = 1.0
        self._put(values, "language", p_lexical=latest.p_directed,
                  p_lexical_final=final.p_directed if final else 0.5,
                  has_intent=float(final is not None and final.intent is not None),
                  final_known=float(final is not None))

    def _context_features(self, t: float, values: np.ndarray, mask: np.ndarray) -> None:
        c = self._context
        mask[MODALITIES.index("context")] = 1.0
        since = SINCE_DEVICE_CAP_S
        speaking = awaiting = 0.0
        if c is not None:
            speaking = float(c.device_speaking)
            awaiting = float(c.awaiting_answer)
            if c.last_device_end_s is not None:
                since = min(max(t - c.last_device_end_s, 0.0), SINCE_DEVICE_CAP_S)
        self._put(values, "context", device_speaking=speaking, awaiting_answer=awaiting,
                  since_device=math.log1p(since) / math.log1p(SINCE_DEVICE_CAP_S),
                  last_p=self._last_p, last_directed=float(self._last_directed),
                  same_speaker=float(self._speaker is not None
                                     and self._speaker == self._last_speaker))

    def _direction_features(self, values: np.ndarray, mask: np.ndarray) -> None:
        d = self._association.direction(self._speech_start)
        if d is None:
            return
        mask[MODALITIES.index("direction")] = 1.0
        self._put(values, "direction", confidence=_clip(d.confidence, 0.0, 1.0),
                  azimuth=_clip(d.azimuth_deg / 90.0, -2.0, 2.0), final=float(d.final))
        if self._choice is None:
            return
        choice, cue = self._choice
        offsets = self._association.face_offsets(cue.faces, d, cue.image_size_wh)
        if not offsets:
            return
        speaker = offsets[choice.face.track_id]
        nearest = min(offsets.values())
        self._put(values, "direction", face_known=1.0,
                  speaker_offset=min(speaker / OFFSET_SCALE_DEG, 3.0),
                  nearest_offset=min(nearest / OFFSET_SCALE_DEG, 3.0),
                  speaker_toward=float(speaker <= MAX_FACE_OFFSET_DEG),
                  any_toward=float(nearest <= MAX_FACE_OFFSET_DEG))
