"""Real spoken requests to a device (``../shared/data/speech/commands``, see its README for
source and licence) through Whisper tiny.en and the shipped lexical model: the share accepted
at the model's operating point, and each clip's score and heard text.

Measured 2026-12-02 on the shared 2-core x86 machine: ``accepted 46/62 at p >= 0.409``
(56 CPU s); the previous lexical model accepted 41/62.

Run: ``.venv/bin/python benchmarks/bench_real_commands.py [--quiet]``.
"""

from __future__ import annotations

import argparse
import json
import time

from ntt.asr import load_recognizer
from ntt.io.audio_file import read_audio
from ntt.language.asr_real import decode_row, default_speech_dir
from ntt.language.model import load_model
from ntt.language.scorer import LexicalScorer


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quiet", action="store_true", help="only the summary line")
    args = ap.parse_args()
    model = load_model(None)
    threshold = model.meta["threshold"]
    scorer = LexicalScorer(model)
    recognizers = {"whisper": load_recognizer("whisper")}
    commands = default_speech_dir() / "commands"
    labels = json.loads((commands / "labels.json").read_text(encoding="utf-8"))
    accepted, t0 = 0, time.process_time()
    for name in sorted(labels):
        nbest = json.loads(decode_row(recognizers, read_audio(commands / name))["whisper"])
        p = scorer.score_nbest([(text, conf) for text, conf in nbest])
        accepted += p >= threshold
        if not args.quiet:
            print(f"{p:.3f}\t{nbest[0][0] if nbest else ''}")
    print(f"accepted {accepted}/{len(labels)} at p >= {threshold:.3f}; "
          f"{time.process_time() - t0:.0f} CPU s")


if __name__ == "__main__":
    main()
