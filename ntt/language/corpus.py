"""Labelled text for the lexical directedness model.

Directed side: Home Assistant's English intent grammar (home-assistant-intents, every
intent, random slot values) and our own templates of open questions, follow-ups and
assistant requests (data/directed.yaml). Non-directed side: our household-talk templates
(data/talk.yaml: chit-chat, plans, questions and requests to people, self-talk, fragments,
narration, talk about the device, phone calls, TV/radio lines) and the device's own replies
(home-assistant-intents responses) as heard back, and real talk between people: the
Chit-Chat Challenge corpus (``chitchat-dataset`` on PyPI, MIT; 7,168 conversations between
students, cut into sentences). Chat is typed, not spoken, so the templates stay for spoken
kinds the corpus lacks (requests to a person, TV lines, fragments).

Held-out test text differs from training text by template and by slot value: a stable hash
sends about one template and one list value in five to the test split, and test sentences
are rendered only from test templates with test values (lists shorter than
``MIN_SPLIT_LIST`` are shared). Chit-chat is split by conversation.
"""

from __future__ import annotations

import functools
import logging
import random
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from hassil import Intents, Sentence, SlotList, TextSlotList, parse_sentence
from hassil.intents import IntentData

from ntt.errors import InputError
from ntt.language.grammar import sample
from ntt.language.text import normalize

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
Split = Literal["train", "test"]
TEST_SHARE_BUCKETS = 5          # one in five templates / values goes to the test split
MIN_SPLIT_LIST = 10             # shorter lists are shared by both splits
HA_PER_SENTENCE = {"train": 5, "test": 2}
TEMPLATE_PER_LINE = {"train": 18, "test": 6}
DIRECTED_PER_LINE = {"train": 14, "test": 5}
SKIP_WORD_SHARE = 0.2           # HA samples wrapped in "please", "can you" ...
MAX_TRIES_FACTOR = 4            # sampling attempts per wanted unique sentence
LANGUAGE = "en"
CHITCHAT_LINES = {"train": 5000, "test": 300}
CHITCHAT_WORDS = (2, 20)        # spoken-length sentences only
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_NOT_SPOKEN = re.compile(r"https?:|www\.|[^\x00-\x7f]|[:;]-?[()pd]\b", re.IGNORECASE)
WILDCARD_EXAMPLES = 200        # distinct-ish values drawn for each wildcard list


@dataclass(frozen=True)
class Example:
    """One labelled line. ``text`` is normalized; ``source`` says where it came from
    (``ha:<intent>``, ``directed:<category>``, ``talk:<category>``, ``reply``)."""

    text: str
    directed: bool
    source: str
    split: Split


def split_of(key: str) -> Split:
    """Stable train/test assignment of a template or value (crc32, not Python's hash)."""
    return "test" if zlib.crc32(key.encode()) % TEST_SHARE_BUCKETS == 0 else "train"


