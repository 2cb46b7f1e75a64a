"""Device profiles: what NTT must know about the hardware it runs on.

A profile is a TOML file named by its stem (``laptop-webcam``), found first in the writable
``ntt.paths.profile_dir()`` (calibration results; ``$NTT_CALIBRATION_DIR`` or the user
configuration directory) and then among the profiles shipped as package data
(``ntt/profiles``); or any path; or an inline table in a session's ``session.json``. It
holds the camera (resolution, intrinsics or field of view, and where it sits relative to
the screen centre), the screen size, the microphone, the decision thresholds, and — once
measured — the room's acoustic levels and a record of each calibration. Every field is
checked on load; a bad one raises an ``InputError`` naming the file and the field. Field
meanings and units: ``ntt/profiles/README.md``. ``ntt calibrate`` never writes a shipped
profile: calibrating one by name writes a copy with the results into ``profile_dir()``,
which from then on overrides it.

Screen coordinates (``camera.position_mm``): origin at the screen centre, x to the right
and y up as the person facing the screen sees them, z out of the screen towards that
person. A camera centred on the top bezel 10 mm above a 174 mm tall screen is at
``[0, 97, 0]``.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ntt import paths
from ntt.calibration import toml_io
from ntt.errors import InputError
from ntt.vision.camera import CameraGeometry

log = logging.getLogger(__name__)

PROFILE_DIR_ENV = paths.PROFILE_DIR_ENV
DEFAULT_PROFILE = "laptop-webcam"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# Plausible ranges; a value outside is a typo or a unit mix-up (mm vs m, px vs fraction).
HFOV_RANGE_DEG = (20.0, 170.0)
RESOLUTION_RANGE_PX = (64, 16384)
POSITION_RANGE_MM = 2000.0
SCREEN_RANGE_MM = (20.0, 3000.0)
CHANNELS_RANGE = (1, 64)
DISTORTION_TERMS = (4, 5, 8, 12, 14)  # the lengths OpenCV's distortion vectors come in
LEVEL_RANGE_DBFS = (-140.0, 0.0)
# Per-household nudging never moves the threshold further than this from the calibrated
# operating point (``ntt.calibration.threshold.NudgeBounds``).
DEFAULT_MAX_HOUSEHOLD_OFFSET = 0.10
MAX_HOUSEHOLD_OFFSET = 0.25


def profile_dir() -> Path:
    """Where calibrated profiles are written and looked up first (``ntt.paths``)."""
    return paths.profile_dir()


def shipped_profile_dir() -> Path:
    """The profiles that ship with NTT (read-only package data)."""
    return paths.SHIPPED_PROFILES


@dataclass(frozen=True)
class CameraSpec:
    """``focal_px`` (fx, fy), ``principal_xy`` and ``distortion`` come from ``ntt calibrate
    camera`` and hold for frames of ``calibrated_size_wh``; without them ``hfov_deg`` (the
    nominal horizontal field of view) gives the focal length."""

    resolution_wh: tuple[int, int]
    hfov_deg: float
    position_mm: tuple[float, float, float]
    focal_px: tuple[float, float] | None = None
    principal_xy: tuple[float, float] | None = None
    calibrated_size_wh: tuple[int, int] | None = None
    distortion: tuple[float, ...] = ()
    reprojection_error_px: float | None = None

    @property
    def calibrated(self) -> bool:
        return self.focal_px is not None


@dataclass(frozen=True)
class ScreenSpec:
    size_mm: tuple[float, float]  # active area, width × height

    @property
    def diagonal_in(self) -> float:
        return math.hypot(*self.size_mm) / 25.4


@dataclass(frozen=True)
class MicrophoneSpec:
    """What NTT receives from the microphone. ``channels`` is how many channels it reads;
    ``positions_mm`` (one ``(x, y, z)`` per channel, in channel order) places each capsule
    of an array in the **camera frame** (origin at the lens, x to image right, y down, z out
    of the lens into the room; ``ntt.vision.camera``), so a direction of arrival from the
    array and a face's direction from its image position are angles in one frame. Empty for
    a single microphone, or an array the device mixes to one channel itself."""

    description: str
    channels: int = 1
    positions_mm: tuple[tuple[float, float, float], ...] = ()

    @property
    def is_array(self) -> bool:
        """More than one placed capsule: echo cancellation per channel, a beam and DOA."""
        return len(self.positions_mm) > 1

    def positions_m(self) -> np.ndarray:
        """The capsule positions as a (3, channels) array in metres (pyroomacoustics'
        layout), camera frame."""
        return np.array(self.positions_mm, dtype=float).T / 1000.0


@dataclass(frozen=True)
class Thresholds:
    """``directed``: the operating point on ``p_directed`` for final decisions (set by
    ``ntt calibrate threshold``); ``early``: the same for early decisions. ``household``:
    the per-household value that implicit feedback nudges, never further than
    ``max_household_offset`` from ``directed``."""

    directed: float = 0.5
    early: float = 0.5
    household: float | None = None
    max_household_offset: float = DEFAULT_MAX_HOUSEHOLD_OFFSET
    target_fa_per_hour: float | None = None

    @property
    def effective(self) -> float:
        """The threshold to decide with: the household's where one has been learnt."""
        return self.directed if self.household is None else self.household

    @property
    def override(self) -> float | None:
        """The threshold the pipeline should impose on fusion, or None to keep the fusion
        model's own operating point: only a measured (``ntt calibrate threshold``) or
        household-nudged value overrides it, never the shipped 0.5."""
        if self.target_fa_per_hour is None and self.household is None:
            return None
        return self.effective


