"""Streaming fusion: the trained ensemble as a scorer behind the utterance gate, one GRU step
per tick (``ntt.fusion.gate`` decides when to ask it for a decision)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import torch
from torch import nn

from ntt import paths
from ntt.cues import Tick
from ntt.errors import InputError
from ntt.fusion.features import (
    MODALITIES,
    SLICES,
    VISION,
    FeatureTracker,
    FusionInput,
    TickFeatures,
)
from ntt.fusion.gate import UtteranceGate, Verdict
from ntt.fusion.model import EnsembleStep, FusionNet
from ntt.settings import TimingSettings

if TYPE_CHECKING:
    from ntt.vision.camera import CameraGeometry

DEFAULT_MODEL = paths.FUSION_MODEL


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


class ModelScorer:
    """The trained model behind the utterance gate. ``masked`` modalities are hidden from the
    model (ablations, baselines); ``threshold`` overrides the model's operating point."""

    def __init__(self, model: FusionModel, masked: tuple[str, ...] = (),
                 threshold: float | None = None, camera: CameraGeometry | None = None):
        self.model = model
        self.keep = np.array([0.0 if m in masked else 1.0 for m in MODALITIES], np.float32)
        self.threshold = model.calibration.threshold if threshold is None else threshold
        self.tracker = FeatureTracker(camera)
        self.step_model = EnsembleStep(model.nets)
        self.reset()

    def reset(self) -> None:
        self.tracker.reset()
        self._h = self.step_model.initial_state()
        self._mod: dict[str, float] = {}
        self.last_features: TickFeatures | None = None
        self.last_p = 0.0

    def observe(self, item: FusionInput) -> None:
        self.tracker.observe(item)

    def step(self, tick: Tick) -> None:
        feats = self.tracker.tick(tick)
        mask = feats.mask * self.keep
        logit, mod_logits, self._h = self.step_model(feats.values, mask, self._h)
        self.last_p = _sigmoid(logit / self.model.calibration.temperature)
        self._mod = {m: _sigmoid(float(mod_logits[i]))
                     for i, m in enumerate(MODALITIES) if mask[i] > 0}
        self.last_features = feats

    def verdict(self, kind: Literal["early", "final"], start_s: float, end_s: float
                ) -> Verdict:
        feats = self.last_features
        speaker = feats.speaker_track if feats is not None else None
        n_faces = 0
        if feats is not None and feats.mask[MODALITIES.index("vision")] > 0:
            n_faces = round(float(feats.values[SLICES["vision"].start
                                               + VISION.index("n_faces")]) * 4)
        return Verdict(self.last_p, speaker, n_faces, dict(self._mod))

    def end_utterance(self, p_directed: float, directed: bool) -> None:
        self.tracker.end_utterance(p_directed, directed)


def model_fusion(model: FusionModel, masked: tuple[str, ...] = (),
                 threshold: float | None = None,
                 timing: TimingSettings | None = None,
                 camera: CameraGeometry | None = None) -> UtteranceGate:
    """The trained model behind the utterance gate: the fusion stage. ``camera`` lets the
    direction of arrival take part in choosing the speaker."""
    return UtteranceGate(ModelScorer(model, masked, threshold, camera), timing)
