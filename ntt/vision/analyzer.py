"""The vision stage: ``push(VideoFrame)`` → one ``FacesCue`` with every face in the frame.

Per frame:

1. every track (live, or lost less than ``max_gap_s`` ago) runs Face Mesh on the region its
   last landmarks give — this is the tracking, and it revives faces after short
   occlusions;
2. on scheduled frames the full-range detector looks at one window of a cycle that
   alternates the whole frame with tiles (``ntt.vision.detector``), so the cost per frame
   stays bounded while small far faces are still found within a couple of seconds; a
   detection no track covers runs Face Mesh on its region and becomes (or revives) a track;
3. for every face seen: head pose, gaze, eye and mouth openness, mouth activity and the
   smoothed ``attending`` score; where the camera's focal length is unknown (a picture of
   unknown origin, ``ntt.vision.camera.UNKNOWN_CAMERA``) the face is also scored under the
   shortest and longest focal lengths allowed, and half the spread is
   ``attending_uncertainty``.

``exhaustive=True`` (still images) runs every detection window on every frame, refines
each new face's landmarks an extra time, and averages every landmark pass with the mirror
image's (``ntt.vision.landmarks.mirror_averaged``), so a picture and its mirror image score
alike.

Control items: ``camera_lost`` and ``privacy_on`` drop every track (a person seen again
after them is a new track, with an id never used before in this stream).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

import cv2
import numpy as np

from ntt.cues import Face, FacesCue, SourceStatus, VideoFrame
from ntt.settings import VisionSettings
from ntt.stage import refuse
from ntt.vision.attending import AttendingSmoother, attending_now
from ntt.vision.camera import CameraGeometry
from ntt.vision.detector import FaceDetector, Window
from ntt.vision.face_model import ReferenceFace
from ntt.vision.gaze import face_signals
from ntt.vision.image import to_bgr8
from ntt.vision.landmarks import (
    FaceMesh,
    Roi,
    mirror_averaged,
    roi_from_detection,
    roi_from_landmarks,
)
from ntt.vision.mouth import MouthActivity
from ntt.vision.pose import direction_angles, head_pose
from ntt.vision.tracker import Track, TrackSet, landmark_box

log = logging.getLogger(__name__)

# Face Mesh passes on a new face: from the detector's box, then from its own landmarks.
REFINE_TRACKING, REFINE_EXHAUSTIVE = 1, 2
RESET_KINDS = ("camera_lost", "privacy_on")


class FaceAnalyzer:
    """Faces → tracks → head pose, gaze, eyes, mouth, ``attending``, for every frame.

    ``detector`` and ``mesh`` are the MediaPipe wrappers (the caller owns and closes them);
    ``model`` defaults to the packaged 3D face model; ``geometry`` to a laptop webcam.
    """

    def __init__(self, detector: FaceDetector, mesh: FaceMesh, model: ReferenceFace | None = None,
                 geometry: CameraGeometry | None = None, settings: VisionSettings | None = None,
                 gaze_correction: Callable[[np.ndarray], np.ndarray] | None = None):
        self.detector = detector
        self.mesh = mesh
        self.model = model or ReferenceFace.load()
        self.geometry = geometry or CameraGeometry()
        self.settings = settings or VisionSettings()
        # A consenting user's gaze calibration (ntt.calibration.gaze.GazeCorrection):
        # camera-frame gaze unit vector in, corrected unit vector out.
        self.gaze_correction = gaze_correction
        p = self.settings
        self.tracks = TrackSet(
            p.max_gap_s, p.same_face_overlap,
            new_attending=lambda: AttendingSmoother(p.attending),
            new_mouth=lambda: MouthActivity(p.mouth_window_s))
        self.reset()

    def reset(self) -> None:
        self.tracks.reset()
        self._frames = 0
        self._cycle: list[Window] = []
        self._cycle_size: tuple[int, int] = (0, 0)
        self._cycle_pos = 0

    def flush(self) -> list[FacesCue]:
        return []

    def push(self, item: VideoFrame | SourceStatus) -> list[FacesCue]:
        if isinstance(item, SourceStatus):
            if item.kind in RESET_KINDS:
                self.tracks.clear()
            return []
        if not isinstance(item, VideoFrame):
            refuse(self, item, (VideoFrame, SourceStatus))
        bgr = to_bgr8(item.image_bgr)
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        h, w = rgb.shape[:2]
        t_s = item.t_s
        self.tracks.expire(t_s)
        seen = self._follow(rgb, t_s)
        if self._detection_due(seen):
            seen = self._detect(rgb, t_s, seen)
        seen = self.tracks.merge_duplicates(seen)
        self._frames += 1
        cameras = self.geometry.camera_matrices(w, h)
        faces = [f for f in (self._describe(tr, t_s, cameras) for tr in seen) if f is not None]
        return [FacesCue(t_s, item.index, tuple(faces), (w, h))]

    # --- steps ----------------------------------------------------------------------------

    def _follow(self, rgb: np.ndarray, t_s: float) -> list[Track]:
        """Tracks seen last frame first; then lost ones, unless their face's place is
        already taken by a face just followed."""
        seen: list[Track] = []
        for tr in sorted(self.tracks.tracks, key=lambda tr: (tr.missed > 0, tr.id)):
            if tr.missed and self.tracks.covers(tr.box, seen):
                continue
            landmarks = self._landmarks(rgb, tr.roi)
            if landmarks is not None:
                tr.observe(t_s, landmarks)
                seen.append(tr)
        for tr in self.tracks.tracks:
            if tr not in seen:
                tr.missed += 1
        return seen

    def _detection_due(self, seen: list[Track]) -> bool:
        every = max(1, self.settings.detect_every_frames)
        return self.settings.exhaustive or not seen or self._frames % every == 0

    def _windows(self, width: int, height: int) -> list[Window]:
        if self.settings.exhaustive:
            return self.detector.windows(width, height)
        if self._cycle_size != (width, height):
            windows = self.detector.windows(width, height)
            whole, tiles = windows[0], windows[1:]
            self._cycle = [whole]
            for tile in tiles:  # whole frame, tile, whole frame, tile, ...
                self._cycle += [tile, whole]
            self._cycle_size, self._cycle_pos = (width, height), 0
        window = self._cycle[self._cycle_pos % len(self._cycle)]
        self._cycle_pos += 1
        return [window]

    def _detect(self, rgb: np.ndarray, t_s: float, seen: list[Track]) -> list[Track]:
        h, w = rgb.shape[:2]
        refine = REFINE_EXHAUSTIVE if self.settings.exhaustive else REFINE_TRACKING
        for det in self.detector.detect(rgb, self._windows(w, h)):
            if self.tracks.covers(det.box_xywh, seen):
                continue
            landmarks = self._landmarks(rgb, roi_from_detection(det))
            for _ in range(refine if landmarks is not None else 0):
                # The landmarks' own region is centred and levelled as the model expects.
                refined = self._landmarks(rgb, roi_from_landmarks(landmarks))
                if refined is None:
                    break
                landmarks = refined
            if landmarks is None or self.tracks.covers(landmark_box(landmarks), seen):
                continue
            seen.append(self.tracks.add(t_s, landmarks, seen))
        return seen

    def _landmarks(self, rgb: np.ndarray, roi: Roi) -> np.ndarray | None:
        if self.settings.exhaustive:
            return mirror_averaged(self.mesh, rgb, roi, self.model.mirror)
        return self.mesh.landmarks(rgb, roi)

    def _describe(self, tr: Track, t_s: float, cameras: list[np.ndarray]) -> Face | None:
        """``cameras``: the nominal intrinsics, then any others the geometry allows; the
        face is described under the first, and scored under each for the uncertainty."""
        camera = cameras[0]
        pose = head_pose(tr.landmarks, camera, self.model)
        if pose is None:
            log.debug("track %d: no head pose this frame", tr.id)
            return None
        sig = self._signals(tr.landmarks, pose, camera)
        gaze_yaw, gaze_pitch = direction_angles(sig.gaze)
        mm_per_px = float(pose.translation_mm[2]) / float(camera[0, 0])
        raw = self._score(pose, sig.gaze)
        others = [self._score_under(tr.landmarks, k) for k in cameras[1:]]
        spread = [s for s in others if s is not None] + [raw]
        x, y, bw, bh = tr.box
        return Face(
            track_id=tr.id,
            box_xywh=(int(round(x)), int(round(y)), int(round(bw)), int(round(bh))),
            yaw_deg=pose.yaw_deg, pitch_deg=pose.pitch_deg, roll_deg=pose.roll_deg,
            gaze_yaw_deg=gaze_yaw, gaze_pitch_deg=gaze_pitch,
            eye_open=sig.eye_open, mouth_open=sig.mouth_open,
            mouth_activity=tr.mouth.update(t_s, sig.mouth_gap_mm, mm_per_px),
            attending=tr.attending.update(t_s, raw, sig.eye_open),
            landmarks_xy=tr.landmarks[:, :2].copy(),
            attending_uncertainty=(max(spread) - min(spread)) / 2)

    def _signals(self, landmarks: np.ndarray, pose, camera: np.ndarray):
        p = self.settings
        sig = face_signals(landmarks, pose, camera, self.model, p.eye_radius_mm,
                           p.lid_weight, p.lid_radius_mm)
        if self.gaze_correction is not None:
            sig = dataclasses.replace(sig, gaze=self.gaze_correction(sig.gaze))
        return sig

    def _score(self, pose, gaze: np.ndarray) -> float:
        return attending_now(pose.translation_mm / 1000.0, gaze, self.geometry,
                             self.settings.attending.tolerance_deg)

    def _score_under(self, landmarks: np.ndarray, camera: np.ndarray) -> float | None:
        pose = head_pose(landmarks, camera, self.model)
        return None if pose is None else self._score(pose, self._signals(landmarks, pose,
                                                                         camera).gaze)
