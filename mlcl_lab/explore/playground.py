"""Loss playground state: W, σ, per-point gradient split and a few training steps (paper.md §4).

Forces are the negative gradient of the loss w.r.t. each normalised anchor, projected on
the tangent space of the circle/sphere (the direction the point would move), split into
attraction to positives, repulsion from negatives and repulsion between positives
(from :func:`mlcl_lab.losses.gradient_components`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from ..losses import available_losses, get_loss, gradient_components, loss_kind
from ..losses._registry import loss_class
from .toy import ToyBatch, make_toy_batch

__all__ = ["PlaygroundSettings", "PlaygroundState", "playground_losses", "loss_hyper", "analyse", "train_steps",
           "COMPONENTS"]

COMPONENTS = ("attraction", "repulsion_neg", "repulsion_pos")


def playground_losses() -> list[str]:
    """Contrastive losses the playground can show (every registered contrastive loss)."""
    return sorted(n for n in available_losses() if loss_kind(n) == "contrastive")


@dataclass(frozen=True)
class PlaygroundSettings:
    """Every knob of the playground. ``alpha``/``beta`` are passed only to losses that take them."""

    loss: str = "base"
    temperature: float = 0.5
    alpha: float = 1.0
    beta: float = 0.1
    n_labels: int = 3
    overlap: float = 0.3
    dim: int = 2
    n_points: int = 12
    seed: int = 0

    def __post_init__(self) -> None:
        if self.loss not in playground_losses():
            raise ValueError(f"unknown contrastive loss {self.loss!r}; valid: {', '.join(playground_losses())}")

    def batch(self) -> ToyBatch:
        return make_toy_batch(self.n_points, self.n_labels, self.overlap, self.dim, seed=self.seed)


def loss_hyper(settings: PlaygroundSettings) -> dict[str, float]:
    """Hyper-parameters of ``settings.loss``: temperature, plus alpha/beta where the loss has them."""
    spec = loss_class(settings.loss).HYPER
    hyper: dict[str, float] = {"temperature": settings.temperature}
    for key in ("alpha", "beta"):
        if key in spec:
            hyper[key] = getattr(settings, key)
    return hyper


@dataclass
class PlaygroundState:
    """Everything a playground figure shows, as numpy arrays.

    z (n, D) instances, prototypes (L, D) or None, y (n, L); W, sigma (A, C) with anchors
    = instances (then prototypes for mscwrg/reg) and candidates in the loss's order;
    forces[c] (n, D) tangential force on each instance from component c;
    share_sigma_gt_w: fraction of positive pairs with r_i σ_ij > w_ij (r_i = row sum of W);
    share_repelled: fraction of positive pairs whose gradient actually repels
    (= share_sigma_gt_w, except 0 for REG, which removes that component).
    """

    settings: PlaygroundSettings
    z: np.ndarray
    y: np.ndarray
    prototypes: np.ndarray | None
    W: np.ndarray
    sigma: np.ndarray
    forces: dict[str, np.ndarray]
    loss_value: float
    share_sigma_gt_w: float
    share_repelled: float


def _tangent(v: np.ndarray, z: np.ndarray) -> np.ndarray:
    return v - (v * z).sum(1, keepdims=True) * z


def analyse(settings: PlaygroundSettings, z: np.ndarray | None = None, prototypes: np.ndarray | None = None) -> PlaygroundState:
    """Loss value, W, σ and the tangential force split for the toy batch (or for given ``z``)."""
    batch = settings.batch()
    z_np = batch.z if z is None else np.asarray(z, dtype=np.float64)
    uses_p = loss_class(settings.loss).uses_prototypes
    p_np = (batch.prototypes if prototypes is None else np.asarray(prototypes, dtype=np.float64)) if uses_p else None
    zt, yt = torch.from_numpy(z_np), torch.from_numpy(batch.y)
    pt = torch.from_numpy(p_np) if p_np is not None else None
    hyper = loss_hyper(settings)
    comp = gradient_components(zt, yt, settings.loss, prototypes=pt, **hyper)
    value = float(get_loss(settings.loss, **hyper)(zt, yt, prototypes=pt))
    n = z_np.shape[0]
    zn = comp.weights.anchor_z[:n].numpy()
    forces = {
        "attraction": _tangent(-comp.attraction_vec[:n].numpy(), zn),
        "repulsion_neg": _tangent(-comp.repulsion_neg_vec[:n].numpy(), zn),
        "repulsion_pos": _tangent(-comp.repulsion_pos_vec[:n].numpy(), zn),
    }
    W = comp.weights.W.numpy()
    sigma = comp.weights.sigma.numpy()
    rows = W.sum(1, keepdims=True)
    pos = (W > 0) & comp.weights.valid.numpy()[:, None]
    n_pos = max(int(pos.sum()), 1)
    share = float(((rows * sigma > W) & pos).sum() / n_pos)
    repelled = float(((comp.repulsion_pos.numpy() > 0) & pos).sum() / n_pos)
    return PlaygroundState(settings, zn, batch.y, p_np, W, sigma, forces, value, share, repelled)


def train_steps(settings: PlaygroundSettings, n_steps: int = 20, lr: float = 0.5,
                record_every: int = 1) -> tuple[list[np.ndarray], list[float]]:
    """Plain gradient descent on the toy points (and prototypes) with the playground's loss.

    Returns the normalised positions after every ``record_every`` steps (first = start)
    and the loss values at those positions. Raises ValueError for n_steps < 1 or lr <= 0.
    """
    if n_steps < 1 or lr <= 0 or record_every < 1:
        raise ValueError(f"need n_steps >= 1, lr > 0, record_every >= 1; got {n_steps}, {lr}, {record_every}")
    batch = settings.batch()
    loss = get_loss(settings.loss, **loss_hyper(settings))
    z = torch.tensor(batch.z, requires_grad=True)
    y = torch.from_numpy(batch.y)
    p = torch.tensor(batch.prototypes, requires_grad=True) if loss.uses_prototypes else None
    params = [z] + ([p] if p is not None else [])
    opt = torch.optim.SGD(params, lr=lr)
    frames, values = [], []
    for step in range(n_steps + 1):
        value = loss(z, y, prototypes=p)
        if step % record_every == 0 or step == n_steps:
            frames.append(torch.nn.functional.normalize(z.detach(), dim=1).numpy().copy())
            values.append(float(value.detach()))
        if step == n_steps:
            break
        opt.zero_grad()
        value.backward()
        opt.step()
        with torch.no_grad():  # stay on the sphere: the loss normalises anyway, this keeps step sizes comparable
            z.copy_(torch.nn.functional.normalize(z, dim=1))
            if p is not None:
                p.copy_(torch.nn.functional.normalize(p, dim=1))
    return frames, values


def with_changes(settings: PlaygroundSettings, **changes: object) -> PlaygroundSettings:
    """A copy of ``settings`` with some fields changed (validated)."""
    return replace(settings, **changes)
