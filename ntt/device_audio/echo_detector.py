"""Which stretches of the canceller's output are the device's own voice: per 16 ms frame,
from what the front-end knows and the VAD does not — the reference it played, what
reached the microphone and what the canceller left.

A cold canceller (the first reply of a session, before speexdsp has learnt the room)
leaves the reply only 8-9 dB down, as loud as a talker to the VAD. Real devices do not
take that residue for a user because the echo path tells them: a frame is *echo* while
the loudspeaker has played within the canceller's tail and neither of two double-talk
tests finds a near-end talker in it:

* Geigel's detector (Duttweiler 1978, the line-echo cancellers' standard): the near end
  talks when the microphone is louder than the loudest reference of the tail through the
  device's echo path (its coupling, ``erl_db``, learnt where the loudspeaker plays; it starts
  at 0 dB, a loudspeaker as loud at the microphone as it was fed) by ``GEIGEL_MARGIN_DB``.
  This catches a user over a cold canceller when they are as loud as the echo.
* The canceller's own test: the near end talks when the output is louder than the
  canceller leaves of the loudest echo of the tail (that reference through the coupling,
  less the return loss enhancement it has shown on echo frames, ``erle_db``) by
  ``CANCEL_MARGIN_DB``. Once the filter has
  converged this keeps a talker far quieter than the echo (a barge-in from across the room).

The rule acts in one place, the VAD (``ntt.audio.vad``), through ``EchoActivity`` cues.
"""

from __future__ import annotations

from collections import deque

import numpy as np

GEIGEL_MARGIN_DB = 6.0  # Geigel's classic threshold 0.5 (amplitude): 6 dB
CANCEL_MARGIN_DB = 6.0  # a near end at the level of the residual echo doubles the output
SILENT_DB = -70.0  # a reference frame quieter than this plays nothing audible
ERL_START_DB = 0.0
LOUD_DB = 6.0  # a reference frame this close to the tail's loudest measures the coupling
ERL_RATE, ERL_RISE = 0.05, 0.005  # the coupling follows echo frames, drifts up under talk
ERLE_RATE = 0.05  # ~0.3 s time constant on echo frames
ERLE_DRIFT = 0.002  # ~8 s


def _db(x: np.ndarray) -> float:
    return float(10.0 * np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-12))


class EchoDetector:
    """``push(mic frame, reference frame, output frame)`` (one channel, aligned) → whether
    the output frame is echo. ``tail_frames``: how long the loudspeaker's sound stays in
    the room as far as the canceller is concerned (its filter's tail)."""

    def __init__(self, tail_frames: int):
        self._ref_db: deque[float] = deque(maxlen=max(1, tail_frames))
        self.erl_db = ERL_START_DB
        self.erle_db = 0.0

    def push(self, mic: np.ndarray, reference: np.ndarray, output: np.ndarray) -> bool:
        now_db = _db(reference)
        self._ref_db.append(now_db)
        ref_db = max(self._ref_db)
        if ref_db < SILENT_DB:
            return False
        mic_db, out_db = _db(mic), _db(output)
        geigel = mic_db > ref_db + self.erl_db + GEIGEL_MARGIN_DB
        cancel = out_db > ref_db + self.erl_db - self.erle_db + CANCEL_MARGIN_DB
        echo = not (geigel or cancel)
        if now_db > ref_db - LOUD_DB:  # the loudspeaker plays now: measure the echo path
            rate = ERL_RISE if geigel else ERL_RATE
            self.erl_db += rate * (mic_db - ref_db - self.erl_db)
            # What the canceller removes from its echo; under double talk only a slow
            # drift, so a room that changed (the device moved) is relearnt.
            rate = ERLE_RATE if echo else ERLE_DRIFT
            self.erle_db += rate * (max(0.0, mic_db - out_db) - self.erle_db)
        return echo
