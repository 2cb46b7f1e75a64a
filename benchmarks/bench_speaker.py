"""Which face spoke: the speaker association (``ntt.fusion.speaker``) against the simulator's
truth, and how often the direction of arrival points at the talker.

For every labelled utterance of a talker in simulated sessions (their ``truth.json``: who
spoke, every person's face box per frame, every source's azimuth), at the final decision
that covers the utterance most:

* **on camera** (the talker in frame, not occluded, mid-utterance): whether the face the
  association *ranked first* is the talker's (the face whose cues fusion reads), and whether
  the decision *names* it as the speaker (``speaker_track``: what the engine and the
  visualizer show) — or names nobody, or another face;
* **off camera** (the talker out of frame, or a loudspeaker): whether the decision names
  nobody, as it should;
* **direction**: the utterance's final ``DirectionCue`` against the talker's true azimuth,
  binned by its SRP-PHAT coherence — the measurement ``MIN_DIRECTION_CONFIDENCE`` rests on.

A face is matched to a person by its box centre against the truth boxes of the nearest
frame (within one box size). The decisions are the shipped fusion model's over the record
cache (``ntt eval``'s), so the sessions are recorded once and this replays them.

Run: ``.venv/bin/python benchmarks/bench_speaker.py SESSIONS [--asr whisper] [--cache DIR]
[--min-direction-confidence C] [--json]``.
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
from pathlib import Path

import numpy as np

import ntt.fusion.speaker as speaker
from ntt.cues import Decision, DirectionCue, FacesCue
from ntt.cues.audio import azimuth_offset_deg
from ntt.eval import DEFAULT_CACHE_DIR
from ntt.eval.evaluate import replay
from ntt.eval.record import session_camera
from ntt.eval.sessions import find_sessions, record_all
from ntt.fusion.runtime import DEFAULT_MODEL, FusionModel, model_fusion
from ntt.io.session import TRUTH_FILE
from ntt.jsonout import print_json
from ntt.matching import best_overlap

CONFIDENCE_BINS = (0.0, 0.1, 0.15, 0.2, 0.3, 0.4, 1.01)


class RankedFirst:
    """Wraps ``SpeakerAssociation.choose`` to keep every choice with its time: the face
    ranked first is not in the decision when the association names nobody."""

    def __init__(self) -> None:
        self.choices: list[tuple[float, speaker.SpeakerChoice]] = []
        original = speaker.SpeakerAssociation.choose

        def choose(association, t_s, faces, since_s, image_wh=(0, 0)):
            choice = original(association, t_s, faces, since_s, image_wh)
            self.choices.append((t_s, choice))
            return choice

        speaker.SpeakerAssociation.choose = choose

    def at(self, t_s: float) -> speaker.SpeakerChoice | None:
        i = bisect.bisect_right([t for t, _ in self.choices], t_s) - 1
        return self.choices[i][1] if i >= 0 else None


def person_of(box, persons: dict) -> str | None:
    """The person whose truth box centre is nearest ``box``'s (within one box size)."""
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    best, best_d = None, float("inf")
    for name, p in persons.items():
        if not p.get("in_frame") or p.get("occluded"):
            continue
        b = p["box"]
        d = float(np.hypot(b[0] + b[2] / 2 - cx, b[1] + b[3] / 2 - cy))
        if d < best_d and d < max(b[2], b[3]):
            best, best_d = name, d
    return best


def _frame_at(frames: list[dict], times: list[float], t_s: float) -> dict:
    return frames[min(len(frames) - 1, max(0, bisect.bisect_right(times, t_s) - 1))]


