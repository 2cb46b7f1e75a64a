"""The recorded-session format (see datasets/SESSION_FORMAT.md): read, validate, write.

Reading checks everything a later stage would trip over and raises ``InputError`` naming
the file and the field, so a damaged session never reaches the pipeline.

Version 2 adds what a device with a microphone array records: ``audio.wav`` with one channel
per microphone of the device profile's array (in profile order), and ``playback.wav``, what
the device's loudspeaker played, sample-aligned with the microphones, so the device-audio
front-end can cancel its own voice. Version-1 sessions read as one channel, no playback.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from ntt.cues import SAMPLE_RATE_HZ, DeviceTurn
from ntt.errors import InputError
from ntt.io.audio_file import audio_info, read_audio, read_audio_channels, write_wav
from ntt.io.video_file import VideoInfo, probe_video

FORMAT_NAME = "ntt-session"
FORMAT_VERSION = 2  # what write_session writes when there is an array or a playback track
VERSIONS = (1, 2)  # what load_session reads
PLAYBACK_FILE = "playback.wav"
SESSION_FILE = "session.json"
LABELS_FILE = "labels.json"
TRUTH_FILE = "truth.json"
# Labels may end this much after the last sample (rounding by annotation tools).
LABEL_END_TOLERANCE_S = 0.05
# Video may be this much shorter than audio: one frame plus container rounding.
VIDEO_SHORTFALL_TOLERANCE_S = 0.2
ADDRESSEE_FIXED = ("device", "none")
MAX_INT = 2**53  # larger integers are no count, rate or time (and overflow a float)
MAX_NAME_BYTES = 255  # one path component (NAME_MAX)
MAX_PATH_BYTES = 4095  # a whole path (PATH_MAX - 1)
PROFILE_SUFFIX = ".toml"


def is_profile_file(device: str) -> bool:
    """Whether a session's ``device`` string names a profile file (inside the session
    directory) rather than a profile by name."""
    return device.endswith(PROFILE_SUFFIX) or "/" in device or os.sep in device


def session_device(device: str | dict[str, Any], root: Path) -> str | dict[str, Any]:
    """A session's ``device`` as the profile loader takes it: a name or an inline table as
    is, a file relative to the session directory ``root`` (checked by load_session)."""
    if isinstance(device, str) and is_profile_file(device):
        return str(root / device)
    return device


@dataclass(frozen=True)
class Utterance:
    id: str
    start_s: float
    end_s: float
    speaker: str
    directed: bool
    addressee: str
    text: str


@dataclass(frozen=True)
class Labels:
    utterances: tuple[Utterance, ...] = ()
    device_turns: tuple[DeviceTurn, ...] = ()


@dataclass(frozen=True)
class Session:
    """A validated session on disk. Audio and video are read lazily by the sources."""

    root: Path
    audio_path: Path
    video_path: Path | None
    device: str | dict[str, Any]
    fps: float
    sample_rate_hz: int
    duration_s: float
    participants: tuple[str, ...] = ()
    notes: str = ""
    scenario: str = ""
    labels: Labels | None = None
    video: VideoInfo | None = field(default=None, compare=False)
    version: int = 1
    channels: int = 1
    """Microphone channels the pipeline gets: 1 for version 1 (any file is mixed to mono),
    the device array's count for a version-2 multichannel recording."""
    playback_path: Path | None = None
    """Version 2: what the device's loudspeaker played, sample-aligned (None: not recorded)."""

    @property
    def name(self) -> str:
        return self.root.name

    def audio(self) -> np.ndarray:
        """The whole track as 16 kHz mono float32: for a multichannel (version-2) recording
        the **first channel**, one real microphone, so callers that want one signal (the
        export, the calibration, the VAD without a front-end) keep working; a version-1 file
        of any channel count is mixed to mono as it always was."""
        if self.channels == 1:
            return read_audio(self.audio_path)
        return np.ascontiguousarray(self.audio_channels()[:, 0])

    def audio_channels(self) -> np.ndarray:
        """The microphones as a 16 kHz float32 array of shape (samples, channels), in the
        device profile's order (one column for version 1)."""
        if self.channels == 1:
            return self.audio()[:, None]
        return read_audio_channels(self.audio_path)

    def playback(self) -> np.ndarray | None:
        """What the device's loudspeaker played, 16 kHz mono float32, as long as the audio;
        None where the session has no playback track."""
        if self.playback_path is None:
            return None
        return read_audio(self.playback_path)


# --- reading ------------------------------------------------------------------------------


