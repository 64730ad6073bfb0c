"""Loss playground state: gradient split, σ > w shares (against a loop), training steps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mlcl_lab.explore.playground import (COMPONENTS, PlaygroundSettings, analyse, loss_hyper, playground_losses,
                                         train_steps, with_changes)
from mlcl_lab.losses import get_loss
from mlcl_lab.losses._registry import loss_class


def _loop_shares(W: np.ndarray, sigma: np.ndarray, valid_rows: np.ndarray) -> float:
    """Fraction of positive pairs (w_ij > 0, valid anchor) with (Σ_k w_ik) σ_ij > w_ij, by plain loops."""
    n_pos = n_gt = 0
    for i in range(W.shape[0]):
        if not valid_rows[i]:
            continue
        r = sum(W[i])
        for j in range(W.shape[1]):
            if W[i, j] > 0:
                n_pos += 1
                n_gt += r * sigma[i, j] > W[i, j]
    return n_gt / max(n_pos, 1)


@pytest.mark.parametrize("loss", playground_losses())
def test_state_is_consistent_for_every_contrastive_loss(loss: str) -> None:
    settings = PlaygroundSettings(loss=loss, overlap=0.6, n_points=10, seed=2)
    state = analyse(settings)
    batch = settings.batch()
    assert set(state.forces) == set(COMPONENTS)
    for force in state.forces.values():
        assert force.shape == state.z.shape
        np.testing.assert_allclose((force * state.z).sum(1), 0.0, atol=1e-10)  # tangent to the sphere
    hyper = loss_hyper(settings)
    protos = torch.from_numpy(batch.prototypes) if loss_class(loss).uses_prototypes else None
    expected = float(get_loss(loss, **hyper)(torch.from_numpy(batch.z), torch.from_numpy(batch.y), prototypes=protos))
    assert state.loss_value == pytest.approx(expected, rel=1e-12)
    # anchors without positives have an all-zero W row: they never count
    assert state.share_sigma_gt_w == pytest.approx(_loop_shares(state.W, state.sigma, state.W.sum(1) > 0), abs=1e-12)
    if loss == "reg":
        assert state.share_repelled == 0.0
        np.testing.assert_array_equal(state.forces["repulsion_pos"], 0.0)
    else:
        assert state.share_repelled == pytest.approx(state.share_sigma_gt_w)


def test_partial_overlap_creates_positive_repulsion_that_reg_removes() -> None:
    base = analyse(PlaygroundSettings(loss="msc", overlap=0.8, n_points=12, seed=0))
    reg = analyse(PlaygroundSettings(loss="reg", overlap=0.8, n_points=12, seed=0))
    assert base.share_sigma_gt_w > 0 and np.abs(base.forces["repulsion_pos"]).sum() > 0
    assert reg.share_sigma_gt_w > 0 and reg.share_repelled == 0.0


def test_hyper_parameters_go_only_to_losses_that_take_them() -> None:
    settings = PlaygroundSettings(loss="base", temperature=0.3, alpha=0.7, beta=0.2)
    assert loss_hyper(settings) == {"temperature": 0.3}  # base has neither an overlap exponent nor a β
    assert loss_hyper(with_changes(settings, loss="reg")) == {"temperature": 0.3, "alpha": 0.7}
    assert loss_hyper(with_changes(settings, loss="msc"))["beta"] == 0.2
    with pytest.raises(ValueError, match="unknown contrastive loss 'bce'"):
        PlaygroundSettings(loss="bce")


@pytest.mark.parametrize("loss", ["base", "msc", "reg"])
def test_a_few_gradient_steps_lower_the_loss_and_stay_on_the_sphere(loss: str) -> None:
    frames, values = train_steps(PlaygroundSettings(loss=loss, overlap=0.5), n_steps=10, lr=0.2, record_every=3)
    assert len(frames) == len(values) == 5  # steps 0, 3, 6, 9 and the last one (10)
    assert values[-1] < values[0]
    for frame in frames:
        np.testing.assert_allclose(np.linalg.norm(frame, axis=1), 1.0, atol=1e-12)


def test_bad_training_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="n_steps >= 1"):
        train_steps(PlaygroundSettings(), n_steps=0)
