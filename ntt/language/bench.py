"""Speed of the language front-end, for ``ntt bench``: model load, lexical scoring and
intent recognition per utterance (the device's recognizer: grammar, then the fallback
classifier), on the hand-written held-out lines. CPU time of this process
(``time.process_time``), so other jobs on a shared machine do not count."""

from __future__ import annotations

import time
from pathlib import Path


def bench_language(model_path: str | Path | None = None, repeats: int = 3) -> dict[str, float]:
    """CPU milliseconds (best of ``repeats``): ``lexical_load_ms``,
    ``lexical_ms_per_utterance``, ``lexical_partial_ms_per_utterance``, ``intent_build_ms``,
    ``intent_ms_per_utterance``, ``fallback_ms_per_utterance``; plus ``lexical_model_bytes``."""
    from ntt.language.intents import default_recognizer
    from ntt.language.model import load_model
    from ntt.language.train import read_heldout

    texts = [item.text for item in read_heldout()]
    t0 = time.process_time()
    model = load_model(model_path)
    load_ms = (time.process_time() - t0) * 1000
    t0 = time.process_time()
    recognizer = default_recognizer()
    build_ms = (time.process_time() - t0) * 1000
    for text in texts:  # warm caches (hassil builds slot-list indexes on first use)
        recognizer.recognize(text)

    def per_utterance_ms(fn) -> float:
        best = float("inf")
        for _ in range(repeats):
            t = time.process_time()
            for text in texts:
                fn(text)
            best = min(best, (time.process_time() - t) / len(texts) * 1000)
        return best

    return {"lexical_load_ms": load_ms,
            "lexical_ms_per_utterance": per_utterance_ms(model.predict),
            "intent_build_ms": build_ms,
            "lexical_partial_ms_per_utterance": per_utterance_ms(
                lambda t: model.predict(t, final=False)),
            "intent_ms_per_utterance": per_utterance_ms(recognizer.recognize),
            "fallback_ms_per_utterance": per_utterance_ms(recognizer.fallback.predict),
            "lexical_model_bytes": float(model.size_bytes)}
