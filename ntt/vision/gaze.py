"""Gaze, eye openness and mouth openness from one face's landmarks and head pose.

Every measurement is taken on the head, not in the image: landmarks are back-projected onto
planes of the head frame (``pose.to_face_plane``), so a turned or tilted head does not
shrink them. The model's own eyes looked at the camera, so its iris position relative to
the eye corners is "looking straight ahead".

* Eye-in-head, sideways: the iris centre's displacement from that straight-ahead position,
  measured from the eye's own corners, is the sine of the eye's rotation times the radius
  at which the iris centre turns about the eyeball's centre. Both eyes are averaged,
  weighted by how wide and open each appears.
* Eye-in-head, up and down: Face Mesh's iris centre follows a downward look only part of
  the way (the lid comes down over the iris and the model's iris drifts with the lid's
  edge), but the upper lid itself rides on the eyeball and drops with the eye, roughly
  degree for degree (lid–eye coupling). The vertical sine is a blend: ``lid_weight`` of
  the upper lid's displacement over ``lid_radius_mm`` plus the rest of the iris's over the
  eye radius. The lid is weighted by eye width only, not openness: a lowered lid *is* the
  evidence. Measured on real photos (``tests/data/attending_real``): iris alone scores
  people looking down at their hands as attending; the blend does not (see
  ``benchmarks/bench_vision.py --attending``).
* On small faces (few pixels between the eyes) neither iris nor lids can be located
  reliably and the eye-in-head part fades out: gaze falls back on head pose.
* Gaze in the camera frame = head rotation × eye-in-head direction.
* Eye openness: lid gap over eye width, relative to the model's open eyes (1 = as open as
  the model's, 0 = shut; clipped to 0..1).
* Mouth openness: the gap between the inner lips in mm, mapped from
  ``MOUTH_CLOSED_MM``..``MOUTH_WIDE_MM`` to 0..1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ntt.settings import VisionSettings
from ntt.vision.face_model import ReferenceFace
from ntt.vision.mesh_indices import (
    EYE_LEFT_INNER,
    EYE_LEFT_OUTER,
    EYE_RIGHT_INNER,
    EYE_RIGHT_OUTER,
    IRIS_LEFT,
    IRIS_RIGHT,
    LID_LEFT_LOWER,
    LID_LEFT_UPPER,
    LID_RIGHT_LOWER,
    LID_RIGHT_UPPER,
    LIP_INNER_LOWER,
    LIP_INNER_UPPER,
)
from ntt.vision.pose import HeadPose, to_face_plane

# The iris displacement is clipped to this fraction of the radius (≈ 64° eye rotation).
MAX_EYE_SINE = 0.9
# Pixels between the iris centres below which the iris is not used at all, and above which
# it is fully trusted (linear in between).
IRIS_UNUSABLE_PX, IRIS_RELIABLE_PX = 12.0, 30.0
# An eye less open than this (0..1) does not show its iris: it gets no weight in gaze.
EYE_SHUT = 0.25
MOUTH_CLOSED_MM, MOUTH_WIDE_MM = 1.0, 25.0

# (outer corner, inner corner, iris centre, upper lid, lower lid) per eye.
EYES = (
    (EYE_RIGHT_OUTER, EYE_RIGHT_INNER, IRIS_RIGHT, LID_RIGHT_UPPER, LID_RIGHT_LOWER),
    (EYE_LEFT_OUTER, EYE_LEFT_INNER, IRIS_LEFT, LID_LEFT_UPPER, LID_LEFT_LOWER),
)
# Every point measured on the face, in one batch: both eyes' five, then the inner lips.
_POINTS = [i for eye in EYES for i in eye] + [LIP_INNER_UPPER, LIP_INNER_LOWER]


@dataclass(frozen=True, eq=False)
class FaceSignals:
    """``gaze`` is a unit vector in the camera frame; ``eye_in_head_deg`` is (yaw, pitch) of
    the eyes relative to the head, signs as in ``ntt.vision.pose``; ``mouth_gap_mm`` the
    inner-lip gap that ``mouth_open`` maps to 0..1."""

    gaze: np.ndarray
    eye_in_head_deg: tuple[float, float]
    eye_open: float
    mouth_open: float
    mouth_gap_mm: float


def _clip01(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


def face_signals(landmarks: np.ndarray, pose: HeadPose, camera: np.ndarray, model: ReferenceFace,
                 eye_radius_mm: float = VisionSettings.eye_radius_mm,
                 lid_weight: float = VisionSettings.lid_weight,
                 lid_radius_mm: float = VisionSettings.lid_radius_mm) -> FaceSignals:
    """Gaze, eye and mouth openness for one face (478×2+ landmarks in pixels)."""
    on_face = to_face_plane(landmarks[_POINTS, :2], model.points_mm[_POINTS, 2], pose, camera)
    ref_all = model.points_mm[_POINTS, :2]
    displacements, weights, openness, lids, lid_weights = [], [], [], [], []
    for k, (outer, inner, _, _, _) in enumerate(EYES):
        obs, ref = on_face[5 * k:5 * k + 5], ref_all[5 * k:5 * k + 5]
        width_obs = float(np.linalg.norm(obs[0] - obs[1]))
        width_ref = float(np.linalg.norm(ref[0] - ref[1]))
        if width_obs <= 1e-6:
            continue
        # Iris offset from the corners' midpoint, in the model's eye-width units → mm.
        offset_obs = (obs[2] - (obs[0] + obs[1]) / 2) * (width_ref / width_obs)
        offset_ref = ref[2] - (ref[0] + ref[1]) / 2
        displacements.append(offset_obs - offset_ref)
        # The upper lid's height above the corners' midpoint, against the model's (mm, +down).
        lids.append((obs[3, 1] - (obs[0, 1] + obs[1, 1]) / 2) * (width_ref / width_obs)
                    - (ref[3, 1] - (ref[0, 1] + ref[1, 1]) / 2))
        gap_obs = (obs[4, 1] - obs[3, 1]) / width_obs
        gap_ref = (ref[4, 1] - ref[3, 1]) / width_ref
        eye_open = _clip01(gap_obs / gap_ref) if gap_ref > 0 else 1.0
        openness.append(eye_open)
        width_px = float(np.linalg.norm(landmarks[outer, :2] - landmarks[inner, :2]))
        weights.append(width_px * _clip01((eye_open - EYE_SHUT) / (1.0 - EYE_SHUT)))
        lid_weights.append(width_px)
    eye_open = float(np.average(openness, weights=[max(w, 1e-6) for w in weights])) \
        if openness else 0.0
    iris_px = float(np.linalg.norm(landmarks[IRIS_RIGHT, :2] - landmarks[IRIS_LEFT, :2]))
    trust = _clip01((iris_px - IRIS_UNUSABLE_PX) / (IRIS_RELIABLE_PX - IRIS_UNUSABLE_PX))
    if displacements and sum(weights) > 0:
        disp = np.average(np.array(displacements), axis=0, weights=weights) * trust
    else:
        disp = np.zeros(2)
    sine = disp / eye_radius_mm
    if lids and sum(lid_weights) > 0 and lid_weight > 0:
        lid_sine = float(np.average(lids, weights=lid_weights)) * trust / lid_radius_mm
        sine[1] = (1.0 - lid_weight) * sine[1] + lid_weight * lid_sine
    norm = float(np.linalg.norm(sine))
    if norm > MAX_EYE_SINE:
        sine *= MAX_EYE_SINE / norm
        norm = MAX_EYE_SINE
    eye_dir = np.array([sine[0], sine[1], -math.sqrt(1.0 - norm * norm)])
    gaze = pose.rotation @ eye_dir
    eye_yaw = math.degrees(math.atan2(eye_dir[0], -eye_dir[2]))
    eye_pitch = math.degrees(math.atan2(-eye_dir[1], math.hypot(eye_dir[0], eye_dir[2])))
    gap_mm = float(on_face[11, 1] - on_face[10, 1])
    mouth_open = _clip01((gap_mm - MOUTH_CLOSED_MM) / (MOUTH_WIDE_MM - MOUTH_CLOSED_MM))
    return FaceSignals(gaze / np.linalg.norm(gaze), (eye_yaw, eye_pitch), eye_open, mouth_open,
                       gap_mm)
