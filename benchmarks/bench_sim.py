"""Simulator speed (issue 19, requirement 5; target: a 40 s session rendered in <= 15 s on
one core): CPU seconds (``time.process_time``, one process, onnxruntime and BLAS on one
thread) per 40 s ``mixed`` session, with video and audio-only, split into the stages
that cost (the voices: Kokoro and the WORLD prosody; the room; the video).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_sim.py [--seeds 7 8] [--duration 40]

Measured on this project's 2-core AMD EPYC machine while five other engineers' jobs ran
(load average 10-14 on 2 cores: CPU seconds are inflated by contention, wall clock is
meaningless), ``mixed`` seeds 7 (one face, 13 lines) and 8 (two faces, 12 lines), 40 s,
the same scripts through both renderers:

    renderer                                    with video    audio-only
    before (render.py/face_render.py of 50a7fe8)  26.0, 26.3    (no such mode)
    after                                        21.3, 21.0    17.2, 17.5

(after also applies WORLD prosody to every line the generator gave a pitch change:
0.6-0.9 s). Where the time goes, after, per session: voices 12.3-14.9 s (Kokoro-82M;
the prosody inside it), room impulse responses and mix 2.2-3.3 s, video 3.7 s (one face)
and 4.9 s (two), frames' truth without video 0.3-0.6 s, writing 0.5-0.8 s.

Before, profiled (cProfile, seed 7 of the generator of the time: 16 lines, two faces):
the face rasteriser 23.1 of 43.3 profiled CPU s (1.08 M ``fillConvexPoly`` and
``np.round`` calls, one per triangle per face per frame), Kokoro 13.4 s, impulse
responses 2.1 s, truth JSON 0.9 s, video encode 0.8 s. The rasteriser is now one
vectorised pass (11 -> 4 ms for a 70 px face); ``ntt simulate`` loads Kokoro once per
worker process, not per session (0.8 CPU s, up to 10 s wall, each). What is left is
Kokoro-82M itself, ~0.45 CPU s per second of speech on one thread, 65% of it in the int8
model's ``ConvInteger``: the 15 s target is missed with video (21 s) and just missed
audio-only (17 s); only a faster voice would close that.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ntt.sim.render import render_session, shared_voices  # noqa: E402
from ntt.sim.scenarios import make_script  # noqa: E402

STAGES = {"voices": "_speak", "prosody_in_voices": "apply_prosody", "room": "_render_audio",
          "video_or_truth": "_render_video", "write": "write_session"}


def _stages(profile: cProfile.Profile) -> dict[str, float]:
    stats = pstats.Stats(profile).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    out = {}
    for stage, name in STAGES.items():
        out[stage] = round(sum(v[3] for k, v in stats.items() if k[2] == name), 2)
    return out


def measure(seed: int, duration_s: float, video: bool, root: str) -> dict:
    script = make_script("mixed", seed, duration_s)
    profile = cProfile.Profile(time.process_time)
    t0 = time.process_time()
    profile.enable()
    render_session(script, f"{root}/{seed}-{video}", voices=shared_voices(), video=video)
    profile.disable()
    return {"seed": seed, "video": video, "cpu_s": round(time.process_time() - t0, 2),
            "faces": sum(p.visible for p in script.persons) if script.camera_on else 0,
            "lines": len(script.lines), **_stages(profile)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--duration", type=float, default=40.0)
    p.add_argument("--seeds", type=int, nargs="+", default=[7, 8])
    args = p.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as root:
        render_session(make_script("mixed", 999, 8.0), f"{root}/warm",
                       voices=shared_voices())  # models loaded, face meshes built
        for seed in args.seeds:
            for video in (True, False):
                rows.append(measure(seed, args.duration, video, root))
                print(json.dumps(rows[-1]), flush=True)
    for video in (True, False):
        cpu = [r["cpu_s"] for r in rows if r["video"] == video]
        print(f"{'with video' if video else 'audio-only'}: {sum(cpu) / len(cpu):.1f} CPU s "
              f"per {args.duration:g} s session (mean of {len(cpu)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
