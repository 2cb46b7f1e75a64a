"""Render a ``Script`` into a session directory: video of textured faces in a room; the
room's sound at the device profile's microphone array (natural voices at each person's
3-D position, the TV, the device's own loudspeaker and the household's noise, through
image-source/ray-traced impulse responses of a furnished living room or kitchen —
``ntt.sim.acoustics``, ``ntt.sim.array_mix``), each line with its prosody (pitch lift and
range, ``ntt.sim.prosody``); what the loudspeaker played (the echo canceller's reference,
``playback.wav``); labels and per-frame ground truth (``truth.json``, with every source's
position).

``video=False`` renders the same world without its pictures: no video.mp4 (the session
format allows a session without video, as a camera-off one), and truth.json keeps every
frame's faces, poses and looks (projected, not drawn), so a training set whose video is
not needed costs the voices and the room only."""

from __future__ import annotations

import math
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np

from ntt.calibration.profile import load_profile
from ntt.cues import SAMPLE_RATE_HZ, DeviceTurn
from ntt.endpoint.mix import command_audio
from ntt.io.session import Labels, Utterance, write_session
from ntt.io.video_file import write_video
from ntt.sim.acoustics import draw_acoustic_room, image_position_cam
from ntt.sim.array_mix import DRY_RMS, Source, mix_array
from ntt.sim.face_render import FACE_HEIGHT_MM, FacePose
from ntt.sim.noise import GENERATORS, loudspeaker
from ntt.sim.photos import textured_face
from ntt.sim.prosody import apply_prosody
from ntt.sim.room import draw_room
from ntt.sim.script import Line, Look, Person, Script
from ntt.sim.voices import VoiceBank

FACE_HEIGHT_M = FACE_HEIGHT_MM / 1000
TURN_S = 0.5  # a head turn takes this long
ENTER_S = 1.0  # walking in or out of the picture takes this long
LOOKING_AT_DEVICE_DEG = 12.0
# A talker whose head points within this of the device radiates at it as a mouth does
# (``Source.faces_device``): human speech directivity stays within about 1-3 dB of on-axis
# inside +-30 degrees (Chu & Warnock, NRC IRC-RR-104, 2002); beyond it the omnidirectional
# source stands in (which overstates a turned-away talker's direct path).
FACING_DEVICE_DEG = 30.0
TRIM_DB = -45.0  # speech extent: where the dry signal rises above this (re. its peak)
MOUTH_WINDOW_S = 0.04
NOISE_BANK = 8  # camera-noise frames drawn once and reused (rolled) for speed
# The device's loudspeaker in the camera frame, metres. ASSUMED: below the screen (a smart
# display's drivers sit in its base, a laptop's under the keyboard deck).
DEVICE_SPEAKER_CAM_M = (0.0, 0.15, 0.03)
MOUTH_BELOW_FACE_CENTRE_M = 0.04  # the face box's centre is near the nose


@dataclass(frozen=True)
class Spoken:
    line: Line
    audio: np.ndarray  # dry, trimmed
    start_s: float
    end_s: float


def trim_silence(audio: np.ndarray, threshold_db: float = TRIM_DB) -> np.ndarray:
    """Cut the synthesis's leading/trailing silence so labels mark the speech itself."""
    win = int(0.01 * SAMPLE_RATE_HZ)
    n = len(audio) // win
    if n == 0:
        return audio
    rms = np.sqrt(np.mean(audio[:n * win].reshape(n, win) ** 2, axis=1) + 1e-12)
    level = 20 * np.log10(rms / (rms.max() + 1e-12))
    active = np.nonzero(level > threshold_db)[0]
    if len(active) == 0:
        return audio[:0]
    return audio[active[0] * win:(active[-1] + 1) * win]


