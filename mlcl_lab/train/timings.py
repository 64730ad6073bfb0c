"""Seconds per phase of a run (CONTRACT interface 7): ``RunResult.timings``.

Phases filled by :mod:`mlcl_lab.train`: ``split``, ``inputs`` (the study's preparation,
see :func:`mlcl_lab.train.study.run_study` for how it is shared between runs),
``stage1`` (all encoder training: contrastive pre-training and/or supervised training),
``probe`` (feature extraction + linear probe; 0 for supervised runs), ``evaluation``
(test/validation scores, thresholds, classification metrics) and ``representation``
(geometry metrics; 0 when not computed).
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import torch

from ..runtime import add_elapsed

__all__ = ["PHASES", "Timings"]

PHASES = ("split", "inputs", "stage1", "probe", "evaluation", "representation")


class Timings(dict):
    """``{phase: seconds}``; :meth:`phase` adds the wall time of a block to a phase.

    On CUDA the block's end waits for the device's queued work (one synchronisation per
    phase, not per step), so the seconds belong to the phase that launched the work.
    """

    def __init__(self, device: torch.device | None = None) -> None:
        super().__init__()
        self.device = device

    def phase(self, name: str) -> AbstractContextManager[None]:
        cuda = self.device is not None and self.device.type == "cuda"
        return add_elapsed(self, name, (lambda: torch.cuda.synchronize(self.device)) if cuda else None)

    def filled(self) -> dict[str, float]:
        """A plain dict with every phase of :data:`PHASES` (0.0 for those not run)."""
        return {**{p: 0.0 for p in PHASES}, **{k: float(v) for k, v in self.items()}}
