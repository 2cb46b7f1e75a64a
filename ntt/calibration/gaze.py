"""Per-user gaze calibration: a small correction of measured gaze, and of the ``attending``
decision, fitted while the user looks at known targets on the device.

Why: gaze from a webcam is biased per person (eye shape, glasses, how the face model fits
them) by several degrees — enough to move a look at the screen's edge off the screen, or a
look past the device onto it. A user who agrees can fix that in half a minute.

* ``target_layout`` gives the targets the visualizer shows (screen fractions, plus the
  camera itself, which the UI marks on the bezel); ``GazeTarget.point_m`` places each in
  the camera frame.
* Each ``GazeSample`` pairs one frame's measured gaze (``Face.gaze_yaw_deg`` /
  ``gaze_pitch_deg``) and eye position with the target the user was asked to look at
  (``sample_from_face`` builds it from a ``Face``).
* ``fit_gaze_correction`` fits, in (yaw, pitch) degrees, ``true ≈ A · measured + b``:
  ridge regression that shrinks ``A`` towards the identity (a few targets cannot pin down a
  gain, so the fit falls back on a pure offset when they span less than about
  ``GAIN_PRIOR_DEG``), outlier rejection from a robust start (blinks, glances away), and hard
  bounds that refuse a correction that is not small (``MAX_OFFSET_DEG``, gains within
  ``GAIN_RANGE``).
* The ``attending`` decision is corrected too: its angular tolerance is set from the
  user's cross-validated residual error (``TOLERANCE_PER_RMS`` × RMS, within
  ``TOLERANCE_RANGE_DEG``), so a user whose gaze is measured precisely gets a tighter
  "is looking at the device" cone and one measured poorly a wider one.
* Stored only with consent: ``save_user_calibration`` writes nothing unless ``consent`` is
  true, and ``forget_user`` deletes what was stored.

Applying the correction at run time needs one hook in the vision front-end (see
``GazeCorrection.apply_vector`` and ``attending_settings``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ntt import paths
from ntt.calibration import toml_io
from ntt.calibration.profile import DeviceProfile
from ntt.errors import InputError
from ntt.settings import AttendingSettings
from ntt.vision.attending import angle_to_device_deg
from ntt.vision.camera import CameraGeometry
from ntt.vision.pose import direction_angles

USERS_DIR_ENV = paths.USER_CALIBRATION_DIR_ENV
SAMPLES_FORMAT = "ntt-gaze-samples"
CALIBRATION_FORMAT = "ntt-gaze-calibration"
FORMAT_VERSION = 1
# Layout: a grid of screen targets inset from the edges (fractions of the screen), plus the
# camera.
GRID_ROWS_COLS = (3, 3)
GRID_INSET = 0.1
# Ridge prior: the gains are pulled towards 1 as strongly as targets spread this many
# degrees (rms) would pull them away.
GAIN_PRIOR_DEG = 2.5
MIN_AFFINE_TARGETS = 4
MAX_OFFSET_DEG = 30.0
GAIN_RANGE = (0.33, 3.0)
OUTLIER_FACTOR = 4.0
OUTLIER_MIN_DEG = 5.0
OUTLIER_ROUNDS = 2
TOLERANCE_PER_RMS = 2.0
TOLERANCE_RANGE_DEG = (5.0, 20.0)
# A face is "attending" when its per-frame score reaches this.
ATTENDING_DECISION = 0.5
# A free target point counts as on the device when the eyes-to-target ray is this close
# to the screen or the lens.
ON_DEVICE_DEG = 1.0
MIN_SAMPLES = 3
_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


# --- targets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GazeTarget:
    """``uv``: position as a fraction of the screen, (0, 0) its top-left corner and (1, 1)
    the bottom-right as the user sees it — outside 0..1 for the camera on the bezel."""

    id: str
    kind: str  # "screen" or "camera"
    uv: tuple[float, float]

    def point_m(self, profile: DeviceProfile) -> np.ndarray:
        """The target in the camera frame (metres)."""
        return screen_point_m(profile, *self.uv)


def screen_point_m(profile: DeviceProfile, u: float, v: float) -> np.ndarray:
    """A point of the screen plane given as screen fractions → camera frame (metres).
    The camera sees the user's right on its left: screen x grows towards camera −x."""
    cx, cy, cz = (c / 1000.0 for c in profile.camera.position_mm)
    w, h = (s / 1000.0 for s in profile.screen.size_mm)
    return np.array([cx - (u - 0.5) * w, cy + (v - 0.5) * h, -cz])


