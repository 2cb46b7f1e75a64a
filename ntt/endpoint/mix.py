"""Real spoken requests in simulated rooms, with pauses inside some of them: sessions to
train and measure end-of-turn on real voices.

The requests are ``../shared/data/speech/commands`` (real people ordering drinks from a
voice-controlled coffee maker, close-talk; see the README there). Each session strings a
few of them together with 1.5–3 s between, cuts some at a quiet point near the middle and
opens a pause of ``pause_s`` there (one labelled utterance still spans both parts: a pause
inside a request does not end it), then plays the whole through a room (a direct path and
an exponentially decaying diffuse tail whose share grows with distance) over the real
kitchen-noise recording. Files are split by their sorted index: even for tuning, odd for reporting,
so nothing is tuned and reported on the same voice.

``python -m ntt.endpoint.mix OUT --split report --sessions 8 --seed 0 [--close]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.signal import fftconvolve

from ntt.cues import SAMPLE_RATE_HZ
from ntt.io.audio_file import read_audio
from ntt.io.session import Labels, Utterance, write_session

SPEECH_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "speech"
TRIM_DB = -40.0  # speech extent: frames within this of the clip's loudest
FRAME_S = 0.01
PAUSE_RANGE_S = (0.3, 0.8)
GAP_RANGE_S = (1.5, 3.0)
RT60_RANGE_S = (0.2, 0.6)
DISTANCE_RANGE_M = (0.8, 2.5)
SNR_RANGE_DB = (12.0, 25.0)
CLOSE_SNR_RANGE_DB = (30.0, 40.0)


def _frame_db(x: np.ndarray) -> np.ndarray:
    win = int(FRAME_S * SAMPLE_RATE_HZ)
    n = len(x) // win
    rms = np.sqrt(np.mean(x[:n * win].reshape(n, win) ** 2, axis=1) + 1e-12)
    return 20 * np.log10(rms / (rms.max() + 1e-12))


def trim(x: np.ndarray) -> np.ndarray:
    """The speech itself: first to last frame within ``TRIM_DB`` of the loudest."""
    active = np.flatnonzero(_frame_db(x) > TRIM_DB)
    win = int(FRAME_S * SAMPLE_RATE_HZ)
    return x[active[0] * win:(active[-1] + 1) * win] if len(active) else x[:0]


def quiet_cut(x: np.ndarray, lo: float = 0.35, hi: float = 0.7) -> int:
    """Sample index of the quietest 30 ms between ``lo`` and ``hi`` of the clip: a word
    boundary (or a closure) where a pause can open without cutting a vowel."""
    db = np.convolve(_frame_db(x), np.ones(3) / 3, mode="same")
    a, b = int(len(db) * lo), int(len(db) * hi)
    return (a + int(np.argmin(db[a:b]))) * int(FRAME_S * SAMPLE_RATE_HZ)


def command_labels(speech_dir: Path = SPEECH_DIR) -> dict[str, dict]:
    """File name -> labels entry (intent and slot values) of every recording."""
    return json.loads((speech_dir / "commands" / "labels.json").read_text())


def split_names(labels: dict[str, dict], split: str) -> list[str]:
    """The split's file names: even sorted index for ``tune``, odd for ``report``."""
    names = sorted(labels)
    return names[0::2] if split == "tune" else names[1::2]


def command_audio(name: str, speech_dir: Path = SPEECH_DIR) -> np.ndarray:
    """One recording, trimmed to its speech."""
    return trim(read_audio(speech_dir / "commands" / name))


def request_words(entry: dict) -> str:
    """What a recording says as far as its labels tell: the slot values in order (the
    benchmark gives no transcript, so the carrier words, "can I get a", are missing)."""
    return " ".join(v.strip() for v in entry["slots"].values())


def commands(split: str, speech_dir: Path = SPEECH_DIR) -> list[tuple[str, np.ndarray, dict]]:
    """(name, trimmed audio, labels entry) of the split's files."""
    labels = command_labels(speech_dir)
    return [(n, command_audio(n, speech_dir), labels[n]) for n in split_names(labels, split)]


def with_pause(x: np.ndarray, pause_s: float) -> tuple[np.ndarray, float]:
    """The clip with ``pause_s`` of silence opened at a quiet point; (audio, cut time)."""
    cut = quiet_cut(x)
    gap = np.zeros(int(pause_s * SAMPLE_RATE_HZ), np.float32)
    return np.concatenate([x[:cut], gap, x[cut:]]), cut / SAMPLE_RATE_HZ


