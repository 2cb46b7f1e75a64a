"""Device-audio front-end figures (issue 18, requirement 7) on real speech in simulated
rooms (pyroomacoustics image sources, frequency-independent absorption for the RT60):

* echo return loss enhancement of the canceller on the device's own replies (espeak-ng,
  what ``ntt live`` plays), over the first reply while the filter adapts and afterwards,
  and how many VAD utterances the device's own voice still causes without a talker;
* direction-of-arrival error against the rendered truth for two talkers >= 30 degrees
  apart, per shipped array;
* active-speaker accuracy with and without the direction, two faces in view whose lips
  move with their own voices plus fidgeting (synthetic lip series, real audio);
* cost per second of audio of the front-end and the direction stage, as CPU seconds of
  this process (``time.process_time``: on a shared machine wall time also counts the
  other processes' turns).

    .venv/bin/python benchmarks/bench_device_audio.py [--pairs 12] [--json] [--only echo]

Echo, measured 2026-12-02 (x86-64, 2 cores shared with ~5 other sessions, load ~10),
``--only echo --json``: ERLE per reply (dB), five espeak-ng replies 1.5 s apart, and VAD
utterances the device's own voice opened (of 5 replies):

    array       linear filter only        + residual suppressor     next session (memory)
    laptop      7.9 18.0 24.7 27.5 32.7 2  8.6 30.7 36.0 35.8 37.3 1  34.0 37.0 39.2 39.1 39.1 0
    display-8   7.7 17.8 24.5 27.6 33.2 3  8.4 30.6 36.3 36.2 37.7 1  32.6 36.3 39.4 39.0 39.2 0
    display-10  8.4 18.2 24.9 28.1 33.7 3  9.1 30.8 36.2 36.5 38.0 1  33.7 35.9 40.3 38.9 39.0 0

The one utterance left with the suppressor is the first reply of a cold canceller (speexdsp
takes ~2.5 s of a reply to learn the room); a device that keeps its echo memory
(``DeviceAudioSettings.echo_memory_file``) starts its next session adapted. Front-end
cost (smart-display-10, 6 channels, AEC running): 0.03 CPU s per s of audio.
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from array_room import RATE, Room, speech_span  # noqa: E402

from ntt.audio.vad import SileroVad, load_silero_model  # noqa: E402
from ntt.calibration.profile import load_profile  # noqa: E402
from ntt.cues import AudioChunk, DirectionCue, MicArrayChunk, SpeechEvent  # noqa: E402
from ntt.device_audio import build_stages  # noqa: E402
from ntt.settings import DeviceAudioSettings  # noqa: E402

PROFILES = ("laptop-webcam", "smart-display-8", "smart-display-10")
COMMANDS = sorted(glob.glob(str(REPO.parent / "shared" / "data" / "speech" / "commands"
                                / "*.wav")))
REPLIES = ("Turning on the kitchen lights.", "The timer is set for ten minutes.",
           "It is sunny today with a high of twenty one degrees.",
           "Sorry, I did not catch that. Could you say it again?",
           "Playing your morning playlist in the living room.")


def _clip(i: int, peak: float = 0.4) -> np.ndarray:
    x = sf.read(COMMANDS[i % len(COMMANDS)], dtype="float32")[0]
    a, b = speech_span(x)
    return x[a:b] / np.abs(x[a:b]).max() * peak


def _stream(front, direction, vad, mics, playback):
    """Everything through front-end → VAD → direction: (mono, events, cues, seconds)."""
    mono, events, cues, spent = [], [], [], 0.0

    def downstream(chunks):
        nonlocal spent
        for a in chunks:
            if not isinstance(a, AudioChunk):  # EchoActivity: the VAD's
                vad.push(a)
                continue
            mono.append(a.samples)
            for item in [*vad.push(a), a]:
                if isinstance(item, SpeechEvent):
                    events.append(item)
                if direction is not None and isinstance(item, SpeechEvent | AudioChunk):
                    t0 = time.process_time()
                    cues.extend(direction.push(item))
                    spent += time.process_time() - t0

    for s in range(0, len(mics), 512):
        t0 = time.process_time()
        out = front.push(MicArrayChunk(s / RATE, mics[s:s + 512],
                                       None if playback is None else playback[s:s + 512]))
        spent += time.process_time() - t0
        downstream(out)
    downstream(front.flush())
    for item in vad.flush():
        events.append(item)
    return np.concatenate(mono), events, cues, spent


def _echo_row(vad_model, cfg: DeviceAudioSettings, mic, echo: np.ndarray,
              playback: np.ndarray, starts: list[float], replies: list[np.ndarray]) -> dict:
    """ERLE per reply and the VAD utterances the device's own voice caused."""
    n = len(echo)
    front, direction = build_stages(cfg, mic, mic.channels)
    mono, events, _, spent = _stream(front, direction, SileroVad(vad_model), echo, playback)
    erle = []
    for s, r in zip(starts, replies, strict=True):
        seg = slice(int(s * RATE), int(s * RATE) + len(r))
        erle.append(10 * np.log10((echo[seg, 0] ** 2).sum() / max((mono[seg] ** 2).sum(),
                                                                 1e-12)))
    return {"erle_db_per_reply": [round(e, 1) for e in erle],
            "vad_utterances": sum(e.kind == "speech_start" for e in events),
            "vad_utterances_after_first_reply": sum(
                e.kind == "speech_start" and e.boundary_s > starts[1] - 0.2 for e in events),
            "cpu_s_per_s": round(spent / (n / RATE), 4)}


