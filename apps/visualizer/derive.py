"""What the panes show that is computed from cues and labels rather than stored (no Qt):
decision verdicts against ground truth, engine state bands and the chat transcript.

State bands and the transcript come from the conversation engine's own cues when it emits
them; before it exists (or for a recording without it) they are derived from the labels'
device turns, so the panes already show what the engine will feed them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from apps.visualizer.store import CueStore, EngineState
from ntt.cues import Decision, DeviceTurn
from ntt.io.session import Utterance
from ntt.matching import best_overlap, match_decisions

# After the device speaks it waits this long for an answer without needing attention cues.
FOLLOW_UP_S = 4.0
LISTENING, SPEAKING, FOLLOW_UP = "listening", "speaking", "follow_up"

VerdictKind = Literal["true_accept", "true_reject", "false_accept", "false_reject"]


@dataclass(frozen=True)
class Verdict:
    """One labelled utterance (or one unlabelled accepted decision) judged."""

    kind: VerdictKind
    start_s: float
    end_s: float
    utterance: Utterance | None
    decision: Decision | None

    @property
    def error(self) -> bool:
        return self.kind in ("false_accept", "false_reject")

    @property
    def short(self) -> str:
        return {"true_accept": "TA", "true_reject": "TR", "false_accept": "FA",
                "false_reject": "FR"}[self.kind]


def verdicts(finals: list[Decision], utterances: tuple[Utterance, ...] | list[Utterance]
             ) -> list[Verdict]:
    """Each labelled utterance judged by the final decision that overlaps it most
    (``ntt.matching.match_decisions``, as ``ntt run``, ``ntt eval`` and calibration score
    it; a split utterance by its longest piece). A directed utterance with no decision is a
    false reject; an accepted decision on no labelled utterance is a false accept."""
    out: list[Verdict] = []
    for m in match_decisions(finals, utterances):
        u, d = m.utterance, m.decision
        if u is None:
            if d.directed:
                out.append(Verdict("false_accept", d.start_s, d.end_s, None, d))
            continue
        if u.directed:
            kind: VerdictKind = "true_accept" if m.accepted else "false_reject"
        else:
            kind = "false_accept" if m.accepted else "true_reject"
        out.append(Verdict(kind, u.start_s, u.end_s, u, d))
    return sorted(out, key=lambda v: v.start_s)


@dataclass(frozen=True)
class StateBand:
    start_s: float
    end_s: float
    state: str


def bands_from_turns(turns: tuple[DeviceTurn, ...] | list[DeviceTurn], end_s: float,
                     follow_up_s: float = FOLLOW_UP_S) -> list[StateBand]:
    """listening / speaking (a device turn) / follow_up (the window after a turn in which
    an answer needs no attention cues), covering 0..``end_s``."""
    changes: list[EngineState] = [EngineState(0.0, LISTENING)]
    turns = sorted(turns, key=lambda t: t.start_s)
    for i, turn in enumerate(turns):
        changes.append(EngineState(turn.start_s, SPEAKING))
        changes.append(EngineState(turn.end_s, FOLLOW_UP))
        next_start = turns[i + 1].start_s if i + 1 < len(turns) else float("inf")
        if turn.end_s + follow_up_s < next_start:
            changes.append(EngineState(turn.end_s + follow_up_s, LISTENING))
    return bands_from_states(changes, end_s)


def bands_from_states(changes: list[EngineState], end_s: float) -> list[StateBand]:
    """Consecutive state changes → bands; the last one runs to ``end_s``."""
    changes = sorted(changes, key=lambda c: c.t_s)
    bands = []
    for i, c in enumerate(changes):
        stop = min(changes[i + 1].t_s if i + 1 < len(changes) else end_s, end_s)
        if stop > c.t_s:
            bands.append(StateBand(c.t_s, stop, c.state))
    return bands


def engine_bands(store: CueStore, turns: tuple[DeviceTurn, ...] | list[DeviceTurn],
                 end_s: float) -> tuple[list[StateBand], str]:
    """The engine's own states when it emitted any, else bands derived from the recorded
    device turns, else from the device context cues. Returns the bands and where they came
    from (``engine``, ``labels``, ``context`` or ``none``)."""
    if store.engine_states:
        states = list(store.engine_states)
        if states[0].t_s > 0:  # the engine starts idle
            states.insert(0, EngineState(0.0, "idle"))
        return bands_from_states(states, end_s), "engine"
    if turns:
        return bands_from_turns(turns, end_s), "labels"
    if store.context_states:
        return bands_from_states(list(store.context_states), end_s), "context"
    return [], "none"


@dataclass(frozen=True)
class ChatEntry:
    """One line of the demo transcript. ``who`` is ``user`` or ``device``."""

    t_s: float
    who: Literal["user", "device"]
    text: str
    directed: bool | None = None
    p_directed: float | None = None
    outcome: str = ""  # the engine's verdict on a user turn (answered, side_talk, echo...)


def chat_entries(store: CueStore, utterances: tuple[Utterance, ...] | list[Utterance] = (),
                 turns: tuple[DeviceTurn, ...] | list[DeviceTurn] = ()) -> list[ChatEntry]:
    """The user's utterances as the system decided them (text from ASR, else from the
    labels), then the device's replies (the engine's, else the labelled device turns)."""
    entries = []
    for d in store.finals():
        asr = store.asr_for(d.start_s, d.end_s)
        text = asr.text if asr is not None and asr.text else ""
        if not text:
            best = best_overlap(d, utterances)
            if best is not None:
                text = best.text
        outcome = store.outcome_for(d.start_s, d.end_s)
        entries.append(ChatEntry(d.t_s, "user", text or "…", d.directed, d.p_directed,
                                 str(outcome.outcome) if outcome is not None else ""))
    if store.replies:
        entries += [ChatEntry(r.t_s, "device", r.text) for r in store.replies]
    else:
        entries += [ChatEntry(t.start_s, "device", t.text) for t in turns]
    return sorted(entries, key=lambda e: e.t_s)


def mode_text(mode: str, session_name: str | None, privacy: bool, store: CueStore,
              error: str | None = None) -> tuple[str, str | None]:
    """The status bar's source state: (what runs, a warning or None). Live, the warning says
    the state the pipeline is really in after a device failure: audio-only when the camera
    is lost, no audio when the microphone is, stopped (with why) when the pipeline failed,
    as a microphone that cannot be opened makes it."""
    if mode == "replay" and session_name is not None:
        return f"REPLAY {session_name}", "AUDIO-ONLY (privacy)" if privacy else None
    if mode != "live":
        return "no source: open a session or start live", None
    if error is not None:
        return "LIVE STOPPED", error
    camera_lost, mic_lost = store.devices_lost()
    warnings = []
    if mic_lost:
        warnings.append("NO AUDIO (microphone lost)")
    if privacy:
        warnings.append("AUDIO-ONLY (privacy)")
    elif camera_lost:
        warnings.append("AUDIO-ONLY (camera lost)")
    return "LIVE", " · ".join(warnings) or None
