"""Speed figures of the conversation engine, for ``ntt bench``: how long the device takes to
decide its reply once a final decision and its text are in (grammar matching, skills, SQLite
writes), and what an idle clock tick costs (it runs every 50 ms)."""

from __future__ import annotations

import tempfile
import time
from typing import Any

import numpy as np

from ntt.settings import TimingSettings

BENCH_ROUNDS = 5
IDLE_TICKS = 2000
TICK_S = TimingSettings.tick_s
GAP_S = 8.0  # between scripted turns: past the follow-up window unless a follow-up is meant

# (text, directed, p_directed): a household's mix of requests, side talk and follow-ups.
SCRIPT = (
    ("turn on the kitchen lights", True, 0.9),
    ("did you remember to call your mother", False, 0.1),
    ("set the desk lamp to 40 percent", True, 0.85),
    ("add oat milk to my shopping list", True, 0.9),
    ("what's on my shopping list", True, 0.9),
    ("what's the weather like tomorrow", True, 0.9),
    ("how long should I steep tea", True, 0.9),
    ("yes please", False, 0.5),
    ("set the living room light to study mode", True, 0.9),
    ("dim it to 40 percent and make it warm", False, 0.5),
    ("play some jazz", True, 0.9),
    ("I think the game starts at eight tonight", False, 0.2),
    ("what time is it", True, 0.9),
    ("can you pass the salt", True, 0.7),
)


def bench() -> dict[str, Any]:
    """{"recognizer_build_s", "turn_ms_p50", "turn_ms_p95", "turn_ms_max", "tick_us"}
    measured on this machine (first recognition, which warms hassil's caches, not timed)."""
    from ntt.conversation.engine import ConversationEngine
    from ntt.cues import Turn
    from ntt.language.intents import default_recognizer

    t0 = time.perf_counter()
    recognizer = default_recognizer()  # the device's: grammar, then the fallback classifier
    out: dict[str, Any] = {"recognizer_build_s": time.perf_counter() - t0}
    recognizer.recognize("turn on the lights")
    turn_ms = []
    with tempfile.TemporaryDirectory() as tmp, \
            ConversationEngine(recognizer, data_dir=tmp) as engine:
        t_s = 1.0
        for _ in range(BENCH_ROUNDS):
            engine.forget()
            for text, directed, p in SCRIPT:
                follow_up = not directed and p >= engine.config.follow_up_p_min
                t_s += 2.0 if follow_up else GAP_S
                engine.tick(t_s - TICK_S)  # the device has finished its previous reply
                turn = Turn(t_s, t_s - 1.8, t_s - 0.3, 1, directed, p, text)
                t0 = time.perf_counter()
                engine.push(turn)
                turn_ms.append((time.perf_counter() - t0) * 1000)
                if engine.device_turns:
                    t_s = max(t_s, engine.device_turns[-1].end_s)
        engine.reset()
        t0 = time.perf_counter()
        for i in range(IDLE_TICKS):
            engine.tick(i * TICK_S)
        out["tick_us"] = (time.perf_counter() - t0) * 1e6 / IDLE_TICKS
    ms = np.asarray(turn_ms)
    out.update(turn_ms_p50=float(np.percentile(ms, 50)), turn_ms_p95=float(np.percentile(ms, 95)),
               turn_ms_max=float(ms.max()))
    return out