def _load_yaml(name: str) -> dict:
    with open(DATA_DIR / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


def lexicon_lists(split: Split) -> dict[str, TextSlotList]:
    """The lexicon's lists with this split's values (long lists are split by value)."""
    out = {}
    for name, values in _load_yaml("lexicon.yaml")["lists"].items():
        values = [str(v) for v in values]
        if len(values) >= MIN_SPLIT_LIST:
            values = [v for v in values if split_of(f"{name}:{v}") == split]
        out[name] = TextSlotList.from_strings(values, name=name)
    return out


def _rules(raw: dict[str, str] | None) -> dict[str, Sentence]:
    return {name: parse_sentence(body) for name, body in (raw or {}).items()}


def _unique_samples(sentence: Sentence, n: int, rng: random.Random,
                    slot_lists: dict[str, SlotList], rules: dict[str, Sentence]) -> list[str]:
    seen: dict[str, None] = {}
    for _ in range(n * MAX_TRIES_FACTOR):
        text = normalize(sample(sentence.expression, rng, slot_lists, rules))
        if text:
            seen.setdefault(text, None)
        if len(seen) >= n:
            break
    return list(seen)


def template_examples(file_name: str, directed: bool, split: Split, rng: random.Random,
                      per_template: int) -> list[Example]:
    """Sentences from one of our template files (talk.yaml or directed.yaml)."""
    doc = _load_yaml(file_name)
    lists = lexicon_lists(split)
    rules = _rules(doc.get("rules"))
    kind = "directed" if directed else "talk"
    out = []
    for category, templates in doc["categories"].items():
        for template in templates:
            if split_of(template) != split:
                continue
            sentence = parse_sentence(template)
            for text in _unique_samples(sentence, per_template, rng, lists, rules):
                out.append(Example(text, directed, f"{kind}:{category}", split))
    return out


def _ha_slot_lists(split: Split, rng: random.Random
                   ) -> tuple[dict[str, TextSlotList], dict[str, SlotList]]:
    """Entity names per domain, and all other lists (areas, floors, wildcard examples).

    Wildcard examples are expanded here against the lexicon, since some share a name with
    the lexicon list they draw from (``{timer_name}``)."""
    values = _load_yaml("ha_values.yaml")
    lex = lexicon_lists(split)
    names = {domain: TextSlotList.from_strings(templates, name="name")
             for domain, templates in values["names"].items()}
    lists: dict[str, SlotList] = dict(lex)
    for wildcard, templates in values["wildcards"].items():
        parsed = [parse_sentence(t) for t in templates]
        examples = {normalize(sample(rng.choice(parsed).expression, rng, lex, {}))
                    for _ in range(WILDCARD_EXAMPLES)}
        lists[wildcard] = TextSlotList.from_strings(sorted(examples), allow_template=False,
                                                    name=wildcard)
    return names, lists


def _name_list(data: IntentData, names: dict[str, TextSlotList]) -> TextSlotList:
    domains = (data.requires_context or {}).get("domain")
    if isinstance(domains, str):
        domains = [domains]
    wanted = [d for d in (domains or names) if d in names]
    values = [v for d in wanted for v in names[d].values]
    return TextSlotList(name="name", values=values)


def ha_examples(split: Split, rng: random.Random, per_sentence: int) -> list[Example]:
    """Device-directed sentences from Home Assistant's English intent grammar."""
    import home_assistant_intents

    doc = home_assistant_intents.get_intents(LANGUAGE)
    intents = Intents.from_dict(doc)
    names, lists = _ha_slot_lists(split, rng)
    skip_words = doc.get("skip_words", [])
    out = []
    for intent_name, intent in intents.intents.items():
        for data in intent.data:
            rules = {**intents.expansion_rules, **(data.expansion_rules or {})}
            slot_lists = {**intents.slot_lists, **lists, "name": _name_list(data, names)}
            for sentence in data.sentences:
                key = f"{intent_name}:{sentence.text or sentence.expression}"
                if split_of(key) != split:
                    continue
                for text in _unique_samples(sentence, per_sentence, rng, slot_lists, rules):
                    if skip_words and rng.random() < SKIP_WORD_SHARE:
                        word = rng.choice(skip_words)
                        text = f"{word} {text}" if rng.random() < 0.5 else f"{text} {word}"
                        text = normalize(text)
                    out.append(Example(text, True, f"ha:{intent_name}", split))
    return out


_JINJA_SLOT = re.compile(r"\{\{\s*(?:slots\.)?(\w+)[^}]*\}\}")
_REPLY_FILL = {"item": "grocery", "name": "device_name", "area": "area", "floor": "floor",
               "device_class": "device_name", "fan_mode": "adjective", "domain": "device_name"}


def reply_examples(split: Split, rng: random.Random) -> list[Example]:
    """The device's own replies (home-assistant-intents responses) heard back: talk that
    carries device vocabulary but is not addressed to the device."""
    import home_assistant_intents

    responses = home_assistant_intents.get_intents(LANGUAGE)["responses"]
    lists = lexicon_lists(split)
    templates = list(responses.get("errors", {}).values())
    for by_key in responses.get("intents", {}).values():
        templates += list(by_key.values())
    out = []
    for template in templates:
        if "{%" in template or split_of(template) != split:
            continue
        fillable = all(m.group(1) in _REPLY_FILL for m in _JINJA_SLOT.finditer(template))
        if not fillable:
            continue
        for _ in range(3 if _JINJA_SLOT.search(template) else 1):
            text = _JINJA_SLOT.sub(lambda m: sample(rng.choice(
                lists[_REPLY_FILL[m.group(1)]].values).text_in, rng, lists, {}), template)
            text = normalize(text)
            if text:
                out.append(Example(text, False, "reply", split))
    return out


@functools.lru_cache(maxsize=1)
def _chitchat_conversations() -> dict:
    """The Chit-Chat Challenge conversations (an 8 MB JSON: read once for both splits)."""
    try:
        import chitchat_dataset
    except ImportError as exc:
        raise InputError("ntt train --lexical", "the corpus needs the chitchat-dataset "
                         "package: pip install -e '.[corpora]'") from exc
    return chitchat_dataset.Dataset()


def chitchat_examples(split: Split, rng: random.Random, count: int) -> list[Example]:
    """Sentences people typed to each other in the Chit-Chat Challenge (real, unscripted
    talk between people), split by conversation so no test conversation is seen in
    training. Lines with links or emoji, and lines too short or long to be one spoken
    turn, are skipped."""
    conversations = _chitchat_conversations()
    lines = []
    for conv_id in sorted(conversations):
        if split_of(f"chitchat:{conv_id}") != split:
            continue
        for turn in conversations[conv_id]["messages"]:
            for message in turn:
                for sentence in _SENTENCE_END.split(message["text"]):
                    if _NOT_SPOKEN.search(sentence):
                        continue
                    text = normalize(sentence)
                    if CHITCHAT_WORDS[0] <= len(text.split()) <= CHITCHAT_WORDS[1]:
                        lines.append(text)
    unique = sorted(set(lines))
    picked = rng.sample(unique, min(count, len(unique)))
    return [Example(text, False, "talk:chitchat_corpus", split) for text in picked]


def build_corpus(seed: int = 0, splits: Iterable[Split] = ("train", "test")) -> list[Example]:
    """Every clean example of the given splits, deterministic for a seed; a text that
    appears in training is dropped from the test split."""
    out: list[Example] = []
    for split in splits:
        rng = random.Random(f"{seed}:{split}")
        out += ha_examples(split, rng, HA_PER_SENTENCE[split])
        out += template_examples("directed.yaml", True, split, rng, DIRECTED_PER_LINE[split])
        out += template_examples("talk.yaml", False, split, rng, TEMPLATE_PER_LINE[split])
        out += reply_examples(split, rng)
        out += chitchat_examples(split, rng, CHITCHAT_LINES[split])
    return _dedupe(out)


def _dedupe(examples: list[Example]) -> list[Example]:
    """One example per (text, split); training wins over test; a text labelled both ways in
    one split keeps both (that ambiguity is real and the metrics should see it)."""
    train_texts = {e.text for e in examples if e.split == "train"}
    seen: set[tuple[str, bool, str]] = set()
    out = []
    for e in examples:
        key = (e.text, e.directed, e.split)
        if key in seen or (e.split == "test" and e.text in train_texts):
            continue
        seen.add(key)
        out.append(e)
    return out
