"""Score fusion variants on recorded cue streams against labels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ntt.cues import Decision
from ntt.eval.metrics import Scored, summarize
from ntt.eval.record import SessionRecord
from ntt.io.session import Labels

# Ablation variants: which modalities fusion may use. "audio" covers the acoustic front-end
# and the recognizer's decoder cues; context is the device's own state, not a sensor.
VARIANTS: dict[str, tuple[str, ...]] = {
    "fused": ("vision", "audio", "asr", "language", "context"),
    "audio": ("audio", "asr"),
    "vision": ("vision",),
    "language": ("language",),
    "no_vision": ("audio", "asr", "language", "context"),
    "no_audio": ("vision", "language", "context"),
    "no_language": ("vision", "audio", "asr", "context"),
    "no_context": ("vision", "audio", "asr", "language"),
}


def replay(record: SessionRecord, stage) -> list[Decision]:
    """Feed a recorded cue stream to a fusion stage; the decisions it makes."""
    stage.reset()
    out: list[Decision] = []
    for cue in record.cues:
        out += [d for d in stage.push(cue) if isinstance(d, Decision)]
    out += [d for d in stage.flush() if isinstance(d, Decision)]
    return out


@dataclass(frozen=True)
class Matched:
    scored: list[Scored]
    echo_accepts: int  # the device's own voice taken for a directed user


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return min(a1, b1) - max(a0, b0)


def match(decisions: list[Decision], labels: Labels, scenario: str = "") -> Matched:
    """One ``Scored`` per labelled utterance (its best-overlapping final decision; a missed
    utterance scores 0), plus one per final decision that overlaps neither a label nor the
    device's own turns (noise taken for speech: a negative)."""
    finals = [d for d in decisions if d.kind == "final"]
    earlies = [d for d in decisions if d.kind == "early"]
    out, used = [], set()
    for u in labels.utterances:
        cands = [(d, _overlap(d.start_s, d.end_s, u.start_s, u.end_s)) for d in finals]
        cands = [(d, o) for d, o in cands if o > 0]
        for d, _ in cands:
            used.add(id(d))
        early = next((d for d in earlies if u.start_s - 0.5 <= d.start_s <= u.end_s), None)
        if not cands:
            out.append(Scored(0.0, u.directed, u.end_s - u.start_s, scenario=scenario))
            continue
        best = max(cands, key=lambda c: c[1])[0]
        out.append(Scored(
            best.p_directed, u.directed, u.end_s - u.start_s,
            latency_final_ms=max(0.0, (best.t_s - u.end_s) * 1000),
            latency_early_ms=None if early is None else max(0.0, (early.t_s - u.start_s) * 1000),
            scenario=scenario))
    echo = 0
    for d in finals:
        if id(d) in used:
            continue
        if any(_overlap(d.start_s, d.end_s, t.start_s, t.end_s) > 0 for t in labels.device_turns):
            echo += d.directed
            continue
        out.append(Scored(d.p_directed, False, d.end_s - d.start_s, scenario=scenario))
    return Matched(out, echo)


def evaluate_variant(records: list[tuple[SessionRecord, Labels]],
                     make_stage: Callable[[], object], threshold: float) -> dict:
    """Overall and per-scenario metrics of one fusion variant."""
    all_scored: list[Scored] = []
    rtf_num = rtf_den = 0.0
    echo = 0
    for record, labels in records:
        m = match(replay(record, make_stage()), labels, record.scenario)
        all_scored += m.scored
        echo += m.echo_accepts
        rtf_num += record.stage_rtf.get("total", 0.0) * record.duration_s
        rtf_den += record.duration_s
    rtf = rtf_num / rtf_den if rtf_den else float("nan")
    overall = summarize(all_scored, threshold, rtf)
    overall["echo_accepts"] = echo
    by_scenario = {}
    for name in sorted({s.scenario for s in all_scored}):
        by_scenario[name] = summarize([s for s in all_scored if s.scenario == name], threshold,
                                      rtf)
    return {"overall": overall, "by_scenario": by_scenario, "scored": all_scored}
