"""Speed of the language front-end, for ``ntt bench``: model load, lexical scoring and
intent recognition per utterance, on the hand-written held-out lines."""

from __future__ import annotations

import time
from pathlib import Path


def bench_language(model_path: str | Path | None = None, repeats: int = 3) -> dict[str, float]:
    """Milliseconds (best of ``repeats``): ``lexical_load_ms``, ``lexical_ms_per_utterance``,
    ``intent_build_ms``, ``intent_ms_per_utterance``; plus ``lexical_model_bytes``."""
    from ntt.language.intents import Home, IntentRecognizer
    from ntt.language.model import load_model
    from ntt.language.train import read_heldout

    texts = [item.text for item in read_heldout()]
    t0 = time.perf_counter()
    model = load_model(model_path)
    load_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    recognizer = IntentRecognizer(Home.load())
    build_ms = (time.perf_counter() - t0) * 1000
    for text in texts:  # warm caches (hassil builds slot-list indexes on first use)
        recognizer.recognize(text)

    def per_utterance_ms(fn) -> float:
        best = float("inf")
        for _ in range(repeats):
            t = time.perf_counter()
            for text in texts:
                fn(text)
            best = min(best, (time.perf_counter() - t) / len(texts) * 1000)
        return best

    return {"lexical_load_ms": load_ms,
            "lexical_ms_per_utterance": per_utterance_ms(model.predict),
            "intent_build_ms": build_ms,
            "intent_ms_per_utterance": per_utterance_ms(recognizer.recognize),
            "lexical_model_bytes": float(model.size_bytes)}
