"""Acoustic echo cancellation: take the device's own loudspeaker out of its microphones.

The canceller is speexdsp's multi-delay block frequency-domain adaptive filter (MDF)
(Debian's ``libspeexdsp1`` through the ``speexdsp-aec`` ctypes binding): it learns the
loudspeaker-to-microphone path from the playback reference and subtracts the predicted
echo, adapting more slowly while the near end talks over it (double talk). One filter
per microphone, because every capsule hears the loudspeaker through its own path. Why
this library: see ``ntt.device_audio``.

speexdsp works in 16-bit units and adapts worse on a quiet reference (measured here on
a living-room echo: a reference peaking at 0.5 full scale reaches 20-27 dB of echo
return loss enhancement after the first second, one peaking at 0.05 only 13 dB), so the
reference must be what the loudspeaker was fed at its digital level, as a device records
it (``ntt live`` does; a simulator should too), not a copy scaled down.

After the linear filter, speexdsp's residual echo suppressor (``residual``) takes out
what the filter has not learnt yet — most of the first reply — and its reverberation.

The filter's adaptation takes ~2.5 s of a reply, so a cold start lets most of the first
reply through. ``memory``/``prime`` carry it across sessions: the last seconds of replies
are kept — the reference and the filter's own echo estimate of it, never the microphones,
so nothing of the room is stored — per device, and replayed through the filter before the
next session's first reply.

A filter is only run while there is something to cancel: once the reference has been
silent for longer than the filter's tail, no echo can remain, the microphone passes
through unchanged and the filter keeps what it learnt for the next reply (the acoustic
path of a device on a shelf changes little between replies).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ntt.errors import InputError

FRAME_SAMPLES = 256  # 16 ms at 16 kHz: the front-end's hop, so frames line up with the STFT
INT16_SCALE = 32767.0
SILENT_REFERENCE = 1.0 / INT16_SCALE  # below one 16-bit step the loudspeaker plays nothing
MEMORY_S = 3.0  # of the latest replies kept, to relearn the room from (speexdsp: ~2.5 s)


def _int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * INT16_SCALE), -32768, 32767).astype(np.int16)


class EchoCanceller:
    """``process(frame (FRAME_SAMPLES, channels), reference (FRAME_SAMPLES,))`` → the
    frame without the echo. ``tail_ms`` is how long an echo the filter models (the room's
    early reflections; the late reverberant tail is left, far below the direct echo)."""

    def __init__(self, channels: int, tail_ms: float = 200.0, sample_rate_hz: int = 16_000,
                 residual: bool = True):
        from speexdsp_aec import SpeexAec

        from ntt.device_audio.echo_detector import EchoDetector
        from ntt.device_audio.residual import ResidualEchoSuppressor

        self.channels = channels
        self.tail_samples = int(round(tail_ms * sample_rate_hz / 1000))
        frame_ms = FRAME_SAMPLES * 1000 // sample_rate_hz
        try:
            self._filters = [SpeexAec(sample_rate_hz, frame_ms=frame_ms,
                                      filter_tail_ms=int(round(tail_ms)))
                             for _ in range(channels)]
        except RuntimeError:  # the system library is missing
            raise InputError("libspeexdsp", "not installed: echo cancellation needs Debian's "
                                            "libspeexdsp1 (scripts/bootstrap.sh installs it)"
                             ) from None
        self._residual = [ResidualEchoSuppressor(f, FRAME_SAMPLES, sample_rate_hz)
                          for f in self._filters] if residual else None
        # The suppressor's overlap-add holds one frame back; so does the idle path, so the
        # canceller's delay is the same whether or not it runs.
        self.latency_samples = FRAME_SAMPLES if residual else 0
        self._previous = np.zeros((FRAME_SAMPLES, channels), np.float32)
        self._previous_ref = np.zeros(FRAME_SAMPLES, np.float32)
        self._detector = EchoDetector(-(-self.tail_samples // FRAME_SAMPLES))
        self.echo = False  # whether the frame ``process`` last returned is the device's voice
        self._running = False
        self._quiet_samples = self.tail_samples  # start "long silent": nothing to cancel
        self.active_frames = 0  # frames the filters actually ran (a cost figure)
        self._memory: deque[tuple[np.ndarray, np.ndarray]] = deque(
            maxlen=int(MEMORY_S * sample_rate_hz) // FRAME_SAMPLES)

    def process(self, frame: np.ndarray, reference: np.ndarray) -> np.ndarray:
        if frame.shape != (FRAME_SAMPLES, self.channels) or reference.shape != (FRAME_SAMPLES,):
            raise ValueError(f"EchoCanceller takes ({FRAME_SAMPLES}, {self.channels}) frames "
                             f"and ({FRAME_SAMPLES},) references, got {frame.shape} and "
                             f"{reference.shape}")
        peak = float(np.abs(reference).max())
        if peak < SILENT_REFERENCE:
            self._quiet_samples += FRAME_SAMPLES
        else:
            self._quiet_samples = 0
        previous, self._previous = self._previous, frame
        previous_ref, self._previous_ref = self._previous_ref, reference
        if self._quiet_samples > self.tail_samples:
            self._running = False
            self.echo = False
            return previous if self._residual is not None else frame
        if self._residual is not None and not self._running:
            for ch, res in enumerate(self._residual):  # its held-back frame: the last one
                res.process(_int16(previous[:, ch]))
        self._running = True
        self.active_frames += 1
        ref = _int16(reference)
        out = np.empty_like(frame)
        estimate = np.empty_like(frame)
        for ch, aec in enumerate(self._filters):
            cleaned = np.frombuffer(aec.process(_int16(frame[:, ch]), ref), dtype=np.int16)
            estimate[:, ch] = frame[:, ch] - cleaned / INT16_SCALE
            if self._residual is not None:  # one whole frame in, one out
                cleaned = self._residual[ch].process(cleaned)
            out[:, ch] = cleaned / INT16_SCALE
        # The output frame is the microphones' previous one where the suppressor holds one.
        mic, played = (previous, previous_ref) if self._residual is not None else (frame,
                                                                                 reference)
        self.echo = self._detector.push(mic[:, 0], played, out[:, 0])
        if peak >= SILENT_REFERENCE:
            # The filter's own echo estimate (microphone minus its linear output), not the
            # microphones: a linear image of the reference, so relearning from it restores
            # the filter, and no one's voice is ever stored.
            self._memory.append((estimate, reference.copy()))
        return out

    def memory(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The last ``MEMORY_S`` of replies as (the filter's echo estimate (n, channels),
        reference (n,)), or None before any: what ``prime`` relearns the room's echo path
        from. The estimate is the reference through the learnt path (plus the microphones'
        content under speexdsp's DC notch, below ~50 Hz), so a stored memory holds the
        device's own voice, no intelligible voice of a person."""
        if not self._memory:
            return None
        return (np.concatenate([m for m, _ in self._memory]),
                np.concatenate([r for _, r in self._memory]))

    def prime(self, mics: np.ndarray, reference: np.ndarray) -> None:
        """Adapt the filters (and the suppressor) to a stored stretch of an earlier
        session's replies before this one's first: a device keeps its place, so the
        first reply is cancelled as well as the later ones. The output is discarded."""
        if mics.ndim != 2 or mics.shape[1] != self.channels or len(mics) != len(reference):
            raise ValueError(f"an echo memory of {self.channels} channels needs (n, "
                             f"{self.channels}) microphones and (n,) reference, got "
                             f"{mics.shape} and {reference.shape}")
        for i in range(0, len(reference) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
            ref = _int16(reference[i:i + FRAME_SAMPLES])
            for ch, aec in enumerate(self._filters):
                cleaned = np.frombuffer(aec.process(_int16(mics[i:i + FRAME_SAMPLES, ch]), ref),
                                        dtype=np.int16)
                if self._residual is not None:
                    self._residual[ch].process(cleaned)