def echo_figures(vad_model, seed: int = 0) -> dict:
    """Five replies 1.5 s apart, no talker: ERLE of each, and VAD utterances caused."""
    from ntt.tts import synthesize

    rng = np.random.default_rng(seed)
    out = {}
    for name in PROFILES:
        mic = load_profile(name).microphone
        room = Room(rt60_s=0.4)
        replies = [synthesize(t) for t in REPLIES]
        replies = [r / np.abs(r).max() * 0.5 for r in replies]
        starts, t = [], 0.5
        for r in replies:
            starts.append(t)
            t += len(r) / RATE + 1.5
        n = int(t * RATE)
        playback = np.zeros(n, np.float32)
        for s, r in zip(starts, replies, strict=True):
            playback[int(s * RATE):int(s * RATE) + len(r)] = r
        echo = room.render(mic.positions_m(),
                           [(room.camera_to_room(np.array([0.0, 0.12, 0.0])), playback, 0.0)],
                           n)
        echo *= 0.3 / np.abs(echo).max()
        echo += 10 ** (-65 / 20) * rng.standard_normal(echo.shape).astype(np.float32)
        def figures(cfg: DeviceAudioSettings, echo=echo, playback=playback, starts=starts,
                    replies=replies, mic=mic) -> dict:
            return _echo_row(vad_model, cfg, mic, echo, playback, starts, replies)

        row = {label: figures(cfg) for label, cfg in (
            ("aec", DeviceAudioSettings()),
            ("aec_linear_only", DeviceAudioSettings(residual_echo=False)),
            ("no_aec", DeviceAudioSettings(echo_cancel=False)))}
        # The same device in the same room, the next session: the canceller starts from
        # the echo memory the first session left.
        with tempfile.TemporaryDirectory() as tmp:
            remembering = DeviceAudioSettings(echo_memory_file=str(Path(tmp) / "echo.npz"))
            figures(remembering)
            row["aec_next_session"] = figures(remembering)
        out[name] = row
    return out


def doa_figures(vad_model, pairs: int, seed: int = 1) -> dict:
    """Two talkers, one after the other, >= 30 degrees apart, 1-3 m, RT60 0.2-0.6 s."""
    rng = np.random.default_rng(seed)
    out = {}
    for name in PROFILES:
        mic = load_profile(name).microphone
        errors, confidences, spent, audio_s, missing = [], [], 0.0, 0.0, 0
        for k in range(pairs):
            while True:
                az = rng.uniform(-60, 60, size=2)
                if abs(az[0] - az[1]) >= 30:
                    break
            room = Room(rt60_s=float(rng.uniform(0.2, 0.6)))
            a, b = _clip(2 * k), _clip(2 * k + 1)
            t_b = 1.5 + len(a) / RATE
            sources = [(room.talker_at(az[0], rng.uniform(1, 3), rng.uniform(1.0, 1.6)), a,
                        0.5),
                       (room.talker_at(az[1], rng.uniform(1, 3), rng.uniform(1.0, 1.6)), b,
                        t_b)]
            n = int((t_b + len(b) / RATE + 1.0) * RATE)
            x = room.render(mic.positions_m(), sources, n)
            x *= 0.1 / np.abs(x).max()
            x += 10 ** (-60 / 20) * rng.standard_normal(x.shape).astype(np.float32)
            front, direction = build_stages(DeviceAudioSettings(), mic, mic.channels)
            _, _, cues, s = _stream(front, direction, SileroVad(vad_model), x, None)
            spent, audio_s = spent + s, audio_s + n / RATE
            finals = [c for c in cues if isinstance(c, DirectionCue) and c.final]
            for truth, (lo, hi) in zip(az, ((0.5, t_b), (t_b, n / RATE)), strict=True):
                mine = [c for c in finals if lo - 0.3 <= c.start_s < hi]
                if not mine:
                    missing += 1
                    continue
                best = max(mine, key=lambda c: c.end_s - c.start_s)
                errors.append(abs(best.azimuth_deg - truth))
                confidences.append(best.confidence)
        e = np.array(errors)
        out[name] = {"talkers": 2 * pairs, "located": len(e), "missing": missing,
                     "median_error_deg": round(float(np.median(e)), 1),
                     "p90_error_deg": round(float(np.percentile(e, 90)), 1),
                     "within_10_deg": round(float((e <= 10).mean()), 3),
                     "median_confidence": round(float(np.median(confidences)), 3),
                     "cpu_s_per_s": round(spent / audio_s, 4)}
    return out


