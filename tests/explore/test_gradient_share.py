"""σ > w shares on real-sized embeddings, batched, against a per-pair loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlcl_lab.explore.gradient_share import positive_repulsion_share
from mlcl_lab.losses import loss_pair_weights


def _loop(z: torch.Tensor, y: torch.Tensor, loss: str, batch_size: int, **hyper) -> float:
    n_pos = n_gt = 0
    for start in range(0, z.shape[0], batch_size):
        zb, yb = z[start:start + batch_size].double(), y[start:start + batch_size].double()
        if zb.shape[0] < 2:
            continue
        pw = loss_pair_weights(loss, yb, zb, **hyper)
        W, s, valid = pw.W.numpy(), pw.sigma.numpy(), pw.valid.numpy()
        for i in range(W.shape[0]):
            r = W[i].sum()
            for j in range(W.shape[1]):
                if valid[i] and W[i, j] > 0:
                    n_pos += 1
                    n_gt += r * s[i, j] > W[i, j]
    return n_gt / n_pos


@pytest.fixture
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return torch.randn(70, 8, generator=g), (torch.rand(70, 5, generator=g) < 0.4).float()


@pytest.mark.parametrize("loss", ["base", "mulsupcon", "supcon_all"])
def test_share_matches_loop_and_plain_losses_repel_every_such_pair(batch, loss: str) -> None:
    z, y = batch
    out = positive_repulsion_share(z, y, loss, batch_size=32, temperature=0.2)
    assert out["share_sigma_gt_w"] == pytest.approx(_loop(z, y, loss, 32, temperature=0.2), abs=1e-12)
    assert out["share_repelled"] == pytest.approx(out["share_sigma_gt_w"])
    assert out["repulsion_to_attraction"] > 0 and out["n_positive_pairs"] > 0


def test_reg_never_repels_positives(batch) -> None:
    z, y = batch
    protos = torch.nn.functional.normalize(torch.randn(5, 8, generator=torch.Generator().manual_seed(1)), dim=1)
    out = positive_repulsion_share(z, y, "reg", prototypes=protos, batch_size=32, temperature=0.2)
    assert out["share_sigma_gt_w"] > 0
    assert out["share_repelled"] == 0.0 and out["repulsion_to_attraction"] == 0.0


def test_undefined_shares_are_errors() -> None:
    z = torch.randn(6, 4)
    disjoint = torch.eye(6, 6)  # every sample has its own label: no positive pair
    with pytest.raises(ValueError, match="no positive pair"):
        positive_repulsion_share(z, disjoint, "base")
    with pytest.raises(ValueError, match="at least 2 samples"):
        positive_repulsion_share(z[:1], disjoint[:1], "base")
    # a trailing batch of one sample is skipped, not an error
    out = positive_repulsion_share(torch.randn(9, 4), torch.ones(9, 2), "base", batch_size=4)
    assert np.isfinite(out["share_sigma_gt_w"])
