"""``mulsupcon``: MulSupCon (Zhang & Wu, AAAI 2024; paper.md §3.6).

Every (anchor i, label l ∈ Y_i) is a sub-anchor with positives P_il = candidates carrying l:
    ℓ_il = −(1/(|P_il| + EPS)) Σ_{p∈P_il} log softmax_p(s_ip/τ),
written as one weight matrix W_ij = Σ_{l∈Y_i∩Y_j} 1/(|P_il| + EPS) = ((Y ⊘ (|P|+EPS)) Yᵀ)_ij.

variant="port" (default, the authors' in-batch port): candidates = batch \\ {i} (+ ``ref_z``),
  a sub-anchor without positives contributes 0 but still counts; L = Σ ℓ_il / Σ_i |Y_i|
  (``empty_anchors='include'`` by default, exactly their reduction).
variant="original" (MulSupCon repo): candidates = ``ref_z`` (the batch's keys from the
  momentum encoder in batch order, followed by the queue; without ref_z the batch itself)
  and the anchor's own column is *not* removed: its own key is a positive.
with_weight=True: the original's alternative reduction (1/n) Σ_i (1/|Y_i|) Σ_l ℓ_il.
Shapes: z (B, D), y (B, L), ref_z (R, D), ref_y (R, L).

Fast paths (``decoupled=False``), never the (Σ|Y|, C) sub-anchor rows of the authors' code.
Small batches (B·C·L ≤ ``EXPLICIT_W_MAX``): W is built once as a constant (no autograd graph)
and the normalisation, temperature and softmax run fused
(:func:`~mlcl_lab.losses.fused.weighted_softmax_xent`). Larger batches avoid the (B, C)
weight matrix altogether: with a_il = y_il / (|P_il| + EPS) (0 where |P_il| = 0; W = A Y_cᵀ, minus the self column for the port),
    Σ_j W_ij          = r_i = Σ_l a_il |P_il|
    Σ_j W_ij u_ij     = z_i·(A (Y_cᵀ Z_c))_i / τ − (Σ_l a_il y_il) z_i·z_i / τ   (port; the
                        last term removes the anchor's own column)
so ℓ_i = r_i logsumexp_{k∈D(i)} u_ik − Σ_j W_ij u_ij costs one (B, C) log-sum-exp
(:func:`~mlcl_lab.losses.fused.weighted_softmax_xent`) plus the label sums: over the
(sample, label) pairs on CPU (``pair_label_sums``, O(Σ|Y|·D)), with (B, L) products on
CUDA (``dense_label_sums``, no host synchronisation); both are tested equal.
``pair_terms`` (the explicit W) stays the definition for the gradient analysis and for
``decoupled=True``; the tests check both paths agree. Example::

    get_loss("mulsupcon")(z, y); get_loss("mulsupcon", variant="original")(q, y, ref_z=k, ref_y=y)
"""
from __future__ import annotations

import torch
from torch import Tensor

from . import _hyper as H
from ._engine import EPS, POLICIES, PairTerms, make_terms
from ._module import ContrastiveLoss, autocast_off, compute_dtype, contrastive_hyper
from ._pool import instance_candidates
from ._registry import register
from ._weights import safe_div
from ._validation import check_nonzero_entries_are_one
from .fused import unit_rows, weighted_softmax_xent


EXPLICIT_W_MAX = 2**24  # B·C·L up to which building W explicitly (B·C·L multiply-adds) is cheaper


