"""Base classes: every loss is an ``nn.Module`` with ``.kind`` and ``.uses_prototypes``.

Contrastive losses receive RAW embeddings; they are L2-normalised inside
(:func:`mlcl_lab.core.unit_rows`: ``F.normalize`` as in the authors' code for norms in
[1e-12, inf), rows outside first divided by their max-abs entry, so no magnitude overflows;
all-zero rows are refused) and the whole computation runs in float32 (float64 stays float64,
:func:`mlcl_lab.core.compute_dtype`) with autocast disabled, so fp16/bf16 inputs give finite
gradients. Subclasses implement ``pair_terms`` (contrastive) or ``compute`` (supervised).
"""
from __future__ import annotations

from contextlib import nullcontext
from typing import Any, ClassVar, ContextManager, Mapping

import torch
from torch import Tensor, nn

from ..core.normalize import unit_rows
from ..core.precision import compute_dtype
from . import _hyper as H
from ._engine import POLICIES, PairTerms, apply_decoupled, reduce_terms
from ._validation import check_logits_and_labels, embedding_flag, label_flag, read_flags


def autocast_off(device_type: str) -> ContextManager:
    """A context with autocast disabled on ``device_type`` (a no-op context when it is not enabled)."""
    return torch.autocast(device_type=device_type, enabled=False) if torch.is_autocast_enabled(device_type) \
        else nullcontext()


class LossBase(nn.Module):
    """Common hyper-parameter handling; ``self.hp`` holds the resolved values."""

    name: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    uses_prototypes: ClassVar[bool] = False
    description: ClassVar[str] = ""
    HYPER: ClassVar[Mapping[str, H.Hyper]] = {}

    def __init__(self, **hyper: Any) -> None:
        super().__init__()
        self.hp = H.resolve(self.name, self.HYPER, hyper)
        for k, v in self.hp.items():
            setattr(self, k, v)

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v!r}" for k, v in self.hp.items())


def contrastive_hyper(**extra: H.Hyper) -> dict[str, H.Hyper]:
    """Hyper-parameters shared by contrastive losses plus loss-specific ones."""
    base = {
        "temperature": H.temperature()(0.1),
        "empty_anchors": H.choice(*POLICIES, doc="anchors without positives: skip them or count them as 0")("skip"),
        "validate": H.boolean("check shapes, binary labels and finite embeddings")(True),
        "decoupled": H.boolean("DCL-style: remove positives from the denominator")(False),
    }
    base.update(extra)
    return base


class ContrastiveLoss(LossBase):
    """``loss(z, y, *, prototypes=None, ref_z=None, ref_y=None) -> scalar``.

    z (B, D) raw embeddings, y (B, L) multi-hot, prototypes (L, D) raw, ref_z (R, D) raw
    extra candidates (queue / other view / other devices) with labels ref_y (R, L).
    """

    kind = "contrastive"
    supports_ref: ClassVar[bool] = True

    def forward(self, z: Tensor, y: Tensor, *, prototypes: Tensor | None = None,
                ref_z: Tensor | None = None, ref_y: Tensor | None = None) -> Tensor:
        terms = self.terms(z, y, prototypes=prototypes, ref_z=ref_z, ref_y=ref_y)
        return reduce_terms(terms, self.hp["empty_anchors"])

    def terms(self, z: Tensor, y: Tensor, *, prototypes: Tensor | None = None,
              ref_z: Tensor | None = None, ref_y: Tensor | None = None) -> PairTerms:
        """Validate, normalise and build the :class:`PairTerms` (used by gradient analysis)."""
        self._check(z, y, prototypes, ref_z, ref_y)
        dt = compute_dtype(z)
        with autocast_off(z.device.type):
            # zero rows were refused by _check when validate=True (else they normalise to 0, like
            # F.normalize); unit_rows cannot overflow
            zn = unit_rows(z.to(dt), "z", check=False)
            yf = y.to(dt)
            pn = unit_rows(prototypes.to(dt), "prototypes", check=False) if prototypes is not None else None
            rz = unit_rows(ref_z.to(dt), "ref_z", check=False) if ref_z is not None else None
            ry = ref_y.to(dt) if ref_y is not None else None
            terms = self.pair_terms(zn, yf, pn, rz, ry)
            terms.weights = terms.weights.detach()
            if self.hp.get("decoupled", False):
                terms = apply_decoupled(terms)
        return terms

    def pair_terms(self, zn: Tensor, y: Tensor, pn: Tensor | None, rz: Tensor | None,
                   ry: Tensor | None) -> PairTerms:
        raise TypeError(f"{type(self).__name__} must define pair_terms")

    def _check(self, z: Tensor, y: Tensor, prototypes: Tensor | None, ref_z: Tensor | None,
               ref_y: Tensor | None, deferred: tuple[str, ...] = ()) -> None:
        """Structural and value checks of the inputs; ``deferred`` names the inputs ("z",
        "prototypes", "y") whose value checks the fast path does on its own way (a fused
        normalisation's host read, the nonzero labels it extracts)."""
        if (ref_z is None) != (ref_y is None):
            raise ValueError("ref_z and ref_y must be given together")
        if ref_z is not None and not self.supports_ref:
            raise ValueError(f"loss {self.name!r} does not support a reference set (ref_z/ref_y)")
        if self.uses_prototypes and prototypes is None:
            raise ValueError(f"loss {self.name!r} needs prototypes=(L, D) label prototypes")
        if not self.uses_prototypes and prototypes is not None:
            raise ValueError(f"loss {self.name!r} does not use prototypes; pass prototypes=None")
        if not self.hp["validate"]:
            return
        flags = [embedding_flag(z, "z", normalised=True, values="z" not in deferred),
                 label_flag(y, "y", z.shape[0], values="y" not in deferred)]
        if prototypes is not None:
            flags.append(embedding_flag(prototypes, "prototypes", z.shape[1], normalised=True,
                                        values="prototypes" not in deferred))
            if prototypes.shape[0] != y.shape[1]:
                raise ValueError(f"prototypes has {prototypes.shape[0]} rows, expected L={y.shape[1]}")
        if ref_z is not None:
            flags.append(embedding_flag(ref_z, "ref_z", z.shape[1], normalised=True, min_rows=0))
            flags.append(label_flag(ref_y, "ref_y", ref_z.shape[0], y.shape[1]))
        read_flags(flags)                                  # one synchronisation for every value check


class SupervisedLoss(LossBase):
    """``loss(logits, y) -> scalar``: mean over batch × labels of an element-wise loss."""

    kind = "supervised"
    uses_prototypes = False

    def forward(self, logits: Tensor, y: Tensor) -> Tensor:
        if self.hp.get("validate", True):
            check_logits_and_labels(logits, y)
        dt = compute_dtype(logits)
        with autocast_off(logits.device.type):
            return self.compute(logits.to(dt), y.to(dt))

    def compute(self, x: Tensor, y: Tensor) -> Tensor:
        raise TypeError(f"{type(self).__name__} must define compute")
