"""A session made on the fly from one recording: ``ntt run FILE.wav`` / ``FILE.mp4``.

An audio file becomes an audio-only session; a video file becomes a session with that
video and its soundtrack (extracted with ffmpeg, which Debian's ``ffmpeg`` package
provides). No labels, so nothing to agree with; the device profile is the laptop
webcam's unless another is named.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from ntt.errors import InputError
from ntt.io.audio_file import read_audio

AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".mp3"})
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm"})
FFMPEG_TIMEOUT_S = 600


def is_media_file(path: str | Path) -> bool:
    path = Path(path)
    return path.is_file() and path.suffix.lower() in AUDIO_SUFFIXES | VIDEO_SUFFIXES


def _soundtrack(video: Path, out_wav: Path) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise InputError(video, "reading a video's sound needs ffmpeg (apt-get install ffmpeg)")
    done = subprocess.run([ffmpeg, "-nostdin", "-v", "error", "-y", "-i", str(video), "-vn",
                           "-ac", "1", "-ar", "16000", "-f", "wav", str(out_wav)],
                          capture_output=True, text=True, timeout=FFMPEG_TIMEOUT_S)
    if done.returncode != 0 or not out_wav.is_file():
        why = (done.stderr.strip().splitlines() or ["no audio stream"])[-1]
        raise InputError(video, f"no soundtrack could be read ({why})")


def session_from_media(path: str | Path, work_dir: str | Path,
                       device: str = "laptop-webcam") -> Path:
    """A session directory under ``work_dir`` (which the caller removes) holding ``path``'s
    audio and, for a video, a copy of the video."""
    from ntt.io.session import write_session
    from ntt.io.video_file import probe_video

    path, work = Path(path), Path(work_dir)
    if path.suffix.lower() in AUDIO_SUFFIXES:
        return write_session(work / path.stem, audio=read_audio(path), device=device,
                             notes=f"made from {path.name}")
    info = probe_video(path)  # an undecodable video fails here, in one line
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        wav = Path(tmp) / "audio.wav"
        _soundtrack(path, wav)
        audio = read_audio(wav)
        video = Path(tmp) / f"video{path.suffix.lower()}"
        shutil.copyfile(path, video)
        return write_session(work / path.stem, audio=audio, video_path=video, fps=info.fps,
                             device=device, notes=f"made from {path.name}")