@register
class MulSupConLoss(ContrastiveLoss):
    name = "mulsupcon"
    description = "MulSupCon: one sub-anchor per (sample, label), mean over sub-anchors"
    HYPER = contrastive_hyper(
        variant=H.choice("port", "original", doc="authors' in-batch port or original MulSupCon")("port"),
        with_weight=H.boolean("average per anchor over its labels (original option)")(False),
    )
    HYPER["empty_anchors"] = H.choice(*POLICIES)("include")

    def weights(self, y: Tensor, cy: Tensor) -> Tensor:
        """W (B, C) of the engine form: Σ_{l∈Y_i∩Y_j} 1/(|P_il| + EPS), self column removed (port),
        rows divided by |Y_i| with ``with_weight``; constant (labels only)."""
        if self.variant == "port":
            count = y.new_ones(1, cy.shape[0]) @ cy - y            # |P_il| over k ≠ i (label l)
            w = ((y / (count * y + EPS)) @ cy.T)
            w.diagonal().zero_()                                    # the anchor's own column
        else:
            count = y.new_ones(1, cy.shape[0]) @ cy
            w = safe_div(y, count.expand_as(y)) @ cy.T
        if self.with_weight:
            w = safe_div(w, y.sum(1, keepdim=True).expand_as(w))
        return w

    def pair_terms(self, zn: Tensor, y: Tensor, pn: Tensor | None, rz: Tensor | None,
                   ry: Tensor | None) -> PairTerms:
        if self.variant == "port":
            cz, cy, self_mask = instance_candidates(zn, y, rz, ry)
            denom = ~self_mask
        else:
            cz, cy = (zn, y) if rz is None else (rz, ry)
            denom = torch.ones(zn.shape[0], cz.shape[0], dtype=torch.bool, device=zn.device)
        return make_terms(zn, cz, self.temperature, self.weights(y, cy), denom, unit=self._unit(y))

    def _unit(self, y: Tensor) -> Tensor:
        """Divisor share of each anchor: |Y_i| (mean over sub-anchors) or 1[|Y_i| > 0] (with_weight)."""
        n_labels = y.sum(1)
        return (n_labels > 0).to(y.dtype) if self.with_weight else n_labels

    def forward(self, z: Tensor, y: Tensor, *, prototypes: Tensor | None = None,
                ref_z: Tensor | None = None, ref_y: Tensor | None = None) -> Tensor:
        """Scalar loss; same value and gradients as the engine form (fast paths, module docstring)."""
        if self.decoupled:
            return super().forward(z, y, prototypes=prototypes, ref_z=ref_z, ref_y=ref_y)
        port = self.variant == "port"
        closed = self._uses_closed_form(z, y, ref_z)
        # the CPU closed form extracts y's nonzero entries anyway: it checks y (and z, while
        # normalising) on the way; with a reference set the checks stay up front
        deferred = ("z", "y") if closed and ref_z is None and z.device.type == "cpu" else ()
        self._check(z, y, prototypes, ref_z, ref_y, deferred=deferred)
        check = bool(deferred) and self.validate
        dt = compute_dtype(z)
        with autocast_off(z.device.type):
            z, yf = z.to(dt), y.to(dt)
            rz = ref_z.to(dt) if ref_z is not None else None
            ry = ref_y.to(dt) if ref_y is not None else None
            if port:
                cz, cy = (z, yf) if rz is None else (torch.cat([z, rz]), torch.cat([yf, ry]))
            else:
                cz, cy = (z, yf) if rz is None else (rz, ry)
            if cz.shape[0] <= (1 if port else 0):                 # B = 1, no candidate: connected zero
                return z.sum() * 0.0
            if not closed:
                loss = self._explicit(z, yf, cz, cy)
            else:
                loss = self._closed_form(z, yf, cz, cy, rz is None, check)
            counted_all = self.empty_anchors == "include"
            unit = self._unit(yf)
            divisor = unit.sum() if counted_all else (unit * loss[1]).sum()
            return loss[0].sum() / divisor.clamp_min(1.0)

    def _uses_closed_form(self, z: Tensor, y: Tensor, ref_z: Tensor | None) -> bool:
        """Whether B·C·L exceeds ``EXPLICIT_W_MAX`` (C: the candidates), from the shapes alone."""
        if not all(isinstance(t, torch.Tensor) and t.dim() == 2 for t in (z, y)):
            return False                                          # _check raises the precise error
        n_ref = ref_z.shape[0] if isinstance(ref_z, torch.Tensor) and ref_z.dim() == 2 else None
        n_cand = z.shape[0] + (n_ref or 0) if self.variant == "port" else (z.shape[0] if n_ref is None else n_ref)
        return z.shape[0] * n_cand * y.shape[1] > EXPLICIT_W_MAX

    def _explicit(self, z: Tensor, y: Tensor, cz: Tensor, cy: Tensor) -> tuple[Tensor, Tensor]:
        """(ℓ (B,), valid (B,)) with the constant W and the fused normalise-softmax."""
        w = self.weights(y, cy)
        r = w.sum(1)                                              # Σ_j W_ij
        valid = (r > 0).to(z.dtype)
        loss = weighted_softmax_xent(z, None if cz is z else cz, r, w, scale=1.0 / self.temperature,
                                     exclude_self=self.variant == "port", normalize=True)
        return loss * valid, valid

    def _closed_form(self, z: Tensor, y: Tensor, cz: Tensor, cy: Tensor, in_batch: bool, check: bool = False
                     ) -> tuple[Tensor, Tensor]:
        """(ℓ (B,), valid (B,)) from label sums, without any (B, C) weight matrix (module docstring).
        ``check``: validate z (while normalising) and y (its nonzero entries) here."""
        port = self.variant == "port"
        zn = unit_rows(z, "z" if check else None)
        if in_batch:
            czn = zn
        else:
            czn = unit_rows(cz)
            if port:
                czn = torch.cat([zn, czn[z.shape[0]:]])           # the batch part shares zn
        row_scale = 1.0 / y.sum(1).clamp_min(1) if self.with_weight else None
        if zn.device.type == "cpu":
            r, linear = pair_label_sums(zn, y, czn, cy, port, row_scale, check_name="y" if check else None)
        else:
            r, linear = dense_label_sums(zn, y, czn, cy, port, row_scale)
        valid = (r > 0).to(zn.dtype)
        lse = weighted_softmax_xent(zn, None if in_batch else czn, r * valid, scale=1.0 / self.temperature,
                                    exclude_self=port)
        return (lse - linear / self.temperature) * valid, valid


