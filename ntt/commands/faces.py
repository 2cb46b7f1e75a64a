"""``ntt faces IMAGE_OR_VIDEO``: every face, its head pose, gaze, eyes, mouth, ``attending``.

An image gives a list of faces; a video gives one entry per frame (``frame``, ``t_s``,
``faces``), with track ids stable across frames. Angles are degrees with the signs of
``ntt.vision.pose``; ``box`` is [x, y, w, h] in pixels.

Which camera took the file is unknown unless the user says: by default ``attending`` means
"looking at the lens" of a camera whose focal length is anything from a phone's wide
camera to a portrait lens (``ntt.vision.camera.UNKNOWN_CAMERA``), and
``attending_uncertainty`` says how much that doubt moves the score. ``--hfov`` gives the
lens; ``--device`` a device profile (its calibrated intrinsics, and its screen as a target
too).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2

from ntt.cues import Face, VideoFrame
from ntt.errors import InputError
from ntt.jsonout import print_json

log = logging.getLogger(__name__)

DEFAULT_FPS = 30.0  # when a video file does not say
AV_LOG_QUIET = -8

# Bounds on what is analysed, for images and for every video frame alike (issue 25, item 10).
# The detector runs square tiles no larger than the short side along the long one
# (``ntt.vision.detector.detection_windows``), so the number of windows grows with the aspect
# ratio: a 2x5000 PNG gave 5,000 windows and took 40-85 s, for a picture that cannot hold a
# face. At 20:1 there are at most ~30 windows (a 640x480 photo has 7, a 4000x3000 one 130),
# and 20:1 still admits every real panorama, a phone's 360-degree sweep included (~10:1).
MAX_ASPECT_RATIO = 20.0
# The window count is capped for big images (``MAX_TILE_DIVISOR``) but each window's crop
# and resize still costs in proportion to the pixels: 12 MP takes ~4 s, 48 MP ~9 s. 120 MP
# admits the largest camera sensors (medium format, ~102 MP) and 8K video (33 MP) and keeps
# a still under ~25 s; beyond it, a 200 MP phone mode or a stitched gigapixel, the user is
# asked to downscale.
MAX_IMAGE_PIXELS = 120_000_000


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", metavar="IMAGE_OR_VIDEO", help="an image or a video file")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--hfov", type=float, default=None, metavar="DEG",
                   help="the camera's horizontal field of view (default: unknown, between a "
                        "phone's wide camera and a portrait lens)")
    p.add_argument("--device", default=None, metavar="PROFILE",
                   help="the device profile (name or .toml) whose camera took the file: its "
                        "intrinsics, and its screen as a target")
    p.add_argument("--max-frames", type=int, default=None, metavar="N",
                   help="stop a video after N frames")


def face_json(face: Face) -> dict:
    return {
        "box": list(face.box_xywh), "track": face.track_id,
        "yaw": round(face.yaw_deg, 2), "pitch": round(face.pitch_deg, 2),
        "roll": round(face.roll_deg, 2), "gaze_yaw": round(face.gaze_yaw_deg, 2),
        "gaze_pitch": round(face.gaze_pitch_deg, 2), "eye_open": round(face.eye_open, 3),
        "mouth_open": round(face.mouth_open, 3),
        "mouth_activity": round(face.mouth_activity, 3), "attending": round(face.attending, 3),
        "attending_uncertainty": round(face.attending_uncertainty, 3),
    }


def face_line(face: Face) -> str:
    x, y, w, h = face.box_xywh
    return (f"track {face.track_id}: box {x},{y} {w}x{h}  yaw {face.yaw_deg:+.1f} "
            f"pitch {face.pitch_deg:+.1f} roll {face.roll_deg:+.1f}  gaze "
            f"{face.gaze_yaw_deg:+.1f},{face.gaze_pitch_deg:+.1f}  eyes {face.eye_open:.2f} "
            f"mouth {face.mouth_open:.2f}/{face.mouth_activity:.2f}  "
            f"attending {face.attending:.2f}±{face.attending_uncertainty:.2f}")


@contextmanager
def native_stderr_silenced() -> Iterator[None]:
    """Decoders inside OpenCV (libpng, its AVI parser, FFmpeg) print their complaints
    straight to file descriptor 2; while probing a user's file we say what is wrong
    ourselves, in one line."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def read_image(path: Path):
    """The file decoded as a still image (3-channel BGR whatever it holds — gray, alpha,
    16-bit — with EXIF orientation applied), or None if it is not an image format."""
    if not cv2.haveImageReader(str(path)):
        return None
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise InputError(path, "image could not be decoded (truncated or corrupt file?)")
    check_size(path, image.shape[1], image.shape[0], "image")
    return image


