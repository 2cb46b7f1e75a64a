"""Streaming fusion: the trained ensemble as a scorer behind the utterance gate, one GRU step
per tick (``ntt.fusion.gate`` decides when to ask it for a decision); where the model has an
utterance head (``ntt.fusion.utterance_head``), the final decision is the head's."""

from __future__ import annotations

import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

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
    hide_faces,
)
from ntt.fusion.gate import UtteranceGate, Verdict
from ntt.fusion.step import EnsembleStep, NetWeights
from ntt.fusion.utterance_head import UtteranceHead, head_inputs
from ntt.npz_model import load_npz_model, save_npz_model
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
    """The ensemble's members (``ntt.fusion.step``; ``FusionNet.weights()`` of the trained
    torch nets), its calibration, what the model card says about it, and the utterance head
    that makes final decisions (None: the GRU's p). The calibration's temperature is the
    GRU's; the threshold is on the final p."""

    nets: list[NetWeights]
    calibration: Calibration
    meta: dict
    head: UtteranceHead | None = None

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL) -> FusionModel:
        """The weights (``.npz``: member ``k``'s arrays as ``k/<state-dict name>``) and their
        sidecar (``.json``: sizes and calibration), each checked: anything else than a model
        NTT wrote is one ``InputError``. Plain numpy: no torch at run time."""
        path = Path(path)
        meta_path = path.with_suffix(".json")
        if not path.is_file() or not meta_path.is_file():
            raise InputError(path, "fusion model not found (train one with `ntt train`)")
        meta = _read_meta(meta_path)
        sizes = {key: _meta_int(meta, key, default, hi, meta_path)
                 for key, default, hi in (("embed", 8, MAX_WIDTH), ("hidden", 32, MAX_WIDTH),
                                          ("members", 1, MAX_MEMBERS))}
        cal = meta.get("calibration", {})
        if not isinstance(cal, dict):
            raise InputError(meta_path, "field 'calibration' must be an object")
        temperature = _meta_number(cal, "temperature", 1.0, meta_path)
        threshold = _meta_number(cal, "threshold", 0.5, meta_path)
        if temperature <= 0:
            raise InputError(meta_path, f"calibration.temperature must be > 0, got "
                                        f"{temperature:g}")
        if not 0.0 <= threshold <= 1.0:
            raise InputError(meta_path, f"calibration.threshold must be in [0, 1], got "
                                        f"{threshold:g}")
        modalities = meta.get("modalities", LEGACY_MODALITIES)
        if not isinstance(modalities, list | tuple) or not modalities or \
                set(modalities) - set(MODALITIES):
            raise InputError(meta_path, f"field 'modalities' must list some of {MODALITIES}")
        modalities = tuple(m for m in MODALITIES if m in modalities)
        try:
            nets = [NetWeights(sizes["embed"], sizes["hidden"], modalities, arrays)
                    for arrays in _read_members(path, sizes["members"])]
        except ValueError as exc:
            raise InputError(path, "this fusion model does not fit this version's features "
                             f"(retrain it with `ntt train`): {exc}") from None
        head = None
        head_name = meta.get("utterance_head")
        if head_name is not None:
            if not isinstance(head_name, str) or Path(head_name).name != head_name:
                raise InputError(meta_path, "field 'utterance_head' must name a file next "
                                            "to the model")
            head_path = path.with_name(head_name)
            try:
                head = UtteranceHead.load(head_path)
            except FileNotFoundError:
                raise InputError(head_path, "utterance head not found (the model's sidecar "
                                            "names it)") from None
            except (ValueError, KeyError, OSError) as exc:
                raise InputError(head_path, str(exc)) from None
        return cls(nets, Calibration(temperature, threshold), meta, head)

    def save(self, path: str | Path) -> None:
        """Weights and sidecar, each written atomically (a full disk leaves the old ones)."""
        from ntt.outputs import atomic_save, atomic_write

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f"{k}/{name}": array for k, net in enumerate(self.nets)
                  for name, array in net.arrays.items()}
        atomic_save(path, lambda f: save_npz_model(f, {"format": WEIGHTS_FORMAT,
                                                       "version": WEIGHTS_VERSION}, arrays),
                    "write the model")
        meta = dict(self.meta, members=len(self.nets), embed=self.nets[0].embed,
                    hidden=self.nets[0].hidden, modalities=list(self.nets[0].modalities),
                    calibration={"temperature": self.calibration.temperature,
                                 "threshold": self.calibration.threshold})
        meta.pop("utterance_head", None)
        if self.head is not None:
            head_path = path.with_name(path.stem + "_head.npz")
            atomic_save(head_path, lambda f: self.head.save(f), "write the utterance head")
            meta["utterance_head"] = head_path.name
        with atomic_write(path.with_suffix(".json"), "w", "write the model") as f:
            f.write(json.dumps(meta, indent=2) + "\n")