@dataclass(frozen=True)
class AcousticLevels:
    """The room as the microphone hears it: the level of its background noise and of
    speech in it (``None`` where the recording held none), both in dBFS."""

    noise_floor_dbfs: float
    speech_level_dbfs: float | None = None

    def level_re_speech_db(self, level_dbfs: float) -> float:
        """A level relative to this room's typical speech (0 = typical, +6 = louder)."""
        ref = self.speech_level_dbfs
        return level_dbfs - (ref if ref is not None else self.noise_floor_dbfs)

    def snr_db(self, level_dbfs: float) -> float:
        """A level relative to this room's noise floor."""
        return level_dbfs - self.noise_floor_dbfs

    def normalise(self, level_dbfs: float) -> float:
        """0 at the noise floor, 1 at typical speech (unclipped): loudness cues that mean
        the same in a quiet bedroom and a noisy kitchen."""
        if self.speech_level_dbfs is None or self.speech_level_dbfs <= self.noise_floor_dbfs:
            return self.snr_db(level_dbfs) / DEFAULT_SPEECH_SNR_DB
        return (level_dbfs - self.noise_floor_dbfs) / (self.speech_level_dbfs
                                                       - self.noise_floor_dbfs)


# Without a measured speech level, normalise() assumes speech this far above the noise.
DEFAULT_SPEECH_SNR_DB = 25.0


