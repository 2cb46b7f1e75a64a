"""Drawing what vision saw onto a frame: boxes with track ids, landmarks, head-pose axes,
gaze rays, the ``attending`` badge and the active speaker. Everything is painted at the
image's own resolution, so the composite can be checked pixel by pixel."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QImage, QPainter, QPen

from ntt.cues import Face
from ntt.vision.mesh_indices import IRIS_LEFT, IRIS_RIGHT, NOSE_TIP

# Track colours (RGB), chosen to stay apart from each other and from the speaker yellow.
TRACK_COLOURS = ((0, 200, 255), (255, 120, 0), (200, 90, 255), (0, 220, 120), (255, 70, 150),
                 (120, 160, 255))
SPEAKER_COLOUR = (255, 230, 0)
ATTENDING_COLOUR = (40, 190, 70)
NOT_ATTENDING_COLOUR = (90, 90, 90)
LANDMARK_COLOUR = (160, 255, 160)
AXIS_COLOURS = ((230, 40, 40), (40, 200, 40), (60, 120, 255))  # head x, y, facing
GAZE_COLOUR = (255, 0, 255)
AXIS_LENGTH_OF_BOX = 0.6
GAZE_LENGTH_OF_BOX = 1.4


@dataclass(frozen=True)
class OverlayOptions:
    landmarks: bool = False
    axes: bool = True
    gaze: bool = True


def track_colour(track_id: int) -> QColor:
    return QColor(*TRACK_COLOURS[track_id % len(TRACK_COLOURS)])


def bgr_to_qimage(image_bgr: np.ndarray) -> QImage:
    """A deep copy (a QImage must not outlive the numpy buffer it points into)."""
    bgr = np.ascontiguousarray(image_bgr)
    h, w = bgr.shape[:2]
    return QImage(bgr.data, w, h, bgr.strides[0], QImage.Format.Format_BGR888).copy()


def head_rotation(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """``R = Rz(roll) Ry(-yaw) Rx(-pitch)``: the head-to-camera rotation of ntt.vision.pose."""
    y, p, r = (math.radians(a) for a in (yaw_deg, pitch_deg, roll_deg))
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    ry = np.array([[math.cos(-y), 0, math.sin(-y)], [0, 1, 0], [-math.sin(-y), 0, math.cos(-y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(-p), -math.sin(-p)], [0, math.sin(-p), math.cos(-p)]])
    return rz @ ry @ rx


def gaze_direction(gaze_yaw_deg: float, gaze_pitch_deg: float) -> np.ndarray:
    """Unit vector in the camera frame; inverse of ``ntt.vision.pose.direction_angles``."""
    y, p = math.radians(gaze_yaw_deg), math.radians(gaze_pitch_deg)
    return np.array([math.cos(p) * math.sin(y), -math.sin(p), -math.cos(p) * math.cos(y)])


def _anchor(face: Face, index: int) -> QPointF | None:
    lm = face.landmarks_xy
    if lm is None or len(lm) <= index:
        return None
    return QPointF(float(lm[index, 0]), float(lm[index, 1]))


def _label(painter: QPainter, x: float, y: float, text: str, fill: QColor, scale: float,
           text_colour: QColor | None = None) -> QRectF:
    """A filled tag with its bottom-left corner at (x, y)."""
    font = QFont("DejaVu Sans")
    font.setPixelSize(max(9, int(11 * scale)))
    font.setBold(True)
    painter.setFont(font)
    metrics = painter.fontMetrics()
    w = metrics.horizontalAdvance(text) + 6
    h = metrics.height() + 2
    rect = QRectF(x, y - h, w, h)
    painter.fillRect(rect, fill)
    painter.setPen(text_colour or QColor(0, 0, 0))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    return rect


def draw_faces(painter: QPainter, faces: tuple[Face, ...] | list[Face], *,
               speaker_track: int | None, options: OverlayOptions,
               threshold: float = 0.5, image_width: int = 640) -> int:
    """Paint every face; returns how many boxes were drawn."""
    scale = max(1.0, image_width / 640)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for face in faces:
        x, y, w, h = face.box_xywh
        colour = track_colour(face.track_id)
        speaking = face.track_id == speaker_track
        if speaking:
            pen = QPen(QColor(*SPEAKER_COLOUR), 4 * scale)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            pad = 4 * scale
            painter.drawRect(QRectF(x - pad, y - pad, w + 2 * pad, h + 2 * pad))
        painter.setPen(QPen(colour, 2.5 * scale))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(x, y, w, h))
        tag = f"#{face.track_id}" + ("  speaking" if speaking else "")
        _label(painter, x, y - (4 * scale if speaking else 0) - 1,
               tag, QColor(*SPEAKER_COLOUR) if speaking else colour, scale)
        attending = face.attending >= threshold
        badge = f"{'attending' if attending else 'away'} {face.attending:.2f}"
        _label(painter, x, y + h + (4 * scale if speaking else 0) + 16 * scale, badge,
               QColor(*(ATTENDING_COLOUR if attending else NOT_ATTENDING_COLOUR)), scale,
               QColor(255, 255, 255))
        if options.landmarks and face.landmarks_xy is not None:
            painter.setPen(QPen(QColor(*LANDMARK_COLOUR), 1.5 * scale))
            painter.drawPoints([QPointF(float(px), float(py)) for px, py in face.landmarks_xy])
        if options.axes:
            _draw_axes(painter, face, scale)
        if options.gaze:
            _draw_gaze(painter, face, scale)
    return len(faces)


def _draw_axes(painter: QPainter, face: Face, scale: float) -> None:
    x, y, w, h = face.box_xywh
    origin = _anchor(face, NOSE_TIP) or QPointF(x + w / 2, y + h / 2)
    rot = head_rotation(face.yaw_deg, face.pitch_deg, face.roll_deg)
    length = AXIS_LENGTH_OF_BOX * w
    # Head x, head y, and the facing direction (-z of the head frame), projected onto the
    # image plane (orthographic: the head is far from the camera compared with its size).
    for axis, rgb in zip((rot[:, 0], rot[:, 1], -rot[:, 2]), AXIS_COLOURS, strict=True):
        painter.setPen(QPen(QColor(*rgb), 2 * scale))
        painter.drawLine(origin, QPointF(origin.x() + length * axis[0],
                                         origin.y() + length * axis[1]))


def _draw_gaze(painter: QPainter, face: Face, scale: float) -> None:
    x, y, w, h = face.box_xywh
    right, left = _anchor(face, IRIS_RIGHT), _anchor(face, IRIS_LEFT)
    if right is not None and left is not None:
        origin = (right + left) / 2
    else:
        origin = QPointF(x + w / 2, y + 0.4 * h)
    d = gaze_direction(face.gaze_yaw_deg, face.gaze_pitch_deg)
    length = GAZE_LENGTH_OF_BOX * w
    end = QPointF(origin.x() + length * d[0], origin.y() + length * d[1])
    painter.setPen(QPen(QColor(*GAZE_COLOUR), 2 * scale, Qt.PenStyle.DashLine))
    painter.drawLine(origin, end)
    painter.setBrush(QColor(*GAZE_COLOUR))
    painter.drawEllipse(end, 3 * scale, 3 * scale)
    painter.setBrush(Qt.BrushStyle.NoBrush)