WEIGHTS_FORMAT, WEIGHTS_VERSION = "ntt-fusion-weights", 1  # the .npz's header
# What a model written before its sidecar named its modalities reads (no direction).
LEGACY_MODALITIES = ("vision", "audio", "asr", "language", "context")
MAX_WIDTH = 4096  # embed/hidden sizes beyond this are no model NTT trained
MAX_MEMBERS = 64


def _read_members(path: Path, members: int) -> list[dict[str, np.ndarray]]:
    """The members' arrays from the ``.npz``; each member's names and shapes are checked by
    ``NetWeights`` against the sidecar's sizes."""
    try:
        _, arrays = load_npz_model(path, WEIGHTS_FORMAT, WEIGHTS_VERSION, "fusion model")
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(path, f"not a fusion model file ({type(exc).__name__}: "
                               f"{str(exc).splitlines()[0] if str(exc) else 'unreadable'}; "
                               "models are .npz since 2026-12, retrain older ones with "
                               "`ntt train`)") from None
    out: list[dict[str, np.ndarray]] = [{} for _ in range(members)]
    for name, array in arrays.items():
        k, _, key = name.partition("/")
        if not k.isdigit() or int(k) >= members:
            raise InputError(path, f"not a fusion model file (array {name!r} is no member's "
                                   f"of {members})")
        out[int(k)][key] = array
    return out


def _read_meta(meta_path: Path) -> dict:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise InputError(meta_path, "not UTF-8 text") from None
    except RecursionError:
        raise InputError(meta_path, "invalid JSON: nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or a number too long to convert
        raise InputError(meta_path, f"invalid JSON ({str(exc).splitlines()[0]})") from None
    except OSError as exc:
        raise InputError(meta_path, f"cannot read ({exc.strerror})") from None
    if not isinstance(meta, dict):
        raise InputError(meta_path, f"must hold a JSON object, not {type(meta).__name__}")
    return meta


def _meta_int(meta: dict, key: str, default: int, hi: int, where: Path) -> int:
    value = meta.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= hi:
        raise InputError(where, f"field '{key}' must be a whole number in 1..{hi}")
    return value


def _meta_number(table: dict, key: str, default: float, where: Path) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(where, f"calibration.{key} must be a number")
    try:
        value = float(value)
    except OverflowError:
        raise InputError(where, f"calibration.{key} is out of range") from None
    if not math.isfinite(value):
        raise InputError(where, f"calibration.{key} must be finite")
    return value


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
        self.last_mask = np.zeros(len(MODALITIES), np.float32)
        self.last_p = 0.0
        self.last_head_inputs: np.ndarray | None = None  # of the last final decision

    def observe(self, item: FusionInput) -> None:
        self.tracker.observe(item)

    def step(self, tick: Tick) -> None:
        feats = self.tracker.tick(tick)
        mask = feats.mask * self.keep
        values = hide_faces(feats.values, mask)
        logit, mod_logits, self._h = self.step_model(values, mask, self._h)
        self.last_p = _sigmoid(logit / self.model.calibration.temperature)
        self._mod = {m: _sigmoid(float(mod_logits[i]))
                     for i, m in enumerate(self.step_model.modalities)
                     if mask[MODALITIES.index(m)] > 0}
        self.last_features = feats
        self.last_mask = mask

    def verdict(self, kind: Literal["early", "final"], start_s: float, end_s: float
                ) -> Verdict:
        feats = self.last_features
        speaker = feats.speaker_track if feats is not None else None
        n_faces = 0
        if feats is not None and feats.mask[MODALITIES.index("vision")] > 0:
            n_faces = round(float(feats.values[SLICES["vision"].start
                                               + VISION.index("n_faces")]) * 4)
        p = self.last_p
        if kind == "final" and feats is not None:
            self.last_head_inputs = head_inputs(feats.values, self.last_mask)
            if self.model.head is not None:
                p = self.model.head.p(self.last_head_inputs)
        return Verdict(p, speaker, n_faces, dict(self._mod))

    def end_utterance(self, p_directed: float, directed: bool) -> None:
        self.tracker.end_utterance(p_directed, directed)


def model_fusion(model: FusionModel, masked: tuple[str, ...] = (),
                 threshold: float | None = None,
                 timing: TimingSettings | None = None,
                 camera: CameraGeometry | None = None,
                 awaits_words: bool = True) -> UtteranceGate:
    """The trained model behind the utterance gate: the fusion stage. ``camera`` lets the
    direction of arrival take part in choosing the speaker; ``awaits_words`` as in
    ``UtteranceGate``."""
    return UtteranceGate(ModelScorer(model, masked, threshold, camera), timing, awaits_words)
