"""Fallback intents: which of the engine's skills a request means when Home Assistant's
grammar has no match ("lights off please", "what's it doing outside", "pause the song").

A linear softmax over the lexical model's hashed features (``bucket_ids``), trained in
torch on the real commands whose dataset intent maps to a skill (``SKILLS``), on
Home Assistant's grammar samples, and on out-of-skill requests and talk as ``none``. It
only names the skill; ``ntt.language.slots`` must then find what the skill needs in the
words, or nothing is acted on. The numpy forward pass here equals torch's (tests).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np

from ntt import paths
from ntt.errors import InputError
from ntt.language.model import FeatureConfig, bucket_ids
from ntt.language.text import model_text
from ntt.npz_model import load_npz_model, save_npz_model

FORMAT = "ntt-intents"
VERSION = 1
DEFAULT_PATH = paths.MODELS / "lexical_intents.npz"
NONE = "none"
MIN_P = 0.6                      # below this the fallback says nothing

# Dataset intent (after the source prefix) -> the engine intents that count as right; the
# first is the training class. ``None``: in a skill but ambiguous, so evaluated, not trained.
_LIGHTS = {"iot_hue_lighton": ("HassTurnOn",), "iot_hue_lightoff": ("HassTurnOff",),
           "iot_hue_lightdim": ("HassLightSet",), "iot_hue_lightup": ("HassLightSet",),
           "iot_hue_lightchange": ("HassLightSet",), "iot_wemo_on": ("HassTurnOn",),
           "iot_wemo_off": ("HassTurnOff",)}
_VOLUME = ("HassSetVolumeRelative", "HassSetVolume")
_ADD = ("HassListAddItem", "HassShoppingListAddItem")
_REMOVE = ("HassListRemoveItem", "HassListCompleteItem", "HassShoppingListCompleteItem")
_PLAY = ("HassMediaSearchAndPlay",)
SKILLS: dict[str, dict[str, tuple[str, ...]]] = {
    "hwu": {**_LIGHTS, "audio_volume_up": _VOLUME, "audio_volume_down": _VOLUME,
            "audio_volume_mute": ("HassMediaPlayerMute", "HassMediaPause"),
            "play_music": _PLAY, "play_radio": _PLAY, "play_podcasts": _PLAY,
            "play_audiobook": _PLAY, "weather_query": ("HassGetWeather",),
            "datetime_query": ("HassGetCurrentTime", "HassGetCurrentDate"),
            "lists_createoradd": _ADD, "lists_query": ("ListShow",), "lists_remove": _REMOVE},
    "snips": {"GetWeather": ("HassGetWeather",), "PlayMusic": _PLAY},
    "clinc": {"weather": ("HassGetWeather",), "time": ("HassGetCurrentTime",),
              "date": ("HassGetCurrentDate",), "timer": ("HassStartTimer",),
              "play_music": _PLAY, "next_song": ("HassMediaNext",), "change_volume": _VOLUME,
              "shopping_list": ("ListShow",), "todo_list": ("ListShow",),
              "shopping_list_update": _ADD + _REMOVE, "todo_list_update": _ADD + _REMOVE},
    "topv2": {"GET_WEATHER": ("HassGetWeather",), "CREATE_TIMER": ("HassStartTimer",),
              "DELETE_TIMER": ("HassCancelTimer", "HassCancelAllTimers"),
              "GET_TIMER": ("HassTimerStatus",), "PAUSE_TIMER": ("HassPauseTimer",),
              "RESUME_TIMER": ("HassUnpauseTimer",), "ADD_TIME_TIMER": ("HassIncreaseTimer",),
              "SUBTRACT_TIME_TIMER": ("HassDecreaseTimer",), "PLAY_MUSIC": _PLAY,
              "PAUSE_MUSIC": ("HassMediaPause",), "STOP_MUSIC": ("HassMediaPause",),
              "SKIP_TRACK_MUSIC": ("HassMediaNext",),
              "PREVIOUS_TRACK_MUSIC": ("HassMediaPrevious",)},
}
AMBIGUOUS = frozenset({"datetime_query", "shopping_list_update", "todo_list_update"})
# In no skill's scope but too close to one to call "none": left out of training.
UNCLEAR = frozenset({"smart_home", "REPLAY_MUSIC", "RESTART_TIMER", "UPDATE_TIMER",
                     "UNSUPPORTED_TIMER", "UNSUPPORTED_MUSIC", "UNSUPPORTED_WEATHER",
                     "music_settings", "music_query", "LOOP_MUSIC", "START_SHUFFLE_MUSIC"})
# Home Assistant intents the fallback may name (grammar samples of others count as none).
CLASSES = ("HassTurnOn", "HassTurnOff", "HassLightSet", "HassStartTimer", "HassCancelTimer",
           "HassTimerStatus", "HassPauseTimer", "HassUnpauseTimer", "HassIncreaseTimer",
           "HassDecreaseTimer", "HassListAddItem", "HassListRemoveItem", "ListShow",
           "HassGetWeather", "HassGetCurrentTime", "HassGetCurrentDate",
           "HassMediaSearchAndPlay", "HassMediaPause", "HassMediaUnpause", "HassMediaNext",
           "HassMediaPrevious", "HassMediaPlayerMute", "HassSetVolumeRelative",
           "HassSetVolume")
_HA_ALIASES = {"HassShoppingListAddItem": "HassListAddItem",
               "HassCancelAllTimers": "HassCancelTimer"}


def dataset_intent(source: str) -> str:
    """``hwu64:alarm_set`` -> ``alarm_set``; ``topv2:timer:CREATE_TIMER`` -> ``CREATE_TIMER``."""
    return source.rsplit(":", 1)[-1]


def accepted(family: str, source: str) -> tuple[str, ...] | None:
    """The engine intents that are right for a real command, or None when it is in no
    skill's scope."""
    return SKILLS.get(family, {}).get(dataset_intent(source))


