"""How soon the VAD knows an utterance has ended, against how often it cuts one in two.

Silero scores every 32 ms window of each session once; the scores are then replayed
through the VAD's hysteresis (``SileroVad.push_probability``) for a grid of settings
(speech threshold, silence threshold, hangover). For each labelled utterance it reports the
lag of the end event after the true end (p50 and p95, the figure issue 7's final-decision
target rests on) and whether the utterance was split (an end boundary inside it, more
than 150 ms from either edge) or missed.

With ``--end-of-turn`` it measures the final *decisions* instead: the audio front-ends
(VAD, prosody, recognizer) run once per session (``ntt.endpoint.replay``, cached), the
end-of-turn detector is replayed over their cues, and the utterance gate
(``ntt.fusion.gate``) over the result for a grid of its end-of-turn thresholds, plus the
gate without end-of-turn (today's timing). Per labelled utterance: the final decision's
lag after the true end (of the decision covering the utterance's end; one made before it
counts 0), whether it was split (a final decision ending inside it, more than 150 ms
from either edge) and whether it was *cut* in two (two final decisions each cover more
than 150 ms of it: a final decided on the quiet last consonant, before the label's end,
splits but does not cut), or missed; the same over the directed utterances alone
(``requests_*``: the replies wait on those); and the detector's cost per 32 ms chunk.

Detectors: the words model at weight 0 or 1, Smart Turn (``EndpointSettings.smart_turn``)
at weight 0 (not asked), 1 or 2.

The replay answers a turn the gate ends before the VAD (``TurnEvent``) with the recorded
summing-up of the utterance one chunk later (``ntt.endpoint.replay.through_gate``). With
``--pipeline P[/H],...`` the whole audio-only pipeline runs instead, at each
``eot_final_p`` (with ``eot_hold_p`` H) and without end-of-turn, so the prosody and
recognizer stages really answer the gate's turn ends: the same timing figures and the
requests and talk the shipped fusion accepted.

Run: ``.venv/bin/python benchmarks/bench_endpoint.py SESSIONS [--json] [--end-of-turn
[--asr pocketsphinx] [--cache DIR] | --pipeline 0.9,0.9/0.6 [--asr whisper]]`` (a session, a
directory of sessions or a manifest; labelled sessions only).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

from ntt.audio.vad import SileroVad, load_silero_model
from ntt.cues import SAMPLE_RATE_HZ, AudioChunk, ProsodyFrame, SpeechProbability
from ntt.errors import InputError
from ntt.eval.sessions import find_sessions
from ntt.io.audio_file import read_audio
from ntt.io.session import load_session
from ntt.settings import VadSettings

SPLIT_MARGIN_S = 0.15
GRID = {"threshold": (0.5, 0.6), "neg_threshold": (0.35, 0.45, 0.5, 0.55),
        "hangover_ms": (64.0, 96.0, 128.0, 160.0)}
# Detectors: (words weight, Smart Turn weight; 0 = not asked), then the gate's thresholds.
EOT_GRID = {"detector": ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 2.0)),
            "eot_final_p": (0.7, 0.8, 0.85, 0.9, 0.95, 0.97),
            "eot_hold_p": (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)}


def score_session(model, session) -> list[tuple[float, float]]:
    """Silero's (window start, probability) over the session's audio."""
    audio = read_audio(session.audio_path)
    vad = SileroVad(model, emit_probabilities=True)
    cues = vad.push(AudioChunk(0.0, audio, SAMPLE_RATE_HZ)) + vad.flush()
    return [(c.t_s, c.p_speech) for c in cues if isinstance(c, SpeechProbability)]


def segments(probabilities: list[tuple[float, float]], config: VadSettings
             ) -> list[tuple[float, float, float]]:
    """(start boundary, end boundary, time the end is known) for each VAD utterance."""
    vad = SileroVad(None, config)
    events = [e for t, p in probabilities for e in vad.push_probability(t, p)] + vad.flush()
    out, start = [], None
    for e in events:
        if e.kind == "speech_start":
            start = e.boundary_s
        elif start is not None:
            out.append((start, e.boundary_s, e.t_s))
    return out


def endpoint_figures(sessions: list, config: VadSettings) -> dict:
    lags, split, missed, n = [], 0, 0, 0
    for probabilities, utterances in sessions:
        segs = segments(probabilities, config)
        for start, end in utterances:
            n += 1
            cover = [s for s in segs if min(s[1], end) > max(s[0], start)]
            if not cover:
                missed += 1
                continue
            split += any(start + SPLIT_MARGIN_S < s[1] < end - SPLIT_MARGIN_S for s in cover)
            lags.append((max(cover, key=lambda s: s[1])[2] - end) * 1000)
    return {"utterances": n, "split": round(split / n, 3), "missed": round(missed / n, 3),
            "end_lag_p50_ms": round(float(np.percentile(lags, 50)), 1),
            "end_lag_p95_ms": round(float(np.percentile(lags, 95)), 1)}


def decision_figures(sessions: list, timing) -> dict:
    """Final-decision lag, split, cut and missed shares of the gate at ``timing`` (the rule
    behind it: the timing does not depend on the scorer), over every labelled utterance
    and, as ``requests_*``, over the directed ones: the replies wait on those, while a late
    final on talk between people delays nothing the device does."""
    from ntt.cues import Decision
    from ntt.endpoint.replay import through_gate
    from ntt.fusion.rule import rule_fusion

    rows = []
    for stream, utterances in sessions:
        finals = through_gate(rule_fusion(timing=timing), stream)
        rows += timing_rows([d for d in finals if isinstance(d, Decision) and d.kind == "final"],
                            utterances)
    return timing_figures(rows)


def timing_rows(finals: list, utterances) -> list[tuple[bool, bool, bool, float | None]]:
    """Per labelled utterance: (directed, split, cut, lag ms or None when missed)."""
    rows = []
    for u in utterances:
        cover = [d for d in finals if min(d.end_s, u.end_s) > max(d.start_s, u.start_s)]
        if not cover:
            rows.append((bool(u.directed), False, False, None))
            continue
        split = any(u.start_s + SPLIT_MARGIN_S < d.end_s < u.end_s - SPLIT_MARGIN_S
                    for d in cover)
        cut = sum(min(d.end_s, u.end_s) - max(d.start_s, u.start_s) > SPLIT_MARGIN_S
                  for d in cover) >= 2
        lag = max(0.0, max(cover, key=lambda d: d.end_s).t_s - u.end_s) * 1000
        rows.append((bool(u.directed), split, cut, lag))
    return rows


def timing_figures(rows: list) -> dict:
    """Split, cut, missed and lag over ``timing_rows``, and the same over the requests."""
    out = _figures(rows)
    requests = _figures([r for r in rows if r[0]])
    if requests:
        out.update({f"requests_{k}" if k != "utterances" else "requests": v
                    for k, v in requests.items() if k != "split"})
    return out


def _figures(rows: list) -> dict:
    if not rows:
        return {}
    n, lags = len(rows), [r[3] for r in rows if r[3] is not None]
    return {"utterances": n, "split": round(sum(r[1] for r in rows) / n, 3),
            "cut": round(sum(r[2] for r in rows) / n, 3),
            "missed": round((n - len(lags)) / n, 3),
            "final_lag_p50_ms": round(float(np.percentile(lags, 50)), 1) if lags else None,
            "final_lag_p95_ms": round(float(np.percentile(lags, 95)), 1) if lags else None}


def end_of_turn_rows(refs: list, asr: str, cache: Path) -> tuple[list[dict], dict]:
    """The gate's timing without end-of-turn and over ``EOT_GRID``; the detector's cost."""
    from ntt.endpoint import load_detector
    from ntt.endpoint.replay import record_inputs, with_end_of_turn
    from ntt.settings import EndpointSettings, TimingSettings

    recorded = [(record_inputs(s, asr, cache), s.labels.utterances) for s in refs]
    rows, cost = [], {}
    for weight, sound in EOT_GRID["detector"]:
        settings = EndpointSettings(words_weight=weight, smart_turn=sound > 0,
                                    smart_turn_weight=sound if sound > 0 else 1.0)
        detector = load_detector(settings)
        seconds, frames = 0.0, 0
        sessions = []
        for cues, utterances in recorded:
            t0 = time.perf_counter()
            stream = list(with_end_of_turn(cues, detector))
            seconds += time.perf_counter() - t0
            frames += sum(isinstance(c, ProsodyFrame) for c in cues)
            sessions.append((stream, utterances))
        if not rows:
            rows.append({"end_of_turn": False, **decision_figures(sessions, TimingSettings(
                end_of_turn=False))})
        for final_p, hold_p in itertools.product(*list(EOT_GRID.values())[1:]):
            timing = TimingSettings(eot_final_p=final_p, eot_hold_p=hold_p)
            shipped = timing == TimingSettings() and settings == EndpointSettings()
            rows.append({"end_of_turn": True, "words_weight": weight,
                         "smart_turn_weight": sound, "eot_final_p": final_p,
                         "eot_hold_p": hold_p, "shipped": shipped,
                         **decision_figures(sessions, timing)})
        # The replay splices cues too, so this bounds the detector's own cost from above.
        cost[f"words {weight:g}, smart turn {sound:g}"] = {
            "ms_per_chunk": round(1000 * seconds / max(frames, 1), 4), "chunks": frames}
    return rows, cost


def pipeline_rows(refs: list, asr: str, settings_list: list[tuple[float, float]]
                  ) -> list[dict]:
    """The whole audio-only pipeline (``ntt run``'s, shipped fusion) over each session,
    without end-of-turn and at each (``eot_final_p``, ``eot_hold_p``): the timing figures,
    and how many requests the device accepted and how much talk (``ntt.matching``). Unlike
    the replay, the front-ends here really answer the gate's turn ends."""
    from dataclasses import replace

    from ntt.cues import Decision
    from ntt.matching import match_decisions
    from ntt.pipeline import build_session_pipeline, session_source
    from ntt.settings import Settings, TimingSettings

    out = []
    for final_p, hold_p in [(None, None), *settings_list]:
        timing = TimingSettings(end_of_turn=False) if final_p is None else \
            replace(TimingSettings(), eot_final_p=final_p, eot_hold_p=hold_p)
        settings = Settings(use_video=False, asr=asr, timing=timing)
        rows, requests, accepted, talk, talk_accepted = [], 0, 0, 0, 0
        t0 = time.perf_counter()
        for session in refs:
            pipeline = build_session_pipeline(session, settings)
            finals = [d for d in pipeline.run(session_source(session, pipeline, use_video=False))
                      if isinstance(d, Decision) and d.kind == "final"]
            rows += timing_rows(finals, session.labels.utterances)
            for m in match_decisions(finals, session.labels.utterances):
                if m.utterance is None:
                    continue
                if m.utterance.directed:
                    requests, accepted = requests + 1, accepted + m.accepted
                else:
                    talk, talk_accepted = talk + 1, talk_accepted + m.accepted
        out.append({"end_of_turn": final_p is not None, "eot_final_p": final_p,
                    "eot_hold_p": hold_p,
                    "requests_accepted": f"{accepted}/{requests}",
                    "talk_accepted": f"{talk_accepted}/{talk}",
                    "seconds": round(time.perf_counter() - t0, 1), **timing_figures(rows)})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sessions")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--end-of-turn", action="store_true",
                        help="final decisions with the end-of-turn detector, over its grid")
    parser.add_argument("--asr", default="pocketsphinx")
    parser.add_argument("--cache", type=Path, default=Path(".cache") / "ntt-endpoint")
    parser.add_argument("--pipeline", metavar="P[/H],...",
                        help="run the whole pipeline at these eot_final_p (each with an "
                             "eot_hold_p after a slash; 0 without) and without end-of-turn, "
                             "instead of replaying the gate")
    args = parser.parse_args(argv)
    if args.pipeline:
        return _pipeline_main(args)
    if args.end_of_turn:
        return _end_of_turn_main(args)
    try:
        model = load_silero_model()
        sessions = []
        for ref in find_sessions(args.sessions):
            session = load_session(ref.path)
            if session.labels is None:
                continue
            sessions.append((score_session(model, session),
                             [(u.start_s, u.end_s) for u in session.labels.utterances]))
        if not sessions:
            raise InputError(args.sessions, "no labelled sessions")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = []
    for threshold, neg, hangover in itertools.product(*GRID.values()):
        if neg <= threshold:
            config = VadSettings(threshold=threshold, neg_threshold=neg, hangover_ms=hangover)
            rows.append({"threshold": threshold, "neg_threshold": neg, "hangover_ms": hangover,
                         "shipped": config == VadSettings(), **endpoint_figures(sessions, config)})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            print(f"threshold {r['threshold']:.2f} silence {r['neg_threshold']:.2f} hangover "
                  f"{r['hangover_ms']:3.0f} ms: split {r['split']:.1%} missed {r['missed']:.1%}"
                  f" end lag p50 {r['end_lag_p50_ms']:.0f} p95 {r['end_lag_p95_ms']:.0f} ms"
                  + ("  (shipped)" if r["shipped"] else ""))
    return 0


