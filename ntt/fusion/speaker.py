"""Which visible face is talking: audio-visual synchrony, with mouth activity as fallback.

A talking mouth opens and closes with the loudness of its voice, so over an utterance the
lip opening of the speaker's face correlates with the audio envelope, and the faces of
listeners (still, chewing, or moving their lips to a different rhythm) do not. Ranking by
mouth activity alone picks the busiest mouth, which fails when a listener fidgets or the
talker is small and far; and it always names someone, even when the voice comes from a
person off camera. The correlation answers both: the best-synchronised face is the
speaker, and a low best score says that nobody in view is the one talking.

Before enough frames of the utterance are in (the early decision), the most active mouth
over the last second stands in.

Where the device has a microphone array, the utterance's direction of arrival
(``DirectionCue``, an azimuth in the camera frame) joins in: a face's azimuth follows from
its image position and the camera intrinsics (``CameraGeometry``), so a confident
direction picks, among the faces it points at, the best-synchronised one, and a confident
direction that points at no face says the voice came from off camera — however well a
listener's lips happen to move with it. Lip synchrony alone decides when the direction is
missing, unsure or from an earlier utterance.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ntt.cues import DirectionCue, Face
from ntt.cues.audio import azimuth_offset_deg

if TYPE_CHECKING:
    from ntt.vision.camera import CameraGeometry

MOUTH_WINDOW_S = 1.0  # mouth activity: mean over the last second
SYNC_WINDOW_S = 4.0  # synchrony: the utterance so far, at most this long
MIN_SYNC_FRAMES = 6  # 0.4 s at 15 fps before the correlation says anything
MIN_STD = 1e-4  # a series flatter than this carries no timing
# Below this best synchrony no face in view is taken for the speaker (off-camera voice).
# On the training sessions it rejects 81% of off-camera voices and keeps 77% of visible
# speakers (94% of those kept are right).
MIN_SPEAKER_SYNC = 0.2
HISTORY_S = SYNC_WINDOW_S + 1.0
# A direction of arrival counts only with this SRP-PHAT coherence (ntt.device_audio.doa):
# the lowest at which it points within MAX_FACE_OFFSET_DEG of the true talker 95% of the
# time. Measured by benchmarks/bench_speaker.py on the 140 training sessions (1,216
# utterances of talkers; rooms of RT60 0.2-0.7 s with noise beds): coherence 0.10-0.15
# within 15 degrees 85% of the time (median error 5.6), 0.15-0.20 95% (3.9), 0.20-0.30 100%
# (2.4); 94% of utterances measure under 0.3, the bar before, which so left the direction
# out of almost every choice. At 0.15 the talker's face is ranked first for 85.6% of
# on-camera talkers instead of 82.2%, named the speaker for 68.1% instead of 59.6%, and
# off-camera voices are left without a face 65.8% of the time instead of 64.0%.
MIN_DIRECTION_CONFIDENCE = 0.15
# A face within this many degrees of the direction can be the talker (the arrays' DOA
# error in reverberant rooms is mostly under 10 degrees, a face is ~5 degrees wide at 2 m).
MAX_FACE_OFFSET_DEG = 15.0
SAME_UTTERANCE_S = 0.05  # a direction belongs to the utterance that starts where it starts


@dataclass(frozen=True)
class SpeakerChoice:
    """The face taken for the speaker and the evidence for it. ``sync`` is the Pearson
    correlation of its lip opening with the audio envelope (None until enough frames);
    ``visible`` is False when synchrony says the voice belongs to nobody in view.
    ``attending_share`` is how much of the utterance this face spent attending to the device:
    a request usually begins or ends with a look, which one frame can miss."""

    face: Face
    activity: float
    activity_margin: float
    sync: float | None
    sync_margin: float
    visible: bool
    attending_share: float  # mean attending of this face over the utterance so far
    direction_deg: float | None = None  # the utterance's direction of arrival, if used
    direction_offset_deg: float | None = None  # this face's angle from that direction


def _correlation(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < MIN_SYNC_FRAMES or a.std() < MIN_STD or b.std() < MIN_STD:
        return None
    return float(np.corrcoef(a, b)[0, 1])


class SpeakerAssociation:
    """``observe_faces`` / ``observe_level`` as cues arrive; ``choose`` on each tick."""

    def __init__(self, camera: CameraGeometry | None = None) -> None:
        """``camera``: the device's intrinsics, for each face's azimuth (without it the
        direction of arrival is not used)."""
        self.camera = camera
        self.reset()

    def reset(self) -> None:
        # Per track: (t, mouth_open, mouth_activity, attending) of each frame.
        self._mouths: dict[int, deque[tuple[float, float, float, float]]] = {}
        self._levels: deque[tuple[float, float]] = deque()
        self._direction: DirectionCue | None = None

    def observe_direction(self, cue: DirectionCue) -> None:
        """The latest direction of arrival (provisional or final) of an utterance."""
        self._direction = cue

    def face_azimuth_deg(self, face: Face, image_wh: tuple[int, int]) -> float | None:
        """The azimuth of the face's centre in the camera frame (positive to image
        right), from the pinhole intrinsics for a frame of ``image_wh``."""
        if self.camera is None or image_wh[0] <= 0 or image_wh[1] <= 0:
            return None
        k = self.camera.camera_matrix(*image_wh)
        x, _, w, _ = face.box_xywh
        return math.degrees(math.atan((x + w / 2 - k[0, 2]) / k[0, 0]))

    def observe_faces(self, t_s: float, faces: tuple[Face, ...]) -> None:
        for face in faces:
            self._mouths.setdefault(face.track_id, deque()).append(
                (t_s, face.mouth_open, face.mouth_activity, face.attending))
        for track in list(self._mouths):
            series = self._mouths[track]
            while series and series[0][0] < t_s - HISTORY_S:
                series.popleft()
            if not series:
                del self._mouths[track]

    def observe_level(self, t_s: float, level_dbfs: float) -> None:
        """One audio window's level; silence and missing values count as very quiet."""
        amplitude = 10 ** (level_dbfs / 20) if math.isfinite(level_dbfs) else 0.0
        self._levels.append((t_s, amplitude))
        while self._levels and self._levels[0][0] < t_s - HISTORY_S:
            self._levels.popleft()

    def choose(self, t_s: float, faces: tuple[Face, ...], since_s: float | None,
               image_wh: tuple[int, int] = (0, 0)) -> SpeakerChoice:
        """The speaker among ``faces`` (not empty) at ``t_s``; ``since_s`` is the start of
        the utterance in progress (None between utterances: no synchrony then);
        ``image_wh`` the frame size the boxes are in (for the faces' azimuths)."""
        activity = {f.track_id: self._activity(f, t_s) for f in faces}
        envelope = self._envelope()
        sync = {f.track_id: self._sync(f.track_id, t_s, since_s, envelope) for f in faces}
        known = {k: v for k, v in sync.items() if v is not None}
        if known:
            ranked = sorted(faces, key=lambda f: (-known.get(f.track_id, -1.0),
                                                  -activity[f.track_id]))
        else:
            ranked = sorted(faces, key=lambda f: (-round(activity[f.track_id], 2),
                                                  -f.box_xywh[3]))
        visible_by_direction, direction, offsets = self._by_direction(faces, since_s,
                                                                      image_wh)
        if visible_by_direction:  # the faces the voice came from, best-synchronised first
            ranked = [f for f in ranked if offsets[f.track_id] <= MAX_FACE_OFFSET_DEG] + \
                [f for f in ranked if offsets[f.track_id] > MAX_FACE_OFFSET_DEG]
        best = ranked[0]
        runner_up = ranked[1] if len(ranked) > 1 else None
        best_sync = sync[best.track_id]
        second_sync = sync[runner_up.track_id] if runner_up is not None else None
        visible = best_sync is None or best_sync >= MIN_SPEAKER_SYNC
        if visible_by_direction is not None:
            visible = visible_by_direction
        return SpeakerChoice(
            face=best, activity=activity[best.track_id],
            activity_margin=activity[best.track_id] - (activity[runner_up.track_id]
                                                       if runner_up is not None else 0.0),
            sync=best_sync,
            sync_margin=(best_sync - (second_sync if second_sync is not None else 0.0)
                         if best_sync is not None else 0.0),
            visible=visible, attending_share=self._attending_share(best, t_s, since_s),
            direction_deg=direction, direction_offset_deg=offsets.get(best.track_id))

    def _by_direction(self, faces: tuple[Face, ...], since_s: float | None,
                      image_wh: tuple[int, int]
                      ) -> tuple[bool | None, float | None, dict[int, float]]:
        """(whether the voice came from a face in view — None when the direction cannot
        say —, the direction used, each face's angle from it)."""
        d = self.direction(since_s)
        if d is None or d.confidence < MIN_DIRECTION_CONFIDENCE:
            return None, None, {}
        offsets = self.face_offsets(faces, d, image_wh)
        if offsets is None:
            return None, None, {}
        return min(offsets.values()) <= MAX_FACE_OFFSET_DEG, d.azimuth_deg, offsets

    def direction(self, since_s: float | None) -> DirectionCue | None:
        """The direction of arrival of the utterance that started at ``since_s`` (the
        latest estimate, whatever its confidence), or None."""
        d = self._direction
        if d is None or since_s is None or abs(d.start_s - since_s) > SAME_UTTERANCE_S:
            return None
        return d

    def face_offsets(self, faces: tuple[Face, ...], d: DirectionCue,
                     image_wh: tuple[int, int]) -> dict[int, float] | None:
        """Each face's angle (degrees, 0..180) from the direction ``d``; None without the
        camera's intrinsics or the frame size."""
        offsets = {}
        for face in faces:
            azimuth = self.face_azimuth_deg(face, image_wh)
            if azimuth is None:
                return None
            offsets[face.track_id] = azimuth_offset_deg(azimuth, d.azimuth_deg)
        return offsets

    def _activity(self, face: Face, t_s: float) -> float:
        recent = [a for ts, _, a, _ in self._mouths.get(face.track_id, ())
                  if t_s - ts <= MOUTH_WINDOW_S]
        return float(np.mean(recent)) if recent else face.mouth_activity

    def _attending_share(self, face: Face, t_s: float, since_s: float | None) -> float:
        start = t_s - MOUTH_WINDOW_S if since_s is None else max(since_s, t_s - SYNC_WINDOW_S)
        seen = [a for ts, _, _, a in self._mouths.get(face.track_id, ()) if start <= ts <= t_s]
        return float(np.mean(seen)) if seen else face.attending

    def _envelope(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(times, amplitudes) of the audio heard lately; built once per ``choose``."""
        if not self._levels:
            return None
        times, amplitudes = zip(*self._levels, strict=True)
        return np.array(times), np.array(amplitudes)

    def _sync(self, track: int, t_s: float, since_s: float | None,
              envelope: tuple[np.ndarray, np.ndarray] | None) -> float | None:
        if since_s is None or envelope is None:
            return None
        start = max(since_s, t_s - SYNC_WINDOW_S)
        frames = [(ts, m) for ts, m, _, _ in self._mouths.get(track, ())
                  if start <= ts <= t_s]
        if len(frames) < MIN_SYNC_FRAMES:
            return None
        level = np.interp([ts for ts, _ in frames], *envelope)
        return _correlation(np.array([m for _, m in frames]), level)
