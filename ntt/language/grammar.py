"""Random sentences from hassil templates.

hassil's own ``sample_expression`` enumerates every expansion (the product of all
alternatives and slot values), which explodes on Home Assistant's grammar and always walks
values in the same order. Training text wants the opposite: a few random walks per template,
each with fresh slot values. This module does that random walk over the same expression
types, so one grammar syntax serves the device-directed grammar (home-assistant-intents) and
our own household-talk templates.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from hassil import (
    Alternative,
    Expression,
    Group,
    ListReference,
    Permutation,
    RangeSlotList,
    RuleReference,
    Sentence,
    SlotList,
    TextChunk,
    TextSlotList,
    WildcardSlotList,
)
from hassil.expression import Sequence as SequenceExpr
from hassil.util import normalize_whitespace

MAX_DEPTH = 32
# Ranges (percentages, temperatures) come out as digits; ntt.language.text.normalize spells
# them out the way a recognizer writes them.
HALF_STEP_SHARE = 0.25


class GrammarError(ValueError):
    """A template names a list or rule that the sampler was not given."""


def sample(expression: Expression, rng: random.Random, slot_lists: Mapping[str, SlotList],
           rules: Mapping[str, Sentence], depth: int = 0) -> str:
    """One random expansion of ``expression``.

    Wildcard lists (``{search_query}``) have no values of their own: the caller passes a
    TextSlotList of examples under the same name. A list or rule that is missing, or a
    wildcard left without examples, is a GrammarError.
    """
    if depth > MAX_DEPTH:
        raise GrammarError("template nesting too deep (recursive rule?)")
    if isinstance(expression, TextChunk):
        return expression.original_text
    if isinstance(expression, Alternative):
        return sample(rng.choice(expression.items), rng, slot_lists, rules, depth + 1)
    if isinstance(expression, Permutation):
        items = list(expression.items)
        rng.shuffle(items)
        parts = [sample(i, rng, slot_lists, rules, depth + 1) for i in items]
        return " " + normalize_whitespace(" ".join(parts)).strip() + " "
    if isinstance(expression, (SequenceExpr, Group)):
        parts = [sample(i, rng, slot_lists, rules, depth + 1)
                 for i in expression.items]
        return normalize_whitespace("".join(parts))
    if isinstance(expression, RuleReference):
        rule = rules.get(expression.rule_name)
        if rule is None:
            raise GrammarError(f"missing rule <{expression.rule_name}>")
        return sample(rule.expression, rng, slot_lists, rules, depth + 1)
    if isinstance(expression, ListReference):
        return _sample_list(expression.list_name, rng, slot_lists, rules, depth)
    raise GrammarError(f"unexpected expression {type(expression).__name__}")


def _sample_list(name: str, rng: random.Random, slot_lists: Mapping[str, SlotList],
                 rules: Mapping[str, Sentence], depth: int) -> str:
    slot_list = slot_lists.get(name)
    if slot_list is None or isinstance(slot_list, WildcardSlotList):
        raise GrammarError(f"missing values for list {{{name}}}")
    if isinstance(slot_list, TextSlotList):
        if not slot_list.values:
            raise GrammarError(f"list {{{name}}} is empty")
        value = rng.choice(slot_list.values)
        return sample(value.text_in, rng, slot_lists, rules, depth + 1)
    if isinstance(slot_list, RangeSlotList):
        steps = (slot_list.stop - slot_list.start) // slot_list.step
        number: float = slot_list.start + slot_list.step * rng.randint(0, steps)
        if slot_list.fraction_type is not None and rng.random() < HALF_STEP_SHARE:
            number += 0.5
        return f"{number:g}"
    raise GrammarError(f"unsupported list type for {{{name}}}")
