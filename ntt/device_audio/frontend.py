"""The device-audio front-end stage: a microphone array and the playback reference in,
the one mono signal the VAD, prosody and recognizers take out.

Per 16 ms hop: echo cancellation of the playback reference on every microphone
(``echo``), an STFT of the cleaned channels (pyroomacoustics' streaming STFT, 32 ms
Hann frames), a delay-and-sum beam towards the talker (``array``), and the overlap-add
back to samples; optionally WebRTC noise suppression and gain on the result (``noise``).
The spectra of the direction-of-arrival band go to the shared ``ArrayHistory``, where the
direction stage after the VAD finds each utterance's frames and leaves the talker's
azimuth for the beam.

The output is sample-aligned with the input: the STFT's 16 ms of latency (the first 256
output samples only hold the analysis window's ramp) and the residual echo suppressor's
frame are taken off, so sample i
out is sample i in and every later cue keeps the session clock. A single microphone with
no playback and nothing to do passes through unchanged, sample for sample.
"""

from __future__ import annotations

import bisect
import logging
import os
from pathlib import Path

import numpy as np

from ntt.cues import SAMPLE_RATE_HZ, AudioChunk, EchoActivity, MicArrayChunk
from ntt.device_audio.array import ArrayGeometry, delay_and_sum
from ntt.device_audio.echo import FRAME_SAMPLES, EchoCanceller
from ntt.device_audio.history import ArrayHistory
from ntt.device_audio.noise import NoiseGain
from ntt.settings import DeviceAudioSettings
from ntt.stage import refuse

log = logging.getLogger(__name__)

HOP_SAMPLES = FRAME_SAMPLES  # 16 ms
FFT_SAMPLES = 2 * HOP_SAMPLES  # 32 ms frames, 50 % overlap
STEER_STEP_DEG = 1.0  # steering vectors are recomputed when the look direction moves this much


def fft_freqs_hz() -> np.ndarray:
    return np.fft.rfftfreq(FFT_SAMPLES, 1.0 / SAMPLE_RATE_HZ)


def band_bins(band_hz: tuple[float, float]) -> np.ndarray:
    """The STFT bins the direction of arrival uses."""
    f = fft_freqs_hz()
    return np.flatnonzero((f >= band_hz[0]) & (f <= band_hz[1]))


