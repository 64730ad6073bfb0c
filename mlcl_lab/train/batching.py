"""Mini-batch index streams and batched encoding; tensors stay on their device."""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

__all__ = ["batch_indices", "encode", "autocast_for"]


def batch_indices(n: int, batch_size: int, generator: torch.Generator | None, drop_last: bool, device: torch.device) -> Iterator[torch.Tensor]:
    """Yield index tensors of a shuffled (``generator`` given) or ordered pass over ``n`` items.

    With ``drop_last`` the incomplete last batch is skipped, unless it is the only one
    (a training set smaller than one batch still trains, on all of it).
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
def encode(module: nn.Module, x: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    """Run ``module`` in eval mode over (N, ...) inputs in batches -> (N, D) float32."""
    was_training = module.training
    module.eval()
    try:
        outs = [module(x[i : i + batch_size]).float() for i in range(0, x.shape[0], batch_size)]
    finally:
        module.train(was_training)
    if not outs:
        raise ValueError("encode() got an empty input")
    return torch.cat(outs)
