"""Rooms that sound like homes: shoebox living rooms and kitchens of measured sizes, walls,
floor and ceiling of real materials (frequency-dependent absorption from pyroomacoustics'
database, which tabulates Vorländer, *Auralization*, 2008, Appendix A), furniture as
absorbing area, and room impulse responses from pyroomacoustics' hybrid simulator: image
sources for the early reflections (order ``ISM_ORDER``) and ray tracing with scattering for
the late reverberation, from every source's 3-D position to every microphone of the array.

Frames. The **camera frame** is the device profile's: origin at the lens, x to image right,
y down, z out of the lens into the room. The **room frame** has its origin in a floor
corner: x along the wall the device stands at, y away from that wall, z up. The device
looks along +y with its camera level, so ``room = device + (x_c, z_c, -y_c)``.

Where a number is not measured it says ASSUMED.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ntt.cues import SAMPLE_RATE_HZ

BANDS_HZ = (125, 250, 500, 1000, 2000, 4000, 8000)  # pyroomacoustics' octave bands
ISM_ORDER = 3  # image sources up to this order, ray tracing after (pyroomacoustics' advice)
N_RAYS = 2000  # T30 within 0.03 s of 10 000 rays in a 52 m3 room, at 80% of the time
SOUND_SPEED_M_S = 343.0
RIR_MAX_S = 1.2  # longer than any accepted room's decay by 60 dB (LOW_BAND_MAX_S)
WALL_MARGIN_M = 0.25  # sources and microphones stay this far inside the walls
MIN_DEPTH_BEYOND_M = 0.6  # the room extends at least this far behind the farthest talker
MAX_DRAWS = 200
# Scattering coefficient of every surface. ASSUMED: furnished rooms scatter; with 0.3 the
# ray tracer's T30 matched the Eyring estimate of the same room within 0.03 s (checked
# here on a 5 x 4 x 2.6 m living room), i.e. the late field is close to diffuse.
SCATTERING = 0.3
# The broadband RT60 a room is accepted with: mean of its 500 Hz and 1 kHz Eyring times.
# Measured homes: 50 British living rooms averaged 0.69 s at 125 Hz falling to 0.40 s at
# 8 kHz (Jackson & Leventhall, "The acoustics of domestic rooms", Applied Acoustics 5,
# 1972), 16 BBC-measured living rooms 0.35-0.45 s (both as reported in Everest, Master
# Handbook of Acoustics); 3,211 furnished Spanish living rooms fall with frequency and rise
# with volume (Building Acoustics 15, 2008, doi:10.1260/147547308784050179).
RT60_RANGE_S = (0.2, 0.7)
# ... and no band below 500 Hz longer than this: Jackson & Leventhall's mean at 125 Hz was
# 0.69 s; an unfurnished box of hard walls rings for 2 s there, which no lived-in room does.
LOW_BAND_MAX_S = 1.0
# An open door or a wide opening to the next room absorbs all that reaches it (alpha = 1):
# a door is 0.8 x 2.0 m, an open-plan opening a few m2.
OPENING = "opening"


@dataclass(frozen=True)
class RoomKind:
    """How a kind of room is drawn. Materials are pyroomacoustics database names; an
    ``extra`` is (surface, material, (min, max) share of that surface's area)."""

    name: str
    length_m: tuple[float, float]  # along the device's wall
    depth_m: tuple[float, float]
    height_m: tuple[float, float]
    volume_m3: tuple[float, float]
    walls: tuple[str, ...]
    floors: tuple[str, ...]
    ceilings: tuple[str, ...]
    extras: tuple[tuple[str, str, tuple[float, float]], ...]
    device_height_m: tuple[float, float]


LIVING_ROOM = RoomKind(
    "living-room",
    # Jackson & Leventhall's 50 living rooms: 880-2680 cu ft = 25-76 m3 (mean 44 m3).
    length_m=(3.5, 7.0), depth_m=(3.0, 5.5), height_m=(2.3, 2.7), volume_m3=(25.0, 76.0),
    walls=("rough_lime_wash", "plasterboard", "brickwork"),
    floors=("carpet_cotton", "carpet_tufted_9.5mm", "carpet_thin", "stage_floor",
            "linoleum_on_concrete"),
    ceilings=("ceiling_plasterboard", "rough_lime_wash"),
    extras=(("north", "glass_window", (0.15, 0.35)),  # the window, on the far wall
            ("north", "curtains_cotton_0.5", (0.0, 0.3)),
            ("floor", "chairs_heavy_upholstered", (0.08, 0.2)),  # sofa and armchairs
            ("east", "wooden_lining", (0.0, 0.25)),  # shelves, cupboard
            ("floor", "carpet_cotton", (0.0, 0.3)),  # a rug
            ("west", OPENING, (0.0, 0.2))),  # the door, shut to wide open
    # ASSUMED: on a sideboard, TV stand or table.
    device_height_m=(0.5, 1.1))

KITCHEN = RoomKind(
    "kitchen",
    # ASSUMED: no measured survey of kitchens found; 2.5-5 x 2.2-4 m, 15-45 m3.
    length_m=(2.5, 5.0), depth_m=(2.2, 4.5), height_m=(2.3, 2.7), volume_m3=(15.0, 45.0),
    walls=("plasterboard", "rough_lime_wash"),
    floors=("ceramic_tiles", "linoleum_on_concrete", "stage_floor"),
    ceilings=("ceiling_plasterboard", "rough_lime_wash"),
    extras=(("north", "glass_window", (0.1, 0.3)),
            ("east", "wood_16mm", (0.3, 0.6)),  # cupboard fronts
            ("west", "wood_16mm", (0.3, 0.6)),
            ("south", "ceramic_tiles", (0.1, 0.3)),  # splashback behind the worktop
            ("floor", "chairs_heavy_upholstered", (0.0, 0.06)),  # a cushioned bench
            ("north", "curtains_fabric", (0.0, 0.15)),
            ("west", OPENING, (0.05, 0.4))),  # the door, or open plan to the next room
    # Worktop height 0.85-0.95 m (EN 1116 coordinating sizes for kitchen furniture).
    device_height_m=(0.85, 0.95))

ROOM_KINDS = {k.name: k for k in (LIVING_ROOM, KITCHEN)}
SURFACES = ("east", "west", "north", "south", "floor", "ceiling")


def _coeffs(name: str) -> np.ndarray:
    """A database material's energy absorption in every band of ``BANDS_HZ`` (a list that
    stops at 4 kHz keeps its last value)."""
    from pyroomacoustics.parameters import materials_data

    if name == OPENING:
        return np.full(len(BANDS_HZ), 0.99)
    for group in materials_data["absorption"].values():
        if name in group:
            c = list(group[name]["coeffs"])
            return np.array(c + [c[-1]] * (len(BANDS_HZ) - len(c)), dtype=float)
    raise KeyError(f"no absorption data for material '{name}'")


@dataclass(frozen=True)
class Room:
    kind: str
    size_m: tuple[float, float, float]  # x (length), y (depth), z (height)
    absorption: dict[str, tuple[float, ...]]  # per surface, per band of BANDS_HZ
    materials: dict[str, str]  # what each surface is, for the truth file
    device_m: tuple[float, float, float]  # the camera lens, room frame
    rt60_eyring_s: tuple[float, ...]  # per band, the estimate the draw started from
    rt60_s: float = 0.0  # measured: T30 of the simulated response, 350-1400 Hz

    def rotation_from_camera(self) -> np.ndarray:
        """The 3x3 rotation taking camera-frame vectors into the room frame."""
        return np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])

    def from_camera(self, points_cam: np.ndarray, clamp: bool = True) -> np.ndarray:
        """(N, 3) camera-frame points in metres -> room frame, kept inside the walls."""
        pts = np.atleast_2d(points_cam) @ self.rotation_from_camera().T + np.asarray(self.device_m)
        if clamp:
            lo, hi = WALL_MARGIN_M, np.asarray(self.size_m) - WALL_MARGIN_M
            pts = np.clip(pts, lo, hi)
        return pts

    def surface_areas(self) -> dict[str, float]:
        lx, ly, lz = self.size_m
        return {"east": ly * lz, "west": ly * lz, "north": lx * lz, "south": lx * lz,
                "floor": lx * ly, "ceiling": lx * ly}


