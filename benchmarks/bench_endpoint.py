"""How soon the VAD knows an utterance has ended, against how often it cuts one in two.

Silero scores every 32 ms window of each session once; the scores are then replayed
through the VAD's hysteresis (``SileroVad.push_probability``) for a grid of settings
(speech threshold, silence threshold, hangover). For each labelled utterance it reports the
lag of the end event after the true end (p50 and p95, the figure issue 7's final-decision
target rests on) and whether the utterance was split (an end boundary inside it, more
than 150 ms from either edge) or missed.

Run: ``.venv/bin/python benchmarks/bench_endpoint.py SESSIONS [--json]`` (a session, a
directory of sessions or a manifest; labelled sessions only).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys

import numpy as np

from ntt.audio.vad import SileroVad, load_silero_model
from ntt.cues import SAMPLE_RATE_HZ, AudioChunk, SpeechProbability
from ntt.errors import InputError
from ntt.eval.sessions import find_sessions
from ntt.io.audio_file import read_audio
from ntt.io.session import load_session
from ntt.settings import VadSettings

SPLIT_MARGIN_S = 0.15
GRID = {"threshold": (0.5, 0.6), "neg_threshold": (0.35, 0.45, 0.5, 0.55),
        "hangover_ms": (64.0, 96.0, 128.0, 160.0)}


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sessions")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    raise SystemExit(main())
