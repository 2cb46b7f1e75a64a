"""Speed of the language front-end (lexical model and intent recognition), as JSON.

Run: ``.venv/bin/python benchmarks/bench_language.py``; ``ntt bench`` calls the same
``ntt.language.bench.bench_language``.
"""

import json
import sys

from ntt.language.bench import bench_language

if __name__ == "__main__":
    json.dump({k: round(v, 3) for k, v in bench_language().items()}, sys.stdout, indent=2)
    sys.stdout.write("\n")
