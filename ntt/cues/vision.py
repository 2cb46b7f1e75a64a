"""Vision cues: the faces seen in one video frame."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Face:
    """One person seen in one frame. Angles in degrees, camera frame (see ntt.vision.pose)."""

    track_id: int
    box_xywh: tuple[int, int, int, int]
    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    gaze_yaw_deg: float = 0.0
    gaze_pitch_deg: float = 0.0
    eye_open: float = 1.0
    mouth_open: float = 0.0
    mouth_activity: float = 0.0
    attending: float = 0.0
    landmarks_xy: np.ndarray | None = field(default=None, compare=False, repr=False)
    attending_uncertainty: float = 0.0
    """Half the spread of this frame's ``attending`` over the camera intrinsics the vision
    stage cannot rule out (a picture of unknown origin); 0 for a described camera. A face
    near the edge of a wide lens spreads most."""


@dataclass(frozen=True)
class FacesCue:
    """Every face found in one video frame (possibly none)."""

    t_s: float
    frame_index: int
    faces: tuple[Face, ...]
    image_size_wh: tuple[int, int] = (0, 0)
