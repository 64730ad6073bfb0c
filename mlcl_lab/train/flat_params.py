"""One contiguous buffer behind a parameter group, so AdamW updates the group in one call.

AdamW is element-wise: every element of a parameter is updated from its own gradient and
moments alone. So updating the concatenation of a group's parameters, gradients and
moments gives each element the number the per-tensor updates give — bit for bit,
including the elements the vectorised kernels handle in their scalar tail (tested against
``torch.optim.AdamW`` on parameters of many odd sizes, ``tests/train/test_flat_params.py``).
What changes is the number of tensor operations per step: about eight per group instead
of about eight per parameter; for the study's small MLPs on the CPU that was a tenth of a
training step (``benchmarks/bench_train.py``).

:class:`FlatParameters` moves a group's parameters into one buffer (each parameter's
``.data`` becomes a view of its slice; the :class:`~torch.nn.Parameter` objects, their
names and ``requires_grad`` stay) and concatenates their gradients at each step.
Named choices:

- only a group of dense, contiguous, real floating-point parameters on one device with
  one dtype is moved (:meth:`FlatParameters.eligible`); any other group (a channels-last
  convolution weight, mixed dtypes) keeps the per-tensor update;
- a parameter whose ``.data`` was replaced after the optimiser was made (``p.data = t``)
  is moved back into its slice with its new values, as ``torch.optim`` would update the
  new values; a replacement of another shape, dtype or device (``model.to("cuda")`` after
  making the optimiser) is an error that says to make the optimiser after moving the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["FlatParameters"]


class FlatParameters:
    """The parameters of one group as views of one 1-D buffer (in group order).

    ``buffer`` (N,) holds parameter k at ``[offsets[k], offsets[k] + numel_k)``.
    """

    def __init__(self, params: Sequence[torch.Tensor]) -> None:
        if not self.eligible(params):
            raise ValueError("FlatParameters needs dense, contiguous, real floating-point parameters "
                             "on one device with one dtype, each listed once")
        self.params = list(params)
        self.shapes = [p.shape for p in self.params]
        sizes = [p.numel() for p in self.params]
        self.offsets = [sum(sizes[:k]) for k in range(len(sizes))]
        self.sizes = sizes
        with torch.no_grad():
            self.buffer = torch.cat([p.detach().reshape(-1) for p in self.params])
        for k in range(len(self.params)):
            self._home(k)

    @staticmethod
    def eligible(params: Sequence[torch.Tensor]) -> bool:
        """True when ``params`` can share one buffer (module docstring)."""
        if len(params) < 2 or len({id(p) for p in params}) != len(params):
            return False
        first = params[0]
        return all(p.layout == torch.strided and p.is_contiguous() and p.is_floating_point()
                   and p.device == first.device and p.dtype == first.dtype for p in params)

    def _slice(self, k: int) -> torch.Tensor:
        return self.buffer[self.offsets[k]: self.offsets[k] + self.sizes[k]].view(self.shapes[k])

    def _home(self, k: int) -> None:
        self.params[k].data = self._slice(k)

    def _expected_ptr(self, k: int) -> int:
        return self.buffer.data_ptr() + self.offsets[k] * self.buffer.element_size()

    def check_homed(self) -> None:
        """Move back any parameter whose ``.data`` was replaced since (module docstring)."""
        for k, p in enumerate(self.params):
            if p.data_ptr() == self._expected_ptr(k):
                continue
            if p.shape != self.shapes[k] or p.dtype != self.buffer.dtype or p.device != self.buffer.device:
                raise RuntimeError(
                    f"parameter {k} of an AdamW group was replaced by a tensor of shape {tuple(p.shape)}, "
                    f"{p.dtype} on {p.device} after the optimiser was made (it holds {tuple(self.shapes[k])}, "
                    f"{self.buffer.dtype} on {self.buffer.device}); make the optimiser after moving or "
                    "converting the model")
            with torch.no_grad():
                self._slice(k).copy_(p.data)
            self._home(k)

    def gradient(self) -> torch.Tensor:
        """The gradients concatenated in buffer order (N,); every parameter must have one."""
        return torch.cat([p.grad.reshape(-1) for p in self.params])  # type: ignore[union-attr]

    def views_of(self, flat: torch.Tensor) -> list[torch.Tensor]:
        """Per-parameter views of a buffer-shaped tensor (e.g. a moment), in group order."""
        return [flat[o: o + n].view(s) for o, n, s in zip(self.offsets, self.sizes, self.shapes, strict=True)]
