"""``ntt export SESSION OUT [--blur-faces] [--anonymise] [--force]``: copy a recorded
session for sharing.

``--blur-faces`` blurs every face in the video (``ntt.vision.anonymise``: every detector
and the tracker, held through gaps, checked on the result) and drops the face boxes from
``truth.json``. ``--anonymise`` does that and also replaces the participants' names by
``person-1``, ``person-2``, ... (session, labels, truth), drops the notes and empties the
transcripts. The voices stay: the audio (every microphone of a version-2 session, and its
playback reference) is copied as it is.

OUT must be new or an empty directory; ``--force`` lets it replace a previous NTT session
and nothing else. OUT may not be the session, lie inside it, or contain it. The copy is
written to a temporary directory beside OUT and renamed into place.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
from pathlib import Path

from ntt.errors import InputError
from ntt.io.session import (
    ADDRESSEE_FIXED,
    TRUTH_FILE,
    Labels,
    check_session_target,
    load_session,
    write_session,
)

PSEUDONYM = "person-{}"
TRUTH_FACE_FIELDS = ("box",)  # per person and frame: where the face is in the picture


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("session")
    p.add_argument("out")
    p.add_argument("--blur-faces", action="store_true",
                   help="blur every face in the video and drop face boxes from truth.json")
    p.add_argument("--anonymise", action="store_true",
                   help="--blur-faces, and names replaced by person-N, notes dropped, "
                        "transcripts emptied (the voices stay)")
    p.add_argument("--force", action="store_true",
                   help="replace a previous NTT session at OUT (nothing else is replaced)")


def export_target(out_arg: str | Path, source_root: Path, force: bool) -> Path:
    """OUT resolved (symlinks, ``..``) and checked, or InputError; nothing is touched."""
    out = Path(os.path.realpath(Path(out_arg).expanduser()))
    src = Path(os.path.realpath(source_root))
    if out == src:
        raise InputError(out, "the copy must go somewhere else than the session itself")
    if src in out.parents:
        raise InputError(out, f"lies inside the session {src}; choose a directory outside it")
    if out in src.parents:
        raise InputError(out, f"the session {src} lies inside it; choose a directory that "
                              "does not contain the session")
    return check_session_target(out, replace=force)


def pseudonyms(participants: tuple[str, ...], labels: Labels | None,
               truth: dict | None) -> dict[str, str]:
    """Name → ``person-N``, numbered in order of appearance: participants, then speakers
    and addressees in the labels, then people in the truth."""
    names: list[str] = list(participants)
    for u in labels.utterances if labels else ():
        names += [u.speaker] + ([] if u.addressee in ADDRESSEE_FIXED else [u.addressee])
    for frame in (truth or {}).get("frames") or ():
        names += list((frame.get("persons") or {}) if isinstance(frame, dict) else ())
    mapping: dict[str, str] = {}
    for name in names:
        if name not in mapping:
            mapping[name] = PSEUDONYM.format(len(mapping) + 1)
    return mapping


def anonymised_labels(labels: Labels, names: dict[str, str]) -> Labels:
    utterances = tuple(dataclasses.replace(
        u, speaker=names.get(u.speaker, u.speaker), text="",
        addressee=u.addressee if u.addressee in ADDRESSEE_FIXED
        else names.get(u.addressee, u.addressee)) for u in labels.utterances)
    turns = tuple(dataclasses.replace(t, text="") for t in labels.device_turns)
    return dataclasses.replace(labels, utterances=utterances, device_turns=turns)


def anonymised_truth(truth: dict, names: dict[str, str] | None) -> dict:
    """``truth.json`` without the face boxes (and with pseudonyms for names)."""
    out = dict(truth)
    frames = []
    for frame in truth.get("frames") or ():
        if not isinstance(frame, dict):
            continue
        persons = {}
        for name, person in (frame.get("persons") or {}).items():
            kept = ({k: v for k, v in person.items() if k not in TRUTH_FACE_FIELDS}
                    if isinstance(person, dict) else person)
            persons[names.get(name, name) if names else name] = kept
        frames.append({**frame, "persons": persons})
    if "frames" in truth:
        out["frames"] = frames
    acoustics = truth.get("acoustics")
    if names and isinstance(acoustics, dict):  # every source's position, keyed by person
        out["acoustics"] = {**acoustics, **{
            key: {names.get(k, k): v for k, v in acoustics[key].items()}
            for key in ("sources", "rir_taps") if isinstance(acoustics.get(key), dict)}}
    return out


def _read_truth(root: Path) -> dict | None:
    path = root / TRUTH_FILE
    if not path.is_file():
        return None
    try:
        truth = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(path, f"not valid JSON ({type(exc).__name__})") from None
    if not isinstance(truth, dict) or not isinstance(truth.get("frames", []), list):
        raise InputError(path, "expected an object with a list of 'frames'")
    return truth


def run(args: argparse.Namespace) -> int:
    session = load_session(args.session)
    blur = args.blur_faces or args.anonymise
    out = export_target(args.out, session.root, args.force)
    truth = _read_truth(session.root)
    labels, participants, notes = session.labels, session.participants, session.notes
    names = None
    if args.anonymise:
        names = pseudonyms(participants, labels, truth)
        participants = tuple(names.get(p, p) for p in participants)
        labels = anonymised_labels(labels, names) if labels is not None else None
        notes = ""
    if truth is not None and blur:
        truth = anonymised_truth(truth, names)
    extra = {TRUTH_FILE: truth} if truth is not None else {}
    report = None
    try:
        with tempfile.TemporaryDirectory(prefix="ntt-export-") as tmp:
            video = None
            if session.video_path is not None:
                video = Path(tmp) / ("video" + session.video_path.suffix)
                if blur:
                    from ntt.vision.anonymise import blur_video

                    report = blur_video(session.video_path, video, session.fps)
                else:
                    video.write_bytes(session.video_path.read_bytes())
            # A version-2 session keeps every microphone and its playback reference.
            audio = session.audio_channels() if session.channels > 1 else session.audio()
            write_session(out, audio=audio, playback=session.playback(), video_path=video,
                          fps=session.fps, device=session.device, participants=participants,
                          labels=labels, notes=notes, scenario=session.scenario,
                          extra_files=extra, replace=args.force)
    except OSError as exc:
        raise InputError(out, f"cannot write the copy ({exc.strerror or exc})") from None
    what = ""
    if blur:
        what = " anonymised" if args.anonymise else " with faces blurred"
        if report is not None:
            what += (f" ({report.regions} regions over {report.frames_with_faces} of "
                     f"{report.frames} frames)")
    print(f"exported {session.name} to {out}{what}", file=sys.stderr)
    return 0