def training_class(family: str, source: str, directed: bool) -> str | None:
    """The class a line trains (None: left out)."""
    if source.startswith("ha:"):
        name = source[3:]
        name = _HA_ALIASES.get(name, name)
        return name if name in CLASSES else NONE
    if not directed:
        return NONE
    intent = dataset_intent(source)
    if intent in AMBIGUOUS or intent in UNCLEAR:
        return None
    right = accepted(family, source)
    return right[0] if right else NONE


class IntentClassifier:
    """``predict(text)`` -> (engine intent, p) or None (no skill, or unsure)."""

    def __init__(self, cfg: FeatureConfig, weights: np.ndarray, bias: np.ndarray,
                 classes: tuple[str, ...], min_p: float = MIN_P):
        self.cfg, self.classes, self.min_p = cfg, tuple(classes), min_p
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)

    def probabilities(self, text: str) -> np.ndarray:
        ids = bucket_ids(model_text(text), self.cfg)
        z = self.weights[ids].sum(axis=0) / np.sqrt(len(ids)) + self.bias
        e = np.exp(z - z.max())
        return e / e.sum()

    def predict(self, text: str) -> tuple[str, float] | None:
        if not model_text(text):
            return None
        p = self.probabilities(text)
        i = int(np.argmax(p))
        if self.classes[i] == NONE or p[i] < self.min_p:
            return None
        return self.classes[i], float(p[i])

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        header = {"format": FORMAT, "version": VERSION, "features": asdict(self.cfg),
                  "classes": list(self.classes), "min_p": self.min_p}
        save_npz_model(path, header, {"weights": self.weights.astype(np.float16),
                                      "bias": self.bias})
        return path

    @classmethod
    def load(cls, path: str | Path | None = None) -> IntentClassifier:
        """The shipped classifier or another; a missing or foreign file is an InputError."""
        path = Path(path) if path is not None else DEFAULT_PATH
        if not path.is_file():
            raise InputError(path, "intent model not found (rebuild it: ntt train --lexical)")
        try:
            header, z = load_npz_model(path, FORMAT, VERSION)
            return cls(FeatureConfig(**header["features"]), z["weights"], z["bias"],
                       tuple(header["classes"]), float(header["min_p"]))
        except (ValueError, OSError, KeyError) as exc:
            raise InputError(path, f"cannot read intent model ({exc})") from None


def make_intent_net(cfg: FeatureConfig, classes: tuple[str, ...]):
    """The torch twin of IntentClassifier, for training (imports torch only when called)."""
    import torch
    from torch import nn

    class IntentNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.bag = nn.EmbeddingBag(cfg.buckets, len(classes), mode="sum", sparse=True)
            nn.init.zeros_(self.bag.weight)
            self.bias = nn.Parameter(torch.zeros(len(classes)))

        def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
            lengths = torch.diff(offsets, append=torch.tensor([len(ids)]))
            scale = torch.repeat_interleave(lengths.float().rsqrt(), lengths)
            return self.bag(ids, offsets, per_sample_weights=scale) + self.bias

        def to_classifier(self) -> IntentClassifier:
            # Round through float16 as saved, so the in-memory model equals the shipped one.
            w = self.bag.weight.detach().numpy().astype(np.float16).astype(np.float32)
            return IntentClassifier(cfg, w, self.bias.detach().numpy().copy(), classes)

    return IntentNet()


def fit_intents(texts: list[str], labels: list[str], cfg: FeatureConfig, seed: int = 0,
                epochs: int = 4, lr: float = 0.02, batch: int = 256) -> IntentClassifier:
    """Softmax regression trained with (sparse) Adam; texts in model form. Few epochs and
    no more: that is its regularization."""
    import random

    import torch

    torch.manual_seed(seed)
    rng = random.Random(seed)
    classes = tuple(sorted(set(labels)))
    net = make_intent_net(cfg, classes)
    opts = [torch.optim.SparseAdam([net.bag.weight], lr=lr), torch.optim.Adam([net.bias], lr=lr)]
    ids = [bucket_ids(t, cfg) for t in texts]
    y = torch.tensor([classes.index(label) for label in labels])
    order = list(range(len(texts)))
    for _ in range(epochs):
        rng.shuffle(order)
        for start in range(0, len(order), batch):
            chunk = order[start:start + batch]
            part = [ids[i] for i in chunk]
            offsets = torch.from_numpy(np.cumsum([0] + [len(x) for x in part[:-1]]))
            loss = torch.nn.functional.cross_entropy(
                net(torch.from_numpy(np.concatenate(part)), offsets), y[chunk])
            for opt in opts:
                opt.zero_grad()
            loss.backward()
            for opt in opts:
                opt.step()
    return net.to_classifier()
