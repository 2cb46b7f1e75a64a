"""Rendered prosody (issue 19, requirement 3): a line's pitch lift and F0 range reach the dry
voice through the WORLD vocoder, measured with a real pitch tracker (librosa's pYIN); a
neutral line is not touched."""

from __future__ import annotations

import numpy as np
import pytest

from ntt.sim.prosody import apply_prosody
from ntt.sim.render import _speak, shared_voices
from ntt.sim.script import Line, Person, Script

TEXT = "Could you turn the kitchen lights down a little and remind me about the dentist?"


def _f0_semitones(audio: np.ndarray) -> np.ndarray:
    """Voiced pYIN F0 in semitones (re 1 Hz); 32 ms frames, two periods of 62.5 Hz."""
    import librosa

    f0, voiced, _ = librosa.pyin(audio.astype(np.float64), fmin=65.0, fmax=800.0, sr=16_000,
                                 frame_length=512)
    f0 = f0[voiced & np.isfinite(f0)]
    assert len(f0) > 50
    return 12.0 * np.log2(f0)


@pytest.fixture(scope="module")
def spoken():
    """The same line by the renderer, neutral and lifted (+2 st, range x1.5)."""
    person = Person("anna", None, voice="f-alpha-us")
    script = Script(duration_s=10.0, persons=(person,), lines=())
    voices = shared_voices()
    plain = _speak(Line("anna", 0.0, TEXT, "device"), person, script, voices)
    lifted = _speak(Line("anna", 0.0, TEXT, "device", pitch_st=2.0, f0_range=1.5), person,
                    script, voices)
    return plain, lifted


def test_a_neutral_line_is_untouched(spoken):
    plain, _ = spoken
    assert apply_prosody(plain, 0.0, 1.0) is plain  # no analysis, no resynthesis


def test_pitch_lift_and_range_are_measured_by_a_pitch_tracker(spoken):
    plain, lifted = spoken
    assert len(lifted) == len(plain)  # timing kept
    before, after = _f0_semitones(plain), _f0_semitones(lifted)
    rise = float(np.median(after) - np.median(before))
    assert 1.5 <= rise <= 2.5, rise
    widen = float(np.std(after) / np.std(before))
    assert 1.25 <= widen <= 1.8, widen
    # Only the pitch moved: the level and spectral balance stay close.
    assert abs(20 * np.log10(np.std(lifted) / np.std(plain))) < 1.5


def test_a_lower_narrower_line_goes_the_other_way(spoken):
    plain, _ = spoken
    low = apply_prosody(plain, -2.0, 0.6)
    before, after = _f0_semitones(plain), _f0_semitones(low)
    assert -2.5 <= float(np.median(after) - np.median(before)) <= -1.5
    assert float(np.std(after) / np.std(before)) < 0.8
