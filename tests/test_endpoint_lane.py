"""The visualizer's end-of-turn lane: the detector's p(finished) on real speech reaches the
store by type and is drawn as one curve per turn (no line across the gap between turns)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PyQt6")
pytest.importorskip("pyqtgraph")

from test_endpoint import front_end, run  # noqa: E402

from apps.visualizer.app import application  # noqa: E402
from apps.visualizer.store import SPEECH, CueStore  # noqa: E402
from apps.visualizer.timeline import Timeline  # noqa: E402
from ntt.audio.vad import load_silero_model  # noqa: E402
from ntt.cues import SAMPLE_RATE_HZ  # noqa: E402
from ntt.endpoint import load_detector  # noqa: E402


def test_the_lane_draws_each_turns_probability(speech_clips):
    gap = np.zeros(3 * SAMPLE_RATE_HZ, np.float32)  # longer than a turn outlives its end
    audio = np.concatenate([gap[:8000], speech_clips[1].audio, gap, speech_clips[6].audio,
                            gap])
    audio += np.random.default_rng(0).normal(0, 1e-3, len(audio)).astype(np.float32)
    cues = run(load_detector(), front_end(audio, load_silero_model()))
    assert cues and max(c.p_finished for c in cues) > 0.5
    store = CueStore(len(audio) / SAMPLE_RATE_HZ)
    assert {store.add(c) for c in cues} == {SPEECH}
    application()
    timeline = Timeline()
    timeline.update_speech(store)
    p = timeline.end_of_turn.yData  # all of it (getData is what the view shows)
    assert np.count_nonzero(np.isfinite(p)) == len(cues)
    assert np.count_nonzero(np.isnan(p)) == 1  # two turns, one break
    assert np.allclose(p[np.isfinite(p)], [c.p_finished for c in cues])


def test_the_lane_marks_where_the_gate_ended_a_turn(speech_clips):
    """Real read speech through the whole pipeline with a gate that acts at 0.5: each turn
    it ended before the VAD is marked on the lane at its boundary (▼)."""
    from test_early_final import _run as run_pipeline
    from test_early_final import _with_silence

    from ntt.cues import TurnEvent

    audio = _with_silence(speech_clips[:2])
    out = run_pipeline(audio, final_p=0.5)
    events = [c for c in out if isinstance(c, TurnEvent)]
    assert events
    store = CueStore(len(audio) / SAMPLE_RATE_HZ)
    for c in out:
        store.add(c)
    application()
    timeline = Timeline()
    timeline.update_speech(store)
    x, y = timeline.turn_marks.getData()
    assert list(x) == [e.boundary_s for e in events] and set(y) == {1.0}
    symbols = list(timeline.turn_marks.data["symbol"])
    assert symbols == ["t" if e.kind == "turn_end" else "t1" for e in events]