def check_size(path: Path, width: int, height: int, what: str) -> None:
    """Refuse, before any detection, a picture too thin or too big to analyse in bounded
    time (``MAX_ASPECT_RATIO``, ``MAX_IMAGE_PIXELS``)."""
    ratio = max(width, height) / max(1, min(width, height))
    if ratio > MAX_ASPECT_RATIO:
        raise InputError(path, f"{what} is {width}x{height}, aspect ratio {ratio:.0f}:1; at "
                               f"most {MAX_ASPECT_RATIO:.0f}:1 is analysed (crop or pad it)")
    if width * height > MAX_IMAGE_PIXELS:
        raise InputError(path, f"{what} is {width}x{height}, {width * height / 1e6:.0f} "
                               f"megapixels; at most {MAX_IMAGE_PIXELS / 1e6:.0f} are "
                               f"analysed (downscale it)")


def video_frames(path: Path, max_frames: int | None, info=None) -> Iterator[VideoFrame]:
    from ntt.io.video_file import iter_video_frames

    info = info or probe(path)
    fps = info.fps if info.fps > 0 else DEFAULT_FPS
    for frame in iter_video_frames(path, fps):
        if max_frames is not None and frame.index >= max_frames:
            return
        h, w = frame.image_bgr.shape[:2]
        check_size(path, w, h, f"video frame {frame.index}")
        yield frame


def probe(path: Path):
    """The video's ``VideoInfo``, or one line saying the file is neither image nor video."""
    from ntt.io.video_file import probe_video

    # FFmpeg reports what it cannot parse on stderr; the error below says it in one line.
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", str(AV_LOG_QUIET))
    try:
        return probe_video(path)
    except InputError:
        raise InputError(path, "not an image or video that OpenCV can decode") from None


def run(args: argparse.Namespace) -> int:
    from ntt.progress import bar
    from ntt.settings import VisionSettings
    from ntt.vision.analyzer import FaceAnalyzer
    from ntt.vision.camera import UNKNOWN_CAMERA, CameraGeometry
    from ntt.vision.detector import FaceDetector
    from ntt.vision.landmarks import FaceMesh

    path = Path(args.input)
    if not path.exists():
        raise InputError(path, "file not found")
    if not path.is_file():
        raise InputError(path, "not a file (expected an image or a video)")
    if args.hfov is not None and not 1.0 <= args.hfov <= 179.0:
        raise InputError("--hfov", f"field of view must be 1..179 degrees, got {args.hfov}")
    if args.max_frames is not None and args.max_frames < 1:
        raise InputError("--max-frames", "must be at least 1")
    if args.hfov is not None and args.device is not None:
        raise InputError("--hfov", "give either --hfov or --device, not both")
    if args.device is not None:
        from ntt.calibration.profile import load_profile

        geometry = load_profile(args.device).camera_geometry()
    elif args.hfov is not None:  # a known lens; a picture has no screen to look at
        geometry = CameraGeometry(hfov_deg=args.hfov, screen_center_m=(0.0, 0.0, 0.0),
                                  screen_size_m=(0.0, 0.0))
    else:
        geometry = UNKNOWN_CAMERA
    with native_stderr_silenced():
        image = read_image(path)
        info = probe(path) if image is None else None
        frames = None if info is None else video_frames(path, args.max_frames, info)
        # Decode errors surface here, before any model loads.
        first = next(frames, None) if frames is not None else None
    if frames is not None and first is None:
        raise InputError(path, "video has no decodable frames")
    with FaceDetector() as detector, FaceMesh() as mesh:
        if image is not None:
            analyzer = FaceAnalyzer(detector, mesh, geometry=geometry,
                                    settings=VisionSettings(exhaustive=True))
            (cue,) = analyzer.push(VideoFrame(t_s=0.0, index=0, image_bgr=image))
            if args.json:
                print_json([face_json(f) for f in cue.faces])
            else:
                h, w = image.shape[:2]
                sys.stdout.write(f"{path.name}: {w}x{h}, {len(cue.faces)} face(s)\n")
                for face in cue.faces:
                    sys.stdout.write("  " + face_line(face) + "\n")
            return 0
        analyzer = FaceAnalyzer(detector, mesh, geometry=geometry)
        entries = []
        total = min(info.frame_count, args.max_frames or info.frame_count)
        progress = bar(total, "ntt faces", "frame", show=not args.json)
        for frame in _chain(first, frames):
            (cue,) = analyzer.push(frame)
            progress.update(1)
            if args.json:
                entries.append({"frame": cue.frame_index, "t_s": round(cue.t_s, 4),
                                "faces": [face_json(f) for f in cue.faces]})
            else:  # through the bar, which clears itself for the lines and redraws below
                lines = [f"frame {cue.frame_index} ({cue.t_s:.2f} s): {len(cue.faces)} face(s)"]
                lines += ["  " + face_line(face) for face in cue.faces]
                progress.write("\n".join(lines), file=sys.stdout)
        progress.close()
        if args.json:
            print_json(entries)
    return 0


def _chain(first: VideoFrame, rest: Iterator[VideoFrame]) -> Iterator[VideoFrame]:
    yield first
    yield from rest
