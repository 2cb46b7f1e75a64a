"""Residual echo suppression after the linear canceller: speexdsp's preprocessor fed the
echo canceller's state (``SPEEX_PREPROCESS_SET_ECHO_STATE``), as speexdsp's own
``testecho`` and every speex-based phone do.

The adaptive filter alone leaves what it has not learnt yet (the first second of the
first reply, before it has converged) and the reverberation past its tail; the
preprocessor estimates that residue per frequency from the canceller's echo estimate and
attenuates the bins it dominates, down to ``ECHO_SUPPRESS_DB`` (``_ACTIVE_DB`` while the
near end talks too, so a user talking over a reply is kept). Its noise suppression is set
to almost nothing: only the echo is taken out here (noise suppression is ``noise``'s).

The preprocessor is in the same Debian library as the canceller; it is bound here with
ctypes, next to ``speexdsp-aec``'s binding of the canceller, whose state it takes.
"""

from __future__ import annotations

import ctypes

import numpy as np

# speex/speex_preprocess.h
SET_DENOISE, SET_AGC, SET_DEREVERB = 0, 2, 8  # (its VAD is off by default; setting it warns)
SET_NOISE_SUPPRESS, SET_ECHO_SUPPRESS, SET_ECHO_SUPPRESS_ACTIVE, SET_ECHO_STATE = 18, 20, 22, 24
ECHO_SUPPRESS_DB = -40  # speexdsp's default: the residue of a reply alone
ECHO_SUPPRESS_ACTIVE_DB = -15  # speexdsp's default while the near end talks
NOISE_SUPPRESS_DB = -1  # (its default -15): leave the noise to the recognizer and ``noise``
_INT16_P = ctypes.POINTER(ctypes.c_int16)


class ResidualEchoSuppressor:
    """``process(int16 frame)`` → the frame with the canceller's residue suppressed. Takes
    a ``speexdsp_aec.SpeexAec`` (its library handle and echo state)."""

    def __init__(self, canceller, frame_samples: int, sample_rate_hz: int):
        lib = canceller._lib  # speexdsp-aec keeps the loaded library and the C state
        lib.speex_preprocess_state_init.restype = ctypes.c_void_p
        lib.speex_preprocess_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
        lib.speex_preprocess_ctl.restype = ctypes.c_int
        lib.speex_preprocess_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
        lib.speex_preprocess_run.restype = ctypes.c_int
        lib.speex_preprocess_run.argtypes = [ctypes.c_void_p, _INT16_P]
        lib.speex_preprocess_state_destroy.restype = None
        lib.speex_preprocess_state_destroy.argtypes = [ctypes.c_void_p]
        self._lib = lib
        self._state = lib.speex_preprocess_state_init(frame_samples, sample_rate_hz)
        if not self._state:
            raise RuntimeError("speex_preprocess_state_init failed")
        for request, value in ((SET_DENOISE, 1), (SET_AGC, 0), (SET_DEREVERB, 0),
                               (SET_NOISE_SUPPRESS, NOISE_SUPPRESS_DB),
                               (SET_ECHO_SUPPRESS, ECHO_SUPPRESS_DB),
                               (SET_ECHO_SUPPRESS_ACTIVE, ECHO_SUPPRESS_ACTIVE_DB)):
            v = ctypes.c_int(value)
            lib.speex_preprocess_ctl(self._state, request, ctypes.byref(v))
        lib.speex_preprocess_ctl(self._state, SET_ECHO_STATE, ctypes.c_void_p(canceller._state))
        self._canceller = canceller  # its state must outlive ours

    def process(self, frame: np.ndarray) -> np.ndarray:
        buf = np.ascontiguousarray(frame, dtype=np.int16).copy()
        self._lib.speex_preprocess_run(self._state, buf.ctypes.data_as(_INT16_P))
        return buf

    def __del__(self):
        if getattr(self, "_state", None):
            self._lib.speex_preprocess_state_destroy(self._state)
            self._state = None
