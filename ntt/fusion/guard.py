"""What ``ntt train`` refuses to write (issue 23, requirement 5): a model trained on too
little data, or whose calibrated threshold can never fire. Importable with numpy alone."""

from __future__ import annotations

MIN_CALIBRATION_UTTERANCES = 20
"""Fewer held-out utterances than this cannot place a threshold for a false-accept rate
of a few percent (one false accept already moves it by 5%)."""
MIN_PER_CLASS = 3
"""Held-out utterances of each kind (directed, not) needed to calibrate at all."""
MAX_THRESHOLD = 0.999
"""A calibrated probability at or above this is one no utterance reaches."""


def refusal(info: dict) -> str | None:
    """Why a model with this training record (``fit_fusion``'s ``info``) must not be
    written, or None when it may."""
    n = info.get("calibration_utterances", 0)
    directed = info.get("calibration_directed")
    hint = "record more labelled sessions (ntt simulate OUT --sessions N)"
    if n < MIN_CALIBRATION_UTTERANCES:
        return (f"too little data: {n} held-out utterances to calibrate on (need "
                f"{MIN_CALIBRATION_UTTERANCES}); {hint} or raise --calibration-share")
    if info.get("calibration_eer") is None or (
            directed is not None and min(directed, n - directed) < MIN_PER_CLASS):
        return (f"too little data: the held-out sessions need at least {MIN_PER_CLASS} "
                f"directed and {MIN_PER_CLASS} other utterances; {hint}")
    threshold = info.get("threshold")
    if threshold is None or not 0 < threshold < MAX_THRESHOLD:
        return (f"the calibrated threshold {threshold} can never fire (no held-out directed "
                f"utterance reaches it); {hint} or raise --target-far")
    if info.get("calibration_recall") == 0:
        return (f"the calibrated threshold {threshold:.3f} fires on none of the held-out "
                f"directed utterances; {hint} or raise --target-far")
    return None
