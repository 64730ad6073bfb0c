"""Share of positive pairs whose gradient repels (σ > w) on real embeddings (paper.md §4, §3.10)."""

from __future__ import annotations

import torch

from ..losses import gradient_components

__all__ = ["positive_repulsion_share"]


@torch.no_grad()
def positive_repulsion_share(z: torch.Tensor, y: torch.Tensor, loss_name: str, *, prototypes: torch.Tensor | None = None,
                             batch_size: int = 128, **hyper: object) -> dict[str, float]:
    """Over ordered batches of (z, y): fraction of positive pairs (anchor with ≥1 positive,
    W_ij > 0) with r_i σ_ij > W_ij (r_i = row sum of W), the fraction whose gradient actually
    repels (0 for REG, which removes the component), and the mean positive-repulsion norm
    relative to the mean attraction norm.

    z (N, D) raw embeddings, y (N, L) multi-hot. Batches of fewer than 2 samples are skipped;
    ValueError when no batch has a positive pair.
    """
    if z.shape[0] < 2:
        raise ValueError(f"need at least 2 samples, got {z.shape[0]}")
    n_pos = n_gt = n_rep = 0
    rep_norm = att_norm = 0.0
    for start in range(0, z.shape[0] - 1, batch_size):
        zb, yb = z[start:start + batch_size].double(), y[start:start + batch_size].double()
        if zb.shape[0] < 2:
            continue
        comp = gradient_components(zb, yb, loss_name, prototypes=None if prototypes is None else prototypes.double(),
                                   **hyper)
        pw = comp.weights
        pos = (pw.W > 0) & pw.valid[:, None]
        rows = pw.W.sum(1, keepdim=True)
        n_pos += int(pos.sum())
        n_gt += int(((rows * pw.sigma > pw.W) & pos).sum())
        n_rep += int(((comp.repulsion_pos > 0) & pos).sum())
        rep_norm += float(comp.repulsion_pos_norm.sum())
        att_norm += float(comp.attraction_norm.sum())
    if n_pos == 0:
        raise ValueError("no positive pair in any batch: the shares are undefined")
    return {
        "share_sigma_gt_w": n_gt / n_pos,
        "share_repelled": n_rep / n_pos,
        "repulsion_to_attraction": rep_norm / att_norm if att_norm > 0 else 0.0,
        "n_positive_pairs": float(n_pos),
    }