def _speak(line: Line, person: Person | None, script: Script, voices: VoiceBank
           ) -> np.ndarray:
    """The line's dry speech at ``DRY_RMS`` (before the line's gain): synthesised with its
    prosody, or a real recording as it was spoken."""
    if line.recording:
        audio = command_audio(line.recording)
    else:
        if person is None:  # the device
            voice, pitch, rate = script.device_voice, 50, 170
        else:
            voice, pitch, rate = person.voice, person.pitch, person.rate_wpm
        audio = trim_silence(voices.speak(line.text, voice,
                                          rate_scale=rate / 165 * line.rate_scale,
                                          espeak_pitch=pitch, espeak_rate_wpm=165))
        audio = apply_prosody(audio, line.pitch_st, line.f0_range)
    rms = float(np.sqrt(np.mean(audio ** 2))) if len(audio) else 0.0
    return (audio * (DRY_RMS / rms)).astype(np.float32) if rms > 0 else audio


def pose_at(looks: list[Look], t_s: float) -> tuple[float, float, float, float]:
    """Head/eye angles at ``t_s``: each Look starts a smooth turn from where the head is."""
    current = (0.0, 0.0, 0.0, 0.0)
    for look in looks:
        if look.t_s > t_s:
            break
        target = (look.yaw_deg, look.pitch_deg, look.gaze_yaw_deg, look.gaze_pitch_deg)
        k = min(1.0, (t_s - look.t_s) / TURN_S)
        k = 0.5 - 0.5 * math.cos(math.pi * k)
        current = tuple(a + (b - a) * k for a, b in zip(current, target, strict=True))
    return current  # type: ignore[return-value]