def _load_json(path: Path) -> Any:
    if not path.is_file():
        if path.is_symlink():
            raise InputError(path, "a symbolic link that loops or leads nowhere")
        raise InputError(path, "file not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"invalid JSON at line {exc.lineno} column {exc.colno}: "
                               f"{exc.msg}") from None
    except RecursionError:
        raise InputError(path, "invalid JSON: nested too deeply") from None
    except ValueError as exc:  # e.g. a number of more than 4300 digits
        raise InputError(path, f"invalid JSON: {str(exc).split(':')[0]}") from None
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror})") from None


def _field(obj: dict, key: str, types: type | tuple[type, ...], where: Path, what: str,
           required: bool = True, default: Any = None) -> Any:
    if key not in obj:
        if required:
            raise InputError(where, f"{what}: missing field '{key}'")
        return default
    value = obj[key]
    # bool is an int in Python; a flag is never a number here and vice versa.
    bad_bool = isinstance(value, bool) and bool not in (types if isinstance(types, tuple)
                                                         else (types,))
    if not isinstance(value, types) or bad_bool:
        names = types.__name__ if isinstance(types, type) else " or ".join(
            "null" if t is type(None) else t.__name__ for t in types)
        raise InputError(where, f"{what}: field '{key}' must be {names}, "
                                f"got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(where, f"{what}: field '{key}' must be finite")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        raise InputError(where, f"{what}: field '{key}' is out of range ({len(str(value))} "
                                "digits)")
    return value


def _inside(root: Path, name: str, where: Path, key: str) -> Path:
    if not name or "\0" in name:
        raise InputError(where, f"'{key}' must be a file name without NUL characters")
    if len(os.fsencode(name)) > MAX_PATH_BYTES or any(
            len(os.fsencode(part)) > MAX_NAME_BYTES for part in Path(name).parts):
        raise InputError(where, f"'{key}' is too long for a file name")
    try:
        path = (root / name).resolve()
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        raise InputError(where, f"'{key}': {name} is a symbolic link that loops") from None
    if not path.is_relative_to(root.resolve()):
        raise InputError(where, f"'{key}' must name a file inside the session directory")
    return path


def load_session(path: str | Path, *, labels: bool = True) -> Session:
    """Read and validate a session directory (or its session.json)."""
    path = Path(path)
    root = path.parent if path.name == SESSION_FILE else path
    if not root.is_dir():
        raise InputError(root, "session directory not found")
    meta_path = root / SESSION_FILE
    meta = _load_json(meta_path)
    if not isinstance(meta, dict):
        raise InputError(meta_path, "must hold a JSON object")
    what = "session"
    fmt = _field(meta, "format", str, meta_path, what)
    if fmt != FORMAT_NAME:
        raise InputError(meta_path, f"format must be '{FORMAT_NAME}', got '{fmt}'")
    version = _field(meta, "version", int, meta_path, what)
    if version not in VERSIONS:
        raise InputError(meta_path, f"unsupported version {version} (this NTT reads "
                                    f"{', '.join(map(str, VERSIONS))})")
    audio_name = _field(meta, "audio", str, meta_path, what)
    video_name = _field(meta, "video", (str, type(None)), meta_path, what, required=False)
    device = _field(meta, "device", (str, dict), meta_path, what, required=False,
                    default="laptop-webcam")
    if isinstance(device, str) and is_profile_file(device):
        _inside(root, device, meta_path, "device")  # never /etc/passwd or ../elsewhere
    fps = float(_field(meta, "fps", (int, float), meta_path, what, required=video_name is not None,
                       default=0.0))
    sample_rate = _field(meta, "sample_rate", int, meta_path, what, required=False,
                         default=SAMPLE_RATE_HZ)
    participants_raw = _field(meta, "participants", list, meta_path, what, required=False,
                              default=[])
    notes = _field(meta, "notes", str, meta_path, what, required=False, default="")
    scenario = _field(meta, "scenario", str, meta_path, what, required=False, default="")
    if video_name is not None and fps <= 0:
        raise InputError(meta_path, "field 'fps' must be positive when there is a video")
    if sample_rate <= 0:
        raise InputError(meta_path, "field 'sample_rate' must be positive")
    participants = _participants(participants_raw, meta_path)

    audio_path = _inside(root, audio_name, meta_path, "audio")
    file_rate, file_channels, duration_s = audio_info(audio_path)
    if file_rate != sample_rate:
        raise InputError(meta_path, f"sample_rate {sample_rate} does not match {audio_name} "
                                    f"({file_rate} Hz)")
    channels, playback_path = 1, None
    if version >= 2:
        channels, playback_path = _array_audio(meta, meta_path, root, audio_path, device,
                                               file_channels, sample_rate)

    video_path = None
    video = None
    if video_name is not None:
        video_path = _inside(root, video_name, meta_path, "video")
        video = probe_video(video_path)
        video_s = video.frame_count / fps
        if video_s + VIDEO_SHORTFALL_TOLERANCE_S < duration_s:
            raise InputError(video_path, f"video is shorter than the audio ({video_s:.2f} s of "
                                         f"frames at {fps:g} fps, audio {duration_s:.2f} s)")

    label_data = None
    labels_path = root / LABELS_FILE
    if labels and (labels_path.exists() or labels_path.is_symlink()):  # a loop: an error
        label_data = _read_labels(labels_path, duration_s, participants)
    return Session(root=root, audio_path=audio_path, video_path=video_path, device=device,
                   fps=fps, sample_rate_hz=sample_rate, duration_s=duration_s,
                   participants=participants, notes=notes, scenario=scenario,
                   labels=label_data, video=video, version=version, channels=channels,
                   playback_path=playback_path)


def _array_audio(meta: dict, meta_path: Path, root: Path, audio_path: Path,
                 device: str | dict, file_channels: int, sample_rate: int
                 ) -> tuple[int, Path | None]:
    """Version 2: the channel count (the file's, which ``channels`` must repeat and the
    device profile's array must match) and the playback track (mono, same rate and length
    as the microphones)."""
    what = "session"
    channels = _field(meta, "channels", int, meta_path, what, required=False,
                      default=file_channels)
    if channels != file_channels:
        raise InputError(audio_path, f"holds {file_channels} channel(s), but session.json "
                                     f"field 'channels' says {channels}")
    if channels > 1:
        from ntt.calibration.profile import load_profile

        profile = load_profile(session_device(device, root), where=f"{meta_path}: device")
        mics = len(profile.microphone.positions_mm)
        if mics != channels:
            raise InputError(audio_path, f"holds {channels} channels, but device profile "
                                         f"'{profile.name}' field 'microphone.positions_mm' "
                                         f"places {mics} microphone(s)")
    playback_name = _field(meta, "playback", (str, type(None)), meta_path, what,
                           required=False)
    if playback_name is None:
        return channels, None
    playback_path = _inside(root, playback_name, meta_path, "playback")
    rate, pb_channels, _ = audio_info(playback_path)
    if rate != sample_rate:
        raise InputError(playback_path, f"sample rate {rate} Hz does not match session.json "
                                        f"field 'sample_rate' ({sample_rate})")
    if pb_channels != 1:
        raise InputError(playback_path, f"must hold one channel (the loudspeaker's feed), "
                                        f"holds {pb_channels}")
    pb_frames, mic_frames = _frames(playback_path), _frames(audio_path)
    if pb_frames != mic_frames:
        raise InputError(playback_path, f"holds {pb_frames} samples, the microphones "
                                        f"({audio_path.name}) {mic_frames}: playback must be "
                                        "sample-aligned with the audio")
    return channels, playback_path


def _frames(path: Path) -> int:
    return sf.info(str(path)).frames  # audio_info has already checked the file is readable


def _participants(raw: list, where: Path) -> tuple[str, ...]:
    ids = []
    for i, item in enumerate(raw):
        if isinstance(item, dict):
            item = _field(item, "id", str, where, f"participants[{i}]")
        if not isinstance(item, str) or not item:
            raise InputError(where, f"participants[{i}] must be a name or an object with 'id'")
        ids.append(item)
    if len(set(ids)) != len(ids):
        raise InputError(where, "participants: duplicate ids")
    return tuple(ids)


def _span(obj: dict, where: Path, what: str, duration_s: float) -> tuple[float, float]:
    start = float(_field(obj, "start", (int, float), where, what))
    end = float(_field(obj, "end", (int, float), where, what))
    if start < 0 or end <= start:
        raise InputError(where, f"{what}: needs 0 <= start < end, got {start:g}..{end:g}")
    if end > duration_s + LABEL_END_TOLERANCE_S:
        raise InputError(where, f"{what}: ends at {end:g} s, after the audio "
                                f"({duration_s:.2f} s)")
    return start, end


def _read_labels(path: Path, duration_s: float, participants: tuple[str, ...]) -> Labels:
    data = _load_json(path)
    if not isinstance(data, dict):
        raise InputError(path, "must hold a JSON object")
    raw_utts = _field(data, "utterances", list, path, "labels")
    raw_turns = _field(data, "device_turns", list, path, "labels", required=False, default=[])
    utterances = []
    seen: set[str] = set()
    for i, u in enumerate(raw_utts):
        what = f"utterances[{i}]"
        if not isinstance(u, dict):
            raise InputError(path, f"{what} must be an object")
        uid = _field(u, "id", (str, int), path, what)
        uid = str(uid)
        if uid in seen:
            raise InputError(path, f"{what}: duplicate id '{uid}'")
        seen.add(uid)
        start, end = _span(u, path, what, duration_s)
        speaker = _field(u, "speaker", str, path, what)
        directed = _field(u, "directed", bool, path, what)
        addressee = _field(u, "addressee", str, path, what)
        text = _field(u, "text", str, path, what, required=False, default="")
        if participants:
            if speaker not in participants:
                raise InputError(path, f"{what}: speaker '{speaker}' is not a participant")
            if addressee not in ADDRESSEE_FIXED and addressee not in participants:
                raise InputError(path, f"{what}: addressee '{addressee}' is neither 'device', "
                                       "'none' nor a participant")
        if directed != (addressee == "device"):
            raise InputError(path, f"{what}: directed={directed} contradicts addressee "
                                   f"'{addressee}'")
        utterances.append(Utterance(uid, start, end, speaker, directed, addressee, text))
    turns = []
    for i, t in enumerate(raw_turns):
        what = f"device_turns[{i}]"
        if not isinstance(t, dict):
            raise InputError(path, f"{what} must be an object")
        start, end = _span(t, path, what, duration_s)
        turns.append(DeviceTurn(start, end, _field(t, "text", str, path, what, required=False,
                                                   default="")))
    utterances.sort(key=lambda u: u.start_s)
    return Labels(tuple(utterances), tuple(turns))


# --- writing ------------------------------------------------------------------------------


def labels_to_json(labels: Labels) -> dict:
    return {
        "utterances": [{"id": u.id, "start": round(u.start_s, 3), "end": round(u.end_s, 3),
                        "speaker": u.speaker, "directed": u.directed,
                        "addressee": u.addressee, "text": u.text} for u in labels.utterances],
        "device_turns": [{"start": round(t.start_s, 3), "end": round(t.end_s, 3),
                          "text": t.text} for t in labels.device_turns],
    }


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON next to its final name and rename, so readers never see half a file."""
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


# Names a session directory may hold besides the media named in ``session.json``.
SESSION_FILES = (SESSION_FILE, LABELS_FILE, TRUTH_FILE, PLAYBACK_FILE)


def _session_names(path: Path) -> set[str] | None:
    """The names the session directory ``path`` may hold (its ``session.json`` of format
    ntt-session, the other session files, the media it names), or None if it is none."""
    try:
        meta = json.loads((path / SESSION_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        return None
    allowed = set(SESSION_FILES)
    for key in ("audio", "video", "playback"):
        name = meta.get(key)
        if isinstance(name, str) and name and Path(name).name == name:
            allowed.add(name)
    return allowed


def is_session_dir(path: Path) -> bool:
    """Whether ``path`` is a directory holding an NTT session and nothing else: a
    ``session.json`` of format ntt-session, and only plain files it or the format names."""
    if path.is_symlink() or not path.is_dir():
        return False
    allowed = _session_names(path)
    try:
        entries = list(path.iterdir())
    except OSError:
        return False
    return allowed is not None and all(
        p.name in allowed and p.is_file() and not p.is_symlink() for p in entries)


def check_session_target(out_dir: str | Path, *, replace: bool) -> Path:
    """Where a session may be written, resolved (symlinks and ``..``), or InputError: the
    target must not exist, or be an empty directory, or — with ``replace`` — hold a
    previous session and nothing else. Nothing else is ever replaced."""
    out = Path(os.path.realpath(Path(out_dir).expanduser()))
    if out.parent == out:
        raise InputError(out, "refusing to write a session over the root directory")
    if not out.exists() and not out.is_symlink():
        return out
    if not out.is_dir():
        raise InputError(out, "exists and is not a directory")
    try:
        empty = not any(out.iterdir())
    except OSError as exc:
        raise InputError(out, f"cannot read the directory ({exc.strerror})") from None
    if empty:
        return out
    if not replace:
        raise InputError(out, "not empty (choose a new or empty directory, or --force to "
                              "replace a previous NTT session there)")
    if not is_session_dir(out):
        raise InputError(out, "holds files that are not an NTT session; not replacing it")
    return out


def write_session(out_dir: str | Path, *, audio: np.ndarray, video_path: Path | None = None,
                  fps: float = 0.0, device: str | dict = "laptop-webcam",
                  participants: tuple[str, ...] = (), labels: Labels | None = None,
                  notes: str = "", scenario: str = "",
                  extra_files: dict[str, Any] | None = None,
                  playback: np.ndarray | None = None, replace: bool = True) -> Path:
    """Write a complete session directory. Everything goes to a sibling temporary directory
    that is renamed into place at the end, so an interrupted write leaves nothing behind.
    ``audio`` is float32 in [-1, 1] at 16 kHz, shape (n,) for one microphone or
    (n, channels) for the device's array in profile order; ``playback`` (n,) is what the
    device's loudspeaker played, sample-aligned. Either makes it a version-2 session
    (``audio.wav`` multichannel, ``playback.wav``); plain mono audio stays version 1.
    ``video_path`` is an already encoded file that is moved in as ``video`` + its suffix;
    ``extra_files`` are JSON documents stored beside the labels (e.g. per-frame truth).

    The target may be new or an empty directory; with ``replace`` also a previous session
    (``is_session_dir``), whose files are removed only once the new copy is in place.
    Anything else there raises InputError and is left untouched."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim not in (1, 2) or audio.shape[0] == 0 or (audio.ndim == 2
                                                           and audio.shape[1] == 0):
        raise ValueError(f"audio must be (samples,) or (samples, channels), got "
                         f"{audio.shape}")
    channels = 1 if audio.ndim == 1 else audio.shape[1]
    if audio.ndim == 2 and channels == 1:
        audio = audio[:, 0]
    if playback is not None:
        playback = np.asarray(playback, dtype=np.float32)
        if playback.shape != (audio.shape[0],):
            raise ValueError(f"playback must be ({audio.shape[0]},), as long as the audio, "
                             f"got {playback.shape}")
    version = 2 if channels > 1 or playback is not None else 1
    out = check_session_target(out_dir, replace=replace)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise InputError(out, f"cannot write here ({exc.strerror})") from None
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; a session is an ordinary directory
    try:
        write_wav(tmp / "audio.wav", audio, SAMPLE_RATE_HZ)
        video_name = None
        if video_path is not None:
            video_name = "video" + video_path.suffix
            shutil.move(str(video_path), tmp / video_name)
        meta = {"format": FORMAT_NAME, "version": version, "audio": "audio.wav",
                "video": video_name, "device": device, "fps": float(fps),
                "sample_rate": SAMPLE_RATE_HZ, "participants": list(participants),
                "notes": notes}
        if version >= 2:
            meta["channels"] = channels
            meta["playback"] = PLAYBACK_FILE if playback is not None else None
            if playback is not None:
                write_wav(tmp / PLAYBACK_FILE, playback, SAMPLE_RATE_HZ)
        if scenario:
            meta["scenario"] = scenario
        write_json_atomic(tmp / SESSION_FILE, meta)
        if labels is not None:
            write_json_atomic(tmp / LABELS_FILE, labels_to_json(labels))
        for name, doc in (extra_files or {}).items():
            write_json_atomic(tmp / name, doc)
        _move_into_place(tmp, out, replace)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # ours: made by mkdtemp above
        raise
    return out


def _move_into_place(tmp: Path, out: Path, replace: bool) -> None:
    """Rename ``tmp`` to ``out``. A previous session there is first moved aside (checked
    again, right before), and its files are deleted one by one once the new one is in."""
    check_session_target(out, replace=replace)
    if not out.exists() or not any(out.iterdir()):
        os.replace(tmp, out)  # onto nothing, or onto an empty directory
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
    old = aside / out.name
    os.rename(out, old)
    try:
        if not is_session_dir(old):  # changed between the check and the move
            raise InputError(out, "holds files that are not an NTT session; not replacing it")
        os.replace(tmp, out)
    except BaseException:
        os.rename(old, out)
        aside.rmdir()
        raise
    allowed = _session_names(old) or set()
    for path in old.iterdir():
        if path.name in allowed and path.is_file() and not path.is_symlink():
            path.unlink()
    try:
        old.rmdir()
        aside.rmdir()
    except OSError:  # something appeared in the old session meanwhile: keep it
        import logging

        logging.getLogger(__name__).warning("kept unexpected files of the replaced "
                                            "session in %s", old)
