"""A small pyroomacoustics room around a device, for the device-audio tests and benchmark:
real speech at 3-D positions, the device's loudspeaker, the device's microphone array
placed by its profile. Room coordinates: metres, z up; the device's camera looks along
+y, so the camera frame (x image right, y down, z forward) is room (x, -z, y) about the
device."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

RATE = 16_000


@dataclass(frozen=True)
class Room:
    size_m: tuple[float, float, float] = (5.0, 4.5, 2.6)
    rt60_s: float = 0.4
    device_m: tuple[float, float, float] = (2.5, 0.4, 1.0)

    def camera_to_room(self, p_cam: np.ndarray) -> np.ndarray:
        x, y, z = np.asarray(p_cam, dtype=float)
        return np.asarray(self.device_m) + np.array([x, z, -y])

    def talker_at(self, azimuth_deg: float, distance_m: float, height_m: float = 1.2
                  ) -> np.ndarray:
        """A mouth ``distance_m`` from the device at ``azimuth_deg`` in the camera frame."""
        a = math.radians(azimuth_deg)
        d = np.asarray(self.device_m)
        return np.array([d[0] + distance_m * math.sin(a), d[1] + distance_m * math.cos(a),
                         height_m])

    def render(self, mic_positions_cam_m: np.ndarray,
               sources: list[tuple[np.ndarray, np.ndarray, float]], n_samples: int,
               ) -> np.ndarray:
        """(n_samples, channels): every (position, signal, start_s) source through the
        room to the microphones (image sources with absorption for ``rt60_s``)."""
        import pyroomacoustics as pra

        e_abs, max_order = ((1.0, 0) if self.rt60_s <= 0  # anechoic: the direct path only
                            else pra.inverse_sabine(self.rt60_s, list(self.size_m)))
        room = pra.ShoeBox(list(self.size_m), fs=RATE, materials=pra.Material(e_abs),
                           max_order=min(max_order, 12))
        for pos, signal, start_s in sources:
            room.add_source(list(pos), signal=signal, delay=start_s)
        mics = np.stack([self.camera_to_room(mic_positions_cam_m[:, k])
                         for k in range(mic_positions_cam_m.shape[1])], axis=1)
        room.add_microphone_array(mics)
        room.simulate()
        out = room.mic_array.signals.T[:n_samples]
        if len(out) < n_samples:
            out = np.pad(out, ((0, n_samples - len(out)), (0, 0)))
        return out.astype(np.float32)


def speech_span(x: np.ndarray, floor_db: float = -35.0) -> tuple[int, int]:
    """First and last sample of ``x`` within ``floor_db`` of its loudest 32 ms."""
    n = len(x) // 512 * 512
    power = (x[:n].reshape(-1, 512) ** 2).mean(axis=1) + 1e-12
    loud = np.flatnonzero(10 * np.log10(power / power.max()) > floor_db)
    return int(loud[0] * 512), int((loud[-1] + 1) * 512)
