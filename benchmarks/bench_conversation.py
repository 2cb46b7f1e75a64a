"""Conversation engine speed: milliseconds from a final turn to the device's reply (grammar,
skills, SQLite) over a scripted household mix, and the cost of an idle clock tick.

    python benchmarks/bench_conversation.py    # prints the figures of ntt.conversation.bench
"""

from __future__ import annotations

import json

from ntt.conversation.bench import bench

if __name__ == "__main__":
    print(json.dumps({k: round(v, 3) for k, v in bench().items()}, indent=2))
