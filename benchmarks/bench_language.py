"""Speed of the language front-end (lexical model and intent recognition), as JSON.

Run: ``.venv/bin/python benchmarks/bench_language.py``; ``ntt bench`` calls the same
``ntt.language.bench.bench_language``. CPU milliseconds of this process (best of three), on
the hand-written held-out lines, with the device's recognizer (Home Assistant's grammar,
then the fallback intent classifier where it has no match).

Measured for issue 20 (the rebuilt lexical model, 2-core machine shared with about five
other jobs, load 9–11): lexical 0.046 ms per utterance (partial 0.043), grammar + fallback
2.1 ms, the fallback alone 0.037 ms, load 12 ms, 6.6 MB of parameters; the budget is 5 ms
and 100 MB. Accuracy is not measured here: see ``ntt/models/LEXICAL_MODEL_CARD.md``
(``ntt train --lexical --out DIR --held-out-sources``).
"""

import json
import sys

from ntt.language.bench import bench_language

if __name__ == "__main__":
    json.dump({k: round(v, 3) for k, v in bench_language().items()}, sys.stdout, indent=2)
    sys.stdout.write("\n")
