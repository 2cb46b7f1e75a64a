"""Score fusion variants on recorded cue streams against labels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ntt.cues import AsrDecoderCue, Decision, LexicalCue
from ntt.eval.metrics import ScoredUtterance, summarize
from ntt.eval.record import SessionRecord
from ntt.io.session import Labels
from ntt.matching import heard_text, match_decisions, overlaps_any

# Ablation variants: which modalities fusion may use. "audio" covers the acoustic front-end
# and the recognizer's decoder cues, and the array's direction of arrival (whose face
# features vanish with vision: ``hide_faces``); context is the device's own state.
VARIANTS: dict[str, tuple[str, ...]] = {
    "fused": ("vision", "audio", "asr", "language", "context", "direction"),
    "audio": ("audio", "asr", "direction"),
    "vision": ("vision",),
    "language": ("language",),
    "no_vision": ("audio", "asr", "language", "context", "direction"),
    "no_audio": ("vision", "language", "context"),
    "no_language": ("vision", "audio", "asr", "context", "direction"),
    "no_context": ("vision", "audio", "asr", "language", "direction"),
    "no_direction": ("vision", "audio", "asr", "language", "context"),
}


def replay(record: SessionRecord, stage) -> list[Decision]:
    """Feed a recorded cue stream to a fusion stage; the decisions it makes. A turn the
    gate ends before the VAD is answered as the pipeline answers it
    (``ntt.endpoint.replay.through_gate``)."""
    from ntt.endpoint.replay import through_gate

    stage.reset()
    return [d for d in through_gate(stage, list(record.cues)) if isinstance(d, Decision)]


@dataclass(frozen=True)
class Heard:
    """One recognition result's text over its utterance's span."""

    start_s: float
    end_s: float
    text: str


def heard_results(cues: list) -> tuple[Heard, ...]:
    """What the recognizer heard, from the cues fusion gets (a record has no ``AsrResult``):
    each final lexical cue's text over the span of the decoder cue of the same result (both
    carry the result's ``t_s``)."""
    spans = {c.t_s: (c.start_s, c.end_s) for c in cues if isinstance(c, AsrDecoderCue)}
    return tuple(Heard(*spans[c.t_s], c.text) for c in cues
                 if isinstance(c, LexicalCue) and c.final and c.t_s in spans)


EARLY_LEAD_S = 0.5  # an early decision may start this long before its labelled onset


@dataclass(frozen=True)
class Matched:
    scored: list[ScoredUtterance]
    echo_accepts: int  # the device's own voice taken for a directed user


def match(decisions: list[Decision], labels: Labels, scenario: str = "",
          heard: tuple[Heard, ...] = (), session: str = "") -> Matched:
    """One ``ScoredUtterance`` per labelled utterance (the final decision that overlaps it
    most, ``ntt.matching.match_decisions``; a missed utterance scores 0), plus one per false
    trigger that overlaps none of the device's own turns either (noise taken for speech: a
    negative); a false trigger on the device's voice counts as an echo accept if directed.
    ``heard`` (``heard_results``) and ``session`` label the rows for the report."""
    earlies = [d for d in decisions if d.kind == "early"]
    out, echo = [], 0
    for m in match_decisions(decisions, labels.utterances):
        u, d = m.utterance, m.decision
        if u is None:
            if overlaps_any(d, labels.device_turns):
                echo += d.directed
                continue
            out.append(ScoredUtterance(d.p_directed, False, d.end_s - d.start_s,
                                       scenario=scenario, labelled=False, session=session,
                                       start_s=d.start_s, heard=heard_text(d, heard)))
            continue
        if d is None:
            out.append(ScoredUtterance(0.0, u.directed, u.end_s - u.start_s,
                                       scenario=scenario, session=session,
                                       start_s=u.start_s, truth=u.text))
            continue
        early = next((e for e in earlies if u.start_s - EARLY_LEAD_S <= e.start_s <= u.end_s),
                     None)
        out.append(ScoredUtterance(
            d.p_directed, u.directed, u.end_s - u.start_s,
            latency_final_ms=max(0.0, (d.t_s - u.end_s) * 1000),
            latency_early_ms=None if early is None else max(0.0, (early.t_s - u.start_s) * 1000),
            scenario=scenario, session=session, start_s=u.start_s, truth=u.text,
            heard=heard_text(d, heard)))
    return Matched(out, echo)


def evaluate_variant(records: list[tuple], make_stage: Callable[..., object],
                     threshold: float) -> dict:
    """Overall and per-scenario metrics of one fusion variant. ``records`` are (record,
    labels) pairs, or (record, labels, the session's camera) — then ``make_stage(camera)``
    builds the stage, as the live pipeline gives fusion the device's camera."""
    all_scored: list[ScoredUtterance] = []
    rtf_num = rtf_den = 0.0
    echo = 0
    for item in records:
        record, labels = item[0], item[1]
        stage = make_stage(item[2]) if len(item) > 2 else make_stage()
        m = match(replay(record, stage), labels, record.scenario,
                  heard_results(record.cues), record.name)
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
