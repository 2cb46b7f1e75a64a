"""``ntt simulate --stats``: the rates that show no single cue gives the answer away."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ntt.io.session import TRUTH_FILE, load_session

REQUEST_LIKE_SOURCES = ("talk:requests_to_person", "talk:questions_to_person")


def simulation_stats(sessions: list[Path]) -> dict:
    directed_total = directed_not_looking = 0
    other_total = other_looking = other_request_like = 0
    gain = {True: [], False: []}
    rate = {True: [], False: []}
    scenarios: dict[str, int] = {}
    duration_s = 0.0
    for path in sessions:
        session = load_session(path)
        duration_s += session.duration_s
        scenarios[session.scenario] = scenarios.get(session.scenario, 0) + 1
        info = json.loads((path / TRUTH_FILE).read_text())["utterances"]
        for u in session.labels.utterances if session.labels else ():
            meta = info.get(u.id, {})
            gain[u.directed].append(meta.get("gain_db", 0.0))
            rate[u.directed].append(meta.get("rate_scale", 1.0))
            looking = meta.get("looking")
            if u.directed:
                directed_total += 1
                directed_not_looking += looking is False
            else:
                other_total += 1
                other_looking += looking is True
                other_request_like += meta.get("category") in REQUEST_LIKE_SOURCES

    def share(a: int, b: int) -> float:
        return round(a / b, 3) if b else 0.0

    def overlap(a: list[float], b: list[float]) -> float:
        """Share of the directed values inside the non-directed 5–95% range."""
        if not a or not b:
            return 0.0
        lo, hi = np.percentile(b, [5, 95])
        return round(float(np.mean((np.asarray(a) >= lo) & (np.asarray(a) <= hi))), 3)

    return {
        "sessions": len(sessions), "hours": round(duration_s / 3600, 3),
        "scenarios": scenarios,
        "utterances": {"directed": directed_total, "not_directed": other_total},
        "directed_not_looking": share(directed_not_looking, directed_total),
        "not_directed_looking": share(other_looking, other_total),
        "not_directed_request_like": share(other_request_like, other_total),
        "gain_db_mean": {"directed": round(float(np.mean(gain[True] or [0])), 2),
                         "not_directed": round(float(np.mean(gain[False] or [0])), 2)},
        "gain_overlap": overlap(gain[True], gain[False]),
        "rate_scale_mean": {"directed": round(float(np.mean(rate[True] or [1])), 3),
                            "not_directed": round(float(np.mean(rate[False] or [1])), 3)},
        "rate_overlap": overlap(rate[True], rate[False]),
    }