def _pipeline_main(args) -> int:
    try:
        settings_list = [(float(p.split("/")[0]), float(p.split("/")[1]) if "/" in p else 0.0)
                         for p in args.pipeline.split(",")]
        refs = [s for s in (load_session(r.path) for r in find_sessions(args.sessions))
                if s.labels is not None]
        if not refs:
            raise InputError(args.sessions, "no labelled sessions")
    except ValueError:
        print(f"error: --pipeline: not a list of numbers: {args.pipeline!r}", file=sys.stderr)
        return 2
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    rows = pipeline_rows(refs, args.asr, settings_list)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        what = (f"final >= {r['eot_final_p']:.2f} hold < {r['eot_hold_p']:.2f}"
                if r["end_of_turn"] else "without end-of-turn")
        print(f"{what:22s}: requests accepted {r['requests_accepted']}, talk accepted "
              f"{r['talk_accepted']}; split {r['split']:.1%} cut {r['cut']:.1%} final lag "
              f"p50 {r['final_lag_p50_ms']:.0f} p95 {r['final_lag_p95_ms']:.0f} ms"
              + (f"; requests: cut {r['requests_cut']:.1%} p50 "
                 f"{r['requests_final_lag_p50_ms']:.0f} p95 "
                 f"{r['requests_final_lag_p95_ms']:.0f} ms" if r.get("requests") else "")
              + f" ({r['seconds']:.0f} s)")
    return 0


