"""How well could fusion do with perfect front-ends? The simulator's ground truth answers it.

For every labelled utterance of simulated sessions this takes what a perfect front-end would
report — whether the speaker is on camera and looking at the device (``truth.json``), the
exact words through the shipped lexical model, the device's last turn — fits a logistic
regression on training sessions and scores held-out ones. Its EER is a floor set by the
data: by design some requests are made without a look, some talk to people is worded like a
request, and no front-end can undo that. Fusion figures are read against it.

Run: ``python -m ntt.eval.oracle TRAIN HELDOUT`` (each a session, a directory of sessions or
a manifest); prints JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

from ntt.errors import InputError
from ntt.io.session import TRUTH_FILE, Session, load_session

FEATURES = ("seen_looking", "seen_not_looking", "seen", "lexical_logit", "since_device_s",
            "device_asked")
CUE_SETS = {"all": FEATURES, "gaze": FEATURES[:3], "text": FEATURES[3:4],
            "context": FEATURES[4:]}
SINCE_CAP_S = 10.0


def utterance_rows(session: Session, lexical) -> list[tuple[list[float], bool]]:
    """(perfect-front-end features, directed) per labelled utterance of a simulated session."""
    truth_path = session.root / TRUTH_FILE
    if not truth_path.is_file():
        raise InputError(session.root, f"no {TRUTH_FILE} (only simulated sessions have one)")
    frames = json.loads(truth_path.read_text(encoding="utf-8"))["frames"]
    rows = []
    for u in session.labels.utterances:
        states = [f["persons"][u.speaker] for f in frames
                  if u.start_s <= f["t"] <= u.end_s and u.speaker in f["persons"]]
        seen = look = 0.0
        if states and session.video_path is not None:
            seen = float(np.mean([s["in_frame"] and not s["occluded"] for s in states]))
            look = float(np.mean([s["looking_at_device"] for s in states]))
        p = min(max(lexical.predict(u.text), 1e-6), 1 - 1e-6)
        before = [t for t in session.labels.device_turns if t.end_s <= u.start_s + 0.1]
        since = min(SINCE_CAP_S, u.start_s - before[-1].end_s) if before else SINCE_CAP_S
        asked = float(bool(before) and before[-1].is_question)
        rows.append(([seen * look, seen * (1 - look), seen, math.log(p / (1 - p)), since,
                      asked], u.directed))
    return rows


def _rows(sessions: Path, lexical) -> tuple[np.ndarray, np.ndarray]:
    from ntt.eval.sessions import find_sessions

    out = []
    for ref in find_sessions(sessions):
        out += utterance_rows(load_session(ref.path), lexical)
    if not out:
        raise InputError(sessions, "no labelled utterances found")
    return (np.array([r[0] for r in out], dtype=float), np.array([r[1] for r in out], dtype=int))


def oracle_bound(train: Path, test: Path) -> dict:
    """AUC and EER on the test sessions for each cue set (all, gaze, text, context)."""
    from sklearn.linear_model import LogisticRegression

    from ntt.eval.metrics import equal_error_rate, roc_auc
    from ntt.language.model import DEFAULT_MODEL_PATH, LexicalModel

    lexical = LexicalModel.load(DEFAULT_MODEL_PATH)
    x, y = _rows(train, lexical)
    xt, yt = _rows(test, lexical)
    out: dict = {"train_utterances": int(len(y)), "test_utterances": int(len(yt))}
    for name, cues in CUE_SETS.items():
        cols = [FEATURES.index(c) for c in cues]
        model = LogisticRegression(max_iter=2000).fit(x[:, cols], y)
        scores = model.predict_proba(xt[:, cols])[:, 1]
        out[name] = {"auc": round(roc_auc(scores, yt.astype(bool)), 3),
                     "eer": round(equal_error_rate(scores, yt.astype(bool)), 3)}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("train", type=Path)
    parser.add_argument("heldout", type=Path)
    args = parser.parse_args(argv)
    try:
        result = oracle_bound(args.train, args.heldout)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