def eyring_rt60(size_m: tuple[float, float, float], absorption: dict[str, np.ndarray]
                ) -> np.ndarray:
    """Eyring's reverberation time per band (air absorption left out: it matters above
    4 kHz in rooms this small)."""
    lx, ly, lz = size_m
    volume = lx * ly * lz
    areas = {"east": ly * lz, "west": ly * lz, "north": lx * lz, "south": lx * lz,
             "floor": lx * ly, "ceiling": lx * ly}
    total = sum(areas.values())
    mean = sum(areas[s] * np.asarray(absorption[s]) for s in SURFACES) / total
    return 0.161 * volume / (-total * np.log(1.0 - np.clip(mean, 1e-3, 0.99)))


def draw_acoustic_room(kind: str, rng: np.random.Generator, min_depth_m: float = 0.0) -> Room:
    """A room of ``kind`` whose size lies in the measured range and whose RT60 lies in
    ``RT60_RANGE_S``; at least ``min_depth_m`` deep in front of the device."""
    spec = ROOM_KINDS[kind]
    for _ in range(MAX_DRAWS):
        lx = rng.uniform(*spec.length_m)
        ly = max(rng.uniform(*spec.depth_m), min_depth_m)
        lz = rng.uniform(*spec.height_m)
        if not spec.volume_m3[0] <= lx * ly * lz <= spec.volume_m3[1] * 1.5:
            continue
        base = {s: spec.walls[int(rng.integers(len(spec.walls)))] for s in SURFACES[:4]}
        base["floor"] = spec.floors[int(rng.integers(len(spec.floors)))]
        base["ceiling"] = spec.ceilings[int(rng.integers(len(spec.ceilings)))]
        absorption = {s: _coeffs(m) for s, m in base.items()}
        materials = dict(base)
        for surface, material, share in spec.extras:
            frac = rng.uniform(*share)
            if frac <= 0.01:
                continue
            absorption[surface] = (1 - frac) * absorption[surface] + frac * _coeffs(material)
            materials[surface] += f" + {frac:.0%} {material}"
        rt60 = eyring_rt60((lx, ly, lz), absorption)
        if not RT60_RANGE_S[0] <= float(np.mean(rt60[2:4])) <= RT60_RANGE_S[1] or \
                rt60[:2].max() > LOW_BAND_MAX_S:
            continue
        device = (rng.uniform(0.35, 0.65) * lx, rng.uniform(0.3, 0.5),
                  rng.uniform(*spec.device_height_m))
        room = Room(kind, (round(lx, 3), round(ly, 3), round(lz, 3)),
                    {s: tuple(float(round(v, 4)) for v in a) for s, a in absorption.items()},
                    materials, tuple(round(v, 3) for v in device),
                    tuple(float(round(v, 3)) for v in rt60))
        # Eyring assumes a diffuse field; the simulated one decays as it does. Keep the
        # room only if its own response, measured, is in the range.
        measured = _measured_rt60_s(room, int(rng.integers(2 ** 31)))
        if RT60_RANGE_S[0] <= measured <= RT60_RANGE_S[1]:
            return replace(room, rt60_s=round(measured, 3))
    raise RuntimeError(f"no {kind} within the RT60 range after {MAX_DRAWS} draws")