def speaker_figures(vad_model, pairs: int, seed: int = 2) -> dict:
    """Which of two faces in view spoke: lip opening = own voice's envelope + fidgeting
    noise (the listener fidgets alone), at several fidget levels; with and without the
    direction of arrival (smart-display-8)."""
    from ntt.cues import Face
    from ntt.fusion.speaker import SpeakerAssociation

    rng = np.random.default_rng(seed)
    name = "smart-display-8"
    mic, camera = load_profile(name).microphone, load_profile(name).camera_geometry()
    k_mat = camera.camera_matrix(1280, 720)
    results = {}
    trials = []
    for k in range(pairs):
        while True:
            az = rng.uniform(-35, 35, size=2)
            if abs(az[0] - az[1]) >= 30:
                break
        room = Room(rt60_s=float(rng.uniform(0.2, 0.6)))
        voices = [_clip(2 * k + 20), _clip(2 * k + 21)]
        t_b = 1.5 + len(voices[0]) / RATE
        n = int((t_b + len(voices[1]) / RATE + 1.0) * RATE)
        sources = [(room.talker_at(az[0], rng.uniform(1, 2.5)), voices[0], 0.5),
                   (room.talker_at(az[1], rng.uniform(1, 2.5)), voices[1], t_b)]
        x = room.render(mic.positions_m(), sources, n)
        x *= 0.1 / np.abs(x).max()
        front, direction = build_stages(DeviceAudioSettings(), mic, mic.channels)
        mono, _, cues, _ = _stream(front, direction, SileroVad(vad_model), x, None)
        finals = [c for c in cues if isinstance(c, DirectionCue) and c.final]
        # Each talker's own envelope at 15 fps, from the dry voices placed in time.
        own = np.zeros((2, n))
        own[0, int(0.5 * RATE):int(0.5 * RATE) + len(voices[0])] = voices[0]
        own[1, int(t_b * RATE):int(t_b * RATE) + len(voices[1])] = voices[1]
        hop = RATE // 15
        env = np.sqrt((own[:, :n // hop * hop].reshape(2, -1, hop) ** 2).mean(axis=2))
        env = env / env.max()
        mix = mono[:n // hop * hop].reshape(-1, hop)
        level = 10 * np.log10((mix ** 2).mean(axis=1) + 1e-10)
        trials.append((az, finals, env, level, t_b))
    for fidget in (0.1, 0.3, 0.6):
        hits = {"with_doa": 0, "without_doa": 0}
        total = 0
        for az, finals, env, level, t_b in trials:
            lips = env + fidget * np.abs(rng.standard_normal(env.shape)).cumsum(axis=1) % 1.0
            for cue in finals:
                who = 0 if cue.start_s < t_b - 0.3 else 1
                total += 1
                for label, cam in (("with_doa", camera), ("without_doa", None)):
                    assoc = SpeakerAssociation(cam)
                    for i in range(env.shape[1]):
                        t = i / 15
                        if cue.start_s <= t <= cue.end_s:
                            assoc.observe_level(t, level[i])
                            assoc.observe_faces(t, tuple(
                                Face(track_id=j, box_xywh=(int(k_mat[0, 2] + k_mat[0, 0]
                                                               * np.tan(np.radians(az[j])))
                                                           - 40, 300, 80, 100),
                                     yaw_deg=0, pitch_deg=0, roll_deg=0,
                                     mouth_open=float(lips[j, i]), mouth_activity=0.5)
                                for j in (0, 1)))
                    assoc.observe_direction(cue)
                    faces = tuple(Face(track_id=j, box_xywh=(int(
                        k_mat[0, 2] + k_mat[0, 0] * np.tan(np.radians(az[j]))) - 40, 300, 80,
                        100), yaw_deg=0, pitch_deg=0, roll_deg=0) for j in (0, 1))
                    c = assoc.choose(cue.end_s, faces, cue.start_s, (1280, 720))
                    hits[label] += int(c.visible and c.face.track_id == who)
        results[f"fidget_{fidget}"] = {k: round(v / max(total, 1), 3) for k, v in hits.items()}
        results[f"fidget_{fidget}"]["utterances"] = total
    return results


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pairs", type=int, default=12, help="talker pairs per array")
    p.add_argument("--json", action="store_true")
    p.add_argument("--only", choices=("echo", "doa", "speaker"), help="one group of figures")
    args = p.parse_args()
    import platform

    vad_model = load_silero_model()
    t0 = time.perf_counter()
    doc = {"machine": f"{platform.machine()} {platform.processor() or ''}".strip()
           + f", {__import__('os').cpu_count()} cores",
           "wall_s": 0.0}
    groups = {"echo": lambda: echo_figures(vad_model),
              "doa": lambda: doa_figures(vad_model, args.pairs),
              "speaker": lambda: speaker_figures(vad_model, max(4, args.pairs // 2))}
    for name, figures in groups.items():
        if args.only in (None, name):
            doc[name] = figures()
    doc["wall_s"] = round(time.perf_counter() - t0, 1)
    doc["load_average_1min"] = round(__import__("os").getloadavg()[0], 1)
    if args.json:
        print(json.dumps(doc, indent=2))
    else:
        for key, value in doc.items():
            print(key, json.dumps(value, indent=1) if isinstance(value, dict) else value)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