def target_layout(profile: DeviceProfile, rows_cols: tuple[int, int] = GRID_ROWS_COLS,
                  inset: float = GRID_INSET) -> tuple[GazeTarget, ...]:
    """The camera, then a rows × cols grid over the screen (row by row, top first)."""
    rows, cols = rows_cols
    if rows < 1 or cols < 1 or not 0 <= inset < 0.5:
        raise ValueError(f"bad layout {rows_cols} inset {inset}")
    w, h = profile.screen.size_mm
    cam_x, cam_y, _ = profile.camera.position_mm
    targets = [GazeTarget("camera", "camera", (0.5 + cam_x / w, 0.5 - cam_y / h))]

    def spread(n: int, i: int) -> float:
        return 0.5 if n == 1 else inset + (1 - 2 * inset) * i / (n - 1)

    for r in range(rows):
        for c in range(cols):
            targets.append(GazeTarget(f"r{r}c{c}", "screen", (spread(cols, c),
                                                              spread(rows, r))))
    return tuple(targets)


def layout_json(profile: DeviceProfile) -> dict[str, Any]:
    """What the visualizer needs to draw the targets (and the camera's place)."""
    return {"device": profile.name, "screen_size_mm": list(profile.screen.size_mm),
            "camera_position_mm": list(profile.camera.position_mm),
            "targets": [{"id": t.id, "kind": t.kind, "uv": list(t.uv)}
                        for t in target_layout(profile)]}


# --- samples ------------------------------------------------------------------------------


def direction_from_angles(yaw_deg: float, pitch_deg: float) -> np.ndarray:
    """Unit vector in the camera frame; the inverse of ``ntt.vision.pose.direction_angles``."""
    y, p = math.radians(yaw_deg), math.radians(pitch_deg)
    return np.array([math.cos(p) * math.sin(y), -math.sin(p), -math.cos(p) * math.cos(y)])


@dataclass(frozen=True)
class GazeSample:
    """One frame while the user fixated a target. Camera frame, metres and degrees.
    ``looking``: whether the target is on the device (screen or lens); targets off the
    device only serve to evaluate the ``attending`` decision."""

    gaze_yaw_deg: float
    gaze_pitch_deg: float
    eyes_m: tuple[float, float, float]
    target_m: tuple[float, float, float]
    target_id: str = ""
    looking: bool = True

    def target_angles(self) -> tuple[float, float]:
        return direction_angles(np.asarray(self.target_m) - np.asarray(self.eyes_m))


def sample_from_face(face, image_size_wh: tuple[int, int], geometry: CameraGeometry,
                     target_m: Sequence[float], target_id: str = "", model=None
                     ) -> GazeSample | None:
    """A sample from a ``Face`` cue (its landmarks give the eye position through the head
    pose); None when the face has no landmarks or no pose."""
    from ntt.vision.face_model import ReferenceFace
    from ntt.vision.pose import head_pose

    if face.landmarks_xy is None:
        return None
    camera = geometry.camera_matrix(*image_size_wh)
    pose = head_pose(face.landmarks_xy, camera, model or ReferenceFace.load())
    if pose is None:
        return None
    eyes = tuple(float(c) for c in pose.translation_mm / 1000.0)
    return GazeSample(face.gaze_yaw_deg, face.gaze_pitch_deg, eyes,
                      tuple(float(c) for c in target_m), target_id)


def on_device(eyes_m: Sequence[float], target_m: Sequence[float],
              geometry: CameraGeometry) -> bool:
    eyes = np.asarray(eyes_m, dtype=np.float64)
    ray = np.asarray(target_m, dtype=np.float64) - eyes
    return angle_to_device_deg(eyes, ray / np.linalg.norm(ray), geometry) < ON_DEVICE_DEG


# --- the correction -----------------------------------------------------------------------


