"""``ntt export SESSION OUT [--blur-faces]``: copy a recorded session, optionally with every
face blurred (full-range detection plus tracking on each frame, boxes grown so hair and
ears go too). The copy is written to a temporary directory and renamed into place."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import cv2

from ntt.errors import InputError
from ntt.io.session import LABELS_FILE, load_session, write_session

BLUR_MARGIN = 0.35  # grow each face box by this share on every side
MOSAIC_BLOCKS = 6  # a face becomes this many blocks across


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("session")
    p.add_argument("out")
    p.add_argument("--blur-faces", action="store_true", help="blur every face in the video")


def anonymise(patch):
    """Pixelate to a coarse mosaic, then blur the block edges: no landmark survives."""
    h, w = patch.shape[:2]
    small = cv2.resize(patch, (MOSAIC_BLOCKS, MOSAIC_BLOCKS), interpolation=cv2.INTER_AREA)
    mosaic = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
    k = max(3, (max(w, h) // MOSAIC_BLOCKS) | 1)
    return cv2.GaussianBlur(mosaic, (k, k), 0)


def blurred_frames(session):
    """Decoded frames with every face blurred."""
    from ntt.cues import VideoFrame
    from ntt.io.video_file import iter_video_frames
    from ntt.vision.analyzer import FaceAnalyzer
    from ntt.vision.detector import FaceDetector
    from ntt.vision.landmarks import FaceMesh

    with FaceDetector() as detector, FaceMesh() as mesh:
        analyzer = FaceAnalyzer(detector, mesh)
        for frame in iter_video_frames(session.video_path, session.fps):
            image = frame.image_bgr.copy()
            (cue,) = analyzer.push(VideoFrame(frame.t_s, frame.index, image))
            h, w = image.shape[:2]
            for face in cue.faces:
                x, y, bw, bh = face.box_xywh
                mx, my = int(bw * BLUR_MARGIN), int(bh * BLUR_MARGIN)
                x0, y0 = max(x - mx, 0), max(y - my, 0)
                x1, y1 = min(x + bw + mx, w), min(y + bh + my, h)
                if x1 > x0 and y1 > y0:
                    image[y0:y1, x0:x1] = anonymise(image[y0:y1, x0:x1])
            yield image


def run(args: argparse.Namespace) -> int:
    from ntt.io.video_file import write_video

    session = load_session(args.session)
    out = Path(args.out)
    if out.resolve() == session.root.resolve():
        raise InputError(out, "the copy must go somewhere else than the session itself")
    extra = {}
    for name in ("truth.json",):
        if (session.root / name).is_file():
            extra[name] = json.loads((session.root / name).read_text())
    with tempfile.TemporaryDirectory(prefix="ntt-export-") as tmp:
        video = None
        if session.video_path is not None:
            video = Path(tmp) / ("video" + session.video_path.suffix)
            if args.blur_faces:
                write_video(video, blurred_frames(session), session.fps)
            else:
                video.write_bytes(session.video_path.read_bytes())
        # A version-2 session keeps every microphone and its playback reference.
        audio = session.audio_channels() if session.channels > 1 else session.audio()
        write_session(out, audio=audio, playback=session.playback(), video_path=video,
                      fps=session.fps, device=session.device, participants=session.participants,
                      labels=session.labels, notes=session.notes, scenario=session.scenario,
                      extra_files=extra)
    if not (session.root / LABELS_FILE).exists():
        (out / LABELS_FILE).unlink(missing_ok=True)
    print(f"exported {session.name} to {out}" + (" with faces blurred" if args.blur_faces
                                                 else ""), file=sys.stderr)
    return 0
