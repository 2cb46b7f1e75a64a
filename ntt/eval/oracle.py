"""The perfect-front-end floor: how well could fusion do if every front-end were exact?

Per utterance it takes what a perfect front-end would report — whether the speaker is on
camera, unoccluded and looking at the device, the exact words through the shipped lexical
model, the line's true loudness, rate, pitch and pitch-range factors, the time since the
device last spoke and whether it asked a question, whether the voice is the TV — fits a
gradient-boosted classifier on training data and scores held-out data; EER and AUC for all
cues and for each cue alone. Two inputs, one tool: rendered sessions (their
``truth.json``) or scripts straight from the generator (``ntt.sim.truth``: the renderer's
own rules, no rendering, so thousands of utterances take seconds).

What the floor can be is set by the world, not by tuning: issue 19 asks for 2–6% EER on
``mixed`` with no single cue enough (gaze ≥ 12%, words ≥ 8%, prosody ≥ 20%). The world
implements the studies' numbers (``ntt.sim.behaviour``); a floor outside that range is
reported, not tuned away. Measured (150 + 150 scripts of 60 s, about 2,100 utterances
each side): ``mixed`` 11.6% EER (gaze 31.7%, words 18.4%, prosody 17.5%, context 28.0%);
every scenario lands at 9-12%, camera-off included (11.1%): gaze adds half a point on top
of words, prosody and context. Why the floor sits above 6%: the studies' gaze is a weak
binary cue (93% of directed speaking time at the device, Baba et al., against 20% of
human-directed time and 40% just after a reply, Bakx et al.'s attractor), and its errors
fall where the words fail too — short follow-ups ("a bit more") inside the follow-up
window, talk about the device or requests to a person while glancing at it after it
spoke, busy cooks asking with no look. The 2-6% of real systems (Mallidi et al. 2018,
Shriberg et al. 2012) is measured on wake-word or single-user data whose negatives are
easier than this household's. Prosody alone (17.5%) is under the 20% target with the
chosen effect sizes (ntt.sim.behaviour: +3 dB, 10% slower, +1 semitone, 15% wider F0, all
ASSUMED sizes for directions the studies report).

Run: ``python -m ntt.eval.oracle TRAIN HELDOUT`` (each a session, a directory of sessions or
a manifest) or ``python -m ntt.eval.oracle --scripts [SCENARIO ...]``; prints JSON.
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

FEATURES = ("seen_looking", "seen_not_looking", "seen", "lexical_logit", "gain_db",
            "rate_scale", "pitch_st", "f0_range", "since_device_s", "device_asked",
            "is_media")
CUE_SETS = {"all": FEATURES, "gaze": FEATURES[:3], "words": FEATURES[3:4],
            "prosody": FEATURES[4:8], "context": FEATURES[8:]}
SINCE_CAP_S = 10.0
HELDOUT_SEED0 = 100_000  # held-out scripts: seeds from here, held-out text
Rows = tuple[np.ndarray, np.ndarray, list[str]]  # features, directed, scenario per row


def _features(seen: float, look: float, gain: float, rate: float, pitch: float, f0: float,
              since: float, asked: bool, media: bool) -> list[float]:
    """One row less the lexical logit (filled in batch): gaze, prosody, context."""
    return [seen * look, seen * (1 - look), seen, 0.0, gain, rate, pitch, f0,
            min(SINCE_CAP_S, since), float(asked), float(media)]


def _add_logits(rows: list[list[float]], texts: list[str], lexical) -> None:
    p = np.clip(lexical.predict_many(texts), 1e-6, 1 - 1e-6) if texts else []
    for row, q in zip(rows, p, strict=True):
        row[FEATURES.index("lexical_logit")] = math.log(q / (1 - q))


def utterance_rows(session: Session, lexical) -> list[tuple[list[float], bool]]:
    """(perfect-front-end features, directed) per labelled utterance of a simulated session."""
    truth_path = session.root / TRUTH_FILE
    if not truth_path.is_file():
        raise InputError(session.root, f"no {TRUTH_FILE} (only simulated sessions have one)")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    frames, info = truth["frames"], truth.get("utterances", {})
    sources = truth.get("acoustics", {}).get("sources", {})
    rows, texts, labels = [], [], []
    for u in session.labels.utterances:
        states = [f["persons"][u.speaker] for f in frames
                  if u.start_s <= f["t"] <= u.end_s and u.speaker in f["persons"]]
        seen = look = 0.0
        if states and session.video_path is not None:
            seen = float(np.mean([s["in_frame"] and not s["occluded"] for s in states]))
            look = float(np.mean([s["looking_at_device"] for s in states]))
        before = [t for t in session.labels.device_turns if t.end_s <= u.start_s + 0.1]
        since = u.start_s - before[-1].end_s if before else math.inf
        meta = info.get(u.id, {})
        rows.append(_features(seen, look, meta.get("gain_db", 0.0),
                              meta.get("rate_scale", 1.0), meta.get("pitch_st", 0.0),
                              meta.get("f0_range", 1.0), since,
                              bool(before) and before[-1].is_question,
                              sources.get(u.speaker, {}).get("kind") == "media"))
        texts.append(u.text)
        labels.append(u.directed)
    _add_logits(rows, texts, lexical)
    return list(zip(rows, labels, strict=True))


def script_rows(scripts: list, lexical) -> Rows:
    """The same features from scripts, by the renderer's rules (``ntt.sim.truth``)."""
    from ntt.sim.truth import line_truths

    rows, texts, labels, scenarios = [], [], [], []
    for script in scripts:
        for lt in line_truths(script):
            ln = lt.line
            rows.append(_features(lt.seen, lt.looking / lt.seen if lt.seen else 0.0,
                                  ln.gain_db, ln.rate_scale, ln.pitch_st, ln.f0_range,
                                  lt.since_device_s, lt.device_asked, lt.is_media))
            texts.append(ln.text)
            labels.append(ln.addressee == "device")
            scenarios.append(script.scenario)
    _add_logits(rows, texts, lexical)
    return (np.array(rows, dtype=float).reshape(-1, len(FEATURES)),
            np.array(labels, dtype=bool), scenarios)


