"""``msc``: ABALONE / L_MSC (arXiv 2404.08720; paper.md §3.8, authors' ``msc``).

Candidates of anchor i: other batch samples (+ ``ref_z``, the paper-2 memory queue) and
the L label prototypes. With u_ij = z_i·c_j/τ:
  N_il  = y_il (1 + α Σ_{j instance ≠ i} y_jl / |Y_i ∪ Y_j|)        (per-label normaliser)
  W_ij  = α/|Y_i∪Y_j| · Σ_{l∈Y_i∩Y_j} 1/(N_il + EPS)                 (instances)
  W_ipl = y_il / (N_il + EPS)                                         (prototypes)
  log σ_ij = u_ij − log(β Σ_{k instance ≠ i} e^{u_ik} + Σ_l e^{u_ipl})
  ℓ_i = −(1/|Y_i|) Σ_j W_ij log σ_ij,   L = mean over anchors.
Σ_j W_ij = |Y_i| (before the 1/|Y_i|). Defaults α = 1 (the authors' trainer), β = 0.1
(repo config). Edge cases: unlabelled samples have no positives (skipped by default;
NaN in the authors' code). Example::

    get_loss("msc", alpha=1.0, beta=0.1)(z, y, prototypes=P, ref_z=queue_z, ref_y=queue_y)
"""
from __future__ import annotations

import math

import torch
from torch import Tensor

from . import _hyper as H
from ._engine import EPS, PairTerms, make_terms
from ._module import ContrastiveLoss, contrastive_hyper
from ._pool import instance_candidates
from ._registry import register
from ._weights import intersections, safe_div, unions


@register
class MSCLoss(ContrastiveLoss):
    name = "msc"
    description = "ABALONE L_MSC: prototypes, beta-weighted instance repulsion, per-label attraction"
    uses_prototypes = True
    HYPER = contrastive_hyper(
        alpha=H.in_range(0.0, 1e6, "instance share of the per-label attraction")(1.0),
        beta=H.in_range(1e-6, 1e6, "repulsion weight of instances in the denominator")(0.1),
    )

    def pair_terms(self, zn: Tensor, y: Tensor, pn: Tensor | None, rz: Tensor | None,
                   ry: Tensor | None) -> PairTerms:
        cz, cy, self_mask = instance_candidates(zn, y, rz, ry)
        off = (~self_mask).to(zn.dtype)
        inter = intersections(y, cy)
        inv_union = safe_div(off, unions(y, cy, inter))                 # 1/|Y_i∪Y_j|, 0 on self
        norm = y * (1 + self.alpha * (inv_union @ cy))                  # N_il
        w_inst = self.alpha * inv_union * ((y / (norm + EPS)) @ cy.T)
        w_proto = y / (norm + EPS)
        w = safe_div(torch.cat([w_inst, w_proto], 1), y.sum(1, keepdim=True).expand(-1, cz.shape[0] + pn.shape[0]))
        n_lab = pn.shape[0]
        denom = torch.cat([~self_mask, torch.ones(zn.shape[0], n_lab, dtype=torch.bool, device=zn.device)], 1)
        log_omega = torch.cat([torch.full((1, cz.shape[0]), math.log(self.beta), dtype=zn.dtype, device=zn.device),
                               torch.zeros(1, n_lab, dtype=zn.dtype, device=zn.device)], 1)
        return make_terms(zn, torch.cat([cz, pn]), self.temperature, w, denom, log_omega=log_omega)