class DeviceAudioStage:
    """``MicArrayChunk`` → ``AudioChunk`` (and, while echo cancellation runs, the
    ``EchoActivity`` of the frames before the audio that holds them). ``geometry`` is
    the device's array (None for a single microphone); ``history`` receives the DOA
    band's spectra (None: no DOA)."""

    def __init__(self, settings: DeviceAudioSettings | None = None,
                 geometry: ArrayGeometry | None = None, history: ArrayHistory | None = None):
        self.settings = settings or DeviceAudioSettings()
        self.geometry = geometry
        self.history = history
        self._bins = band_bins(self.settings.doa_band_hz)
        self.reset()

    def reset(self) -> None:
        self._started = False
        self._passthrough = False
        self._t0_s = 0.0
        self._in_samples = 0
        self._out_samples = 0
        self._pending = np.zeros((0, 0), np.float32)
        self._pending_ref = np.zeros(0, np.float32)
        self._aec: EchoCanceller | None = None
        self._analysis = self._synthesis = None
        self._noise: NoiseGain | None = None
        self._to_skip = self._latency = 0
        self._hops = 0
        self._stamps: list[tuple[int, float]] = []  # (first input sample, its source time)
        self._aec_hops = 0
        self._echo: list[bool] = []
        self._echo_t_s = 0.0
        self._steer_deg: float | None = None
        self._steering: np.ndarray | None = None
        if self.history is not None:
            self.history.reset()

    # --- stream ------------------------------------------------------------------------

    def push(self, item: MicArrayChunk) -> list[AudioChunk]:
        if not isinstance(item, MicArrayChunk):
            refuse(self, item, (MicArrayChunk,))
        samples = np.asarray(item.samples, dtype=np.float32)
        if not self._started:
            self._start(item, samples.shape[1])
        if self._passthrough:
            return [AudioChunk(item.t_s, samples[:, 0])]
        if samples.shape[1] != self._channels:
            raise ValueError(f"DeviceAudioStage started with {self._channels} channels, got "
                             f"{samples.shape[1]}")
        ref = (np.zeros(len(samples), np.float32) if item.playback is None
               else np.asarray(item.playback, dtype=np.float32))
        self._stamps.append((self._in_samples, item.t_s))
        self._in_samples += len(samples)
        self._pending = np.concatenate([self._pending, samples])
        self._pending_ref = np.concatenate([self._pending_ref, ref])
        return self._drain()

    def flush(self) -> list[AudioChunk]:
        if not self._started or self._passthrough:
            return []
        # Zeros to the end of the last hop and through the STFT's latency; the output is
        # then cut back to exactly as many samples as came in.
        latency = self._latency
        extra = (-len(self._pending)) % HOP_SAMPLES + latency
        self._pending = np.concatenate([self._pending,
                                        np.zeros((extra, self._channels), np.float32)])
        self._pending_ref = np.concatenate([self._pending_ref, np.zeros(extra, np.float32)])
        out = self._drain(final=True)
        self._store_memory()
        return out

    # --- per hop -----------------------------------------------------------------------

    def _start(self, item: MicArrayChunk, channels: int) -> None:
        cfg = self.settings
        self._started = True
        self._t0_s = item.t_s
        self._channels = channels
        nothing_to_do = (channels == 1 and item.playback is None and not cfg.noise_suppression
                         and not cfg.auto_gain_dbfs)
        if nothing_to_do or not cfg.enabled:
            self._passthrough = True
            return
        if self.geometry is not None and channels != self.geometry.channels:
            # Live, a microphone may deliver fewer channels than the profile places (the
            # operating system mixes them): echo cancellation on the first, no beam.
            log.warning("%d microphone channel(s) for an array of %d: no beam or direction",
                        channels, self.geometry.channels)
            self.geometry = self.history = None
        if channels > 1 and self.geometry is None:
            raise ValueError(f"{channels} microphones but no array geometry")
        self._pending = np.zeros((0, channels), np.float32)
        if cfg.echo_cancel:
            self._aec = EchoCanceller(channels, cfg.echo_tail_ms, residual=cfg.residual_echo)
            self._prime_from_memory()
        if channels > 1:
            import pyroomacoustics as pra

            window = pra.hann(FFT_SAMPLES, flag="asymmetric", length="full")
            self._analysis = pra.transform.STFT(FFT_SAMPLES, HOP_SAMPLES,
                                                analysis_window=window, channels=channels,
                                                streaming=True, num_frames=1)
            if cfg.beam == "delay_and_sum":
                synthesis = pra.transform.stft.compute_synthesis_window(window, HOP_SAMPLES)
                self._synthesis = pra.transform.STFT(FFT_SAMPLES, HOP_SAMPLES,
                                                     synthesis_window=synthesis, channels=1,
                                                     streaming=True, num_frames=1)
                self._latency += FFT_SAMPLES - HOP_SAMPLES
        if self._aec is not None:
            self._latency += self._aec.latency_samples
        self._to_skip = self._latency
        if cfg.noise_suppression or cfg.auto_gain_dbfs:
            self._noise = NoiseGain(cfg.noise_suppression, cfg.auto_gain_dbfs)

    def _prime_from_memory(self) -> None:
        path = Path(self.settings.echo_memory_file) if self.settings.echo_memory_file else None
        if path is None or not path.exists() or self._aec is None:
            return
        with np.load(path) as stored:
            mics, reference = stored["mics"], stored["reference"]
        if mics.ndim == 2 and mics.shape[1] == self._channels:
            self._aec.prime(mics.astype(np.float32), reference.astype(np.float32))
        else:
            log.warning("%s: an echo memory of %s microphones, not %d: not used", path,
                        mics.shape[1:], self._channels)

    def _store_memory(self) -> None:
        memory = None if self._aec is None else self._aec.memory()
        if not self.settings.echo_memory_file or memory is None:
            return
        path = Path(self.settings.echo_memory_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part.npz")
        np.savez(part, mics=memory[0].astype(np.float32), reference=memory[1].astype(np.float32))
        os.replace(part, path)

    def _drain(self, final: bool = False) -> list[AudioChunk]:
        pieces = []
        while len(self._pending) >= HOP_SAMPLES:
            frame, ref = self._pending[:HOP_SAMPLES], self._pending_ref[:HOP_SAMPLES]
            self._pending, self._pending_ref = (self._pending[HOP_SAMPLES:],
                                                self._pending_ref[HOP_SAMPLES:])
            pieces.append(self._hop(frame, ref))
        out: list = self._echo_activity()
        mono = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
        if self._to_skip and len(mono):
            cut = min(self._to_skip, len(mono))
            mono, self._to_skip = mono[cut:], self._to_skip - cut
        if self._noise is not None:
            mono = np.concatenate([self._noise.push(mono), self._noise.flush()]) if final \
                else self._noise.push(mono)
        if final:
            mono = mono[:max(0, self._in_samples - self._out_samples)]
        if len(mono) == 0:
            return out
        chunk = AudioChunk(self._time_of(self._out_samples),
                           np.ascontiguousarray(mono, dtype=np.float32))
        self._out_samples += len(mono)
        # Stamps wholly behind the output (the laggard of output and echo frames) go.
        while len(self._stamps) > 1 and self._stamps[1][0] <= self._out_samples - FFT_SAMPLES:
            self._stamps.pop(0)
        return [*out, chunk]

    def _time_of(self, sample: int) -> float:
        """The source's time of input sample ``sample`` (output sample i is input sample i):
        the stamp of the chunk that brought it, so a jump in the source's clock carries
        through to the VAD."""
        if not self._stamps:
            return self._t0_s + sample / SAMPLE_RATE_HZ
        k = max(0, bisect.bisect_right(self._stamps, (sample, float("inf"))) - 1)
        first, t_s = self._stamps[k]
        return t_s + (sample - first) / SAMPLE_RATE_HZ

    def _echo_activity(self) -> list[EchoActivity]:
        if not self._echo:
            return []
        cue = EchoActivity(self._echo_t_s, HOP_SAMPLES / SAMPLE_RATE_HZ,
                           np.array(self._echo, dtype=bool))
        self._echo = []
        return [cue]

    def _hop(self, frame: np.ndarray, ref: np.ndarray) -> np.ndarray:
        if self._aec is not None:
            frame = self._aec.process(frame, ref)
            # The canceller's output frame lags its input by its own latency.
            index = self._aec_hops - self._aec.latency_samples // HOP_SAMPLES
            self._aec_hops += 1
            if index >= 0:
                if not self._echo:
                    self._echo_t_s = self._time_of(index * HOP_SAMPLES)
                self._echo.append(self._aec.echo)
        if self._analysis is None:
            return frame[:, 0]
        spectrum = np.array(self._analysis.analysis(frame.astype(np.float64)))  # (F, M)
        self._hops += 1
        if self.history is not None:
            # The frame just analysed ends at the hop's last sample.
            centre = self._t0_s + (self._hops * HOP_SAMPLES - FFT_SAMPLES / 2) / SAMPLE_RATE_HZ
            self.history.append(centre, spectrum[self._bins].astype(np.complex64))
        if self._synthesis is None:
            return frame[:, 0]
        beam = delay_and_sum(spectrum, self._steering_for(self._look_deg()))
        return np.asarray(self._synthesis.synthesis(beam), dtype=np.float32).reshape(-1)

    def _look_deg(self) -> float:
        if self.history is None or not self.settings.steer:
            return 0.0
        return self.history.steer_deg

    def _steering_for(self, azimuth_deg: float) -> np.ndarray:
        if self._steering is None or abs(azimuth_deg - self._steer_deg) >= STEER_STEP_DEG:
            assert self.geometry is not None
            self._steer_deg = azimuth_deg
            self._steering = self.geometry.steering(azimuth_deg, fft_freqs_hz())
        return self._steering