def _mouth_track(spoken: list[Spoken], n_frames: int, fps: float) -> np.ndarray:
    """Mouth opening per frame from the speaker's own dry speech envelope."""
    out = np.zeros(n_frames, dtype=np.float32)
    win = int(MOUTH_WINDOW_S * SAMPLE_RATE_HZ)
    for s in spoken:
        peak = np.sqrt(np.mean(s.audio ** 2)) * 2.0 + 1e-9
        f0, f1 = int(math.ceil(s.start_s * fps)), int(s.end_s * fps)
        for f in range(max(f0, 0), min(f1 + 1, n_frames)):
            i = int((f / fps - s.start_s) * SAMPLE_RATE_HZ)
            seg = s.audio[max(i - win // 2, 0): i + win // 2]
            if len(seg):
                out[f] = max(out[f], min(1.0, float(np.sqrt(np.mean(seg ** 2))) / peak))
    return out


def person_position_cam(p: Person, script: Script) -> np.ndarray:
    """Where the person's mouth is in the camera frame: the face's image position (where
    they stand once in the picture) at their distance."""
    w, h = script.size_wh
    pos = image_position_cam(p.x_frac, p.y_frac, p.distance_m, w, h, script.hfov_deg)
    return pos + np.array([0.0, MOUTH_BELOW_FACE_CENTRE_M, 0.0])


def microphones_cam(device: str) -> np.ndarray:
    """(mics, 3) capsule positions in the camera frame from the device profile (one
    capsule at the lens for a profile that places none)."""
    mic = load_profile(device).microphone
    if not mic.positions_mm:
        return np.zeros((1, 3))
    return mic.positions_m().T


def _azimuth(p_cam: np.ndarray) -> dict:
    x, y, z = (float(v) for v in p_cam)
    return {"camera_m": [round(x, 3), round(y, 3), round(z, 3)],
            "azimuth_deg": round(math.degrees(math.atan2(x, z)), 2),
            "elevation_deg": round(math.degrees(math.atan2(-y, math.hypot(x, z))), 2),
            "distance_m": round(math.sqrt(x * x + y * y + z * z), 3)}


def looks_by_person(script: Script) -> dict[str, list[Look]]:
    """Each person's looks in time order, as ``pose_at`` reads them."""
    looks: dict[str, list[Look]] = {}
    for lk in sorted(script.looks, key=lambda lk: lk.t_s):
        looks.setdefault(lk.person, []).append(lk)
    return looks


def _faces_device(looks: dict[str, list[Look]], person: Person, line: Line, end_s: float
                  ) -> bool:
    """The talker's head points at the device in the middle of the line."""
    if not person.visible or person.is_media:
        return False
    yaw, pitch, _, _ = pose_at(looks.get(person.id, []), 0.5 * (line.start_s + end_s))
    return math.hypot(yaw, pitch) <= FACING_DEVICE_DEG


def _render_audio(script: Script, tracks: dict[tuple[str, bool], np.ndarray],
                  device_track: np.ndarray | None, n: int, rng: np.random.Generator
                  ) -> tuple:
    """The array's audio, the playback reference and the acoustic truth. ``tracks``: each
    person's lines, split by whether they were said facing the device."""
    persons = {p.id: p for p in script.persons}
    cams = {pid: person_position_cam(persons[pid], script) for pid, _ in tracks}
    depth = max((c[2] for c in cams.values()), default=1.0) + 0.45 + 0.6
    room = draw_acoustic_room(script.room, rng, depth)
    mics_cam = microphones_cam(script.device)
    mics = room.from_camera(mics_cam, clamp=False)
    sources = [Source(pid, room.from_camera(cams[pid])[0], track,
                      "media" if persons[pid].is_media else "talker", faces_device=facing)
               for (pid, facing), track in tracks.items()]
    if device_track is not None:
        cams["device"] = np.array(DEVICE_SPEAKER_CAM_M)
        sources.append(Source("device", room.from_camera(cams["device"])[0],
                              loudspeaker(device_track), "device"))
    lx, ly, lz = room.size_m
    noise_at = {"kitchen": (rng.uniform(0.3, 0.7) * lx, ly - 0.4, 0.9),  # the sink
                "music": (rng.choice([0.4, lx - 0.4]), rng.uniform(0.5, 0.9) * ly, 1.0),
                "pink": (rng.uniform(0.2, 0.8) * lx, ly - 0.3, 1.6)}  # the window
    for kind in script.noise:
        sources.append(Source(kind, np.clip(np.array(noise_at[kind]), 0.25, None),
                              GENERATORS[kind](n, rng) * DRY_RMS, "noise"))
    mix = mix_array(room, mics, sources, n, script.snr_db, script.ser_db,
                    int(rng.integers(2 ** 31)), rng, device_track)
    truth = {"room": {"kind": room.kind, "size_m": list(room.size_m),
                      "materials": room.materials, "device_m": list(room.device_m),
                      "rt60_eyring_s": list(room.rt60_eyring_s),
                      "rt60_s": round(room.rt60_s, 3), "bands_hz": [125, 250, 500, 1000,
                                                                   2000, 4000, 8000]},
             "microphones_m": [[round(float(v), 4) for v in m] for m in mics],
             "sources": {s.id: {"room_m": [round(float(v), 3) for v in s.position_m],
                                "kind": s.kind, **(_azimuth(cams[s.id]) if s.id in cams
                                                   else {})} for s in sources},
             **mix.truth}
    audio = mix.audio[:, 0] if mix.audio.shape[1] == 1 else mix.audio
    return audio, mix.playback, truth


@cache
def shared_voices() -> VoiceBank:
    """One bank per process: a worker rendering many sessions loads Kokoro once."""
    return VoiceBank()


def render_session(script: Script, out_dir: str | Path, voices: VoiceBank | None = None,
                   video: bool = True) -> Path:
    """Render and write the session; returns its directory. ``voices``: the bank to speak
    with (default: this process's ``shared_voices``). ``video=False``: no video.mp4, the
    truth complete all the same."""
    voices = voices or shared_voices()
    rng = np.random.default_rng(script.seed)
    persons = {p.id: p for p in script.persons}
    n = int(round(script.duration_s * SAMPLE_RATE_HZ))
    tracks: dict[tuple[str, bool], np.ndarray] = {}
    device_track = None
    spoken: dict[str, list[Spoken]] = {p.id: [] for p in script.persons}
    looks = looks_by_person(script)
    utterances, turns, utt_info = [], [], {}
    for i, line in enumerate(sorted(script.lines, key=lambda ln: ln.start_s)):
        person = persons.get(line.speaker)
        dry = _speak(line, person, script, voices)
        start = int(line.start_s * SAMPLE_RATE_HZ)
        dry = dry[: max(n - start, 0)]
        if len(dry) == 0:
            continue
        end_s = (start + len(dry)) / SAMPLE_RATE_HZ
        if person is None:
            turns.append(DeviceTurn(round(line.start_s, 3), round(end_s, 3), line.text))
            if not script.device_echo:
                continue
            if device_track is None:
                device_track = np.zeros(n, np.float32)
            device_track[start:start + len(dry)] += dry
            continue
        spoken[person.id].append(Spoken(line, dry, line.start_s, end_s))
        uid = f"u{i:03d}"
        utterances.append(Utterance(uid, round(line.start_s, 3), round(end_s, 3),
                                    person.id, line.addressee == "device",
                                    line.addressee, line.text))
        utt_info[uid] = {"category": line.category, "gain_db": round(line.gain_db, 2),
                         "rate_scale": round(line.rate_scale, 3),
                         "pitch_st": round(line.pitch_st, 3),
                         "f0_range": round(line.f0_range, 3), "voice": person.voice,
                         "voice_engine": "recording" if line.recording
                         else voices.engine_for(voices.voice(person.voice))}
        if line.recording:
            utt_info[uid]["recording"] = line.recording
        source = loudspeaker(dry) if person.is_media else dry
        facing = _faces_device(looks, person, line, end_s)
        utt_info[uid]["faces_device"] = facing
        track = tracks.setdefault((person.id, facing), np.zeros(n, np.float32))
        track[start:start + len(source)] += source * 10 ** (line.gain_db / 20)
    audio, playback, acoustics = _render_audio(script, tracks, device_track, n, rng)

    visible = [p for p in script.persons if p.visible] if script.camera_on else []
    video_path = None
    frames_truth: list = []
    if script.camera_on:
        video_path, frames_truth = _render_video(script, visible, spoken, rng, video)
    _add_looking(utt_info, utterances, frames_truth, script.fps)
    truth = {"fps": script.fps if script.camera_on else 0.0, "frames": frames_truth,
             "video_rendered": video_path is not None,
             "utterances": utt_info, "acoustics": acoustics,
             "conventions": "angles in degrees; yaw/pitch in the camera frame, *_rel "
                            "relative to facing the camera; see ntt.sim.face_render. "
                            "acoustics: room frame x along the device's wall, y into the "
                            "room, z up (metres); camera frame x image right, y down, z "
                            "out of the lens; azimuth atan2(x, z), see ntt.sim.acoustics"}
    labels = Labels(tuple(utterances), tuple(turns))
    participants = tuple(p.id for p in script.persons) + script.participants_extra
    try:
        return write_session(out_dir, audio=audio, video_path=video_path,
                             fps=script.fps if video_path is not None else 0.0,
                             device=script.device, participants=participants, labels=labels,
                             notes=script.notes, scenario=script.scenario,
                             extra_files={"truth.json": truth}, playback=playback)
    finally:
        if video_path is not None:
            shutil.rmtree(video_path.parent, ignore_errors=True)


def _add_looking(info: dict, utterances: list[Utterance], frames: list, fps: float) -> None:
    """Per utterance: did the speaker look at the device for most of it (for --stats)."""
    for u in utterances:
        if not frames:
            info[u.id]["looking"] = None
            continue
        f0, f1 = int(u.start_s * fps), int(u.end_s * fps)
        seen = [frames[f]["persons"][u.speaker]["looking_at_device"]
                for f in range(f0, min(f1 + 1, len(frames)))
                if u.speaker in frames[f]["persons"]]
        info[u.id]["looking"] = (sum(seen) / len(seen) > 0.5) if seen else None


def _slide_x(p: Person, t_s: float) -> float | None:
    """Horizontal position (fraction of width) while entering/leaving; None when away."""
    if t_s < p.enter_s or t_s > p.leave_s:
        return None
    edge = -0.2 if p.x_frac < 0.5 else 1.2
    k = 1.0
    if p.enter_s > 0 and t_s < p.enter_s + ENTER_S:
        k = (t_s - p.enter_s) / ENTER_S
    if math.isfinite(p.leave_s) and t_s > p.leave_s - ENTER_S:
        k = min(k, (p.leave_s - t_s) / ENTER_S)
    return edge + (p.x_frac - edge) * k


def _render_video(script: Script, visible: list[Person], spoken: dict[str, list[Spoken]],
                  rng: np.random.Generator, draw: bool = True) -> tuple[Path | None, list]:
    """The video (None when not ``draw``) and every frame's truth, which does not depend
    on whether the frames are drawn."""
    w, h = script.size_wh
    n_frames = int(math.ceil(script.duration_s * script.fps))
    focal_px = (w / 2) / math.tan(math.radians(script.hfov_deg) / 2)
    room = draw_room(w, h, rng, script.brightness)  # drawn either way: the same rng stream
    order = sorted(visible, key=lambda p: -p.distance_m)  # far first
    looks = looks_by_person(script)
    mouths = {p.id: _mouth_track(spoken[p.id], n_frames, script.fps) for p in visible}
    blinks = {p.id: _blink_times(script.duration_s, rng) for p in visible}
    sway = {p.id: rng.uniform(0, 2 * math.pi, 3) for p in visible}
    shirts = {p.id: tuple(float(c) for c in rng.uniform(30, 200, 3)) for p in visible}
    speaking_spans = {p.id: [(s.start_s, s.end_s) for s in spoken[p.id]] for p in visible}
    frames_truth: list = []

    def frames():
        # Camera noise: a bank of frames drawn once, each repeated side by side so that a
        # random horizontal roll of it is a view (added with saturation in one pass).
        bank = [np.tile(np.round(rng.normal(0, script.camera_noise, (h, w, 3))), (1, 2, 1))
                .astype(np.int16) for _ in range(NOISE_BANK)] if draw else []
        for f in range(n_frames):
            t = f / script.fps
            canvas = room.copy() if draw else None
            people = {}
            for p in order:
                x_frac = _slide_x(p, t)
                if x_frac is None:
                    continue
                model = textured_face(p.identity)
                yaw, pitch, gaze_yaw, gaze_pitch = pose_at(looks.get(p.id, []), t)
                ph = sway[p.id]
                yaw += 2.0 * math.sin(0.7 * t + ph[0])
                pitch += 1.5 * math.sin(0.5 * t + ph[1])
                roll = 2.0 * math.sin(0.3 * t + ph[2])
                eye_open = _eye_open(blinks[p.id], t)
                cx, cy = x_frac * w, p.y_frac * h
                # Angles of the face's position off the optical axis (camera frame).
                off_yaw = math.degrees(math.atan2(w / 2 - cx, focal_px))
                off_pitch = math.degrees(math.atan2(cy - h / 2, focal_px))
                # The renderer works in the camera frame: facing the camera from off-axis
                # means turning towards it.
                pose = FacePose(yaw_deg=yaw + off_yaw, pitch_deg=pitch + off_pitch,
                                roll_deg=roll,
                                gaze_yaw_deg=gaze_yaw, gaze_pitch_deg=gaze_pitch,
                                eye_open=eye_open, mouth_open=float(mouths[p.id][f]),
                                light=(0.3 * math.cos(ph[0]), -0.4, -1.0))
                face_px = focal_px * FACE_HEIGHT_M / p.distance_m
                occluded = any(a <= t <= b for a, b in p.occluded)
                if canvas is not None:
                    _draw_body(canvas, cx, cy, face_px, yaw, shirts[p.id], model.skin_bgr)
                    lm = model.render(canvas, (cx, cy), face_px, pose,
                                      brightness=script.brightness, focal_px=focal_px)
                    if occluded:
                        _draw_occluder(canvas, lm, shirts[p.id])
                else:
                    lm = model.landmarks((w, h), (cx, cy), face_px, pose, focal_px=focal_px)
                x0, y0 = lm[:, 0].min(), lm[:, 1].min()
                box = [int(x0), int(y0), int(lm[:, 0].max() - x0), int(lm[:, 1].max() - y0)]
                looking = math.hypot(yaw + gaze_yaw, pitch + gaze_pitch) < LOOKING_AT_DEVICE_DEG
                in_frame = 0 <= cx < w and 0 <= cy < h
                people[p.id] = {
                    "box": box, "yaw": round(yaw + off_yaw, 2),
                    "pitch": round(pitch + off_pitch, 2), "roll": round(roll, 2),
                    "yaw_rel": round(yaw, 2), "pitch_rel": round(pitch, 2),
                    "gaze_yaw": round(gaze_yaw, 2), "gaze_pitch": round(gaze_pitch, 2),
                    "eye_open": round(eye_open, 2), "in_frame": in_frame,
                    "occluded": occluded, "looking_at_device": looking and in_frame,
                    "speaking": any(a <= t <= b for a, b in speaking_spans[p.id]),
                }
            frames_truth.append({"t": round(t, 4), "persons": people})
            if canvas is None:
                continue
            if script.blur_px > 0:
                canvas = cv2.GaussianBlur(canvas, (0, 0), script.blur_px)
            roll_px = int(rng.integers(0, w))
            yield cv2.add(canvas, bank[f % NOISE_BANK][:, w - roll_px:2 * w - roll_px],
                          dtype=cv2.CV_8U)

    if not draw:
        for _ in frames():
            pass
        return None, frames_truth
    tmp = Path(tempfile.mkdtemp(prefix="ntt-render-")) / "video.mp4"
    try:
        write_video(tmp, frames(), script.fps)
    except BaseException:
        shutil.rmtree(tmp.parent, ignore_errors=True)
        raise
    return tmp, frames_truth


def _draw_body(canvas: np.ndarray, cx: float, cy: float, face_px: float, yaw_deg: float,
               shirt_bgr: tuple, skin_bgr: tuple) -> None:
    """Neck and shoulders under the head, so a person is more than a floating face."""
    shift = face_px * 0.15 * math.sin(math.radians(yaw_deg))
    neck_w = int(face_px * 0.28)
    top = int(cy + face_px * 0.3)
    cv2.rectangle(canvas, (int(cx - neck_w + shift), top),
                  (int(cx + neck_w + shift), int(cy + face_px * 0.95)), skin_bgr, -1)
    centre = (int(cx + shift * 0.5), int(cy + face_px * 1.45))
    axes = (int(face_px * 1.15 * (0.75 + 0.25 * math.cos(math.radians(yaw_deg)))),
            int(face_px * 0.6))
    cv2.ellipse(canvas, centre, axes, 0, 180, 360, shirt_bgr, -1)
    cv2.rectangle(canvas, (centre[0] - axes[0], centre[1]),
                  (centre[0] + axes[0], int(centre[1] + face_px * 1.5)), shirt_bgr, -1)


def _draw_occluder(canvas: np.ndarray, landmarks: np.ndarray, colour: tuple) -> None:
    """A raised mug/hand over the mouth and chin (lower third of the face)."""
    x0, x1 = landmarks[:, 0].min(), landmarks[:, 0].max()
    y0, y1 = landmarks[:, 1].min(), landmarks[:, 1].max()
    top = int(y0 + (y1 - y0) * 0.62)
    cv2.rectangle(canvas, (int(x0 + (x1 - x0) * 0.2), top), (int(x1 - (x1 - x0) * 0.15),
                                                           int(y1 + (y1 - y0) * 0.2)),
                  tuple(c * 0.8 for c in colour), -1)


def _blink_times(duration_s: float, rng: np.random.Generator) -> list[float]:
    times, t = [], float(rng.uniform(0.5, 3.0))
    while t < duration_s:
        times.append(t)
        t += float(rng.uniform(2.0, 6.0))
    return times


def _eye_open(blinks: list[float], t_s: float, blink_s: float = 0.15) -> float:
    for b in blinks:
        if b <= t_s <= b + blink_s:
            return float(abs((t_s - b) / blink_s * 2 - 1))
    return 1.0
