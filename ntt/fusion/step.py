"""The trained fusion net as numpy, one step per tick: what the runtime runs (no torch).

A member's weights are kept under torch's state-dict names (``encoders.0.weight``,
``gru.weight_ih_l0``, …) so training (``ntt.fusion.model.FusionNet``) and the runtime read
one layout; for batch 1 and a single time step, torch's per-call overhead costs more than
the arithmetic anyway (``test_fusion`` checks this step equals the torch forward pass).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ntt.fusion.features import FEATURES, MODALITIES, SLICES


def weight_shapes(embed: int, hidden: int, modalities: tuple[str, ...]
                  ) -> dict[str, tuple[int, ...]]:
    """Every array of a member reading ``modalities``, by state-dict name."""
    n = len(modalities)
    shapes = {"gru.weight_ih_l0": (3 * hidden, embed * n + n),
              "gru.weight_hh_l0": (3 * hidden, hidden), "gru.bias_ih_l0": (3 * hidden,),
              "gru.bias_hh_l0": (3 * hidden,), "head.weight": (1, hidden), "head.bias": (1,)}
    for i, m in enumerate(modalities):
        shapes |= {f"encoders.{i}.weight": (embed, len(FEATURES[m]) + 1),
                   f"encoders.{i}.bias": (embed,), f"modality_heads.{i}.weight": (1, embed),
                   f"modality_heads.{i}.bias": (1,)}
    return shapes


@dataclass(frozen=True)
class NetWeights:
    """One ensemble member: its sizes, the modalities it reads (in ``MODALITIES`` order)
    and its arrays by state-dict name."""

    embed: int
    hidden: int
    modalities: tuple[str, ...]
    arrays: dict[str, np.ndarray] = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.modalities or set(self.modalities) - set(MODALITIES):
            raise ValueError(f"modalities must be some of {MODALITIES}, got "
                             f"{self.modalities}")
        want = weight_shapes(self.embed, self.hidden, self.modalities)
        if set(self.arrays) != set(want):
            missing, extra = sorted(set(want) - set(self.arrays)), \
                sorted(set(self.arrays) - set(want))
            raise ValueError(f"weights missing {missing[:3]}, unexpected {extra[:3]}")
        for name, shape in want.items():
            if self.arrays[name].shape != shape:
                raise ValueError(f"{name} has shape {self.arrays[name].shape}, this "
                                 f"version's features need {shape}")

    @property
    def n_parameters(self) -> int:
        return sum(a.size for a in self.arrays.values())

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name].astype(np.float64)


class NumpyStep:
    """One member, one tick."""

    def __init__(self, net: NetWeights):
        self.encoders = [(net[f"encoders.{i}.weight"], net[f"encoders.{i}.bias"])
                         for i in range(len(net.modalities))]
        self.heads = [(net[f"modality_heads.{i}.weight"][0],
                       float(net[f"modality_heads.{i}.bias"][0]))
                      for i in range(len(net.modalities))]
        self.w_ih, self.w_hh = net["gru.weight_ih_l0"], net["gru.weight_hh_l0"]
        self.b_ih, self.b_hh = net["gru.bias_ih_l0"], net["gru.bias_hh_l0"]
        self.head_w, self.head_b = net["head.weight"][0], float(net["head.bias"][0])
        self.hidden = net.hidden
        self.slices = [SLICES[m] for m in net.modalities]
        self.at = np.array([MODALITIES.index(m) for m in net.modalities])

    def initial_state(self) -> np.ndarray:
        return np.zeros(self.hidden)

    def __call__(self, x: np.ndarray, mask: np.ndarray, h: np.ndarray
                 ) -> tuple[float, np.ndarray, np.ndarray]:
        """(fused logit, logits of the net's modalities, new hidden state) for one tick;
        ``mask`` over all ``MODALITIES``."""
        mask = mask[self.at]
        embeddings, scores = [], np.empty(len(self.slices))
        for i, sl in enumerate(self.slices):
            weight, bias = self.encoders[i]
            xi = np.append(x[sl] * mask[i], mask[i])
            e = np.tanh(weight @ xi + bias) * mask[i]
            embeddings.append(e)
            hw, hb = self.heads[i]
            scores[i] = hw @ e + hb
        z = np.concatenate(embeddings + [mask])
        gi = self.w_ih @ z + self.b_ih
        gh = self.w_hh @ h + self.b_hh
        n = self.hidden
        r = 1 / (1 + np.exp(-(gi[:n] + gh[:n])))
        u = 1 / (1 + np.exp(-(gi[n:2 * n] + gh[n:2 * n])))
        c = np.tanh(gi[2 * n:] + r * gh[2 * n:])
        h = (1 - u) * c + u * h
        return float(self.head_w @ h + self.head_b), scores, h


class EnsembleStep:
    """All members stepped together: the mean of their logits and of their modality scores.
    The state is one hidden vector per member, stacked."""

    def __init__(self, nets: list[NetWeights]):
        self.members = [NumpyStep(net) for net in nets]
        self.modalities = nets[0].modalities

    def initial_state(self) -> np.ndarray:
        return np.stack([m.initial_state() for m in self.members])

    def __call__(self, x: np.ndarray, mask: np.ndarray, h: np.ndarray
                 ) -> tuple[float, np.ndarray, np.ndarray]:
        outs = [m(x, mask, hm) for m, hm in zip(self.members, h, strict=True)]
        return (float(np.mean([o[0] for o in outs])), np.mean([o[1] for o in outs], axis=0),
                np.stack([o[2] for o in outs]))


def untrained(embed: int = 8, hidden: int = 32, modalities: tuple[str, ...] = MODALITIES,
              seed: int = 0) -> NetWeights:
    """Random weights of the right shapes (what ``ntt bench`` times when no model is
    installed): the cost of a step does not depend on what was learned."""
    rng = np.random.default_rng(seed)
    shapes = weight_shapes(embed, hidden, tuple(modalities))
    return NetWeights(embed, hidden, tuple(modalities),
                      {k: rng.normal(0, 0.3, s).astype(np.float32) for k, s in shapes.items()})