@dataclass(frozen=True)
class DeviceProfile:
    name: str
    description: str
    camera: CameraSpec
    screen: ScreenSpec
    microphone: MicrophoneSpec
    thresholds: Thresholds = field(default_factory=Thresholds)
    acoustic: AcousticLevels | None = None
    notes: str = ""
    # The last run of each calibration (what was used, errors, dates), free-form tables.
    calibration: dict[str, Any] = field(default_factory=dict, compare=False)
    source: Path | None = field(default=None, compare=False)

    def camera_geometry(self, width: int | None = None, height: int | None = None
                        ) -> CameraGeometry:
        """The vision front-end's ``CameraGeometry`` for this device. ``CameraGeometry``
        scales calibrated intrinsics to any frame size itself; ``width``/``height`` are only
        checked: a frame whose aspect ratio differs from the calibrated one comes from a
        cropped sensor mode, for which scaled intrinsics are approximate."""
        cam = self.camera
        ref_wh = cam.calibrated_size_wh or cam.resolution_wh
        if width is not None and height is not None:
            if width <= 0 or height <= 0:
                raise ValueError(f"frame size must be positive, got {width}x{height}")
            if abs(width / height - ref_wh[0] / ref_wh[1]) > 0.01:
                log.warning("%s: %dx%d frames differ in aspect ratio from the profile's "
                            "%dx%d; intrinsics are scaled approximately", self.name, width,
                            height, *ref_wh)
        x, y, z = (c / 1000.0 for c in cam.position_mm)
        # Screen centre in the camera frame (x image right = the viewer's left, y down,
        # z towards the viewer): see the module docstring for the screen frame.
        centre_m = (x, y, 0.0 - z)
        size_m = (self.screen.size_mm[0] / 1000.0, self.screen.size_mm[1] / 1000.0)
        if cam.focal_px is not None and cam.calibrated_size_wh is not None:
            return CameraGeometry(hfov_deg=cam.hfov_deg, focal_px=cam.focal_px[0],
                                  principal_xy=cam.principal_xy,
                                  calibrated_size_wh=cam.calibrated_size_wh,
                                  screen_center_m=centre_m, screen_size_m=size_m)
        return CameraGeometry(hfov_deg=cam.hfov_deg, screen_center_m=centre_m,
                              screen_size_m=size_m)

    def to_dict(self) -> dict[str, Any]:
        """The TOML document (``from_dict`` reads it back to an equal profile)."""
        cam = self.camera
        camera: dict[str, Any] = {"resolution_wh": list(cam.resolution_wh),
                                  "hfov_deg": cam.hfov_deg,
                                  "position_mm": list(cam.position_mm)}
        if cam.focal_px is not None:
            camera["focal_px"] = list(cam.focal_px)
        if cam.principal_xy is not None:
            camera["principal_xy"] = list(cam.principal_xy)
        if cam.calibrated_size_wh is not None:
            camera["calibrated_size_wh"] = list(cam.calibrated_size_wh)
        if cam.distortion:
            camera["distortion"] = list(cam.distortion)
        if cam.reprojection_error_px is not None:
            camera["reprojection_error_px"] = cam.reprojection_error_px
        th = self.thresholds
        thresholds: dict[str, Any] = {"directed": th.directed, "early": th.early,
                                      "max_household_offset": th.max_household_offset}
        if th.household is not None:
            thresholds["household"] = th.household
        if th.target_fa_per_hour is not None:
            thresholds["target_fa_per_hour"] = th.target_fa_per_hour
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.notes:
            out["notes"] = self.notes
        out["camera"] = camera
        out["screen"] = {"size_mm": list(self.screen.size_mm)}
        out["microphone"] = {"description": self.microphone.description,
                             "channels": self.microphone.channels}
        if self.microphone.positions_mm:
            out["microphone"]["positions_mm"] = [list(p) for p in self.microphone.positions_mm]
        out["thresholds"] = thresholds
        if self.acoustic is not None:
            acoustic: dict[str, Any] = {"noise_floor_dbfs": self.acoustic.noise_floor_dbfs}
            if self.acoustic.speech_level_dbfs is not None:
                acoustic["speech_level_dbfs"] = self.acoustic.speech_level_dbfs
            out["acoustic"] = acoustic
        if self.calibration:
            out["calibration"] = copy.deepcopy(self.calibration)
        return out


# --- validation ---------------------------------------------------------------------------


