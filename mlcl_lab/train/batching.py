"""Mini-batch index streams and batched encoding; tensors stay on their device."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import torch
from torch import nn

if TYPE_CHECKING:
    from .sources import BatchSource

__all__ = ["autocast_for", "batch_indices", "encode"]


def batch_indices(n: int, batch_size: int, generator: torch.Generator | None, drop_last: bool, device: torch.device) -> Iterator[torch.Tensor]:
    """Yield index tensors of a shuffled (``generator`` given) or ordered pass over ``n`` items.

    With ``drop_last`` the incomplete last batch is skipped, unless it is the only one
    (a training set smaller than one batch still trains, on all of it). The permutation
    is drawn on the CPU (the seeded order does not depend on the device) and moved once.
    """
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    order = order.to(device)
    full = n // batch_size
    for s in range(full):
        yield order[s * batch_size : (s + 1) * batch_size]
    rest = n - full * batch_size
    if rest and (not drop_last or full == 0):
        yield order[full * batch_size :]


def autocast_for(device: torch.device, enabled: bool) -> torch.autocast:
    """bf16 autocast on CUDA when ``enabled``; a disabled context on CPU."""
    use = enabled and device.type == "cuda"
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use)


@torch.no_grad()
def encode(module: nn.Module, data: BatchSource | torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    """Run ``module`` in eval mode over a source (or an (N, ...) tensor) in ordered batches -> (N, D) float32.

    Rows come out in the source's order. An empty input is an error.
    """
    was_training = module.training
    module.eval()
    try:
        if isinstance(data, torch.Tensor):
            outs = [module(data[i : i + batch_size]).float() for i in range(0, data.shape[0], batch_size)]
        else:
            outs = [module(b.x).float() for b in data.batches(batch_size, shuffle=False, drop_last=False, generator=None)]
    finally:
        module.train(was_training)
    if not outs:
        raise ValueError("encode() got an empty input")
    return torch.cat(outs)
