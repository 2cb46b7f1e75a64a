"""Where the held-out-source errors are: each real family scored by the fold model that
never saw it (``python -m ntt.language.train --held-out-sources --folds-dir DIR``), at the
fold's threshold, and its errors counted by dataset intent (requests missed) or line length
(talk accepted). The model card's error table comes from ``python -m ntt.language.errors
DIR``; it says which errors the words could not settle (a question about the assistant is
worded like one to a person) and which a feature could."""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path

# CLINC150 / HWU64 intents that ask the assistant about itself or make small talk with it:
# worded as one person would to another.
ABOUT_ASSISTANT = frozenset({
    "are_you_a_bot", "do_you_have_pets", "where_are_you_from", "what_are_your_hobbies",
    "who_do_you_work_for", "what_can_i_ask_you", "who_made_you", "how_old_are_you",
    "what_is_your_name", "meaning_of_life", "user_name", "fun_fact", "tell_joke",
    "change_ai_name", "change_user_name", "general_quirky", "general_joke", "music_likeness"})
MIN_INTENT_LINES = 30
EXAMPLES = 8


def family_errors(model, threshold: float, lines: list, seed: int = 0) -> dict:
    """Error share of one held-out family, by dataset intent (directed) and by length."""
    directed = lines[0].directed
    wrong = [e for e in lines if (model.predict(e.text) >= threshold) != directed]
    words = Counter(min(len(e.text.split()), 8) for e in lines)
    wrong_words = Counter(min(len(e.text.split()), 8) for e in wrong)
    out = {"n": len(lines), "errors": len(wrong), "kind": "missed" if directed else "accepted",
           "by_words": {n: round(wrong_words[n] / words[n], 3) for n in sorted(words)},
           "examples": [e.text for e in random.Random(seed).sample(wrong,
                                                                  min(EXAMPLES, len(wrong)))]}
    if directed:
        def intent(e) -> str:
            return e.source.rsplit(":", 1)[-1]

        total, bad = Counter(map(intent, lines)), Counter(map(intent, wrong))
        about = sum(total[i] for i in ABOUT_ASSISTANT)
        out["about_assistant"] = (sum(bad[i] for i in ABOUT_ASSISTANT), about)
        out["worst_intents"] = sorted(
            ((i, bad[i], total[i]) for i in bad if total[i] >= MIN_INTENT_LINES),
            key=lambda x: -x[1] / x[2])[:10]
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m ntt.language.errors FOLDS_DIR``: one block per held-out family."""
    from ntt.language.model import LexicalModel
    from ntt.language.protocol import fold_data
    from ntt.language.real_text import family_of
    from ntt.language.train import training_examples

    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        sys.stderr.write("usage: python -m ntt.language.errors FOLDS_DIR\n")
        return 2
    examples = training_examples()
    for path in sorted(Path(argv[0]).glob("*.npz")):
        model = LexicalModel.load(path)
        _, _, test = fold_data(examples, path.stem.split("+"))
        for family in path.stem.split("+"):
            lines = [e for e in test if family_of(e.source) == family]
            r = family_errors(model, model.meta["threshold"], lines)
            print(f"{family}: {r['kind']} {r['errors']}/{r['n']} "
                  f"({100 * r['errors'] / r['n']:.1f}%)")
            if "about_assistant" in r:
                print("  about the assistant: {}/{}".format(*r["about_assistant"]))
                print("  worst intents:", ", ".join(f"{i} {b}/{t}" for i, b, t in
                                                  r["worst_intents"]))
            print("  error share by words:", r["by_words"])
            print("  e.g.:", " | ".join(r["examples"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
