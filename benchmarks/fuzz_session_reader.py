"""Mutation fuzz of the session reader (issue 25): N mutated copies of one valid session
through ``load_session``; anything but a Session or one ``InputError`` is a crash.

    .venv/bin/python benchmarks/fuzz_session_reader.py [--mutations 6500] [--seed 0]

Mutations: a field of session.json or of a label set to a random value (big and huge
numbers, deeply nested JSON, long, NUL-containing, absolute and ``..`` names, wrong types),
a whole document replaced, a file truncated or overwritten with garbage, a file replaced by a
symlink loop, a directory or nothing. Prints the crash count by exception type.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

import numpy as np

SESSION_KEYS = ("format", "version", "audio", "video", "device", "fps", "sample_rate",
                "participants", "notes", "scenario", "channels", "playback")
LABEL_KEYS = ("id", "start", "end", "speaker", "directed", "addressee", "text")
FILES = ("session.json", "labels.json", "audio.wav", "video.mp4")


def make_valid(root: Path) -> Path:
    import cv2
    from skimage import data

    from ntt.io.session import Labels, Utterance, write_session
    from ntt.io.video_file import write_video

    audio = (0.1 * np.sin(np.arange(32000) / 10)).astype(np.float32)
    frame = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (64, 64))
    video = root / "src.mp4"
    write_video(video, [frame] * 12, 5.0)
    labels = Labels((Utterance("u1", 0.5, 1.5, "anna", True, "device", "lights on"),))
    return write_session(root / "valid", audio=audio, video_path=video, fps=5.0,
                         participants=("anna",), labels=labels)


def deep(rng: random.Random) -> str:
    """Raw JSON text json.dumps cannot make: nesting thousands deep, or 5,000 digits."""
    if rng.random() < 0.2:
        return "9" * 5000
    depth = rng.choice([50, 1000, 5000, 100_000])
    opener, closer = rng.choice([("[", "]"), ('{"a":', "}")])
    return opener * depth + "1" + closer * depth  # raw JSON text


def value(rng: random.Random) -> object:
    kind = rng.randrange(14)
    if kind == 0:
        return int("9" * rng.choice([20, 400, 4000]))
    if kind == 1:
        return -int("9" * rng.choice([20, 400]))
    if kind == 2:
        return rng.choice([1e308, -1e308, 5e-324, 0.0, -0.0])
    if kind == 3:
        return "x" * rng.choice([256, 5000, 70000])
    if kind == 4:
        return rng.choice(["a\0b", "\0", "audio.wav\0.txt"])
    if kind == 5:
        return rng.choice(["/etc/passwd", "../valid/audio.wav", "/proc/self/mem", "/", ".",
                           "..", "", "sub/" * 200 + "x"])
    if kind == 6:
        return rng.choice([None, True, False, [], {}, [1, 2], {"a": 1}])
    if kind == 7:
        return rng.randint(-10, 10**6)
    if kind == 8:
        return rng.uniform(-1e6, 1e6)
    if kind == 9:
        return "".join(chr(rng.randrange(1, 0x10FFFF)) for _ in range(rng.randrange(1, 30))
                       ).encode("utf-8", "replace").decode("utf-8", "replace")
    if kind == 10:
        nested: object = 1
        for _ in range(rng.choice([10, 200])):
            nested = [nested] if rng.random() < 0.5 else {"k": nested}
        return nested
    if kind == 11:
        return {"name": "x", "camera": {"hfov_deg": int("9" * 400)}}
    if kind == 12:
        return rng.choice(["laptop-webcam", "smart-display-8", "nonexistent", "x.toml"])
    return "audio.wav"


def mutate(rng: random.Random, s: Path) -> str:
    op = rng.randrange(8)
    if op in (0, 1):
        meta = json.loads((s / "session.json").read_text())
        key = rng.choice(SESSION_KEYS)
        if rng.random() < 0.1:
            meta.pop(key, None)
            text = json.dumps(meta)
        else:
            meta[key] = value(rng)
            text = json.dumps(meta)
            if rng.random() < 0.15:  # deep nesting as raw text, too deep for json.dumps
                text = text[:-1] + f', "{key}x": ' + deep(rng) + "}"
        (s / "session.json").write_text(text)
        return f"session.{key}"
    if op == 2:
        labels = json.loads((s / "labels.json").read_text())
        key = rng.choice(LABEL_KEYS)
        labels["utterances"][0][key] = value(rng)
        (s / "labels.json").write_text(json.dumps(labels))
        return f"labels.{key}"
    if op == 3:
        name = rng.choice(["session.json", "labels.json"])
        text = deep(rng) if rng.random() < 0.5 else json.dumps(value(rng))
        (s / name).write_text(text)
        return f"doc.{name}"
    if op == 4:
        name = rng.choice(FILES)
        data = (s / name).read_bytes()
        cut = int(len(data) * rng.random())
        (s / name).write_bytes(data[:cut] + rng.randbytes(rng.randrange(0, 64)))
        return f"cut.{name}"
    if op == 5:
        name = rng.choice(FILES)
        (s / name).unlink()
        os.symlink(name, s / name)  # a loop onto itself
        return f"loop.{name}"
    if op == 6:
        name = rng.choice(FILES)
        (s / name).unlink()
        if rng.random() < 0.5:
            (s / name).mkdir()
        return f"gone.{name}"
    name = rng.choice(["session.json", "labels.json"])
    (s / name).write_bytes(rng.choice([b"\xff\xfe\x00", b"{\"a\": \"\xc3\"}", b""]))
    return f"bytes.{name}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mutations", type=int, default=6500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show", type=int, default=3, help="tracebacks to print per type")
    args = ap.parse_args()
    from ntt.errors import InputError
    from ntt.io.session import load_session

    rng = random.Random(args.seed)
    crashes: collections.Counter = collections.Counter()
    where: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    shown: collections.Counter = collections.Counter()
    with tempfile.TemporaryDirectory() as tmp:
        valid = make_valid(Path(tmp))
        for _ in range(args.mutations):
            s = Path(tmp) / "s"
            if s.exists() or s.is_symlink():
                shutil.rmtree(s)
            shutil.copytree(valid, s)
            what = mutate(rng, s)
            try:
                load_session(s)
            except InputError as exc:
                assert "\n" not in str(exc), str(exc)
            except Exception as exc:  # noqa: BLE001 - the fuzz counts whatever escapes
                name = type(exc).__name__
                crashes[name] += 1
                where[name][what] += 1
                if shown[name] < args.show:
                    shown[name] += 1
                    print(f"--- {name} after {what}", file=sys.stderr)
                    traceback.print_exc(limit=-3)
    total = sum(crashes.values())
    print(f"{total} crashes in {args.mutations} mutations")
    for name, n in crashes.most_common():
        print(f"  {name}: {n}  ({dict(where[name].most_common(5))})")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
