"""The held-out tables of the model card: per source family and per condition (clean text,
its first 1.5 s, after Whisper and after pocketsphinx, whole and early), for the shipped
model on the within-source held-out groups and for the held-out-source folds. Recognizer
conditions: ``whisper`` / ``pocketsphinx`` (espeak-ng voices, and the real spoken orders as
families of their own), ``*_kokoro`` (the simulator's natural voices over kitchen noise),
``*_early`` (the first 1.5 s of speech decoded alone).

``tables(model_for, threshold_for, lines, asr_rows)`` scores each family with the model
that never saw it (``model_for(family)``) and reports each at that model's threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ntt.language.asr_real import RECOGNIZERS
from ntt.language.corpus import Example
from ntt.language.model import LexicalModel
from ntt.language.protocol import Scored, early_text, source_table
from ntt.language.real_text import family_of
from ntt.language.scorer import LexicalScorer

SPEECH_FAMILIES = {"speech": "picovoice", "speech_kitchen": "picovoice+kitchen"}


def _row_family(row: dict) -> str:
    return SPEECH_FAMILIES.get(row["kind"], row["family"])


def conditions(model_for: Callable[[str], LexicalModel], lines: Sequence[Example],
               asr_rows: Sequence[dict]) -> dict[str, list[Scored]]:
    """Scored items per condition; ``model_for`` gets a family name."""
    scorers: dict[int, LexicalScorer] = {}

    def scorer(family: str) -> LexicalScorer:
        model = model_for(family)
        return scorers.setdefault(id(model), LexicalScorer(model))

    out: dict[str, list[Scored]] = {"text": [], "text_early": []}
    for e in lines:
        fam = family_of(e.source)
        s = scorer(fam)
        out["text"].append(Scored(fam, e.directed, s.model.predict(e.text)))
        out["text_early"].append(Scored(fam, e.directed,
                                        s.model.predict(early_text(e.text), final=False)))
    for rec in RECOGNIZERS:
        for row in asr_rows:
            fam = _row_family(row)
            s = scorer(fam)
            name = rec if row["kind"] != "kokoro" else f"{rec}_kokoro"
            out.setdefault(name, []).append(Scored(fam, row["directed"],
                                                   s.score_nbest(row[rec])))
            first = row[f"{rec}_early"]
            out.setdefault(f"{name}_early", []).append(
                Scored(fam, row["directed"], s.score_partial(first[0][0] if first else "")))
    return out


def tables(model_for: Callable[[str], LexicalModel], threshold_for: Callable[[str], float],
           lines: Sequence[Example], asr_rows: Sequence[dict]) -> dict[str, dict]:
    """``source_table`` per condition, each family at its own model's threshold."""
    out = {}
    for name, items in conditions(model_for, lines, asr_rows).items():
        if items:
            families = {i.family for i in items}
            out[name] = source_table(items, {f: threshold_for(f) for f in families})
    return out
