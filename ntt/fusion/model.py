"""The fusion model: small per-modality encoders with their own score heads, and a causal
GRU over their embeddings and the availability mask.

Causal by construction (a unidirectional GRU stepping once per tick), so the streaming
runtime and training see exactly the same function. The per-modality heads give the
"contribution" of each modality that the visualizer shows, and single-modality baselines.
"""

from __future__ import annotations

import torch
from torch import nn

from ntt.fusion.features import FEATURES, MODALITIES, N_MODALITIES, SLICES

EMBED = 8
HIDDEN = 32


class FusionNet(nn.Module):
    def __init__(self, embed: int = EMBED, hidden: int = HIDDEN):
        super().__init__()
        self.embed = embed
        self.hidden = hidden
        self.encoders = nn.ModuleList(nn.Linear(len(FEATURES[m]) + 1, embed) for m in MODALITIES)
        self.modality_heads = nn.ModuleList(nn.Linear(embed, 1) for _ in MODALITIES)
        self.gru = nn.GRU(embed * N_MODALITIES + N_MODALITIES, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, h0: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x (B, T, F), mask (B, T, M) → fused logits (B, T), modality logits (B, T, M),
        final hidden state (1, B, H)."""
        embeddings, scores = [], []
        for i, m in enumerate(MODALITIES):
            mi = mask[..., i:i + 1]
            xi = x[..., SLICES[m]] * mi
            e = torch.tanh(self.encoders[i](torch.cat([xi, mi], dim=-1))) * mi
            embeddings.append(e)
            scores.append(self.modality_heads[i](e))
        z = torch.cat(embeddings + [mask], dim=-1)
        out, h = self.gru(z, h0)
        return self.head(out).squeeze(-1), torch.cat(scores, dim=-1), h


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