def _simulate(room: Room, sources_m: np.ndarray, mics_m: np.ndarray, max_order: int,
              ray_tracing: bool) -> list[np.ndarray]:
    """pyroomacoustics' responses from every source to every microphone, per source a
    (mics, taps) float32 array."""
    import pyroomacoustics as pra

    materials = {s: pra.Material({"coeffs": list(room.absorption[s]),
                                  "center_freqs": list(BANDS_HZ)}, SCATTERING)
                 for s in SURFACES}
    sim = pra.ShoeBox(list(room.size_m), fs=SAMPLE_RATE_HZ, materials=materials,
                      max_order=max_order, air_absorption=True, ray_tracing=ray_tracing)
    if ray_tracing:
        sim.set_ray_tracing(n_rays=N_RAYS, time_thres=RIR_MAX_S)
    for s in np.atleast_2d(sources_m):
        sim.add_source(list(s))
    sim.add_microphone_array(np.asarray(mics_m, dtype=float).T)
    sim.compute_rir()
    out = []
    for k in range(len(sim.sources)):
        taps = max(len(sim.rir[m][k]) for m in range(len(sim.rir)))
        h = np.zeros((len(sim.rir), taps), dtype=np.float32)
        for m in range(len(sim.rir)):
            h[m, :len(sim.rir[m][k])] = sim.rir[m][k]
        out.append(h)
    return out


