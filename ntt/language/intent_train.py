"""Training and measurement of the fallback intent classifier (``ntt.language.fallback``).

Measured as ``ntt text`` answers: Home Assistant's grammar alone (before) and the grammar
with the fallback where it has no match (after), on real commands within the engine's
skills (``fallback.SKILLS``): right when the intent is one the command's dataset intent
maps to. Also how often an out-of-skill request or talk gets an intent at all (a wrong
action). Honest like the directedness model: each directed family is scored by a
classifier trained without it.
"""

from __future__ import annotations

import random
from collections import Counter

from ntt.language.corpus import Example
from ntt.language.fallback import IntentClassifier, accepted, fit_intents, training_class
from ntt.language.model import FeatureConfig
from ntt.language.real_text import DIRECTED_FAMILIES, family_of

INTENT_BUCKETS = 1 << 16
TALK_LINES = 8000              # talk lines trained as "none"
MIN_CLASS_LINES = 200          # a skill with fewer training lines is topped up from the grammar
GRAMMAR_PER_SENTENCE = 30      # slot-filled expansions drawn per grammar sentence for that
EVAL_PER_FAMILY = 600          # in-skill commands scored per family (hassil is slow)
EVAL_OTHER = 300               # out-of-skill requests and talk lines scored per family


def train_intents(examples: list[Example], seed: int) -> IntentClassifier:
    """Fit on ``examples`` (training lines: real, grammar samples, talk)."""
    rng = random.Random(f"{seed}:intents")
    texts, labels, talk = [], [], []
    for e in examples:
        cls = training_class(family_of(e.source), e.source, e.directed)
        if cls is None:
            continue
        if not e.directed:
            talk.append(e.text)
            continue
        texts.append(e.text)
        labels.append(cls)
    talk = rng.sample(talk, min(TALK_LINES, len(talk)))
    extra_texts, extra_labels = grammar_top_up(Counter(labels), rng)
    return fit_intents(texts + extra_texts + talk,
                       labels + extra_labels + ["none"] * len(talk),
                       FeatureConfig(buckets=INTENT_BUCKETS), seed)


def grammar_top_up(counts: Counter, rng: random.Random) -> tuple[list[str], list[str]]:
    """More slot-filled expansions of Home Assistant's training-split sentences for every
    class with fewer than ``MIN_CLASS_LINES`` lines: the within-source split holds whole
    dataset intents out (HWU64's lists_createoradd), which can leave a skill with a handful
    of grammar samples ("add milk to my shopping list" was read as ListShow)."""
    from ntt.language.corpus import ha_examples
    from ntt.language.text import model_text

    by_class: dict[str, list[str]] = {}
    for e in ha_examples("train", rng, GRAMMAR_PER_SENTENCE):
        cls = training_class("templates", e.source, True)
        text = model_text(e.text)
        if cls not in (None, "none") and text:
            by_class.setdefault(cls, []).append(text)
    texts, labels = [], []
    for cls in sorted(by_class):
        lines = sorted(set(by_class[cls]))
        need = MIN_CLASS_LINES - counts[cls]
        if need > 0:
            chosen = rng.sample(lines, min(need, len(lines)))
            texts += chosen
            labels += [cls] * len(chosen)
    return texts, labels


def _sample(items: list, n: int, rng: random.Random) -> list:
    return rng.sample(items, min(n, len(items)))


def evaluation_lines(lines: list[Example], seed: int
                     ) -> tuple[list[Example], list[Example], list[Example]]:
    """(in-skill commands, out-of-skill requests, talk) sampled from ``lines``."""
    rng = random.Random(f"{seed}:intent-eval")
    skill = [e for e in lines if e.directed and accepted(family_of(e.source), e.source)]
    other = [e for e in lines if e.directed and not accepted(family_of(e.source), e.source)
             and family_of(e.source) in DIRECTED_FAMILIES]
    talk = [e for e in lines if not e.directed and family_of(e.source) != "templates"]
    return (_sample(skill, EVAL_PER_FAMILY, rng), _sample(other, EVAL_OTHER, rng),
            _sample(talk, EVAL_OTHER, rng))


def measure(recognizer, skill: list[Example], other: list[Example], talk: list[Example]
            ) -> dict:
    """Accuracy before (grammar) and after (grammar + fallback) on ``skill``; share of
    ``other`` and ``talk`` given an intent, before and after."""
    before_right = after_right = after_wrong = 0
    wrong_intents: Counter = Counter()
    for e in skill:
        right = accepted(family_of(e.source), e.source) or ()
        grammar = recognizer.recognize_grammar(e.text)
        final = grammar or recognizer.recognize_fallback(e.text)
        before_right += grammar is not None and grammar.name in right
        if final is not None and final.name in right:
            after_right += 1
        elif final is not None:
            after_wrong += 1
            wrong_intents[f"{e.source} -> {final.name}"] += 1

    def acted(items: list[Example]) -> tuple[float, float]:
        if not items:
            return float("nan"), float("nan")
        g = [recognizer.recognize_grammar(e.text) for e in items]
        f = [x or recognizer.recognize_fallback(e.text) for x, e in zip(g, items, strict=True)]
        return (round(sum(x is not None for x in g) / len(items), 4),
                round(sum(x is not None for x in f) / len(items), 4))

    n = max(1, len(skill))
    other_before, other_after = acted(other)
    talk_before, talk_after = acted(talk)
    return {"n": len(skill), "accuracy_before": round(before_right / n, 4),
            "accuracy_after": round(after_right / n, 4),
            "wrong_intent_after": round(after_wrong / n, 4),
            "out_of_skill_acted_before": other_before, "out_of_skill_acted_after": other_after,
            "talk_acted_before": talk_before, "talk_acted_after": talk_after,
            "n_out_of_skill": len(other), "n_talk": len(talk),
            "commonest_wrong": wrong_intents.most_common(5)}


def leave_source_out_intents(examples: list[Example], recognizer, seed: int) -> dict:
    """Per directed family: a classifier trained without it, measured on its commands."""
    out, shipped = {}, recognizer.fallback
    talk_test = [e for e in examples if not e.directed and e.split == "test"]
    for family in DIRECTED_FAMILIES:
        train = [e for e in examples if e.split == "train" and family_of(e.source) != family]
        recognizer.fallback = train_intents(train, seed)
        lines = [e for e in examples if family_of(e.source) == family] + talk_test
        out[family] = measure(recognizer, *evaluation_lines(lines, seed))
    recognizer.fallback = shipped
    return out
