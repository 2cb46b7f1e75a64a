"""``ntt run SESSION``: the full pipeline over a recorded session."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from contextlib import ExitStack

from ntt.cues import AsrResult, Decision, Say
from ntt.io.session import Session, load_session
from ntt.jsonout import event_log_error, open_event_log, print_json, to_jsonable
from ntt.matching import Match, agreement, heard_text, match_decisions, overlap, overlaps_any
from ntt.pipeline import build_session_pipeline, session_source
from ntt.progress import through_media
from ntt.settings import FusionSettings, Settings

log = logging.getLogger(__name__)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("session", help="session directory (or its session.json), or an audio or "
                                   "video file (a session is made from it on the fly)")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--asr", default="pocketsphinx", choices=["pocketsphinx", "whisper", "none"],
                   help="speech recognizer backend")
    p.add_argument("--realtime", action="store_true", help="pace the replay to the clock")
    p.add_argument("--no-video", action="store_true", help="ignore the video (audio-only)")
    p.add_argument("--events", metavar="JSONL", help="write every cue to a JSON-lines log")
    p.add_argument("--rule", action="store_true", help="the hand-set rule instead of the model")
    p.add_argument("--model", help="fusion model file (default models/fusion.npz)")


def matched_rows(finals: list[Decision], matches: list[Match]
                 ) -> list[tuple[Decision, Match | None]]:
    """Each final decision with the match it decides (``ntt.matching.match_decisions``; for
    a decision over two labels, the first; a false trigger's match has no utterance), or
    None for a piece of a split utterance that another piece decides."""
    decides: dict[int, Match] = {}
    for m in matches:
        if m.decision is not None:
            decides.setdefault(id(m.decision), m)
    return [(d, decides.get(id(d))) for d in finals]


def _transcript(decisions: list[Decision], heard: list) -> list[dict]:
    """Directed user turns (with what the recognizer heard) and the device's replies."""
    if not heard:  # no recognizer, no engine: nothing to transcribe
        return []
    lines = []
    for d in decisions:
        if d.kind != "final" or not d.directed:
            continue
        text = next((r.text for r in heard if isinstance(r, AsrResult) and overlap(r, d) > 0),
                    "")
        who = f"user{d.speaker_track}" if d.speaker_track is not None else "user"
        lines.append({"t_s": round(d.start_s, 2), "who": who, "text": text})
    for say in heard:
        if isinstance(say, Say):
            lines.append({"t_s": round(say.t_s, 2), "who": "device", "text": say.text})
    return sorted(lines, key=lambda line: line["t_s"])


def leading_modality(d: Decision) -> tuple[str, float] | None:
    """The modality whose own score most supports the verdict (highest for a directed
    decision, lowest for the rest), with that score; None without contributions."""
    if not d.contributions:
        return None
    pick = max if d.directed else min
    name = pick(d.contributions, key=d.contributions.get)
    return name, d.contributions[name]


def run_session(session: Session, settings: Settings, realtime: bool = False,
                observers=(), engine=None, device=None, *, stats: dict | None = None,
                progress: bool = False
                ) -> tuple[list[Decision], dict[str, float], float]:
    """Decisions, per-stage real-time factors and wall seconds for one session.
    ``stats``, if given, receives the operating ``threshold``; ``progress`` shows a bar."""
    pipeline = build_session_pipeline(session, settings, device=device, observers=observers,
                                      engine=engine)
    source = session_source(session, pipeline, use_video=settings.use_video, realtime=realtime)
    if stats is not None:
        stats["threshold"] = getattr(pipeline.stage("fusion"), "threshold", None)
    items = through_media(source, session.duration_s, "ntt run") if progress else source
    t0 = time.perf_counter()
    decisions = [item for item in pipeline.run(items) if isinstance(item, Decision)]
    return decisions, pipeline.times.rtf(), time.perf_counter() - t0


def run(args: argparse.Namespace) -> int:
    from ntt.io.media_session import is_media_file, session_from_media

    with ExitStack() as files:
        path = args.session
        if is_media_file(path):
            work = files.enter_context(tempfile.TemporaryDirectory(prefix="ntt-media-"))
            path = session_from_media(path, work)
        return _run(args, load_session(path))


def _run(args: argparse.Namespace, session: Session) -> int:
    from ntt.calibration.profile import profile_for_session

    settings = Settings(use_video=not args.no_video, asr=args.asr,
                        fusion=FusionSettings(kind="rule" if args.rule else "model",
                                              model_path=args.model))
    heard: list = []  # what the engine said and what the recognizer heard, for the transcript

    def keep(item) -> None:
        if isinstance(item, Say | AsrResult):
            heard.append(item)

    with ExitStack() as stack:
        observers = open_event_log(stack, args.events) + [keep]
        engine = None
        if args.asr != "none":
            from ntt.conversation.engine import ConversationEngine

            # Offline runs leave the household's stored data alone.
            data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="ntt-run-"))
            engine = ConversationEngine.offline(data_dir=data_dir)
            stack.callback(engine.close)
        stats: dict = {}
        decisions, rtf, wall_s = run_session(session, settings, args.realtime, observers, engine,
                                             device=profile_for_session(session), stats=stats,
                                             progress=not args.json)
    transcript = _transcript(decisions, heard)
    labels = session.labels.utterances if session.labels else ()
    turns = session.labels.device_turns if session.labels else ()
    finals = [d for d in decisions if d.kind == "final"]
    matches = match_decisions(finals, labels)
    correct = agreement(matches)
    rows = matched_rows(finals, matches)
    if args.json:
        print_json({
            "session": str(session.root), "duration_s": session.duration_s,
            "decisions": [to_jsonable(d) for d in decisions],
            "utterances": [{"decision": to_jsonable(d),
                            "truth": None if m is None or m.utterance is None else {
                                "id": m.utterance.id, "directed": m.utterance.directed,
                                "text": m.utterance.text, "speaker": m.utterance.speaker,
                                "addressee": m.utterance.addressee}}
                           for d, m in rows],
            "agreement": {"correct": correct, "labelled": len(labels)} if labels else None,
            "transcript": transcript, "threshold": stats.get("threshold"),
            "rtf": rtf, "wall_s": wall_s,
        })
        return _log_status(args, observers)
    out = sys.stdout
    video = (f"video {session.video.width}x{session.video.height} @ {session.fps:g} fps"
             if session.video and not args.no_video else "no video")
    out.write(f"session {session.name}: {session.duration_s:.1f} s audio, {video}, "
              f"{len(labels)} labelled utterances\n")
    threshold = stats.get("threshold")
    if threshold is not None:
        out.write(f"directed when p >= {threshold:.2f}; heard: what the recognizer heard; "
                  f"why: the modality that most supports the verdict\n")
    for d, m in rows:
        verdict = "DIRECTED    " if d.directed else "not directed"
        track = f"track {d.speaker_track}" if d.speaker_track is not None else "no face"
        line = (f"  {d.start_s:6.2f}–{d.end_s:6.2f} s  {track:8}  p={d.p_directed:.2f}  "
                f"{verdict}")
        t = m.utterance if m is not None else None
        if t is not None:
            mark = "ok " if t.directed == d.directed else "ERR"
            line += f"  [{mark} truth: {'directed' if t.directed else 'not directed'}] " \
                    f"{t.text!r}"
        elif m is None:
            line += "  [part of a split utterance: its longest piece decides it]"
        elif overlaps_any(d, turns):
            line += "  [the device's own voice]"
        out.write(line + "\n")
        details = []
        text = heard_text(d, [r for r in heard if isinstance(r, AsrResult)])
        if text is not None:
            details.append(f"heard {text!r}" if text else "heard nothing")
        lead = leading_modality(d)
        if lead is not None:
            details.append(f"why: {lead[0]} {lead[1]:.2f}")
        if details:
            out.write("      " + "; ".join(details) + "\n")
    for m in matches:
        if m.missed:
            u = m.utterance
            mark = "ERR" if u.directed else "ok "
            out.write(f"  {u.start_s:6.2f}–{u.end_s:6.2f} s  no decision  [{mark} truth: "
                      f"{'directed' if u.directed else 'not directed'}] {u.text!r}\n")
    if transcript:
        out.write("transcript:\n")
        for line in transcript:
            out.write(f"  {line['t_s']:6.2f} s  {line['who']:>6}: {line['text']}\n")
    summary = f"{len(finals)} utterances, {sum(d.directed for d in finals)} directed"
    if labels:
        summary += f"; {correct}/{len(labels)} labelled utterances decided correctly"
    out.write(summary + f"; real-time factor {rtf.get('total', 0):.2f}\n")
    return _log_status(args, observers)


def _log_status(args: argparse.Namespace, observers: list) -> int:
    """After the decisions are out: a log that could not be written is one line, exit 2."""
    error = event_log_error(observers)
    if error is not None:
        from ntt.errors import InputError

        raise InputError(args.events, error)
    return 0