def dense_label_sums(zn: Tensor, y: Tensor, cz: Tensor, cy: Tensor, port: bool,
                     row_scale: Tensor | None) -> tuple[Tensor, Tensor]:
    """(r_i = Σ_j W_ij, τ Σ_j W_ij u_ij) with (B, L) matrices and products (no host sync; CUDA).

    a_il = y_il / (|P_il| + EPS) as the authors (port; 1/|P_il| for the original), 0 where
    |P_il| = 0: that sub-anchor has no positive, so W is unchanged, and the self-column
    removal below stays free of the 1/EPS = 1e8 cancellation.
    """
    if port:
        count = cy.sum(0, keepdim=True) - y                      # |P_il| over candidates k ≠ i
        a = torch.where(count > 0, y / (count * y + EPS), torch.zeros_like(y))
    else:
        count = cy.sum(0, keepdim=True).expand_as(y)             # |P_il| over all candidates
        a = safe_div(y, count)
    if row_scale is not None:
        a = a * row_scale.unsqueeze(1)
    r = (a * count).sum(1)
    linear = (zn * (a @ (cy.T @ cz))).sum(1)                     # includes the anchor's own column
    if port:
        linear = linear - (a * y).sum(1) * (zn * zn).sum(1)
    return r, linear


def pair_label_sums(zn: Tensor, y: Tensor, cz: Tensor, cy: Tensor, port: bool,
                    row_scale: Tensor | None, check_name: str | None = None) -> tuple[Tensor, Tensor]:
    """Same sums as :func:`dense_label_sums` over the Σ|Y| (sample, label) pairs only:
    O((Σ_i |Y_i| + Σ_j |Y_j|)·D) instead of O(B·L·D) (CPU; ``nonzero`` syncs on CUDA).
    ``check_name``: y is binary iff its nonzero entries all equal 1 (checked over Σ|Y| entries)."""
    rows, labs = y.nonzero(as_tuple=True)                       # anchor pairs (i, l ∈ Y_i)
    if check_name is not None:
        check_nonzero_entries_are_one(y, y[rows, labs], check_name)
    crows, clabs = (rows, labs) if cy is y else cy.nonzero(as_tuple=True)
    carriers = torch.bincount(clabs, minlength=y.shape[1]).to(zn.dtype)   # Σ_j y_jl over candidates
    count = carriers[labs] - 1.0 if port else carriers[labs]    # |P_il| per pair
    inv = 1.0 / (count + EPS) if port else 1.0 / count.clamp_min(1.0)
    a = torch.where(count > 0, inv, torch.zeros_like(count))
    if row_scale is not None:
        a = a * row_scale[rows]
    r = zn.new_zeros(y.shape[0]).index_add_(0, rows, a * count)
    label_sum = zn.new_zeros(y.shape[1], zn.shape[1]).index_add(0, clabs, cz.index_select(0, crows))  # Σ_{j: l∈Y_j} c_j
    # index_select, not zn[rows]: its backward is an index_add, advanced indexing's an index_put (several times slower)
    za = zn.index_select(0, rows)
    pair = (za * label_sum.index_select(0, labs)).sum(1)
    if port:
        pair = pair - (za * za).sum(1)                           # the anchor's own column
    return r, zn.new_zeros(y.shape[0]).index_add(0, rows, a * pair)