class _Table:
    """One table of a profile being read: typed getters that name the file and field in
    every error, and a check that nothing unknown is left over (typos must not pass)."""

    def __init__(self, data: Any, where: str | Path, path: str):
        if not isinstance(data, dict):
            raise InputError(where, f"'{path}' must be a table")
        self.data, self.where, self.path = data, where, path
        self.used: set[str] = set()

    def _name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str, problem: str) -> InputError:
        return InputError(self.where, f"field '{self._name(key)}' {problem}")

    def get(self, key: str, required: bool) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:
                raise InputError(self.where, f"missing field '{self._name(key)}'")
            return None
        return self.data[key]

    def number(self, key: str, lo: float, hi: float, required: bool = True,
               default: float | None = None) -> float | None:
        v = self.get(key, required)
        if v is None:
            return default
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise self.fail(key, f"must be a number, got {_type(v)}")
        if not math.isfinite(v) or not lo <= v <= hi:
            raise self.fail(key, f"must be between {lo:g} and {hi:g}, got {v!r}")
        return float(v)

    def integer(self, key: str, lo: int, hi: int, required: bool = True,
                default: int | None = None) -> int | None:
        v = self.get(key, required)
        if v is None:
            return default
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.fail(key, f"must be an integer, got {_type(v)}")
        if not lo <= v <= hi:
            raise self.fail(key, f"must be between {lo} and {hi}, got {v}")
        return v

    def string(self, key: str, required: bool = True, default: str = "") -> str:
        v = self.get(key, required)
        if v is None:
            return default
        if not isinstance(v, str):
            raise self.fail(key, f"must be a string, got {_type(v)}")
        return v

    def numbers(self, key: str, lengths: tuple[int, ...], lo: float, hi: float,
                required: bool = True, integer: bool = False) -> tuple | None:
        v = self.get(key, required)
        if v is None:
            return None
        kind = "integers" if integer else "numbers"
        shape = " or ".join(str(n) for n in lengths)
        if not isinstance(v, list) or len(v) not in lengths:
            raise self.fail(key, f"must be a list of {shape} {kind}, got {_show(v)}")
        for x in v:
            ok = isinstance(x, int) if integer else isinstance(x, (int, float))
            if isinstance(x, bool) or not ok:
                raise self.fail(key, f"must be a list of {shape} {kind}, got {_show(v)}")
            if not math.isfinite(x) or not lo <= x <= hi:
                raise self.fail(key, f"values must be between {lo:g} and {hi:g}, got "
                                     f"{_show(v)}")
        return tuple(int(x) for x in v) if integer else tuple(float(x) for x in v)

    def table(self, key: str, required: bool = True) -> _Table | None:
        v = self.get(key, required)
        if v is None:
            return None
        return _Table(v, self.where, self._name(key))

    def done(self) -> None:
        extra = [k for k in self.data if k not in self.used]
        if extra:
            raise InputError(self.where, f"unknown field '{self._name(extra[0])}'")


def _type(v: Any) -> str:
    return {bool: "a boolean", str: "a string", list: "a list", dict: "a table"}.get(
        type(v), type(v).__name__)


