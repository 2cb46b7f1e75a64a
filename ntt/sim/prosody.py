"""Rendered prosody: a line's pitch lift and pitch range applied to the dry voice with the
WORLD vocoder (Morise, Yokomori & Ozawa, IEICE Trans. Inf. & Syst. E99-D, 2016; modified
BSD, through ``pyworld``, MIT).

WORLD splits speech into an F0 contour, a spectral envelope and aperiodicity. Only the F0
contour is changed, in the log domain about the utterance's own centre ``c`` (the median
of its voiced log-F0: the speaker's mean pitch in this line, robust to a tracking error):

    log f0' = c + pitch_st · ln 2 / 12 + f0_range · (log f0 − c)

so ``pitch_st`` raises every voiced frame by that many semitones and ``f0_range`` widens
(> 1) or narrows the excursions; the envelope (formants, timbre) and the timing stay, and
the speech is resynthesised from the three. Unvoiced frames stay unvoiced. F0 is tracked
with DIO refined by StoneMask (WORLD's fast estimator pair: Harvest is more robust on
noisy speech but several times slower, and these dry voices are clean).

A line with no change (``pitch_st == 0`` and ``f0_range == 1``) is returned as it was:
no analysis, no resynthesis, the same samples.
"""

from __future__ import annotations

import math

import numpy as np

from ntt.cues import SAMPLE_RATE_HZ

FRAME_MS = 5.0  # WORLD's analysis hop
F0_FLOOR_HZ, F0_CEIL_HZ = 60.0, 500.0  # adult speech, the device-directed lift included
# The modified contour is kept inside the range a voice can produce (and WORLD's analysis
# range), so a wide range factor on a high voice does not squeak.
F0_MIN_HZ, F0_MAX_HZ = 50.0, 600.0


def is_neutral(pitch_st: float, f0_range: float) -> bool:
    return pitch_st == 0.0 and f0_range == 1.0


def shift_f0(f0: np.ndarray, pitch_st: float, f0_range: float) -> np.ndarray:
    """The contour with its voiced frames moved and scaled about their log median."""
    out = np.zeros_like(f0)
    voiced = f0 > 0
    if not voiced.any():
        return out
    log_f0 = np.log(f0[voiced])
    centre = float(np.median(log_f0))
    moved = centre + pitch_st * math.log(2.0) / 12.0 + f0_range * (log_f0 - centre)
    out[voiced] = np.clip(np.exp(moved), F0_MIN_HZ, F0_MAX_HZ)
    return out


def apply_prosody(audio: np.ndarray, pitch_st: float, f0_range: float,
                  rate_hz: int = SAMPLE_RATE_HZ) -> np.ndarray:
    """float32 speech with its F0 lifted by ``pitch_st`` semitones and its excursions about
    the mean scaled by ``f0_range``; the input itself when neither changes anything."""
    if is_neutral(pitch_st, f0_range) or len(audio) == 0:
        return audio
    import pyworld

    x = np.ascontiguousarray(audio, dtype=np.float64)
    f0, t = pyworld.dio(x, rate_hz, f0_floor=F0_FLOOR_HZ, f0_ceil=F0_CEIL_HZ,
                        frame_period=FRAME_MS)
    f0 = pyworld.stonemask(x, f0, t, rate_hz)
    if not (f0 > 0).any():  # nothing voiced (a whisper, a click): nothing to move
        return audio
    sp = pyworld.cheaptrick(x, f0, t, rate_hz)
    ap = pyworld.d4c(x, f0, t, rate_hz)
    y = pyworld.synthesize(shift_f0(f0, pitch_st, f0_range), sp, ap, rate_hz,
                           frame_period=FRAME_MS)
    y = y[:len(x)]
    if len(y) < len(x):
        y = np.pad(y, (0, len(x) - len(y)))
    return y.astype(np.float32)
