"""Streaming fusion: one GRU step per tick, early and final decisions.

* early — ``early_after_s`` after speech onset, from whatever is known by then (vision,
  prosody so far, partial hypotheses), so a request is captured from its start;
* final — once the utterance has ended and its final recognition (lexical cue) is in, or
  ``final_wait_s`` after the endpoint if recognition is late or absent.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ntt.cues import Decision, SpeechEvent, Tick
from ntt.errors import InputError
from ntt.fusion.features import (
    EARLY_AFTER_S,
    MODALITIES,
    SLICES,
    VISION,
    FeatureTracker,
    TickFeatures,
)
from ntt.fusion.model import EnsembleStep, FusionNet

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "fusion.pt"
FINAL_WAIT_S = 0.3


@dataclass(frozen=True)
class Calibration:
    """Temperature for the fused logit and the operating threshold on the calibrated p."""

    temperature: float = 1.0
    threshold: float = 0.5


@dataclass
class FusionModel:
    """The ensemble's members (``ntt.fusion.model``), its calibration, and what the model
    card says about it."""

    nets: list[FusionNet]
    calibration: Calibration
    meta: dict

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL) -> FusionModel:
        path = Path(path)
        meta_path = path.with_suffix(".json")
        if not path.is_file() or not meta_path.is_file():
            raise InputError(path, "fusion model not found (train one with `ntt train`)")
        meta = json.loads(meta_path.read_text())
        nets = nn.ModuleList(FusionNet(meta.get("embed", 8), meta.get("hidden", 32))
                             for _ in range(meta.get("members", 1)))
        try:
            nets.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        except RuntimeError as exc:
            raise InputError(path, "this fusion model does not fit this version's features "
                             f"(retrain it with `ntt train`): {str(exc).splitlines()[0]}"
                             ) from None
        nets.eval()
        cal = meta.get("calibration", {})
        return cls(list(nets), Calibration(cal.get("temperature", 1.0),
                                           cal.get("threshold", 0.5)), meta)

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        torch.save(nn.ModuleList(self.nets).state_dict(), tmp)
        tmp.replace(path)
        meta = dict(self.meta, members=len(self.nets), embed=self.nets[0].embed,
                    hidden=self.nets[0].hidden,
                    calibration={"temperature": self.calibration.temperature,
                                 "threshold": self.calibration.threshold})
        meta_tmp = path.with_suffix(".json.part")
        meta_tmp.write_text(json.dumps(meta, indent=2) + "\n")
        meta_tmp.replace(path.with_suffix(".json"))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))


class FusionStage:
    """``push(cue)``: cues update the feature state; each ``Tick`` steps the model and may
    emit a ``Decision``. ``masked`` modalities are hidden from the model (ablations,
    baselines); ``threshold`` overrides the model's operating point."""

    def __init__(self, model: FusionModel, masked: tuple[str, ...] = (),
                 threshold: float | None = None, early_after_s: float = EARLY_AFTER_S,
                 final_wait_s: float = FINAL_WAIT_S):
        self.model = model
        self.keep = np.array([0.0 if m in masked else 1.0 for m in MODALITIES], np.float32)
        self.threshold = model.calibration.threshold if threshold is None else threshold
        self.early_after_s = early_after_s
        self.final_wait_s = final_wait_s
        self.tracker = FeatureTracker()
        self.step = EnsembleStep(model.nets)
        self.reset()

    def reset(self) -> None:
        self.tracker.reset()
        self._h = self.step.initial_state()
        self._start_s: float | None = None
        self._end: SpeechEvent | None = None
        self._early_sent = False
        self._final_text_in = False
        self.last_features: TickFeatures | None = None
        self.last_p = 0.0

    def push(self, item) -> list[Decision]:
        if isinstance(item, Tick):
            return self._tick(item)
        out: list[Decision] = []
        if isinstance(item, SpeechEvent) and item.kind == "speech_start" and \
                self._end is not None:
            # The next utterance began before the last one's recognition came in.
            out.append(self._decide("final", item.t_s, self.last_features))
        self.tracker.observe(item)
        if isinstance(item, SpeechEvent):
            if item.kind == "speech_start":
                self._start_s, self._end = item.boundary_s, None
                self._early_sent = self._final_text_in = False
            elif self._start_s is not None:
                self._end = item
        elif type(item).__name__ == "LexicalCue" and getattr(item, "final", True):
            self._final_text_in = True
        return out

    def flush(self) -> list[Decision]:
        if self._start_s is not None and self._end is not None:
            return [self._decide("final", self._end.t_s, self.last_features)]
        return []

    def _tick(self, tick: Tick) -> list[Decision]:
        feats = self.tracker.tick(tick)
        mask = feats.mask * self.keep
        logit, mod_logits, self._h = self.step(feats.values, mask, self._h)
        self.last_p = _sigmoid(logit / self.model.calibration.temperature)
        self._mod = {m: _sigmoid(float(mod_logits[i]))
                     for i, m in enumerate(MODALITIES) if mask[i] > 0}
        self.last_features = feats
        out = []
        if self._start_s is None:
            return out
        if not self._early_sent and self._end is None and \
                tick.t_s - self._start_s >= self.early_after_s:
            self._early_sent = True
            out.append(self._decide("early", tick.t_s, feats))
        if self._end is not None and (self._final_text_in or
                                      tick.t_s - self._end.t_s >= self.final_wait_s):
            out.append(self._decide("final", tick.t_s, feats))
        return out

    def _decide(self, kind: str, t_s: float, feats: TickFeatures | None) -> Decision:
        p = self.last_p
        directed = p >= self.threshold
        speaker = feats.speaker_track if feats is not None else None
        end_s = self._end.boundary_s if kind == "final" and self._end else t_s
        start_s = self._start_s if self._start_s is not None else t_s
        n_faces = 0.0
        if feats is not None and feats.mask[MODALITIES.index("vision")] > 0:
            n_faces = float(feats.values[SLICES["vision"].start + VISION.index("n_faces")]) * 4
        addressee = "device" if directed else ("person" if n_faces > 1 else "unknown")
        decision = Decision(t_s, kind, start_s, end_s, speaker, p, directed, addressee,  # type: ignore[arg-type]
                            dict(self._mod))
        if kind == "final":
            self.tracker.end_utterance(p, directed)
            self._start_s, self._end = None, None
        return decision