def _end_of_turn_main(args) -> int:
    try:
        refs = [s for s in (load_session(r.path) for r in find_sessions(args.sessions))
                if s.labels is not None]
        if not refs:
            raise InputError(args.sessions, "no labelled sessions")
        rows, cost = end_of_turn_rows(refs, args.asr, args.cache)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"rows": rows, "cost": cost}, indent=2))
        return 0
    for r in rows:
        what = (f"words {r['words_weight']:.0f} smart turn {r['smart_turn_weight']:.0f} "
                f"final >= {r['eot_final_p']:.2f} hold < {r['eot_hold_p']:.2f}"
                if r["end_of_turn"] else "without end-of-turn (VAD)")
        print(f"{what:42s}: split {r['split']:.1%} cut {r['cut']:.1%} missed "
              f"{r['missed']:.1%} final lag p50 "
              f"{r['final_lag_p50_ms']:.0f} p95 {r['final_lag_p95_ms']:.0f} ms"
              + (f"; {r['requests']} requests: cut {r['requests_cut']:.1%} p50 "
                 f"{r['requests_final_lag_p50_ms']:.0f} p95 "
                 f"{r['requests_final_lag_p95_ms']:.0f} ms" if r.get("requests") else "")
              + ("  (shipped)" if r.get("shipped") else ""))
    for name, c in cost.items():
        print(f"end-of-turn detector ({name}): {c['ms_per_chunk']:.3f} ms per 32 ms chunk "
              f"({c['chunks']} chunks)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