def _show(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 60 else text[:57] + "..."


def from_dict(data: Any, where: str | Path, source: Path | None = None) -> DeviceProfile:
    """Validate a profile document (parsed TOML, or a session's inline ``device``)."""
    top = _Table(data, where, "")
    name = top.string("name")
    if not _NAME.match(name):
        raise top.fail("name", f"must be a simple name (letters, digits, - _ .), got {name!r}")
    description = top.string("description", required=False)
    notes = top.string("notes", required=False)

    cam = top.table("camera")
    assert cam is not None
    resolution = cam.numbers("resolution_wh", (2,), *RESOLUTION_RANGE_PX, integer=True)
    hfov = cam.number("hfov_deg", *HFOV_RANGE_DEG, required=False)
    position = cam.numbers("position_mm", (3,), -POSITION_RANGE_MM, POSITION_RANGE_MM)
    focal = cam.numbers("focal_px", (2,), 1.0, 1e6, required=False)
    principal = cam.numbers("principal_xy", (2,), -1e5, 1e5, required=False)
    calib_size = cam.numbers("calibrated_size_wh", (2,), *RESOLUTION_RANGE_PX, required=False,
                             integer=True)
    distortion = cam.numbers("distortion", DISTORTION_TERMS, -1e3, 1e3, required=False) or ()
    reproj = cam.number("reprojection_error_px", 0.0, 1e3, required=False)
    cam.done()
    if focal is not None and calib_size is None:
        raise cam.fail("calibrated_size_wh", "is needed with 'camera.focal_px' (the frame "
                                             "size the intrinsics hold for)")
    if (principal is not None or distortion) and focal is None:
        raise cam.fail("focal_px", "is needed with 'camera.principal_xy' / "
                                   "'camera.distortion'")
    if hfov is None:
        if focal is None or calib_size is None:
            raise InputError(where, "missing field 'camera.hfov_deg' (or calibrated "
                                    "'camera.focal_px' with 'camera.calibrated_size_wh')")
        hfov = math.degrees(2 * math.atan(calib_size[0] / 2 / focal[0]))

    scr = top.table("screen")
    assert scr is not None
    size = scr.numbers("size_mm", (2,), *SCREEN_RANGE_MM)
    scr.done()

    mic = top.table("microphone", required=False)
    if mic is not None:
        microphone = _microphone(mic)
    else:
        microphone = MicrophoneSpec("unspecified")

    th = top.table("thresholds", required=False)
    thresholds = Thresholds()
    if th is not None:
        directed = th.number("directed", 0.0, 1.0, required=False, default=0.5)
        thresholds = Thresholds(
            directed=directed,
            early=th.number("early", 0.0, 1.0, required=False, default=directed),
            household=th.number("household", 0.0, 1.0, required=False),
            max_household_offset=th.number("max_household_offset", 0.0,
                                           MAX_HOUSEHOLD_OFFSET, required=False,
                                           default=DEFAULT_MAX_HOUSEHOLD_OFFSET),
            target_fa_per_hour=th.number("target_fa_per_hour", 0.0, 1e6, required=False))
        th.done()
        if thresholds.household is not None and abs(thresholds.household - directed) > \
                thresholds.max_household_offset + 1e-9:
            raise th.fail("household", f"({thresholds.household:g}) is further than "
                                       f"max_household_offset "
                                       f"({thresholds.max_household_offset:g}) from "
                                       f"'thresholds.directed' ({directed:g})")

    ac = top.table("acoustic", required=False)
    acoustic = None
    if ac is not None:
        acoustic = AcousticLevels(ac.number("noise_floor_dbfs", *LEVEL_RANGE_DBFS),
                                  ac.number("speech_level_dbfs", *LEVEL_RANGE_DBFS,
                                            required=False))
        ac.done()

    record = top.table("calibration", required=False)
    calibration = dict(record.data) if record is not None else {}
    for key, value in calibration.items():
        if not isinstance(value, dict):
            raise InputError(where, f"'calibration.{key}' must be a table")
    top.done()
    return DeviceProfile(
        name=name, description=description, notes=notes,
        camera=CameraSpec(resolution_wh=resolution, hfov_deg=hfov, position_mm=position,
                          focal_px=focal, principal_xy=principal,
                          calibrated_size_wh=calib_size, distortion=tuple(distortion),
                          reprojection_error_px=reproj),
        screen=ScreenSpec(size), microphone=microphone, thresholds=thresholds,
        acoustic=acoustic, calibration=calibration, source=source)


def _microphone(mic: _Table) -> MicrophoneSpec:
    """``microphone``: a description, the channel count, and for an array each capsule's
    place (``positions_mm``, one [x, y, z] per channel); without ``channels`` an array has
    one channel per capsule."""
    description = mic.string("description")
    channels = mic.integer("channels", *CHANNELS_RANGE, required=False)
    raw = mic.get("positions_mm", required=False)
    positions: list[tuple[float, float, float]] = []
    if raw is not None:
        if not isinstance(raw, list) or not raw:
            raise mic.fail("positions_mm", f"must be a list of [x, y, z] positions, got "
                                           f"{_show(raw)}")
        for i, point in enumerate(raw):
            key = f"positions_mm[{i}]"
            xyz = _Table({key: point}, mic.where, mic.path).numbers(
                key, (3,), -POSITION_RANGE_MM, POSITION_RANGE_MM)
            positions.append(xyz)  # type: ignore[arg-type]
        if len(set(positions)) != len(positions):
            raise mic.fail("positions_mm", "holds the same position twice")
        if channels is not None and channels != len(positions):
            raise mic.fail("channels", f"({channels}) must equal the number of "
                                       f"'microphone.positions_mm' ({len(positions)})")
    mic.done()
    return MicrophoneSpec(description, channels if channels is not None
                          else max(len(positions), 1), tuple(positions))


# --- finding, loading, saving -------------------------------------------------------------


def known_profiles(directory: Path | None = None) -> list[str]:
    """Profile names in ``directory``; by default the calibrated and the shipped ones."""
    dirs = [directory] if directory is not None else [profile_dir(), shipped_profile_dir()]
    return sorted({p.stem for d in dirs if d.is_dir() for p in d.glob("*.toml")})


def _is_name(spec: str | Path) -> bool:
    text = str(spec)
    return not (text.endswith(".toml") or "/" in text or os.sep in text)


def profile_path(spec: str | Path) -> Path:
    """A profile name (``laptop-webcam``) → its file, the calibrated one in
    ``profile_dir()`` before the shipped one; a path is returned as is."""
    text = str(spec)
    if not _is_name(text):
        return Path(text)
    if not _NAME.match(text):
        raise InputError(text, "not a profile name or a .toml path")
    for directory in (profile_dir(), shipped_profile_dir()):
        path = directory / f"{text}.toml"
        if path.is_file():
            return path
    known = ", ".join(known_profiles()) or "none"
    raise InputError(text, f"no device profile of that name in {profile_dir()} or "
                           f"{shipped_profile_dir()} (known: {known})")


def load_profile(spec: str | Path | dict[str, Any], where: str | Path | None = None
                 ) -> DeviceProfile:
    """A profile from a name, a ``.toml`` path or an inline table (a session's ``device``;
    ``where`` names it in errors)."""
    if isinstance(spec, dict):
        return from_dict(spec, where or "inline device profile")
    path = profile_path(spec)
    data, _ = toml_io.load(path)
    return from_dict(data, path, source=path)


def profile_for_session(session) -> DeviceProfile:
    """The profile a session was recorded with (``session.json``'s ``device``)."""
    from ntt.io.session import session_device

    where = f"{session.root / 'session.json'}: device"
    return load_profile(session_device(session.device, session.root), where=where)


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` applied table by table; a ``None`` value deletes a key."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict):
            out[key] = deep_merge(out[key] if isinstance(out.get(key), dict) else {}, value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def update_profile(spec: str | Path, changes: dict[str, Any],
                   out: str | Path | None = None) -> DeviceProfile:
    """Apply ``changes`` to a profile and write it: to ``out``; else, for a profile given by
    name, to ``profile_dir()/<name>.toml`` (a shipped profile is never written: the copy
    there overrides it); else in place. The result is validated before anything is
    written, the write is atomic, and the file's own-line comments are kept."""
    src = profile_path(spec)
    data, comments = toml_io.load(src)
    merged = deep_merge(data, changes)
    if out is not None:
        dest = Path(out)
    elif _is_name(spec):
        dest = profile_dir() / f"{spec}.toml"
    else:
        dest = src
    profile = from_dict(merged, dest, source=dest)
    toml_io.atomic_write_text(dest, toml_io.dumps(merged, comments))
    return profile


def save_profile(profile: DeviceProfile, path: str | Path,
                 comments: toml_io.Comments | None = None) -> Path:
    """Write a whole profile atomically (a new file, or a shipped profile regenerated)."""
    path = Path(path)
    toml_io.atomic_write_text(path, toml_io.dumps(profile.to_dict(), comments))
    return path
