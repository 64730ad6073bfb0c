"""Frozen-backbone features of a whole batch source, extracted once in batches (paper.md §5.1, stage 2).

The linear probe and the representation analyses read the *backbone* output f(x)
(``hidden=True`` in the official code), not the projection g(f(x)).
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["extract_features"]


@torch.no_grad()
def extract_features(encoder: nn.Module, source, batch_size: int = 256, *, amp: bool = False) -> torch.Tensor:
    """(source.n, encoder.out_dim) float32 features, row i = position i of ``source``.

    ``source`` is any ``BatchSource`` (ordered pass, no augmentation, no shuffling); the
    encoder runs in eval mode under ``torch.no_grad`` (its mode is restored after).
    ``amp``: bf16 autocast on CUDA (ignored on CPU).
    """
    if source.n == 0:
        raise ValueError("extract_features() got an empty source")
    was_training = encoder.training
    encoder.eval()
    outs = []
    try:
        for batch in source.batches(batch_size, shuffle=False, drop_last=False, generator=None):
            device = batch.y.device
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp and device.type == "cuda"):
                outs.append(encoder(batch.x).float())
    finally:
        encoder.train(was_training)
    return torch.cat(outs)