def session_rows(sessions: Path, lexical) -> Rows:
    from ntt.eval.sessions import find_sessions

    out, scenarios = [], []
    for ref in find_sessions(sessions):
        session = load_session(ref.path)
        rows = utterance_rows(session, lexical)
        out += rows
        scenarios += [session.scenario] * len(rows)
    if not out:
        raise InputError(sessions, "no labelled utterances found")
    return (np.array([r[0] for r in out], dtype=float),
            np.array([r[1] for r in out], dtype=bool), scenarios)


def floor(train: Rows, test: Rows) -> dict:
    """Fit on ``train`` and score ``test`` for each cue set: AUC and EER (metrics.py), for
    all of ``test`` and per scenario (``by_scenario``, all cues)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from ntt.eval.metrics import equal_error_rate, roc_auc

    x, y, _ = train
    xt, yt, scen = test
    if not y.any() or y.all():
        raise InputError("training set", "needs both directed and other utterances")
    out: dict = {"train_utterances": int(len(y)), "test_utterances": int(len(yt)),
                 "test_directed": int(yt.sum())}
    leaf = max(1, min(20, len(y) // 20))  # tiny sets (the bundled samples) still split
    for name, cues in CUE_SETS.items():
        cols = [FEATURES.index(c) for c in cues]
        model = HistGradientBoostingClassifier(min_samples_leaf=leaf, random_state=0)
        scores = model.fit(x[:, cols], y).predict_proba(xt[:, cols])[:, 1]
        out[name] = {"auc": _num(roc_auc(scores, yt)), "eer": _num(equal_error_rate(scores,
                                                                                    yt))}
        if name == "all":
            groups = np.array(scen)
            out["by_scenario"] = {
                s: {"utterances": int((groups == s).sum()),
                    "eer": _num(equal_error_rate(scores[groups == s], yt[groups == s]))}
                for s in sorted(set(scen))}
    return out


def _num(v: float) -> float | None:
    return round(float(v), 3) if np.isfinite(v) else None


def _lexical():
    from ntt.language.model import DEFAULT_MODEL_PATH, LexicalModel

    return LexicalModel.load(DEFAULT_MODEL_PATH)


def oracle_bound(train: Path, test: Path) -> dict:
    """The floor over rendered sessions: fit on ``train``, score ``test``."""
    lexical = _lexical()
    return floor(session_rows(train, lexical), session_rows(test, lexical))


def script_floor(scenario: str, train_scripts: int = 150, heldout_scripts: int = 150,
                 duration_s: float = 60.0, seed: int = 0) -> dict:
    """The floor over generated scripts: training seeds ``seed..`` with training text,
    held-out seeds from ``HELDOUT_SEED0`` with held-out text."""
    from ntt.sim.scenarios import make_script

    lexical = _lexical()
    train = [make_script(scenario, seed + i, duration_s, "train")
             for i in range(train_scripts)]
    test = [make_script(scenario, HELDOUT_SEED0 + seed + i, duration_s, "test")
            for i in range(heldout_scripts)]
    return {"scenario": scenario, **floor(script_rows(train, lexical),
                                          script_rows(test, lexical))}


def main(argv: list[str] | None = None) -> int:
    from ntt.sim.scenarios import SCENARIOS

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sessions", nargs="*", type=Path, metavar="TRAIN HELDOUT",
                        help="rendered training and held-out sessions")
    parser.add_argument("--scripts", nargs="*", metavar="SCENARIO",
                        help="generated scripts of these scenarios instead (default mixed)")
    parser.add_argument("--train", type=int, default=150, help="training scripts")
    parser.add_argument("--heldout", type=int, default=150, help="held-out scripts")
    parser.add_argument("--duration", type=float, default=60.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    try:
        if args.scripts is not None:
            unknown = [s for s in args.scripts if s not in SCENARIOS]
            if unknown or args.sessions or min(args.train, args.heldout) < 1:
                raise InputError("--scripts", f"scenarios of {', '.join(SCENARIOS)}, with "
                                 "--train/--heldout >= 1 and no session paths")
            result = [script_floor(s, args.train, args.heldout, args.duration)
                      for s in args.scripts or ["mixed"]]
        elif len(args.sessions) == 2:
            result = oracle_bound(*args.sessions)
        else:
            raise InputError("TRAIN HELDOUT", "two session sets, or --scripts")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
