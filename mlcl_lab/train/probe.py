"""Stage 2: linear evaluation with per-label (lr, wd) selection (paper.md §5.1).

All grid points x heads are trained together: their weights are the column blocks of one
(F, G·H·L) matrix, so a step is one matrix product forward and one backward whatever
the grid size (a (G·H)-batched einsum before: the same numbers, bit for bit, and slower:
``benchmarks/bench_probe.py``).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from ..models.probe import LinearProbe
from .adamw import AdamW
from .config import ProbeConfig
from .schedule import linear_decay
from .selection import per_label_f1

__all__ = ["ProbeResult", "fit_linear_probe"]


@dataclass
class ProbeResult:
    """The assembled probe and how it was chosen.

    ``grid`` lists the (lr, wd) points; ``val_f1`` (G, L) is each point's validation F1
    per label; ``chosen`` (L,) the index of the grid point kept for each label.
    """

    probe: LinearProbe
    grid: list[tuple[float, float]]
    val_f1: np.ndarray
    chosen: np.ndarray


def _xavier(k: int, f: int, l: int, generator: torch.Generator) -> torch.Tensor:
    bound = math.sqrt(6.0 / (f + l))
    return (torch.rand(k, f, l, generator=generator, dtype=torch.float32) * 2 - 1) * bound


def fit_linear_probe(
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    val_x: torch.Tensor,
    val_y: torch.Tensor,
    config: ProbeConfig | None = None,
    seed: int = 0,
) -> ProbeResult:
    """Train the probe grid on (N, F) features and (N, L) labels; select per label on val.

    Ties in validation F1 keep the first grid point (grid order: learning rates outer,
    weight decays inner). Features and labels must be on the same device.
    """
    config = ProbeConfig() if config is None else config
    if train_x.dim() != 2 or train_y.dim() != 2 or train_x.shape[0] != train_y.shape[0]:
        raise ValueError(f"probe needs train features (N, F) and labels (N, L), got {tuple(train_x.shape)}, {tuple(train_y.shape)}")
    if val_x.shape[0] == 0 or train_x.shape[0] == 0:
        raise ValueError("probe needs at least one training and one validation sample")
    device = train_x.device
    gen = torch.Generator().manual_seed(int(seed))
    grid = list(itertools.product(config.learning_rates, config.weight_decays))
    g, h = len(grid), config.n_heads
    n, f = train_x.shape
    l = train_y.shape[1]
    x = train_x.detach().float()
    y = train_y.float()

    # one (H, F, L) weight and (H, L) bias per grid point, one AdamW group each: AdamW is
    # elementwise, so holding a grid point's heads in one tensor changes no number, only
    # the number of tensors updated per step (2 g instead of 2 g h)
    # grid point j's H heads: columns [j·H·L, (j+1)·H·L) of the (F, G·H·L) weight, head-major
    init = _xavier(g * h, f, l, gen).to(device)
    weights = [torch.nn.Parameter(init[j * h : (j + 1) * h].permute(1, 0, 2).reshape(f, h * l).contiguous())
               for j in range(g)]
    biases = [torch.nn.Parameter(torch.zeros(h * l, device=device)) for _ in range(g)]
    groups = [{"params": [weights[j], biases[j]], "lr": grid[j][0], "weight_decay": grid[j][1]} for j in range(g)]
    optimizer = AdamW(groups, lr=grid[0][0])
    batch = min(config.batch_size, n)
    steps_per_epoch = n // batch  # incomplete last batch dropped, as in the study
    scheduler = linear_decay(optimizer, config.epochs * steps_per_epoch)
    k = g * h
    for _ in range(config.epochs):
        order = torch.randperm(n, generator=gen).to(device)
        for s in range(steps_per_epoch):
            idx = order[s * batch : (s + 1) * batch]
            w = torch.cat(weights, dim=1)  # (F, G*H*L)
            b = torch.cat(biases)  # (G*H*L,)
            logits = (x[idx] @ w + b).view(batch, k, l)
            # sum over heads of each head's mean BCE: heads stay independent
            loss = F.binary_cross_entropy_with_logits(logits, y[idx][:, None, :].expand_as(logits),
                                                      reduction="none").mean((0, 2)).sum()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()

    with torch.no_grad():
        w = torch.stack([wj.view(f, h, l).permute(1, 0, 2) for wj in weights]).view(g, h, f, l)
        b = torch.stack(biases).view(g, h, l)
        val_prob = torch.sigmoid(torch.einsum("nf,ghfl->ghnl", val_x.float(), w) + b[:, :, None, :]).mean(1)  # (G, N, L)
        val_pred = (val_prob >= config.threshold)
        f1 = per_label_f1(val_y.bool(), val_pred)  # (G, L)
        chosen = torch.argmax(f1, dim=0)  # first maximum on ties
        lab = torch.arange(l, device=device)
        final_w = w[chosen, :, :, lab].permute(1, 2, 0)  # (H, F, L)
        final_b = b[chosen, :, lab].permute(1, 0)  # (H, L)
        if config.variant == "as_coded":
            extra_w = _xavier(2, f, l, gen).to(device)
            final_w = torch.cat([final_w, extra_w])
            final_b = torch.cat([final_b, torch.zeros(2, l, device=device)])
    probe = LinearProbe(final_w, final_b, threshold=config.threshold)
    return ProbeResult(probe=probe, grid=grid, val_f1=f1.cpu().numpy(), chosen=chosen.cpu().numpy())
