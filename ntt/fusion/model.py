"""The fusion model: small per-modality encoders with their own score heads, and a causal
GRU over their embeddings and the availability mask. This is the torch net, for training
(the `train` extra); the runtime steps its weights in numpy (``ntt.fusion.step``).

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
from ntt.fusion.step import NetWeights

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

    def weights(self) -> NetWeights:
        """The trained weights as the runtime reads them (``ntt.fusion.step``)."""
        return NetWeights(self.embed, self.hidden, self.modalities,
                          {k: v.detach().cpu().numpy().astype(np.float32)
                           for k, v in self.state_dict().items()})

    @classmethod
    def from_weights(cls, weights: NetWeights) -> FusionNet:
        """A torch net holding ``weights`` (to train on from them, or to check the numpy
        step against), in eval mode."""
        net = cls(weights.embed, weights.hidden, weights.modalities)
        net.load_state_dict({k: torch.from_numpy(np.array(v, dtype=np.float32))
                             for k, v in weights.arrays.items()})
        return net.eval()


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