def room_impulse_responses(room: Room, sources_m: np.ndarray, mics_m: np.ndarray,
                           seed: int) -> list[np.ndarray]:
    """Per source, a (mics, taps) float32 array of impulse responses (room frame, metres).
    Deterministic for a seed (pyroomacoustics' generators are seeded globally here, the
    library's own way to repeat a simulation)."""
    import pyroomacoustics as pra

    pra.random.seed(seed)
    return _simulate(room, sources_m, mics_m, ISM_ORDER, ray_tracing=True)


def direct_path_responses(room: Room, sources_m: np.ndarray, mics_m: np.ndarray
                          ) -> list[np.ndarray]:
    """Per source, (mics, taps) responses of the direct path alone (image-source order 0:
    the same fractional-delay filter and air absorption as in the full response)."""
    return _simulate(room, sources_m, mics_m, 0, ray_tracing=False)


def _measured_rt60_s(room: Room, seed: int) -> float:
    """The room's RT60 as the simulation renders it: a source 2 m in front of the device,
    heard at the device, T30 over 350-1400 Hz (the 500 Hz and 1 kHz octaves)."""
    from scipy.signal import butter, sosfiltfilt

    mic = room.from_camera(np.zeros((1, 3)), clamp=False)
    (h,) = room_impulse_responses(room, room.from_camera(np.array([[0.0, 0.0, 2.0]])), mic,
                                  seed)
    sos = butter(4, [350, 1400], btype="bandpass", fs=SAMPLE_RATE_HZ, output="sos")
    return measure_rt60_s(sosfiltfilt(sos, h[0]))


def measure_rt60_s(rir: np.ndarray) -> float:
    """RT60 of one impulse response, from its T30 slope (pyroomacoustics' Schroeder
    integration)."""
    import pyroomacoustics as pra

    return float(pra.experimental.measure_rt60(np.asarray(rir, float), fs=SAMPLE_RATE_HZ,
                                               decay_db=30))


def direct_path_delay_s(source_m: np.ndarray, mic_m: np.ndarray) -> float:
    return float(np.linalg.norm(np.asarray(source_m) - np.asarray(mic_m))) / SOUND_SPEED_M_S


def image_position_cam(x_frac: float, y_frac: float, distance_m: float, width_px: int,
                       height_px: int, hfov_deg: float) -> np.ndarray:
    """Where a face drawn at (x_frac, y_frac) of the image, ``distance_m`` deep, is in the
    camera frame (the renderer's pinhole camera)."""
    focal_px = (width_px / 2) / math.tan(math.radians(hfov_deg) / 2)
    x = (x_frac - 0.5) * width_px / focal_px * distance_m
    y = (y_frac - 0.5) * height_px / focal_px * distance_m
    return np.array([x, y, distance_m])
