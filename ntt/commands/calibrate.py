"""``ntt calibrate camera|gaze|acoustic|threshold|nudge``: measure, then write the result
into a device profile: for ``--profile NAME``, ``<name>.toml`` in the writable profile
directory (``ntt.paths.profile_dir()``: ``$NTT_CALIBRATION_DIR`` or the user configuration
directory), where it overrides the shipped profile of that name; for ``--profile PATH``,
that file, except a shipped one (package data, ``ntt/profiles``), which is never written:
that is refused unless ``--out`` says where. ``--out`` writes the updated profile
elsewhere, ``--dry-run`` writes nothing.
Per-user gaze calibrations go to ``users/<user>.toml`` there
(``ntt.paths.user_calibration_dir()``) and only with ``--consent``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Any

from ntt import argtypes
from ntt.calibration import gaze as gaze_cal
from ntt.calibration.profile import (
    DEFAULT_PROFILE,
    DeviceProfile,
    load_profile,
    profile_for_session,
    update_profile,
)
from ntt.errors import InputError
from ntt.jsonout import print_json
from ntt.outputs import output_file
from ntt.paths import SHIPPED_PROFILES, profile_dir

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="what", metavar="WHAT")

    def common(q: argparse.ArgumentParser, default_profile: str | None) -> None:
        q.add_argument("--profile", default=default_profile,
                       help="device profile: a name (calibrated or shipped) or a .toml path"
                       + (f" (default {default_profile})" if default_profile else ""))
        q.add_argument("--out", metavar="TOML",
                       help="write the updated profile here instead of over --profile")
        q.add_argument("--dry-run", action="store_true", help="measure only; write nothing")
        q.add_argument("--json", action="store_true", help="one JSON document on stdout")

    q = sub.add_parser("camera", help="intrinsics from checkerboard photos")
    q.add_argument("images", nargs="+", metavar="IMAGE")
    q.add_argument("--board", default="9x6",
                   help="inner corners, columns x rows (default 9x6: a 10x7-square board)")
    q.add_argument("--square-mm", type=argtypes.number(0, lo_open=True), default=25.0,
                   help="side of one printed square in mm (default 25)")
    common(q, DEFAULT_PROFILE)

    q = sub.add_parser("gaze", help="per-user gaze correction from recorded target samples")
    q.add_argument("samples", nargs="?", metavar="SAMPLES_JSON",
                   help="recorded (gaze, target) samples (format: ntt/profiles/README.md)")
    q.add_argument("--profile", help="device profile (default: the samples' 'device')")
    q.add_argument("--consent", action="store_true",
                   help="the user agrees to store their calibration; without it nothing "
                        "is written")
    q.add_argument("--out", metavar="TOML", help="where to store it (default "
                   "users/<user>.toml in the profile directory)")
    q.add_argument("--layout", action="store_true",
                   help="print the target layout for --profile (for the visualizer)")
    q.add_argument("--forget", metavar="USER", help="delete USER's stored calibration")
    q.add_argument("--json", action="store_true", help="one JSON document on stdout")

    q = sub.add_parser("acoustic", help="noise floor and speech level of the room")
    q.add_argument("inputs", nargs="+", metavar="WAV_OR_SESSION")
    common(q, None)

    q = sub.add_parser("threshold", help="operating point on labelled sessions")
    q.add_argument("sessions", nargs="+", metavar="SESSION",
                   help="session directories, or directories holding sessions")
    q.add_argument("--target-fa-per-hour", type=argtypes.number(0), required=True,
                   help="false accepts allowed per hour of non-directed speech")
    q.add_argument("--no-video", action="store_true", help="run audio-only")
    q.add_argument("--asr", default="pocketsphinx", choices=["pocketsphinx", "whisper", "none"],
                   help="speech recognizer the pipeline runs with (as for ntt run)")
    q.add_argument("--fusion", default="model", choices=["model", "rule"],
                   help="fusion the operating point is for (default: the trained model)")
    common(q, None)

    q = sub.add_parser("nudge", help="move the household threshold from feedback records")
    q.add_argument("feedback", metavar="FEEDBACK_JSONL",
                   help="the engine's implicit-feedback records, one JSON object a line")
    common(q, DEFAULT_PROFILE)


def run(args: argparse.Namespace) -> int:
    what = getattr(args, "what", None)
    if what is None:
        raise InputError(None, "say what to calibrate: camera, gaze, acoustic, threshold "
                               "or nudge")
    writes = not getattr(args, "dry_run", False)
    if getattr(args, "out", None) is not None and writes:
        output_file(args.out, "--out")  # a directory, a read-only place: before measuring
    elif writes and what != "gaze" and _is_shipped(args.profile):
        raise InputError(args.profile, "a shipped profile is never written over: give its "
                                       f"name (--profile {Path(args.profile).stem} writes "
                                       f"{profile_dir() / Path(args.profile).name}) or --out "
                                       "FILE")
    return {"camera": _camera, "gaze": _gaze, "acoustic": _acoustic,
            "threshold": _threshold, "nudge": _nudge}[what](args)


def _is_shipped(spec: str | None) -> bool:
    """Whether ``--profile`` is a path to one of the profiles shipped in the package."""
    if spec is None or not (spec.endswith(".toml") or "/" in spec):
        return False  # a name: its calibration goes to profile_dir()
    return Path(spec).resolve().parent == SHIPPED_PROFILES.resolve()


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _write(args: argparse.Namespace, profile_spec: str, changes: dict[str, Any]
           ) -> Path | None:
    """Apply ``changes`` to the profile unless ``--dry-run``; returns where it went."""
    if args.dry_run:
        return None
    profile = update_profile(profile_spec, changes, out=args.out)
    return profile.source


def _report(args: argparse.Namespace, doc: dict[str, Any], lines: list[str]) -> None:
    if args.json:
        print_json(doc)
    else:
        sys.stdout.write("\n".join(lines) + "\n")


def _written_line(dest: Path | None) -> str:
    return f"written to {dest}" if dest is not None else "nothing written (--dry-run)"


# --- camera -------------------------------------------------------------------------------


def _camera(args: argparse.Namespace) -> int:
    from ntt.calibration.camera import Board, calibrate_camera, read_images

    board = Board.parse(args.board, args.square_mm)
    load_profile(args.profile)  # fail on a bad profile before the slow part
    result = calibrate_camera(read_images(args.images), board)
    changes = result.profile_changes()
    changes["calibration"] = {"camera": {
        "date": _now(), "board": f"{board.cols}x{board.rows}", "square_mm": board.square_mm,
        "images": len(result.views), "used": result.used, "rejected": len(result.rejected),
        "reprojection_error_px": round(result.rms_px, 4)}}
    dest = _write(args, args.profile, changes)
    doc = {"camera": result.summary(), "profile": str(dest) if dest else None}
    (fx, fy), (cx, cy) = result.focal_px, result.principal_xy
    lines = [f"board {board.cols}x{board.rows} found in {result.used} of {len(result.views)} "
             f"images ({len(result.rejected)} rejected)",
             f"focal {fx:.1f}, {fy:.1f} px; principal point {cx:.1f}, {cy:.1f}; "
             f"horizontal FOV {result.hfov_deg:.1f} deg ({result.image_size_wh[0]}x"
             f"{result.image_size_wh[1]})",
             f"reprojection error {result.rms_px:.3f} px RMS", _written_line(dest)]
    for v in result.rejected:
        lines.insert(1, f"  rejected {v.name}: {v.reason}")
    _report(args, doc, lines)
    return 0


# --- gaze ---------------------------------------------------------------------------------


def _gaze(args: argparse.Namespace) -> int:
    if args.forget:
        removed = gaze_cal.forget_user(args.forget)
        msg = f"deleted the stored calibration of {args.forget}" if removed else \
            f"nothing stored for {args.forget}"
        _report(args, {"user": args.forget, "deleted": removed}, [msg])
        return 0
    if args.layout:
        profile = load_profile(args.profile or DEFAULT_PROFILE)
        print_json(gaze_cal.layout_json(profile))
        return 0
    if not args.samples:
        raise InputError(None, "give a SAMPLES_JSON file (or --layout / --forget USER)")
    path = Path(args.samples)
    profile = _gaze_profile(path, args.profile)
    user, samples = gaze_cal.read_samples(path, profile)
    fit = gaze_cal.fit_gaze_correction(samples)
    geometry = profile.camera_geometry()
    attending = gaze_cal.held_out_attending(samples, geometry)
    stored = gaze_cal.save_user_calibration(user, profile.name, fit, consent=args.consent,
                                            path=args.out)
    doc = {"user": user, "device": profile.name, "fit": fit.summary(),
           "attending_accuracy": None if attending is None else
           {"raw": attending[0], "corrected": attending[1]},
           "stored": str(stored) if stored else None, "consent": bool(args.consent)}
    cv = f"{fit.rms_cv_deg:.1f}" if fit.rms_cv_deg is not None else "n/a"
    lines = [f"gaze: {fit.used} of {fit.samples} samples on {fit.targets} device targets "
             f"({'affine' if fit.affine else 'offset only'})",
             f"error {fit.rms_raw_deg:.1f} deg raw -> {fit.rms_fit_deg:.1f} deg corrected "
             f"(held-out targets: {cv} deg); attending tolerance "
             f"{fit.correction.tolerance_deg:.1f} deg"]
    if attending is not None:
        lines.append(f"attending accuracy on held-out targets: {attending[0]:.0%} raw -> "
                     f"{attending[1]:.0%} corrected")
    lines.append(f"stored in {stored}" if stored else
                 "not stored: pass --consent if the user agrees to keep it")
    _report(args, doc, lines)
    return 0


def _gaze_profile(path: Path, spec: str | None) -> DeviceProfile:
    if spec:
        return load_profile(spec)
    try:
        device = json.loads(path.read_text(encoding="utf-8")).get("device")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        device = None  # read_samples reports the file's problem precisely
    return load_profile(device if isinstance(device, str) and device else DEFAULT_PROFILE)


# --- acoustic -----------------------------------------------------------------------------


def _acoustic(args: argparse.Namespace) -> int:
    import numpy as np

    from ntt.audio.vad import SileroVad, load_silero_model
    from ntt.calibration.acoustic import measure, speech_spans
    from ntt.cues import SAMPLE_RATE_HZ
    from ntt.io.audio_file import read_audio
    from ntt.io.session import load_session, session_device

    audios, devices = [], set()
    for item in args.inputs:
        p = Path(item)
        if p.is_dir() or p.name == "session.json":
            session = load_session(p, labels=False)
            audios.append(session.audio())
            if isinstance(session.device, str):
                devices.add(session_device(session.device, session.root))
        else:
            audios.append(read_audio(p))
    spec = args.profile or _one_device(devices, "--profile")
    load_profile(spec)
    vad = SileroVad(load_silero_model())
    # Measure each recording on its own spans, then pool the windows.
    spans, offset = [], 0.0
    for audio in audios:
        spans += [(a + offset, b + offset) for a, b in speech_spans(audio, vad)]
        offset += len(audio) / SAMPLE_RATE_HZ
    result = measure(np.concatenate(audios), spans)
    changes = result.profile_changes()
    changes["calibration"] = {"acoustic": {
        "date": _now(), "inputs": [Path(i).name for i in args.inputs],
        "speech_s": round(result.speech_s, 2), "noise_s": round(result.noise_s, 2)}}
    dest = _write(args, spec, changes)
    speech = (f"{result.speech_level_dbfs:.1f} dBFS (SNR {result.snr_db:.1f} dB)"
              if result.speech_level_dbfs is not None else "not measured (too little speech)")
    lines = [f"{result.duration_s:.1f} s audio: {result.speech_s:.1f} s speech, "
             f"{result.noise_s:.1f} s background",
             f"noise floor {result.noise_floor_dbfs:.1f} dBFS"
             + (" (from the quietest windows)" if result.noise_from_percentile else ""),
             f"speech level {speech}", _written_line(dest)]
    _report(args, {"acoustic": result.summary(), "profile": str(dest) if dest else None},
            lines)
    return 0


def _one_device(devices: set[str], flag: str) -> str:
    if len(devices) == 1:
        return next(iter(devices))
    if not devices:
        raise InputError(flag, "the inputs do not name a device profile: give " + flag)
    raise InputError(flag, f"the inputs come from several devices ({', '.join(sorted(devices))})"
                           f": give {flag}")


# --- threshold ----------------------------------------------------------------------------


def _session_dirs(paths: list[str]) -> list[Path]:
    from ntt.io.session import SESSION_FILE

    out = []
    for item in paths:
        p = Path(item)
        if p.name == SESSION_FILE:
            p = p.parent
        if (p / SESSION_FILE).is_file():
            out.append(p)
        elif p.is_dir():
            found = sorted(d for d in p.iterdir() if (d / SESSION_FILE).is_file())
            if not found:
                raise InputError(p, "neither a session nor a directory of sessions")
            out += found
        else:
            raise InputError(p, "session directory not found")
    return out


def _threshold(args: argparse.Namespace) -> int:
    from ntt.calibration.threshold import choose_threshold, score_session
    from ntt.commands.run import run_session
    from ntt.io.session import load_session, session_device
    from ntt.settings import FusionSettings, Settings

    if args.target_fa_per_hour < 0:
        raise InputError("--target-fa-per-hour", "must not be negative")
    sessions = [load_session(d) for d in _session_dirs(args.sessions)]
    labelled = [s for s in sessions if s.labels is not None and s.labels.utterances]
    if not labelled:
        raise InputError("SESSIONS", "none of the sessions has labelled utterances")
    for s in sessions:
        if s.labels is None or not s.labels.utterances:
            log.warning("%s: no labels, skipped", s.root)
    devices = {session_device(s.device, s.root) for s in labelled if isinstance(s.device, str)}
    spec = args.profile or _one_device(devices, "--profile")
    load_profile(spec)
    settings = Settings(use_video=not args.no_video, asr=args.asr,
                        fusion=FusionSettings(kind=args.fusion))
    scored, nondirected_s = [], 0.0
    for s in labelled:
        log.info("running %s", s.root)
        decisions, _, _ = run_session(s, settings, device=profile_for_session(s))  # its array
        items, nd = score_session(s.name, decisions, s.labels.utterances)
        scored += items
        nondirected_s += nd
    point = choose_threshold(scored, nondirected_s, args.target_fa_per_hour)
    changes = point.profile_changes()
    record = {"date": _now(), "sessions": len(labelled), "utterances": len(scored),
              "fa_per_hour": round(point.fa_per_hour, 3), "frr": round(point.frr, 4),
              "nondirected_hours": round(point.nondirected_hours, 4)}
    if point.eer is not None and point.auc is not None:
        record.update(eer=round(point.eer, 4), auc=round(point.auc, 4))
    changes["calibration"] = {"threshold": record}
    dest = _write(args, spec, changes)
    lines = [f"{len(labelled)} sessions, {point.directed} directed and {point.not_directed} "
             f"non-directed utterances ({point.nondirected_hours * 60:.1f} min non-directed)",
             f"threshold {point.threshold:.3f}: {point.fa_per_hour:.1f} false accepts per hour "
             f"(target {point.target_fa_per_hour:g}), false-reject rate {point.frr:.1%}"]
    if not point.constrained:
        lines.append("note: too little non-directed speech for the target to bind; the "
                     "threshold sits just below the lowest directed score")
    lines.append(_written_line(dest))
    scores = [{"session": x.session, "utterance": x.utterance, "p_directed": x.p_directed,
               "directed": x.directed, "decided": x.decided} for x in scored]
    _report(args, {"operating_point": point.summary(), "scores": scores,
                   "profile": str(dest) if dest else None}, lines)
    return 0


# --- nudge --------------------------------------------------------------------------------


def _nudge(args: argparse.Namespace) -> int:
    from ntt.calibration.threshold import NudgeBounds, count_feedback, nudge_threshold

    path = Path(args.feedback)
    if not path.is_file():
        raise InputError(path, "file not found")
    records = []
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(path, "not UTF-8 text") from None
    for i, line in enumerate(text.splitlines()):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(path, f"line {i + 1}: not JSON ({exc.msg})") from None
            except (RecursionError, ValueError):
                raise InputError(path, f"line {i + 1}: not JSON NTT can read (nested too "
                                       "deeply or a number too long)") from None
    fr, fa = count_feedback(records, str(path))
    profile = load_profile(args.profile)
    th = profile.thresholds
    bounds = NudgeBounds.around(th.directed, th.max_household_offset)
    new = nudge_threshold(th.effective, fr, fa, bounds)
    dest = _write(args, args.profile, {"thresholds": {"household": new}})
    lines = [f"{fr} likely false rejects, {fa} likely false accepts",
             f"household threshold {th.effective:.3f} -> {new:.3f} (bounds {bounds.low:.2f}.."
             f"{bounds.high:.2f})", _written_line(dest)]
    _report(args, {"false_rejects": fr, "false_accepts": fa, "before": th.effective,
                   "after": new, "bounds": [bounds.low, bounds.high],
                   "profile": str(dest) if dest else None}, lines)
    return 0
