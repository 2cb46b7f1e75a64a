"""The device-audio front-end: what a microphone array and the device's own loudspeaker
need before the VAD — echo cancellation of the playback reference, a beam towards the
talker, the direction of each utterance — and optionally noise suppression and gain.

Two stages, wired by ``ntt.pipeline`` around the VAD and sharing one ``ArrayHistory``:

* ``DeviceAudioStage`` (``frontend``): ``MicArrayChunk`` → the mono ``AudioChunk`` the
  VAD, prosody and recognizers take.
* ``DirectionStage`` (``direction``): the VAD's ``SpeechEvent``s → a ``DirectionCue`` per
  utterance (azimuth in the camera frame, confidence), which fusion's speaker choice uses.

Libraries, each checked to install from PyPI and run here (x86-64, Python 3.11):

* **pyroomacoustics** — the streaming STFT and SRP-PHAT direction of arrival (and the
  rooms the tests and the simulator render).
* **speexdsp-aec** over Debian's **libspeexdsp1** — speexdsp's MDF echo canceller (Xiph's C
  library, packaged by Debian; ``scripts/bootstrap.sh`` installs it) through a small ctypes
  binding. Measured here on real speech: the near-end talker passes the canceller with a
  correlation of 0.92 to the input. ``pyaec`` (the same algorithm compiled into a wheel,
  so no system library) cancels the echo as well but mangles the near end (correlation
  0.19 with no echo at all), so a user talking over a reply would be lost.
  ``aec-audio-processing`` (WebRTC AEC3) builds from source and downloads its subprojects
  at build time, which cannot work here; ``webrtc-apm`` has no build for this platform;
  ``adaptfilt`` is a pure-Python NLMS, far too slow for streaming.
* **webrtc-noise-gain** — WebRTC's noise suppression and automatic gain, the package Home
  Assistant's voice pipeline uses (off by default: the VAD and recognizers were tuned on
  unsuppressed audio).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ntt.device_audio.array import ArrayGeometry
from ntt.device_audio.direction import DirectionStage
from ntt.device_audio.doa import SrpLocator
from ntt.device_audio.frontend import FFT_SAMPLES, DeviceAudioStage, band_bins
from ntt.device_audio.history import ArrayHistory
from ntt.settings import DeviceAudioSettings, Settings

if TYPE_CHECKING:
    from ntt.calibration.profile import MicrophoneSpec

__all__ = ["ArrayGeometry", "ArrayHistory", "DeviceAudioStage", "DirectionStage",
           "SrpLocator", "build_stages", "remembering_echo"]


def remembering_echo(settings: Settings, device: str) -> Settings:
    """``settings`` for a live device: the front-end keeps the device's echo memory in the
    calibration directory (``ntt.paths.echo_memory_file``), so each session starts from the
    last one's replies and its first reply is cancelled like the rest. Offline runs do not
    call this: a replay stays reproducible, whatever ran before it. A memory file already
    named in ``settings`` is kept."""
    import dataclasses

    from ntt import paths

    if settings.device_audio.echo_memory_file:
        return settings
    audio = dataclasses.replace(settings.device_audio,
                                echo_memory_file=str(paths.echo_memory_file(device)))
    return dataclasses.replace(settings, device_audio=audio)


def build_stages(settings: DeviceAudioSettings, microphone: MicrophoneSpec | None,
                 channels: int) -> tuple[DeviceAudioStage, DirectionStage | None]:
    """The front-end for ``channels`` microphones placed by ``microphone`` (the device
    profile's), and the direction stage when there is an array and DOA is on."""
    if channels > 1 and (microphone is None or len(microphone.positions_mm) != channels):
        placed = 0 if microphone is None else len(microphone.positions_mm)
        raise ValueError(f"{channels} microphone channels, but the device profile places "
                         f"{placed}")
    if channels == 1:
        return DeviceAudioStage(settings), None
    assert microphone is not None
    geometry = ArrayGeometry.from_positions(microphone.positions_m())
    if not settings.doa:
        return DeviceAudioStage(settings, geometry), None
    bins = band_bins(settings.doa_band_hz)
    history = ArrayHistory(bins * (16_000 / FFT_SAMPLES),
                           keep_s=settings.doa_max_span_s + 2.0)
    locator = SrpLocator(geometry, bins, FFT_SAMPLES, grid_step_deg=settings.doa_grid_deg)
    return (DeviceAudioStage(settings, geometry, history),
            DirectionStage(locator, history, settings))
