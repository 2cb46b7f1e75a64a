"""The fusion model: small per-modality encoders with their own score heads, and a causal
GRU over their embeddings and the availability mask.

Causal by construction (a unidirectional GRU stepping once per tick), so the streaming
runtime and training see exactly the same function. The per-modality heads give the
"contribution" of each modality that the visualizer shows, and single-modality baselines.

A shipped model is a small ensemble: the same net trained from a few seeds, logits averaged.
On a few hundred training utterances one seed can land far from another (held-out EER 0.32
to 0.52 across three seeds of the same recipe); the average is steadier than any one seed
and costs a few kilobytes and a few microseconds a tick per member.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ntt.fusion.features import FEATURES, MODALITIES, SLICES

EMBED = 8
HIDDEN = 32


class FusionNet(nn.Module):
    """``modalities``: the ones this net reads (a subset of ``MODALITIES``, in that order);
    a model trained before a modality existed keeps working without it."""

    def __init__(self, embed: int = EMBED, hidden: int = HIDDEN,
                 modalities: tuple[str, ...] = MODALITIES):
        super().__init__()
        if not modalities or set(modalities) - set(MODALITIES):
            raise ValueError(f"modalities must be some of {MODALITIES}, got {modalities}")
        self.modalities = tuple(m for m in MODALITIES if m in modalities)
        self.at = [MODALITIES.index(m) for m in self.modalities]
        self.embed = embed
        self.hidden = hidden
        n = len(self.modalities)
        self.encoders = nn.ModuleList(nn.Linear(len(FEATURES[m]) + 1, embed)
                                      for m in self.modalities)
        self.modality_heads = nn.ModuleList(nn.Linear(embed, 1) for _ in self.modalities)
        self.gru = nn.GRU(embed * n + n, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, h0: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x (B, T, F), mask (B, T, M) over all ``MODALITIES`` → fused logits (B, T), logits
        of this net's modalities (B, T, len(modalities)), final hidden state (1, B, H)."""
        embeddings, scores = [], []
        mask = mask[..., self.at]
        for i, m in enumerate(self.modalities):
            mi = mask[..., i:i + 1]
            xi = x[..., SLICES[m]] * mi
            e = torch.tanh(self.encoders[i](torch.cat([xi, mi], dim=-1))) * mi
            embeddings.append(e)
            scores.append(self.modality_heads[i](e))
        z = torch.cat(embeddings + [mask], dim=-1)
        out, h = self.gru(z, h0)
        return self.head(out).squeeze(-1), torch.cat(scores, dim=-1), h


class NumpyStep:
    """One member as one numpy step per tick: for batch 1 and a single time step, torch's
    per-call overhead costs more than the arithmetic, so the runtime uses this
    (``test_fusion`` checks it equals the torch forward pass)."""

    def __init__(self, net: FusionNet):
        def w(t: torch.Tensor) -> np.ndarray:
            return t.detach().cpu().numpy().astype(np.float64)

        self.encoders = [(w(e.weight), w(e.bias)) for e in net.encoders]
        self.heads = [(w(h.weight)[0], float(w(h.bias)[0])) for h in net.modality_heads]
        self.w_ih, self.w_hh = w(net.gru.weight_ih_l0), w(net.gru.weight_hh_l0)
        self.b_ih, self.b_hh = w(net.gru.bias_ih_l0), w(net.gru.bias_hh_l0)
        self.head_w, self.head_b = w(net.head.weight)[0], float(w(net.head.bias)[0])
        self.hidden = net.hidden
        self.slices = [SLICES[m] for m in net.modalities]
        self.at = np.array(net.at)

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

    def __init__(self, nets: list[FusionNet]):
        self.members = [NumpyStep(net) for net in nets]
        self.modalities = nets[0].modalities

    def initial_state(self) -> np.ndarray:
        return np.stack([m.initial_state() for m in self.members])

    def __call__(self, x: np.ndarray, mask: np.ndarray, h: np.ndarray
                 ) -> tuple[float, np.ndarray, np.ndarray]:
        outs = [m(x, mask, hm) for m, hm in zip(self.members, h, strict=True)]
        return (float(np.mean([o[0] for o in outs])), np.mean([o[1] for o in outs], axis=0),
                np.stack([o[2] for o in outs]))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
