"""Fit the end-of-turn head (``ntt.endpoint.head``) on labelled sessions.

Every ``EndOfTurn`` frame the detector emits in a silence (``silence_s > 0``, at most
1.5 s in) is one example. Its silence began at ``t_s - silence_s``; it is *unfinished* when
that moment lies inside a labelled utterance and the speaker's voice comes back before the
utterance's end (a pause, a stop consonant's closure, a breath), else *finished*. The
voice coming back, not the time left to the label's end, is what tells: the detector's
silence starts at the last frame near the turn's speech level, so at a real end it often
starts on the quiet final consonants ("… went of|f"), 0.15–0.3 s before the label's end on
a quarter of the real requests in rooms; counted by the time left, those ends were
labelled pauses. A logistic
regression over the head's named acoustic features fits the weights (not class-balanced:
the gate's thresholds are probabilities). The words are not fitted here (see
``ntt.endpoint.head``).

Run (the command in ``ntt/models/endpoint.md``)::

    python -m ntt.endpoint.train_head SESSIONS... [--asr pocketsphinx] [--cache DIR]
        [--out ntt/models/endpoint_head.json]

The front-ends run once per session (``ntt.endpoint.replay.record_inputs``, cached).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ntt.endpoint import WORDS_PATH
from ntt.endpoint.acoustics import WINDOW_S
from ntt.endpoint.head import FEATURES, MAX_SILENCE_S, EndpointHead
from ntt.endpoint.replay import TAKES, record_inputs
from ntt.endpoint.stage import EndOfTurnDetector
from ntt.endpoint.words import CompletenessModel

RESUME_MARGIN_S = 0.05  # the voice back this close to the label's end is its last sound
C = 1.0
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "models" / "endpoint_head.json"
DEFAULT_CACHE = Path(".cache") / "ntt-endpoint"


def unfinished(onset_s: float, resume_s: float, utterances) -> bool:
    """A silence from ``onset_s`` that the voice ended at ``resume_s`` (inf: never) was a
    pause when both lie inside one labelled utterance."""
    return any(u.start_s <= onset_s and resume_s < u.end_s - RESUME_MARGIN_S
               for u in utterances)


def session_examples(cues: list, utterances, words: CompletenessModel | None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(features, finished) of every frame in a silence of one recorded session."""
    probe = EndOfTurnDetector(EndpointHead((0.0,) * len(FEATURES), 0.0), None)
    frames, resumes = [], []  # (silence onset, features); when the voice came back
    for cue in cues:
        if not isinstance(cue, TAKES):
            continue
        for eot in probe.push(cue):
            if eot.silence_s == 0:
                resumes.append(eot.t_s - WINDOW_S)
            elif eot.silence_s <= MAX_SILENCE_S:
                frames.append((eot.t_s - eot.silence_s, probe.last_features))
    if not frames:
        return np.zeros((0, len(FEATURES))), np.zeros(0)
    resumes = np.array(resumes + [np.inf])
    ys = []
    for onset, _ in frames:
        resume = resumes[np.searchsorted(resumes, onset, side="right")]
        ys.append(0 if unfinished(onset, float(resume), utterances) else 1)
    return np.array([x for _, x in frames]), np.array(ys)


def collect(session_dirs: list[str], asr: str, cache: Path, words: CompletenessModel | None
            ) -> tuple[np.ndarray, np.ndarray, int]:
    from ntt.eval.sessions import find_sessions
    from ntt.io.session import load_session

    xs, ys, n = [], [], 0
    for arg in session_dirs:
        for ref in find_sessions(arg):
            session = load_session(ref.path)
            if session.labels is None:
                continue
            x, y = session_examples(record_inputs(session, asr, cache),
                                    session.labels.utterances, words)
            xs.append(x)
            ys.append(y)
            n += 1
    return np.concatenate(xs), np.concatenate(ys), n


def fit(x: np.ndarray, y: np.ndarray, c: float = C) -> EndpointHead:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    clf = LogisticRegression(C=c, max_iter=5000)
    clf.fit(x, y)
    head = EndpointHead(tuple(round(float(w), 5) for w in clf.coef_[0]),
                        round(float(clf.intercept_[0]), 5))
    p = np.array([head.p_finished(row) for row in x])
    meta = {"examples": int(len(y)), "finished_share": round(float(y.mean()), 4),
            "train_auc": round(float(roc_auc_score(y, p)), 4), "C": c}
    return EndpointHead(head.weights, head.bias, meta)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sessions", nargs="+")
    parser.add_argument("--asr", default="pocketsphinx")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--words", type=Path, default=WORDS_PATH)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--c", type=float, default=C)
    args = parser.parse_args(argv)
    words = CompletenessModel.load(args.words)
    x, y, n = collect(args.sessions, args.asr, args.cache, words)
    head = fit(x, y, args.c)
    head = EndpointHead(head.weights, head.bias,
                        dict(head.meta, sessions=n, asr=args.asr,
                             trained_on=[Path(s).name for s in args.sessions]))
    head.save(args.out)
    print(args.out, head.meta)
    for name, w in zip(FEATURES, head.weights, strict=True):
        print(f"  {name:18s} {w:+.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
