"""The bundled sample sessions (``datasets/samples/``), written as hand-made scripts: every
person, line and look spelled out, never drawn by ``ntt.sim.scenarios``, so that a change to
the scenario generator cannot silently change a sample the tests read. Version-2 sessions,
one channel per microphone of their device's array and the playback reference, stored as
FLAC (``audio.flac``, ``playback.flac``: lossless, 60 % and 10 % of the WAV) so the three
fit in 5 MB.

Regenerate with ``python -m ntt.sim.samples datasets/samples``.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import soundfile as sf

from ntt.calibration.profile import load_profile
from ntt.io.session import SESSION_FILE, load_session
from ntt.sim.photos import Identity
from ntt.sim.render import render_session
from ntt.sim.script import Line, Look, Person, Script
from ntt.sim.voices import VoiceBank

SIZE_BUDGET_MB = 5.0

ANNA = Person("anna", Identity("astronaut"), voice="f-gongitsune-us", pitch=60, x_frac=0.42,
              distance_m=1.3)
BEN = Person("ben", None, voice="m-kumo-rp", pitch=40, x_frac=-0.3, distance_m=1.8)  # off
# camera, to the left


def living_room() -> Script:
    """One person who talks to the device while facing it and to someone off camera while
    turned away; the device answers twice."""
    lines = (
        Line("anna", 0.6, "Turn on the kitchen lights.", "device", gain_db=2.0),
        Line("device", 2.6, "Turning on the kitchen lights.", "none"),
        Line("anna", 5.4, "Did you remember to call your mother?", "ben"),
        Line("ben", 7.8, "Yes, I called her this morning.", "anna"),
        Line("anna", 10.2, "I think the game starts at eight tonight.", "ben"),
        Line("anna", 13.4, "What is the weather like tomorrow?", "device", gain_db=2.0),
        Line("device", 15.6, "Tomorrow will be sunny with a high of eighteen degrees.", "none"),
    )
    looks = (
        Look("anna", 0.0, 0.0),
        Look("anna", 4.6, -55.0, 0.0, -10.0),
        Look("anna", 12.4, 0.0),
    )
    return Script(duration_s=19.0, persons=(ANNA, BEN), lines=lines, looks=looks, seed=7,
                  camera_noise=1.5, device="smart-display-8", hfov_deg=75.0,
                  scenario="single-user", notes="bundled sample: a request, side talk with an "
                  "off-camera person while turned away, a second request")


LAPTOP_HFOV_DEG = load_profile("laptop-webcam").camera.hfov_deg


def two_people() -> Script:
    """Two people on camera, heard by a laptop's two lid microphones: ben walks in, asks the
    device to turn the lights off while facing it, talks to anna turned towards her, then
    faces the device for a second request; anna only talks to ben."""
    anna = Person("anna", Identity("astronaut", mirrored=True), voice="f-tebukuro-low-us",
                  pitch=66, rate_wpm=170, x_frac=0.22, distance_m=1.1)
    ben = Person("ben", Identity("grace_hopper", mirrored=True), voice="m-kumo-us",
                 pitch=45, rate_wpm=165, x_frac=0.8, distance_m=1.4, enter_s=2.8)
    lines = (
        Line("anna", 1.1, "The party starts at half past six.", "ben"),
        Line("ben", 4.5, "Turn off all the lights downstairs.", "device", gain_db=2.0),
        Line("device", 7.6, "Okay, they're off.", "none"),
        Line("ben", 9.7, "By the way, how do you make it play the Beatles?", "anna"),
        Line("ben", 14.6, "How far is it to Istanbul?", "device", gain_db=2.0),
    )
    looks = (  # positive yaw turns to the image's right (where ben stands)
        Look("anna", 0.0, 5.0),
        Look("anna", 0.8, 65.0, -5.0, 3.0),
        Look("ben", 2.8, -5.0),
        Look("anna", 8.8, -3.0, 0.0, -3.0),
        Look("ben", 9.3, -67.0, 0.0, -2.0),
        Look("anna", 10.4, 68.0, -5.0, 8.0),
        Look("ben", 14.1, -5.0, 0.0, 2.0),
    )
    return Script(duration_s=18.0, persons=(anna, ben), lines=lines, looks=looks, seed=11,
                  ser_db=-4.0, camera_noise=1.5, device="laptop-webcam",
                  hfov_deg=LAPTOP_HFOV_DEG, scenario="two-people",
                  notes="bundled sample: two people on camera, one of them talks to the "
                  "device facing it and to the other turned away")


def camera_off() -> Script:
    """Audio only: the camera is off, three people talk with each other (never to the
    device), one of them from across the room: decisions come from audio and language."""
    anna = Person("anna", Identity("astronaut"), voice="f-gongitsune-nezumi-us", pitch=59,
                  x_frac=0.3, distance_m=1.1)
    ben = Person("ben", Identity("grace_hopper"), voice="m-kumo-rp", pitch=46, rate_wpm=157,
                 x_frac=0.72, distance_m=1.6)
    carla = Person("carla", None, voice="f-alpha-tebukuro-wmid", pitch=55, x_frac=1.3,
                   distance_m=2.0)
    lines = (
        Line("ben", 0.6, "By the way, how are you feeling today?", "anna"),
        Line("ben", 4.8, "I bought garlic but forgot the pasta.", "anna"),
        Line("carla", 8.4, "I'm going to bed.", "anna"),
        Line("ben", 10.6, "We're going to Stockholm at half past five.", "anna"),
        Line("carla", 14.2, "And then we left.", "ben"),
    )
    return Script(duration_s=16.5, persons=(anna, ben, carla), lines=lines, seed=5,
                  snr_db=25.0, camera_on=False, device="laptop-webcam",
                  hfov_deg=LAPTOP_HFOV_DEG, scenario="camera-off",
                  notes="bundled sample: the camera is off, people talk with each other")


SAMPLES = {"living-room": living_room, "two-people": two_people, "camera-off": camera_off}


def to_flac(session_dir: Path) -> None:
    """Store the session's audio and playback as FLAC (the format names its files)."""
    meta_path = session_dir / SESSION_FILE
    meta = json.loads(meta_path.read_text())
    for key in ("audio", "playback"):
        name = meta.get(key)
        if not name or not name.endswith(".wav"):
            continue
        data, rate = sf.read(session_dir / name, dtype="int16", always_2d=True)
        flac = Path(name).with_suffix(".flac").name
        sf.write(session_dir / flac, data, rate, subtype="PCM_16")
        (session_dir / name).unlink()
        meta[key] = flac
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    load_session(session_dir)  # still a valid session


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    voices = VoiceBank()
    total = 0
    for name, make in SAMPLES.items():
        if (args.out / name).exists():
            shutil.rmtree(args.out / name)
        path = render_session(make(), args.out / name, voices)
        to_flac(path)
        size = sum(f.stat().st_size for f in path.iterdir())
        total += size
        print(f"{path}: {size / 1e6:.2f} MB")
    print(f"total {total / 1e6:.2f} MB (budget {SIZE_BUDGET_MB:g} MB)")
    return 0 if total <= SIZE_BUDGET_MB * 1e6 else 1


if __name__ == "__main__":
    raise SystemExit(main())