def room_impulse_response(rt60_s: float, distance_m: float, rng: np.random.Generator
                          ) -> np.ndarray:
    """Direct path + diffuse tail decaying 60 dB in ``rt60_s``; the direct-to-reverberant
    ratio falls with distance, as in a real room."""
    n = max(int(rt60_s * SAMPLE_RATE_HZ), 1)
    t = np.arange(n) / SAMPLE_RATE_HZ
    ir = rng.normal(0, 1, n) * np.exp(-6.9 * t / rt60_s) * 0.08 * distance_m
    ir[:int(0.003 * SAMPLE_RATE_HZ)] = 0
    ir[0] = 1.0
    return (ir / np.sqrt(np.sum(ir ** 2))).astype(np.float32)


def mix_session(clips: list[np.ndarray], rng: np.random.Generator, pause_share: float = 0.5,
                noise: np.ndarray | None = None, room: bool = True):
    """(room audio, utterances as (start, end, pause start or None)); ``room=False``:
    close-talk, the noise bed 30–40 dB down."""
    parts = [np.zeros(int(rng.uniform(*GAP_RANGE_S) * SAMPLE_RATE_HZ), np.float32)]
    utts: list[tuple[float, float, float | None]] = []
    t = len(parts[0]) / SAMPLE_RATE_HZ
    for clip in clips:
        pause_at = None
        if rng.random() < pause_share:
            clip, cut_s = with_pause(clip, rng.uniform(*PAUSE_RANGE_S))
            pause_at = t + cut_s
        utts.append((t, t + len(clip) / SAMPLE_RATE_HZ, pause_at))
        gap = np.zeros(int(rng.uniform(*GAP_RANGE_S) * SAMPLE_RATE_HZ), np.float32)
        parts += [clip, gap]
        t += (len(clip) + len(gap)) / SAMPLE_RATE_HZ
    dry = np.concatenate(parts)
    ir = room_impulse_response(rng.uniform(*RT60_RANGE_S), rng.uniform(*DISTANCE_RANGE_M), rng)
    wet = fftconvolve(dry, ir)[:len(dry)].astype(np.float32) if room else dry.copy()
    speech_rms = np.sqrt(np.mean(wet[np.abs(wet) > 1e-4] ** 2))
    if noise is not None and len(noise):
        start = int(rng.integers(0, max(1, len(noise) - len(wet))))
        bed = np.resize(np.roll(noise, -start), len(wet))
        snr = rng.uniform(*(SNR_RANGE_DB if room else CLOSE_SNR_RANGE_DB))
        bed *= speech_rms / (np.sqrt(np.mean(bed ** 2)) + 1e-12) / 10 ** (snr / 20)
        wet = wet + bed
    wet *= 0.3 / max(1e-6, float(np.abs(wet).max()))
    return wet.astype(np.float32), utts


def make_sessions(out: Path, split: str, sessions: int, seed: int, per_session: int = 5,
                  speech_dir: Path = SPEECH_DIR, room: bool = True) -> list[Path]:
    clips = commands(split, speech_dir)
    noise = read_audio(speech_dir / "kitchen-noise.wav")
    paths = []
    for i in range(sessions):
        rng = np.random.default_rng(seed + i)
        chosen = rng.choice(len(clips), size=min(per_session, len(clips)), replace=False)
        audio, utts = mix_session([clips[k][1] for k in chosen], rng, noise=noise, room=room)
        labels = Labels(tuple(
            Utterance(f"u{j:03d}", round(s, 3), round(e, 3), "caller", True, "device",
                      clips[k][0] + ("" if p is None else f" (pause at {p:.2f} s)"))
            for j, ((s, e, p), k) in enumerate(zip(utts, chosen, strict=True))))
        kind = split if room else f"{split}-close"
        paths.append(write_session(out / f"real-{kind}-{seed + i:05d}", audio=audio,
                                   participants=("caller",), labels=labels,
                                   scenario=f"real-{kind}",
                                   notes="real requests (Picovoice speech-to-intent benchmark, "
                                         "Apache-2.0) in a simulated room"))
    return paths


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out", type=Path)
    p.add_argument("--split", choices=("tune", "report"), default="report")
    p.add_argument("--sessions", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--speech", type=Path, default=SPEECH_DIR)
    p.add_argument("--close", action="store_true", help="close-talk: no room, little noise")
    args = p.parse_args(argv)
    for path in make_sessions(args.out, args.split, args.sessions, args.seed,
                              speech_dir=args.speech, room=not args.close):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