@dataclass(frozen=True)
class GazeCorrection:
    """``true ≈ matrix @ (yaw, pitch) + offset_deg``; ``tolerance_deg`` for ``attending``."""

    matrix: tuple[tuple[float, float], tuple[float, float]] = ((1.0, 0.0), (0.0, 1.0))
    offset_deg: tuple[float, float] = (0.0, 0.0)
    tolerance_deg: float = AttendingSettings.tolerance_deg

    def apply(self, yaw_deg: float, pitch_deg: float) -> tuple[float, float]:
        (a, b), (c, d) = self.matrix
        return (a * yaw_deg + b * pitch_deg + self.offset_deg[0],
                c * yaw_deg + d * pitch_deg + self.offset_deg[1])

    def apply_array(self, angles_deg: np.ndarray) -> np.ndarray:
        """N×2 (yaw, pitch) → corrected N×2."""
        return angles_deg @ np.asarray(self.matrix).T + np.asarray(self.offset_deg)

    def apply_vector(self, gaze: np.ndarray) -> np.ndarray:
        """A gaze unit vector (camera frame) → the corrected unit vector. This is what the
        vision front-end would call on ``FaceSignals.gaze`` before scoring ``attending``."""
        return direction_from_angles(*self.apply(*direction_angles(gaze)))

    def attending_settings(self, base: AttendingSettings | None = None) -> AttendingSettings:
        """``base`` (default: the shipped settings) with this user's tolerance."""
        return dataclasses.replace(base or AttendingSettings(), tolerance_deg=self.tolerance_deg)

    def to_dict(self) -> dict[str, Any]:
        return {"matrix": [list(row) for row in self.matrix],
                "offset_deg": list(self.offset_deg), "tolerance_deg": self.tolerance_deg}


@dataclass(frozen=True)
class GazeFit:
    correction: GazeCorrection
    samples: int
    used: int  # after outlier rejection
    targets: int
    affine: bool  # False: offset only (too few targets for gains)
    rms_raw_deg: float  # angular error of the raw measurements (fit samples)
    rms_fit_deg: float  # after correction, in-sample
    rms_cv_deg: float | None  # after correction, each target left out of its own fit

    def summary(self) -> dict[str, Any]:
        return {"correction": self.correction.to_dict(), "samples": self.samples,
                "used": self.used, "targets": self.targets, "affine": self.affine,
                "rms_raw_deg": self.rms_raw_deg, "rms_fit_deg": self.rms_fit_deg,
                "rms_cv_deg": self.rms_cv_deg}


def _arrays(samples: Sequence[GazeSample]) -> tuple[np.ndarray, np.ndarray]:
    measured = np.array([(s.gaze_yaw_deg, s.gaze_pitch_deg) for s in samples], np.float64)
    truth = np.array([s.target_angles() for s in samples], np.float64)
    return measured, truth


def angular_errors_deg(samples: Sequence[GazeSample],
                       correction: GazeCorrection | None = None) -> np.ndarray:
    """Angle between each (corrected) measured gaze and the true eyes-to-target ray."""
    measured, truth = _arrays(samples)
    if correction is not None:
        measured = correction.apply_array(measured)
    out = []
    for m, t in zip(measured, truth, strict=True):
        cos = float(np.dot(direction_from_angles(*m), direction_from_angles(*t)))
        out.append(math.degrees(math.acos(max(-1.0, min(1.0, cos)))))
    return np.array(out)


def _solve(measured: np.ndarray, truth: np.ndarray, affine: bool) -> GazeCorrection:
    mean_m = measured.mean(axis=0)
    mean_t = truth.mean(axis=0)
    if not affine:
        return GazeCorrection(offset_deg=tuple(float(x) for x in mean_t - mean_m))
    x = measured - mean_m
    y = truth - mean_t
    ridge = len(measured) * GAIN_PRIOR_DEG ** 2
    # Minimise |x Aᵀ − y|² + ridge |A − I|²  →  (xᵀx + ridge I) Aᵀ = xᵀy + ridge I.
    a_t = np.linalg.solve(x.T @ x + ridge * np.eye(2), x.T @ y + ridge * np.eye(2))
    a = a_t.T
    b = mean_t - a @ mean_m
    return GazeCorrection(matrix=((float(a[0, 0]), float(a[0, 1])),
                                  (float(a[1, 0]), float(a[1, 1]))),
                          offset_deg=(float(b[0]), float(b[1])))


def _affine_ok(samples: Sequence[GazeSample]) -> bool:
    return len({s.target_id or s.target_m for s in samples}) >= MIN_AFFINE_TARGETS


