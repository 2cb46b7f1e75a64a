"""The one decision-to-label matcher: ``overlap()`` of two spans and one policy that pairs
final decisions with labelled utterances. ``ntt run`` (agreement), ``ntt eval``,
``ntt calibrate threshold``, fusion training and the visualizer all score with it, so they
score a session the same way.

The policy (``match_decisions``):

* **each labelled utterance** is decided by the final decision that overlaps it the most
  (seconds of overlap, which must be positive; on a tie the earlier decision in the order
  given). With no overlapping final decision the utterance was **missed**: nothing was
  decided, so the device did not respond (a false reject if it was directed, a correct
  reject if not).
* **a split utterance** (two or more final decisions overlapping one label) is decided by
  its longest-overlapping piece alone; the other pieces are neither scored for it nor false
  triggers (they lie on labelled speech). ``Match.also_overlapping`` lists them.
* **a merged decision** (one final decision over two labels) may decide each of them: every
  utterance picks its own best decision.
* **a false trigger** is a final decision that overlaps no labelled utterance at all (the
  device reacted to something nobody said to it, or to its own voice: callers that know
  the device's turns can tell those apart with ``overlaps_any``).

``best_overlap`` is the one primitive (the span among candidates that overlaps a span the
most), also used for lookups that are not scoring (the recognizer result for a decision, the
label text under a decision). Only ``numpy``-free standard library code: importable anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from ntt.cues import Decision
    from ntt.io.session import Utterance


class HasSpan(Protocol):
    """Anything with a start and an end on the session clock."""

    @property
    def start_s(self) -> float: ...

    @property
    def end_s(self) -> float: ...


S = TypeVar("S", bound=HasSpan)


@dataclass(frozen=True)
class Span:
    """A bare span, for callers that hold two numbers (a VAD segment, a selection)."""

    start_s: float
    end_s: float


def overlap(a: HasSpan, b: HasSpan) -> float:
    """Seconds that spans ``a`` and ``b`` share; 0 when they are disjoint or only touch."""
    return max(0.0, min(a.end_s, b.end_s) - max(a.start_s, b.start_s))


def overlaps_any(span: HasSpan, others: Iterable[HasSpan]) -> bool:
    """Whether ``span`` shares any time with one of ``others``."""
    return any(overlap(span, o) > 0 for o in others)


def heard_text(span: HasSpan, results: Iterable) -> str | None:
    """What the recognizer heard over ``span``: the ``text`` of every result overlapping it,
    joined (``""`` when they heard nothing; None when no result overlaps, e.g. no
    recognizer)."""
    texts = [r.text for r in results if overlap(r, span) > 0]
    return " ".join(t for t in texts if t) if texts else None


def best_overlap(span: HasSpan, candidates: Iterable[S]) -> S | None:
    """The candidate that overlaps ``span`` the most (the first of equals), or None when
    none overlaps it at all."""
    best, best_s = None, 0.0
    for c in candidates:
        o = overlap(span, c)
        if o > best_s:
            best, best_s = c, o
    return best


@dataclass(frozen=True)
class Match:
    """One labelled utterance and the final decision that decides it, or one false trigger.

    ``utterance`` None: ``decision`` matched no label (a false trigger). ``decision`` None:
    the utterance was missed. ``overlap_s``: seconds the two share (0 for either case).
    ``also_overlapping``: the other final decisions on this utterance (a split utterance,
    or a neighbour's merged decision); they do not count for it."""

    utterance: Utterance | None
    decision: Decision | None
    overlap_s: float = 0.0
    also_overlapping: tuple[Decision, ...] = ()

    @property
    def missed(self) -> bool:
        return self.utterance is not None and self.decision is None

    @property
    def false_trigger(self) -> bool:
        return self.utterance is None

    @property
    def accepted(self) -> bool:
        """Whether the device took this for speech addressed to it (a miss is a reject)."""
        return self.decision is not None and self.decision.directed

    @property
    def correct(self) -> bool:
        """A labelled utterance decided as labelled (a missed one counts as rejected); a
        false trigger is correct when it was rejected."""
        directed = self.utterance.directed if self.utterance is not None else False
        return self.accepted == directed


def match_decisions(finals: Sequence[Decision], utterances: Sequence[Utterance]
                    ) -> list[Match]:
    """One ``Match`` per labelled utterance, in label order, then one per false trigger, in
    decision order (the policy is in the module docstring). ``finals``: final decisions
    (early ones are skipped)."""
    finals = [d for d in finals if d.kind == "final"]
    out: list[Match] = []
    on_labels: set[int] = set()
    for u in utterances:
        touching = [d for d in finals if overlap(d, u) > 0]
        on_labels.update(id(d) for d in touching)
        best = best_overlap(u, touching)
        if best is None:
            out.append(Match(u, None))
            continue
        out.append(Match(u, best, overlap(best, u),
                         tuple(d for d in touching if d is not best)))
    out += [Match(None, d) for d in finals if id(d) not in on_labels]
    return out


def labelled_matches(matches: Iterable[Match]) -> list[Match]:
    """The matches of labelled utterances (false triggers left out)."""
    return [m for m in matches if m.utterance is not None]


def agreement(matches: Iterable[Match]) -> int:
    """Labelled utterances decided as labelled (``Match.correct``)."""
    return sum(m.correct for m in labelled_matches(matches))
