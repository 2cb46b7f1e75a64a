"""``ntt simulate --stats``: the rates that show no single cue gives the answer away."""

from __future__ import annotations

import json
import math
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


def script_stats(scripts: list) -> dict:
    """The behaviour table's rates recovered from scripts (no rendering), per scenario and
    over all (``all``), each next to the table's value where the table has one."""
    by: dict[str, list] = {"all": list(scripts)}
    for s in scripts:
        by.setdefault(s.scenario, []).append(s)
    return {name: _rates(group) for name, group in by.items()}


def _rates(scripts: list) -> dict:
    from ntt.sim.conversation import BACKCHANNELS, MISHEARD
    from ntt.sim.truth import line_truths

    beh = _table()
    acc: dict[str, list[float]] = {}

    def add(key: str, value: float, weight: float = 1.0) -> None:
        acc.setdefault(key, []).append(value)
        acc.setdefault(key + "#w", []).append(weight)

    n_lines = 0
    for script in scripts:
        truths = line_truths(script)
        people = {p.id for p in script.persons if not p.is_media}
        by_start = sorted(script.lines, key=lambda ln: ln.start_s)
        prev_device = {}  # line -> the device line before it
        last = None
        for ln in by_start:
            if ln.speaker == "device":
                last = ln
            else:
                prev_device[id(ln)] = last
        spoken = [lt for lt in truths if not lt.is_media]
        n_lines += len(spoken)
        for i, lt in enumerate(spoken):
            ln = lt.line
            directed = ln.addressee == "device"
            to_person = ln.addressee in people
            add("directed_share", float(directed))
            if lt.seen > 0:
                if directed:
                    add("look_directed", lt.looking / lt.seen, lt.seen)
                elif to_person:
                    add("look_partner", lt.at_addressee / lt.seen, lt.seen)
                    key = "device_glance_after_reply" if lt.since_device_s < \
                        beh.attractor_s else "device_glance_human_talk"
                    add(key, lt.looking / lt.seen, lt.seen)
            before = prev_device.get(id(ln))
            error = directed and before is not None and before.text == MISHEARD
            kind = "after_error" if error else "directed" if directed else "not_directed"
            for f in ("gain_db", "rate_scale", "pitch_st", "f0_range"):
                add(f"{f}:{kind}", getattr(ln, f))
            if to_person:
                words = ln.text.split()
                backchannel = ln.text in BACKCHANNELS
                add("backchannel_share", float(backchannel))
                if not backchannel:
                    add("vocative_share", float(ln.addressee in (words[0], words[-1])))
                add("request_like_share", float(ln.category in REQUEST_LIKE_SOURCES))
                if ln.category == "talk:questions_to_person":
                    nxt = spoken[i + 1].line if i + 1 < len(spoken) else None
                    if nxt is not None:
                        add("questions_answered_by_addressee",
                            float(nxt.speaker == ln.addressee and nxt.addressee == ln.speaker))
            if directed:
                answered = any(d.speaker == "device" and lt.line.start_s < d.start_s <=
                               lt.end_s + 1.5 for d in by_start)
                add("requests_answered_by_device", float(answered))
            if ln.category == "directed:follow_up" and math.isfinite(lt.since_device_s):
                add("follow_up_within_window", float(lt.since_device_s <= max(
                    beh.follow_up_windows_s)))
            if i > 0:
                prev = spoken[i - 1]
                if prev.line.speaker != ln.speaker and to_person and \
                        prev.line.addressee == ln.speaker:
                    add("gap_s", ln.start_s - prev.end_s)
                    add("overlap_share", float(ln.start_s < prev.end_s))
        for lt in truths:
            if lt.is_media:
                add("tv_request_like", float(lt.line.category.startswith(("ha:",
                                                                          "directed:"))))
        _turns(spoken, people, add)
    out: dict = {"scripts": len(scripts), "utterances": n_lines}
    for key in sorted(k for k in acc if not k.endswith("#w")):
        v, w = np.asarray(acc[key]), np.asarray(acc[key + "#w"])
        out[key] = round(float(np.sum(v * w) / np.sum(w)), 3) if np.sum(w) else None
    out["gap_s_median"] = round(float(np.median(acc["gap_s"])), 3) if acc.get("gap_s") \
        else None
    return out


def _turns(spoken: list, people: set, add) -> None:
    """Runs of one speaker's lines to one person, pauses under a second: a turn."""
    run_start = run_end = None
    key = None
    for lt in spoken:
        k = (lt.line.speaker, lt.line.addressee)
        if lt.line.addressee in people and k == key and lt.line.start_s - run_end < 1.0:
            run_end = lt.end_s
            continue
        if run_start is not None and key[1] in people:
            add("turn_s", run_end - run_start)
        run_start, run_end, key = lt.line.start_s, lt.end_s, k
    if run_start is not None and key[1] in people:
        add("turn_s", run_end - run_start)


def behaviour_table() -> dict:
    """The table's own values for the rates ``script_stats`` recovers (ntt.sim.behaviour)."""
    beh = _table()
    rest = 1 - beh.look_partner
    return {"look_directed": beh.look_directed, "look_partner": beh.look_partner,
            "device_glance_human_talk": round(rest * beh.device_share_of_rest, 3),
            "device_glance_after_reply": round(rest * beh.device_share_after_reply, 3),
            "gap_s": beh.gap_s[0], "turn_s": beh.turn_s,
            "backchannel_share": beh.backchannel_share,
            "vocative_share": (beh.vocative_other, beh.vocative_opening),
            "gain_db:directed": beh.gain_db_directed[0],
            "rate_scale:directed": beh.rate_directed[0],
            "pitch_st:directed": beh.pitch_st_directed[0],
            "f0_range:directed": beh.f0_range_directed[0],
            "follow_up_within_window": 1.0, "questions_answered_by_addressee": 1.0,
            "requests_answered_by_device": 1.0, "tv_request_like": beh.tv_request_like}


def _table():
    from ntt.sim.behaviour import Behaviour

    return Behaviour()


def script_report(scenario: str, scripts: int, seed: int, duration_s: float,
                  text_split: str = "train") -> dict:
    """``ntt simulate --stats scripts``: the rates recovered from ``scripts`` generated
    scripts per scenario next to the table, and the perfect-front-end floor (trained on
    these seeds, scored on as many held-out seeds with held-out text)."""
    from ntt.eval.oracle import script_floor
    from ntt.sim.scenarios import make_script

    generated = [make_script(scenario, seed + i, duration_s, text_split)
                 for i in range(scripts)]
    return {"table": behaviour_table(), "rates": script_stats(generated),
            "floor": script_floor(scenario, scripts, scripts, duration_s, seed)}