def measure(sessions: str, asr: str, cache: str) -> dict:
    model = FusionModel.load(DEFAULT_MODEL)
    ranked = RankedFirst()
    on = {"n": 0, "ranked_first_right": 0, "named_right": 0, "named_nobody": 0,
          "named_other": 0}
    off = {"n": 0, "named_nobody": 0}
    errors: list[tuple[float, float]] = []
    recorded = record_all(find_sessions(sessions), asr=asr, cache=Path(cache), workers=1)
    for record, session in recorded.records:
        truth = json.loads((session.root / TRUTH_FILE).read_text())
        frames, sources = truth["frames"], truth["acoustics"]["sources"]
        faces = [c for c in record.cues if isinstance(c, FacesCue)]
        face_times = [c.t_s for c in faces]
        directions = [c for c in record.cues if isinstance(c, DirectionCue) and c.final]
        ranked.choices.clear()
        finals = [d for d in replay(record, model_fusion(model, camera=session_camera(session)))
                  if isinstance(d, Decision) and d.kind == "final"]
        frame_times = [f["t"] for f in frames]
        for u in session.labels.utterances:
            source = sources.get(u.speaker, {})
            decision = best_overlap(u, finals)
            if decision is not None and source.get("kind") == "talker":
                d = best_overlap(u, directions)
                if d is not None:
                    errors.append((d.confidence,
                                   azimuth_offset_deg(d.azimuth_deg, source["azimuth_deg"])))
            if decision is None or not frames:
                continue
            mid = _frame_at(frames, frame_times, (u.start_s + u.end_s) / 2)
            seen = mid["persons"].get(u.speaker, {})
            on_camera = (source.get("kind") == "talker" and seen.get("in_frame")
                         and not seen.get("occluded"))
            cue = faces[max(0, bisect.bisect_right(face_times, decision.t_s) - 1)] \
                if faces else None
            persons = _frame_at(frames, frame_times, cue.t_s)["persons"] if cue else {}
            named = None
            if decision.speaker_track is not None and cue is not None:
                box = next((f.box_xywh for f in cue.faces
                            if f.track_id == decision.speaker_track), None)
                named = person_of(box, persons) if box is not None else "?"
            if on_camera:
                on["n"] += 1
                choice = ranked.at(decision.t_s)
                if choice is not None and person_of(choice.face.box_xywh, persons) == u.speaker:
                    on["ranked_first_right"] += 1
                on["named_right"] += named == u.speaker
                on["named_nobody"] += named is None
                on["named_other"] += named not in (None, u.speaker)
            else:
                off["n"] += 1
                off["named_nobody"] += named is None
    err = np.array(errors) if errors else np.zeros((0, 2))
    bins = []
    for lo, hi in zip(CONFIDENCE_BINS[:-1], CONFIDENCE_BINS[1:], strict=True):
        m = err[(err[:, 0] >= lo) & (err[:, 0] < hi)]
        if len(m):
            bins.append({"coherence": [lo, min(hi, 1.0)], "n": len(m),
                         "median_error_deg": round(float(np.median(m[:, 1])), 1),
                         "within_face_offset": round(float(np.mean(
                             m[:, 1] <= speaker.MAX_FACE_OFFSET_DEG)), 3)})
    return {"sessions": len(recorded.records), "asr": asr,
            "min_direction_confidence": speaker.MIN_DIRECTION_CONFIDENCE,
            "on_camera": on, "off_camera": off, "direction_by_coherence": bins}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sessions", help="simulated sessions (with truth.json)")
    ap.add_argument("--asr", default="whisper", choices=["pocketsphinx", "whisper"])
    ap.add_argument("--cache", default=DEFAULT_CACHE_DIR, help="recorded cue streams")
    ap.add_argument("--min-direction-confidence", type=float, default=None,
                    help="replay with this direction bar instead of the shipped one")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.min_direction_confidence is not None:
        speaker.MIN_DIRECTION_CONFIDENCE = args.min_direction_confidence
    r = measure(args.sessions, args.asr, args.cache)
    if args.json:
        print_json(r)
        return
    on, off = r["on_camera"], r["off_camera"]
    print(f"{r['sessions']} sessions, direction bar {r['min_direction_confidence']}")
    if on["n"]:
        n = on["n"]
        print(f"on camera  {n:4d}: ranked first right {on['ranked_first_right'] / n:.1%}, "
              f"named right {on['named_right'] / n:.1%}, nobody {on['named_nobody'] / n:.1%}"
              f", another face {on['named_other'] / n:.1%}")
    if off["n"]:
        print(f"off camera {off['n']:4d}: named nobody {off['named_nobody'] / off['n']:.1%}")
    for b in r["direction_by_coherence"]:
        lo, hi = b["coherence"]
        print(f"direction coherence {lo:.2f}-{hi:.2f}: n {b['n']:4d}, median error "
              f"{b['median_error_deg']:5.1f} deg, within {speaker.MAX_FACE_OFFSET_DEG:.0f} deg "
              f"{b['within_face_offset']:.0%}")


if __name__ == "__main__":
    sys.exit(main())
