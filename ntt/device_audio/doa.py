"""Direction of arrival by SRP-PHAT (pyroomacoustics), with a confidence.

SRP-PHAT steers the array over a grid of azimuths and, at each, adds up the
phase-normalised cross-spectra of every microphone pair: the direction in which the pairs
agree is the talker's. PHAT weighting keeps every frequency's vote equal, which makes it
the robust choice in reverberant rooms (MUSIC needs a good estimate of the noise subspace
and degrades faster with reverberation and few frames).

pyroomacoustics gives the grid, the far-field steering vectors and the SRP definition;
its own ``SRP._process`` loops over the grid in Python, which costs ~10 ms per call on the
shipped arrays, too much for a provisional direction every 0.3 s on a 2-core device. The
same value — ``sum_f a_f(θ)^H C_f a_f(θ) / (S F P)`` with ``C_f`` the PHAT-normalised
cross-spectral matrix over the S frames, F bins and P = M(M-1)/2 pairs — is computed here
in one vectorised product over the precomputed steering vectors (``tests`` check that it
equals pyroomacoustics' own).

The confidence is the peak's coherence: pyroomacoustics' SRP value at the peak is
``2/(M-1)`` for incoherent (diffuse) sound and ``2 + 2/(M-1)`` for one perfect plane wave
over ``M`` microphones, so ``(peak - 2/(M-1)) / 2`` runs from 0 (no direction) to 1 (one
clean source). Several simultaneous talkers, a reverberant far talker or very little
speech all give low values; the fusion side only trusts a direction above a threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ntt.cues.audio import azimuth_offset_deg
from ntt.device_audio.array import ArrayGeometry, camera_azimuth_deg, pra_azimuth_rad

PHAT_FLOOR = 1e-14  # pyroomacoustics' tolerance for an empty bin
MIN_FRAMES = 6  # ~100 ms of speech frames before a direction means anything
# Frames are chosen by the precedence effect: where the level has just risen (a syllable's
# onset) the direct sound leads its reflections, so the phase differences point at the
# talker; in the sustained part, reflections from the floor, ceiling and walls pull a line
# array's estimate towards broadside. The fifth of the frames that rose most above the
# mean of the ONSET_CONTEXT frames before them, among those louder than the quietest
# QUIET_PERCENTILE % (pauses carry no direction).
ONSET_SHARE = 0.2
ONSET_CONTEXT = 6
QUIET_PERCENTILE = 30.0


@dataclass(frozen=True)
class Direction:
    azimuth_deg: float
    confidence: float


class SrpLocator:
    """``locate(spectra)`` with spectra (channels, len(freqs_hz), frames) → the
    ``num_src`` strongest directions, strongest first (fewer when the spatial spectrum
    has fewer peaks), or [] with too few frames."""

    def __init__(self, geometry: ArrayGeometry, freq_bins: np.ndarray, nfft: int,
                 sample_rate_hz: int = 16_000, grid_step_deg: float = 1.0):
        import pyroomacoustics as pra

        self.geometry = geometry
        self.freq_bins = np.asarray(freq_bins, dtype=np.int64)
        self.nfft = nfft
        self.grid_deg = geometry.grid_deg(grid_step_deg)
        self._srp = pra.doa.algorithms["SRP"](
            geometry.plane_m, sample_rate_hz, nfft, num_src=1,
            azimuth=pra_azimuth_rad(self.grid_deg))
        # pyroomacoustics sorts its grid by φ; keep our own azimuths in that order.
        self._grid_az = np.array([camera_azimuth_deg(p) for p in self._srp.grid.azimuth])
        m = geometry.channels
        self._diffuse = 2.0 / (m - 1)
        self._pairs = m * (m - 1) / 2
        # Steering vectors of the DOA band, (freqs, channels, grid): pyroomacoustics'.
        self._steering = np.asarray(self._srp.mode_vec[self.freq_bins, :, :])

    def spectrum(self, spectra: np.ndarray) -> np.ndarray | None:
        """The SRP value at every grid azimuth (``grid_azimuths_deg`` order), or None."""
        if spectra.ndim != 3 or spectra.shape[2] < MIN_FRAMES:
            return None
        frames = onset_frames((np.abs(spectra) ** 2).sum(axis=(0, 1)))
        x = spectra[:, :, frames].astype(np.complex128)
        magnitude = np.abs(x)
        x = x / np.maximum(magnitude, PHAT_FLOOR)  # PHAT: every bin's phase votes alike
        cross = np.einsum("mfs,nfs->fmn", x, np.conj(x))  # (freqs, M, M) over the frames
        a = self._steering
        power = (np.conj(a) * (cross @ a)).sum(axis=(0, 1)).real  # a^H C a per direction
        return power / (x.shape[2] * len(self.freq_bins) * self._pairs)

    def reference_spectrum(self, spectra: np.ndarray) -> np.ndarray:
        """The same through pyroomacoustics' own ``SRP`` (slow; for tests)."""
        frames = onset_frames((np.abs(spectra) ** 2).sum(axis=(0, 1)))
        x = np.zeros((spectra.shape[0], self.nfft // 2 + 1, len(frames)), np.complex128)
        x[:, self.freq_bins, :] = spectra[:, :, frames]
        self._srp.locate_sources(x, freq_bins=self.freq_bins)
        return np.asarray(self._srp.grid.values, dtype=float)

    @property
    def grid_azimuths_deg(self) -> np.ndarray:
        return self._grid_az

    def locate(self, spectra: np.ndarray, num_src: int = 1,
               min_separation_deg: float = 20.0) -> list[Direction]:
        values = self.spectrum(spectra)
        if values is None:
            return []
        peaks = _local_maxima(values, circular=not self.geometry.is_line)
        peaks = sorted(peaks, key=lambda i: -values[i])
        chosen: list[int] = []
        for i in peaks:
            if all(azimuth_offset_deg(self._grid_az[i], self._grid_az[j]) >= min_separation_deg
                   for j in chosen):
                chosen.append(i)
            if len(chosen) == num_src:
                break
        return [Direction(self._refine(values, i), self.confidence(values[i]))
                for i in chosen]

    def _refine(self, values: np.ndarray, i: int) -> float:
        """The peak between grid points: the vertex of the parabola through it and its
        two neighbours (grid order is pyroomacoustics' φ, uniformly spaced)."""
        n = len(values)
        if self.geometry.is_line and (i == 0 or i == n - 1):
            return float(self._grid_az[i])
        left, mid, right = values[(i - 1) % n], values[i], values[(i + 1) % n]
        curvature = left - 2 * mid + right
        if curvature >= 0:
            return float(self._grid_az[i])
        shift = 0.5 * (left - right) / curvature  # in grid steps, within ±0.5
        step = self._grid_az[(i + 1) % n] - self._grid_az[i]
        step = (step + 180.0) % 360.0 - 180.0
        azimuth = self._grid_az[i] + shift * step
        return float((azimuth + 180.0) % 360.0 - 180.0)

    def confidence(self, value: float) -> float:
        return float(np.clip((value - self._diffuse) / 2.0, 0.0, 1.0))


def onset_frames(power: np.ndarray) -> np.ndarray:
    """Indices (in time order) of the frames the direction is estimated from."""
    level = 10 * np.log10(power + 1e-12)
    csum = np.concatenate([[0.0], np.cumsum(level)])
    idx = np.arange(len(level))
    lo = np.maximum(idx - ONSET_CONTEXT, 0)
    before = np.where(idx > 0, (csum[idx] - csum[lo]) / np.maximum(idx - lo, 1), level)
    rise = level - before
    keep = max(MIN_FRAMES, int(np.ceil(len(level) * ONSET_SHARE)))
    chosen = np.argsort(rise)[-keep:]
    loud = chosen[level[chosen] > np.percentile(level, QUIET_PERCENTILE)]
    return np.sort(loud if len(loud) >= MIN_FRAMES else chosen)


def _local_maxima(values: np.ndarray, circular: bool) -> list[int]:
    if circular:
        left, right = np.roll(values, 1), np.roll(values, -1)
    else:
        left = np.concatenate([[-np.inf], values[:-1]])
        right = np.concatenate([values[1:], [-np.inf]])
    found = np.flatnonzero((values >= left) & (values > right))
    return found.tolist() or [int(np.argmax(values))]
