"""Fault injection for sources: wrap any source and break it on purpose — the camera stops
and comes back, frames arrive late, twice or not at all, the microphone drops chunks or
delivers silence, the clock jumps. Used by the robustness tests and the long-run
benchmark; the pipeline must keep running through all of it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from ntt.cues import AudioChunk, MicArrayChunk, SourceStatus, VideoFrame

FaultKind = Literal["camera_stop", "frames_late", "frames_duplicated", "frames_dropped",
                    "mic_drop", "mic_silence", "clock_jump"]


@dataclass(frozen=True)
class Fault:
    """``kind`` between ``start_s`` and ``end_s`` (session time of the source's items).
    ``amount``: late frames' delay (s), drop/duplicate probability, or the clock jump (s)."""

    kind: FaultKind
    start_s: float
    end_s: float
    amount: float = 0.0


class FaultySource:
    """Iterates ``source`` and applies ``faults``; deterministic for a seed."""

    def __init__(self, source: Iterable, faults: Iterable[Fault], seed: int = 0):
        self.source = source
        self.faults = list(faults)
        self.seed = seed

    def _active(self, kind: str, t_s: float) -> Fault | None:
        return next((f for f in self.faults if f.kind == kind and f.start_s <= t_s < f.end_s),
                    None)

    def __iter__(self) -> Iterator:
        rng = np.random.default_rng(self.seed)
        late: list[tuple[float, VideoFrame]] = []
        camera_down = False
        jump_s = 0.0
        jumped: set[int] = set()
        for item in self.source:
            t = item.t_s
            for i, f in enumerate(self.faults):  # a clock jump shifts everything after it
                if f.kind == "clock_jump" and t >= f.start_s and i not in jumped:
                    jumped.add(i)
                    jump_s += f.amount
            if isinstance(item, AudioChunk | MicArrayChunk):  # the audio clock, mono or array
                # Late frames come out once the audio clock has passed their delay.
                due = [fr for when, fr in late if when <= item.end_s]
                late = [(when, fr) for when, fr in late if when > item.end_s]
                if self._active("mic_drop", t):
                    continue
                if self._active("mic_silence", t):
                    item = replace(item, samples=np.zeros_like(item.samples))
                yield replace(item, t_s=t + jump_s) if jump_s else item
                for fr in due:
                    yield replace(fr, t_s=fr.t_s + jump_s) if jump_s else fr
                continue
            if isinstance(item, VideoFrame):
                stop = self._active("camera_stop", t)
                if stop and not camera_down:
                    camera_down = True
                    yield SourceStatus(t + jump_s, "camera_lost", "fault injection")
                elif not stop and camera_down:
                    camera_down = False
                    yield SourceStatus(t + jump_s, "camera_back", "fault injection")
                if camera_down:
                    continue
                drop = self._active("frames_dropped", t)
                if drop and rng.random() < drop.amount:
                    continue
                lag = self._active("frames_late", t)
                if lag:
                    late.append((t + lag.amount, item))
                    continue
                out = replace(item, t_s=t + jump_s) if jump_s else item
                yield out
                dup = self._active("frames_duplicated", t)
                if dup and rng.random() < dup.amount:
                    yield out
                continue
            yield item
