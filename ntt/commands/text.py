"""``ntt text "UTTERANCE" ... [--json]``: lexical directedness and intent of utterances."""

from __future__ import annotations

import argparse
import sys

from ntt.errors import InputError
from ntt.jsonout import print_json


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("utterances", nargs="+", metavar="UTTERANCE", help="text of an utterance")
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")
    p.add_argument("--model", metavar="NPZ", help="lexical model (default: ntt/models/lexical.npz)")
    p.add_argument("--intents", metavar="NPZ", help="fallback intent classifier where the "
                   "grammar has no match (default: ntt/models/lexical_intents.npz)")
    p.add_argument("--home", metavar="YAML",
                   help="home description: areas and entities (default: the bundled home)")
    p.add_argument("--area", help="room the speaker is in (default: the device's area)")


def run(args: argparse.Namespace) -> int:
    from ntt.language.intents import DEFAULT_HOME, Home, default_recognizer
    from ntt.language.model import load_model
    from ntt.language.scorer import LexicalScorer
    from ntt.language.text import model_text

    for i, text in enumerate(args.utterances, 1):
        if not model_text(text):
            raise InputError(f"utterance {i}", f"{text!r} has no words to score")
    model = load_model(args.model)
    home = Home.load(args.home or DEFAULT_HOME)
    if args.area is not None and args.area not in {a.name for a in home.areas}:
        raise InputError("--area", f"unknown area {args.area!r} (the home has: "
                         + ", ".join(a.name for a in home.areas) + ")")
    scorer = LexicalScorer(model)
    recognizer = default_recognizer(home, args.intents)
    rows = []
    for text in args.utterances:
        intent = recognizer.recognize(text, area=args.area)
        rows.append({"text": text, "p_directed": scorer.score(text),
                     "intent": None if intent is None else
                     {"name": intent.name, "slots": intent.slots}})
    if args.json:
        print_json(rows)
        return 0
    out = sys.stdout
    width = min(48, max(len(r["text"]) for r in rows))
    out.write(f"{'utterance':{width}}  p_directed  intent\n")
    for r in rows:
        text = r["text"] if len(r["text"]) <= width else r["text"][:width - 1] + "…"
        intent = r["intent"]
        described = "—" if intent is None else intent["name"] + (
            " " + ", ".join(f"{k}={v}" for k, v in intent["slots"].items())
            if intent["slots"] else "")
        out.write(f"{text:{width}}  {r['p_directed']:10.2f}  {described}\n")
    return 0
