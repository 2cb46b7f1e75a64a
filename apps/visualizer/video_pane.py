"""The video pane: the frame at the playhead with vision's overlays, the audio-only screen
when the camera is off, and the recording badge."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QRectF, Qt
from PyQt6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget

from apps.visualizer.overlay import OverlayOptions, bgr_to_qimage, draw_faces
from ntt.cues import FacesCue

REC_COLOUR = QColor(220, 20, 20)
AUDIO_ONLY_COLOUR = QColor(255, 170, 0)


class VideoPane(QWidget):
    """Call ``show_frame`` each UI tick; the composite (frame + overlays, image resolution)
    is kept in ``composite`` and how many face boxes it has in ``boxes_drawn``."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.options = OverlayOptions()
        self.composite: QImage | None = None
        self.boxes_drawn = 0
        self.camera_off = False
        self.privacy = True
        self.recording_s: float | None = None
        self.caption = ""

    def show_frame(self, image_bgr: np.ndarray | None, cue: FacesCue | None, *,
                   speaker_track: int | None, threshold: float, camera_off: bool,
                   caption: str = "", privacy: bool = True) -> None:
        """``camera_off`` with ``privacy`` False means the camera was lost, not switched off."""
        self.camera_off = camera_off
        self.privacy = privacy
        self.caption = caption
        if camera_off or image_bgr is None:
            self.composite = None
            self.boxes_drawn = 0
        else:
            image = bgr_to_qimage(image_bgr)
            painter = QPainter(image)
            try:
                self.boxes_drawn = draw_faces(
                    painter, cue.faces if cue is not None else (), speaker_track=speaker_track,
                    options=self.options, threshold=threshold, image_width=image.width())
            finally:
                painter.end()
            self.composite = image
        self.update()

    def set_recording(self, seconds: float | None) -> None:
        self.recording_s = seconds
        self.update()

    def image_rect(self) -> QRectF:
        """Where the composite lands in the widget (aspect kept, centred)."""
        if self.composite is None:
            return QRectF(self.rect())
        iw, ih = self.composite.width(), self.composite.height()
        scale = min(self.width() / iw, self.height() / ih)
        w, h = iw * scale, ih * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.fillRect(self.rect(), QColor(18, 18, 18))
        if self.composite is not None:
            painter.drawImage(self.image_rect(), self.composite)
        elif self.camera_off:
            self._audio_only(painter)
        else:
            painter.setPen(QColor(150, 150, 150))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no video")
        if self.caption:
            font = QFont("DejaVu Sans")
            font.setPixelSize(13)
            painter.setFont(font)
            painter.setPen(QColor(255, 255, 255))
            painter.fillRect(QRectF(0, self.height() - 22, self.width(), 22), QColor(0, 0, 0, 150))
            painter.drawText(QRectF(8, self.height() - 22, self.width() - 16, 22),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             self.caption)
        if self.recording_s is not None:
            self._rec_badge(painter)
        painter.end()

    def _audio_only(self, painter: QPainter) -> None:
        """Unmistakable: the camera is off and decisions use sound only."""
        painter.setPen(QPen(AUDIO_ONLY_COLOUR, 6))
        cx, cy = self.width() / 2, self.height() / 2 - 30
        body = QRectF(cx - 45, cy - 25, 70, 50)
        painter.drawRoundedRect(body, 6, 6)
        painter.drawLine(int(body.right()), int(cy - 8), int(cx + 50), int(cy - 20))
        painter.drawLine(int(cx + 50), int(cy - 20), int(cx + 50), int(cy + 20))
        painter.drawLine(int(cx + 50), int(cy + 20), int(body.right()), int(cy + 8))
        painter.setPen(QPen(REC_COLOUR, 6))
        painter.drawLine(int(cx - 60), int(cy - 40), int(cx + 60), int(cy + 40))
        font = QFont("DejaVu Sans")
        font.setPixelSize(22)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(AUDIO_ONLY_COLOUR)
        painter.drawText(QRectF(0, cy + 45, self.width(), 34), Qt.AlignmentFlag.AlignCenter,
                         "CAMERA OFF — AUDIO-ONLY MODE")
        font.setPixelSize(13)
        font.setBold(False)
        painter.setFont(font)
        painter.setPen(QColor(200, 200, 200))
        note = ("privacy: no picture is read, shown or recorded" if self.privacy else
                "the camera is not delivering pictures (unplugged or in use?)")
        painter.drawText(QRectF(0, cy + 78, self.width(), 24), Qt.AlignmentFlag.AlignCenter,
                         note)

    def _rec_badge(self, painter: QPainter) -> None:
        painter.setPen(QPen(REC_COLOUR, 4))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(2, 2, self.width() - 4, self.height() - 4))
        secs = int(self.recording_s or 0)
        text = f"● REC {secs // 60:02d}:{secs % 60:02d}"
        font = QFont("DejaVu Sans")
        font.setPixelSize(16)
        font.setBold(True)
        painter.setFont(font)
        w = painter.fontMetrics().horizontalAdvance(text) + 16
        rect = QRectF(self.width() - w - 10, 10, w, 28)
        painter.fillRect(rect, REC_COLOUR)
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