def _fit_once(samples: Sequence[GazeSample]) -> tuple[GazeCorrection, bool, list[int]]:
    """Robust fit: start from the median offset (which a few glances away cannot drag),
    then ``OUTLIER_ROUNDS`` rounds of: drop samples far off the current fit, refit."""
    measured, truth = _arrays(samples)
    corr = GazeCorrection(offset_deg=tuple(float(x) for x in
                                           np.median(truth - measured, axis=0)))
    keep = list(range(len(samples)))
    affine = False
    for _ in range(OUTLIER_ROUNDS):
        residual = angular_errors_deg(samples, corr)
        limit = max(OUTLIER_FACTOR * float(np.median(residual)), OUTLIER_MIN_DEG)
        keep = [i for i, r in enumerate(residual) if r <= limit]
        if len(keep) < MIN_SAMPLES:
            keep = list(range(len(samples)))
        kept = [samples[i] for i in keep]
        affine = _affine_ok(kept)
        corr = _solve(measured[keep], truth[keep], affine)
    return corr, affine, keep


def _check_small(corr: GazeCorrection) -> None:
    if max(abs(o) for o in corr.offset_deg) > MAX_OFFSET_DEG:
        raise InputError("gaze samples", f"they need an offset of {corr.offset_deg[0]:.0f}°, "
                                         f"{corr.offset_deg[1]:.0f}° — more than a per-user "
                                         f"correction ({MAX_OFFSET_DEG:g}°): wrong device "
                                         "profile or targets?")
    gains = np.linalg.svd(np.asarray(corr.matrix), compute_uv=False)
    if gains.min() < GAIN_RANGE[0] or gains.max() > GAIN_RANGE[1]:
        raise InputError("gaze samples", f"they need gains of {gains.min():.2f}..."
                                         f"{gains.max():.2f}, outside "
                                         f"{GAIN_RANGE[0]:g}..{GAIN_RANGE[1]:g}: not a "
                                         "per-user correction")


def fit_gaze_correction(samples: Sequence[GazeSample]) -> GazeFit:
    """Fit on the samples whose target is on the device (see the module docstring)."""
    fix = [s for s in samples if s.looking]
    if len(fix) < MIN_SAMPLES:
        raise InputError("gaze samples", f"{len(fix)} samples on device targets; need at "
                                         f"least {MIN_SAMPLES}")
    corr, affine, keep = _fit_once(fix)
    _check_small(corr)
    used = [fix[i] for i in keep]
    raw = angular_errors_deg(used)
    fitted = angular_errors_deg(used, corr)
    cv = cross_validated_errors_deg(used)
    rms_cv = float(np.sqrt(np.mean(cv ** 2))) if cv is not None else None
    rms_for_tolerance = rms_cv if rms_cv is not None else float(np.sqrt(np.mean(fitted ** 2)))
    tolerance = float(np.clip(TOLERANCE_PER_RMS * rms_for_tolerance, *TOLERANCE_RANGE_DEG))
    corr = GazeCorrection(corr.matrix, corr.offset_deg, tolerance)
    targets = len({s.target_id or s.target_m for s in used})
    return GazeFit(corr, len(fix), len(used), targets, affine,
                   float(np.sqrt(np.mean(raw ** 2))), float(np.sqrt(np.mean(fitted ** 2))),
                   rms_cv)


def cross_validated_errors_deg(samples: Sequence[GazeSample]) -> np.ndarray | None:
    """Each target's samples corrected by a fit on all the other targets (None with fewer
    than 3 targets): the error to expect on targets the fit never saw."""
    keys = [s.target_id or s.target_m for s in samples]
    groups = list(dict.fromkeys(keys))
    if len(groups) < 3:
        return None
    out = np.zeros(len(samples))
    for g in groups:
        held = [i for i, k in enumerate(keys) if k == g]
        rest = [samples[i] for i, k in enumerate(keys) if k != g]
        corr, _, _ = _fit_once(rest)
        out[held] = angular_errors_deg([samples[i] for i in held], corr)
    return out


def attending_decisions(samples: Sequence[GazeSample], geometry: CameraGeometry,
                        correction: GazeCorrection | None = None,
                        tolerance_deg: float | None = None) -> np.ndarray:
    """Per sample, whether the ``attending`` score (gaze corrected or not) reaches
    ``ATTENDING_DECISION``. ``tolerance_deg`` defaults to the correction's (or the vision
    default without one)."""
    if tolerance_deg is None:
        tolerance_deg = correction.tolerance_deg if correction else AttendingSettings.tolerance_deg
    # exp(-½ (a/tol)²) >= d  ⇔  a <= tol · sqrt(-2 ln d)
    limit_deg = tolerance_deg * math.sqrt(-2 * math.log(ATTENDING_DECISION))
    out = []
    for s in samples:
        yaw, pitch = s.gaze_yaw_deg, s.gaze_pitch_deg
        if correction is not None:
            yaw, pitch = correction.apply(yaw, pitch)
        angle = angle_to_device_deg(np.asarray(s.eyes_m, np.float64),
                                    direction_from_angles(yaw, pitch), geometry)
        out.append(angle <= limit_deg)
    return np.array(out, dtype=bool)


