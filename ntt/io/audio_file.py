"""Read any common audio file as 16 kHz mono float32, refusing damaged files loudly."""

from __future__ import annotations

import errno
import struct
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from ntt.cues import SAMPLE_RATE_HZ
from ntt.errors import InputError


def read_audio(path: str | Path, target_rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """Decode ``path`` with libsndfile, mix to mono and resample (soxr, high quality)."""
    data, rate_hz = _decode(Path(path))
    mono = data.mean(axis=1)
    if rate_hz != target_rate_hz:
        mono = soxr.resample(mono, rate_hz, target_rate_hz, quality="HQ").astype(np.float32)
    return np.ascontiguousarray(mono, dtype=np.float32)


def read_audio_channels(path: str | Path, target_rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """Every channel, (samples, channels) float32, resampled like ``read_audio``: a
    microphone array's recording, where mixing to mono would destroy the directions."""
    data, rate_hz = _decode(Path(path))
    if rate_hz != target_rate_hz:
        data = soxr.resample(data, rate_hz, target_rate_hz, quality="HQ")
    return np.ascontiguousarray(data, dtype=np.float32)


def _decode(path: Path) -> tuple[np.ndarray, int]:
    """(samples, channels) float32 at the file's own rate; a damaged file is an
    ``InputError``."""
    if not path.is_file():
        raise InputError(path, "audio file not found")
    if path.suffix.lower() == ".wav":
        check_wav_complete(path)
    try:
        data, rate_hz = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise InputError(path, f"not a readable audio file ({exc})") from None
    if data.shape[0] == 0:
        raise InputError(path, "audio file holds no samples")
    return data, rate_hz


def audio_info(path: str | Path) -> tuple[int, int, float]:
    """(sample rate Hz, channels, duration s) without decoding the samples."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "audio file not found")
    if path.suffix.lower() == ".wav":
        check_wav_complete(path)
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        raise InputError(path, f"not a readable audio file ({exc})") from None
    if info.frames <= 0:
        raise InputError(path, "audio file holds no samples")
    return info.samplerate, info.channels, info.frames / info.samplerate


def check_wav_complete(path: Path) -> None:
    """libsndfile silently reads what is there of a truncated WAV; compare the RIFF header's
    data-chunk size with the bytes actually present so a cut-off recording is reported."""
    size = path.stat().st_size
    with path.open("rb") as f:
        header = f.read(12)
        if len(header) < 12 or header[:4] not in (b"RIFF", b"RF64") or header[8:12] != b"WAVE":
            raise InputError(path, "not a WAV file (no RIFF/WAVE header)")
        if header[:4] == b"RF64":
            return  # 64-bit sizes live in a ds64 chunk; libsndfile checks those itself
        offset = 12
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise InputError(path, "truncated WAV: no data chunk")
            chunk_id, chunk_size = struct.unpack("<4sI", chunk)
            offset += 8
            if chunk_id == b"data":
                if chunk_size == 0xFFFFFFFF or chunk_size == 0:
                    return  # streaming writers leave the size open
                missing = offset + chunk_size - size
                if missing > 0:
                    raise InputError(
                        path, f"truncated WAV: header promises {chunk_size} data bytes, "
                        f"file holds {size - offset}")
                return
            offset += chunk_size + (chunk_size & 1)
            if offset > size:
                raise InputError(path, f"truncated WAV: chunk {chunk_id!r} runs past the end")
            f.seek(offset)


def write_wav(path: str | Path, samples: np.ndarray, rate_hz: int = SAMPLE_RATE_HZ) -> None:
    """16-bit PCM WAV, written to a temporary name and renamed so no half file is left."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    try:
        sf.write(str(tmp), np.clip(samples, -1.0, 1.0), rate_hz, subtype="PCM_16",
                 format="WAV")
    except sf.LibsndfileError as exc:  # a full disk or a size limit: libsndfile's "System error"
        tmp.unlink(missing_ok=True)
        raise OSError(errno.EIO, f"cannot write the audio (disk full? {exc})", str(path)
                      ) from None
    tmp.replace(path)
