"""Speed of the visualizer (``ntt bench`` calls ``bench_gui``): how long one UI tick takes
(frame decode, overlays, timeline move) against the 66 ms a 15 fps display allows, and how
fast the worker replays a session."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from apps.visualizer.app import SCREENSHOT_SIZE, application
from ntt.errors import InputError
from ntt.settings import Settings

TICKS = 150
FRAME_BUDGET_MS = 1000 / 15


def bench_gui(session: str | Path, ticks: int = TICKS,
              settings: Settings | None = None) -> dict:
    """Replay ``session`` offscreen, then time ``ticks`` playhead steps of 1/15 s (with the
    lanes redrawn as often as they are while cues arrive). Raises InputError if the
    pipeline cannot run (a model missing)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from apps.visualizer.window import LANE_REFRESH_S, UI_FPS, MainWindow

    app = application()
    window = MainWindow(settings=settings)
    try:
        window.timer.stop()  # ticks are driven by hand here
        window.resize(*SCREENSHOT_SIZE)
        window.show()
        t0 = time.perf_counter()
        window.open_session(session)
        done = window.wait_processed(timeout_s=600.0)
        replay_s = time.perf_counter() - t0
        if not done:
            raise InputError("pipeline", window.pipeline_error or "replay did not finish")
        duration = window.duration_s
        times = []
        lane_every = max(1, int(LANE_REFRESH_S * UI_FPS))
        for i in range(ticks):
            t = (i / UI_FPS) % max(duration, 1e-3)
            start = time.perf_counter()
            if i % lane_every == 0:
                window._dirty |= {"faces", "speech", "decisions", "truth"}
                window.refresh_lanes(force=True)
            window.t_s = t
            window.render()
            window.repaint()
            app.processEvents()
            times.append((time.perf_counter() - start) * 1000)
        ms = np.asarray(times)
        return {"ui_tick_ms_mean": round(float(ms.mean()), 2),
                "ui_tick_ms_p95": round(float(np.percentile(ms, 95)), 2),
                "ui_fps_capacity": round(1000 / float(ms.mean()), 1),
                "ui_frame_budget_ms": round(FRAME_BUDGET_MS, 1),
                "replay_wall_s": round(replay_s, 2), "replay_rtf": round(replay_s / duration, 3)}
    finally:
        window.close()