def attending_accuracy(samples: Sequence[GazeSample], geometry: CameraGeometry,
                       correction: GazeCorrection | None = None) -> float:
    """Fraction of samples whose ``attending`` decision matches ``looking``."""
    if not samples:
        raise ValueError("no samples")
    decided = attending_decisions(samples, geometry, correction)
    truth = np.array([s.looking for s in samples])
    return float(np.mean(decided == truth))


# --- files --------------------------------------------------------------------------------


def _vector(obj: dict, key: str, n: int, where: str) -> tuple[float, ...]:
    v = obj.get(key)
    if not isinstance(v, list) or len(v) != n or not all(
            isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
            for x in v):
        raise InputError(where, f"field '{key}' must be a list of {n} numbers")
    return tuple(float(x) for x in v)


def _angle(obj: dict, key: str, where: str) -> float:
    v = obj.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
            or abs(v) > 180:
        raise InputError(where, f"field '{key}' must be an angle in degrees (-180..180)")
    return float(v)


def parse_samples(doc: Any, profile: DeviceProfile, where: str | Path
                  ) -> tuple[str, list[GazeSample]]:
    """(user, samples) from a samples document (see ntt/profiles/README.md)."""
    where = str(where)
    if not isinstance(doc, dict):
        raise InputError(where, "must hold a JSON object")
    if doc.get("format") != SAMPLES_FORMAT:
        raise InputError(where, f"field 'format' must be '{SAMPLES_FORMAT}'")
    if doc.get("version") != FORMAT_VERSION:
        raise InputError(where, f"field 'version' must be {FORMAT_VERSION}")
    user = doc.get("user")
    if not isinstance(user, str) or not _USER.match(user):
        raise InputError(where, "field 'user' must be a simple name (letters, digits, - _ .)")
    raw = doc.get("samples")
    if not isinstance(raw, list) or not raw:
        raise InputError(where, "field 'samples' must be a non-empty list")
    layout = {t.id: t for t in target_layout(profile)}
    geometry = profile.camera_geometry()
    samples = []
    for i, s in enumerate(raw):
        what = f"{where}: samples[{i}]"
        if not isinstance(s, dict):
            raise InputError(what, "must be an object")
        eyes = _vector(s, "eyes_m", 3, what)
        if eyes[2] <= 0:
            raise InputError(what, "field 'eyes_m' must be in front of the camera (z > 0)")
        if "target_m" in s:
            target = _vector(s, "target_m", 3, what)
            tid = str(s.get("target", ""))
        elif isinstance(s.get("target"), str) and s["target"] in layout:
            tid = s["target"]
            target = tuple(float(c) for c in layout[tid].point_m(profile))
        else:
            raise InputError(what, f"needs 'target' (one of {', '.join(layout)}) or "
                                   "'target_m'")
        if np.linalg.norm(np.subtract(target, eyes)) < 1e-3:
            raise InputError(what, "target and eyes coincide")
        looking = s.get("looking")
        if looking is None:
            looking = on_device(eyes, target, geometry)
        elif not isinstance(looking, bool):
            raise InputError(what, "field 'looking' must be true or false")
        samples.append(GazeSample(_angle(s, "gaze_yaw_deg", what),
                                  _angle(s, "gaze_pitch_deg", what), eyes, target, tid,
                                  looking))
    return user, samples


def read_samples(path: str | Path, profile: DeviceProfile) -> tuple[str, list[GazeSample]]:
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(path, f"not a JSON document ({exc})") from None
    return parse_samples(doc, profile, path)


def samples_document(user: str, device: str, samples: Sequence[GazeSample]) -> dict:
    """The recorded-samples JSON the visualizer writes and ``ntt calibrate gaze`` reads."""
    return {"format": SAMPLES_FORMAT, "version": FORMAT_VERSION, "user": user,
            "device": device,
            "samples": [{"target": s.target_id, "gaze_yaw_deg": s.gaze_yaw_deg,
                         "gaze_pitch_deg": s.gaze_pitch_deg, "eyes_m": list(s.eyes_m),
                         "target_m": list(s.target_m), "looking": s.looking}
                        for s in samples]}


