"""The bundled sample sessions (``datasets/samples/``), written as hand-made scripts.

Regenerate with ``python -m ntt.sim.samples datasets/samples``.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from ntt.sim.photos import Identity
from ntt.sim.render import render_session
from ntt.sim.scenarios import make_script
from ntt.sim.script import Line, Look, Person, Script

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
                  camera_noise=1.5, device="smart-display-10", hfov_deg=80.0,
                  scenario="single-user", notes="bundled sample: a request, side talk with an "
                  "off-camera person while turned away, a second request")


def two_people() -> Script:
    """Two people on camera talking with each other and to the device (simulated)."""
    return replace(make_script("two-people", 11, 20.0, "test"), camera_noise=1.5, blur_px=0.0)


def camera_off() -> Script:
    """Audio only: the camera is off, decisions come from audio and language."""
    return make_script("camera-off", 5, 20.0, "test")


SAMPLES = {"living-room": living_room, "two-people": two_people, "camera-off": camera_off}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    for name, make in SAMPLES.items():
        path = render_session(make(), args.out / name)
        size = sum(f.stat().st_size for f in path.iterdir())
        print(f"{path}: {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