def users_dir() -> Path:
    """``$NTT_USER_CALIBRATION_DIR``, else ``users/`` in the writable profile directory
    (``ntt.paths.user_calibration_dir()``)."""
    return paths.user_calibration_dir()


def user_path(user: str, directory: Path | None = None) -> Path:
    if not _USER.match(user):
        raise InputError("--user", f"must be a simple name (letters, digits, - _ .), got "
                                   f"{user!r}")
    return (directory or users_dir()) / f"{user}.toml"


def save_user_calibration(user: str, device: str, fit: GazeFit, *, consent: bool,
                          path: str | Path | None = None) -> Path | None:
    """Write the user's correction — only when ``consent`` is true; otherwise nothing is
    written and None is returned."""
    if not consent:
        return None
    dest = Path(path) if path is not None else user_path(user)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    doc = {"format": CALIBRATION_FORMAT, "version": FORMAT_VERSION, "user": user,
           "device": device, "consent": True, "created": now,
           "correction": fit.correction.to_dict(),
           "fit": {k: v for k, v in fit.summary().items()
                   if k != "correction" and v is not None}}
    comments = {toml_io.HEADER: [
        f"Per-user gaze calibration for '{user}' on '{device}', stored with their consent.",
        "Delete this file (or run `ntt calibrate gaze --forget USER`) to withdraw it."]}
    toml_io.atomic_write_text(dest, toml_io.dumps(doc, comments))
    return dest


def load_user_calibration(path: str | Path) -> GazeCorrection:
    data, _ = toml_io.load(path)
    where = str(path)
    if data.get("format") != CALIBRATION_FORMAT or data.get("consent") is not True:
        raise InputError(where, f"not an {CALIBRATION_FORMAT} file stored with consent")
    corr = data.get("correction")
    if not isinstance(corr, dict):
        raise InputError(where, "missing table 'correction'")
    m = corr.get("matrix")
    if not (isinstance(m, list) and len(m) == 2 and all(isinstance(r, list) and len(r) == 2
                                                       for r in m)):
        raise InputError(where, "field 'correction.matrix' must be 2x2")
    rows = [_vector({"row": r}, "row", 2, f"{where}: correction.matrix") for r in m]
    offset = _vector(corr, "offset_deg", 2, f"{where}: correction")
    tol = corr.get("tolerance_deg")
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not \
            TOLERANCE_RANGE_DEG[0] <= tol <= TOLERANCE_RANGE_DEG[1]:
        raise InputError(where, "field 'correction.tolerance_deg' must be within "
                                f"{TOLERANCE_RANGE_DEG[0]:g}..{TOLERANCE_RANGE_DEG[1]:g}")
    out = GazeCorrection((rows[0], rows[1]), offset, float(tol))
    _check_small(out)
    return out


def forget_user(user: str, directory: Path | None = None) -> bool:
    """Delete a user's stored calibration; True if there was one."""
    path = user_path(user, directory)
    if path.exists():
        path.unlink()
        return True
    return False


def held_out_attending(samples: Sequence[GazeSample], geometry: CameraGeometry
                       ) -> tuple[float, float] | None:
    """``attending`` accuracy (raw, corrected) where no sample's own target took part in the
    fit that corrects it: device targets are left out one at a time; off-device samples
    never take part. None with fewer than 4 device targets."""
    looking = [s for s in samples if s.looking]
    keys = [s.target_id or s.target_m for s in looking]
    groups = list(dict.fromkeys(keys))
    if len(groups) < 4:
        return None
    truth = np.array([s.looking for s in samples])
    raw = attending_decisions(samples, geometry)
    corrected = np.zeros(len(samples), dtype=bool)
    index = {id(s): i for i, s in enumerate(samples)}
    for g in groups:
        rest = [s for s, k in zip(looking, keys, strict=True) if k != g]
        held = [s for s, k in zip(looking, keys, strict=True) if k == g]
        decided = attending_decisions(held, geometry, fit_gaze_correction(rest).correction)
        for s, d in zip(held, decided, strict=True):
            corrected[index[id(s)]] = d
    others = [s for s in samples if not s.looking]
    if others:
        decided = attending_decisions(others, geometry, fit_gaze_correction(looking).correction)
        for s, d in zip(others, decided, strict=True):
            corrected[index[id(s)]] = d
    return float(np.mean(raw == truth)), float(np.mean(corrected == truth))
