"""Figures of the loss playground: points with force arrows, W and σ heatmaps, trajectories."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ..viz import loss_colors
from .playground import COMPONENTS, PlaygroundState

__all__ = ["COMPONENT_STYLE", "plot_playground", "plot_trajectory", "label_palette"]

_CB = sns.color_palette("colorblind").as_hex()
COMPONENT_STYLE = {  # colour-blind-safe, fixed across notebooks
    "attraction": (_CB[2], "attraction to positives"),
    "repulsion_neg": (_CB[0], "repulsion from negatives"),
    "repulsion_pos": (_CB[3], "repulsion between positives (σ > w)"),
}


def label_palette(n_labels: int) -> list[str]:
    """Colours of labels (points' fill = first label, ring = second label)."""
    return sns.color_palette("colorblind", max(n_labels, 3)).as_hex()[:n_labels] if n_labels <= 10 \
        else sns.color_palette("husl", n_labels).as_hex()


def _point_colours(y: np.ndarray) -> tuple[list[str], list[str]]:
    pal = label_palette(y.shape[1])
    face, edge = [], []
    for row in y:
        labs = np.flatnonzero(row)
        face.append(pal[labs[0]])
        edge.append(pal[labs[1]] if len(labs) > 1 else "#333333")
    return face, edge


def _draw_points(ax, state: PlaygroundState, scale: float) -> None:
    z, dim = state.z, state.z.shape[1]
    face, edge = _point_colours(state.y)
    is3d = dim == 3
    if not is3d:
        t = np.linspace(0, 2 * np.pi, 200)
        ax.plot(np.cos(t), np.sin(t), color="#bbbbbb", lw=1, zorder=0)
        ax.scatter(z[:, 0], z[:, 1], c=face, edgecolors=edge, linewidths=2.5, s=110, zorder=3)
        if state.prototypes is not None:
            p = state.prototypes
            ax.scatter(p[:, 0], p[:, 1], c=label_palette(state.y.shape[1]), marker="*", s=260,
                       edgecolors="black", linewidths=0.8, zorder=4)
        for c in COMPONENTS:
            f = state.forces[c] * scale
            ax.quiver(z[:, 0], z[:, 1], f[:, 0], f[:, 1], color=COMPONENT_STYLE[c][0], angles="xy",
                      scale_units="xy", scale=1, width=0.008, zorder=5)
        ax.set_xlim(-1.45, 1.45)
        ax.set_ylim(-1.45, 1.45)
        ax.set_aspect("equal")
        ax.set_xlabel("z₁ (unit circle)")
        ax.set_ylabel("z₂ (unit circle)")
    else:
        u, v = np.mgrid[0:2 * np.pi:30j, 0:np.pi:15j]
        ax.plot_wireframe(np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v), color="#dddddd", lw=0.5)
        ax.scatter(z[:, 0], z[:, 1], z[:, 2], c=face, edgecolors=edge, linewidths=2, s=80, depthshade=False)
        if state.prototypes is not None:
            p = state.prototypes
            ax.scatter(p[:, 0], p[:, 1], p[:, 2], c=label_palette(state.y.shape[1]), marker="*", s=220,
                       edgecolors="black", depthshade=False)
        for c in COMPONENTS:
            f = state.forces[c] * scale
            ax.quiver(z[:, 0], z[:, 1], z[:, 2], f[:, 0], f[:, 1], f[:, 2], color=COMPONENT_STYLE[c][0], lw=2)
        ax.set_xlabel("z₁")
        ax.set_ylabel("z₂")
        ax.set_zlabel("z₃")
        ax.set_box_aspect((1, 1, 1))


def _heatmap(ax, m: np.ndarray, title: str, n_inst: int, cmap: str) -> None:
    im = ax.imshow(m, cmap=cmap, vmin=0, aspect="auto", interpolation="nearest")
    ax.set_title(title)
    ax.set_xlabel("candidate j (instances, then prototypes ★)")
    ax.set_ylabel("anchor i")
    if m.shape[1] > n_inst:
        ax.axvline(n_inst - 0.5, color="white", lw=2)
    if m.shape[0] > n_inst:
        ax.axhline(n_inst - 0.5, color="white", lw=2)
    plt.colorbar(im, ax=ax, fraction=0.046, pad=0.03)


def plot_playground(state: PlaygroundState, fig: plt.Figure | None = None) -> plt.Figure:
    """Three panels: the batch with force arrows, the positive weights W, the softmax σ."""
    s = state.settings
    fig = fig or plt.figure(figsize=(16, 5.2))
    fig.clear()
    ax0 = fig.add_subplot(1, 3, 1, projection="3d" if state.z.shape[1] == 3 else None)
    norms = np.concatenate([np.linalg.norm(state.forces[c], axis=1) for c in COMPONENTS])
    scale = 0.45 / max(float(norms.max()), 1e-12)
    _draw_points(ax0, state, scale)
    ax0.set_title(f"{s.loss}: loss = {state.loss_value:.3f} nats   (τ = {s.temperature:.3g})\n"
                  f"positive pairs with σ > w: {100 * state.share_sigma_gt_w:.0f}%, repelled: "
                  f"{100 * state.share_repelled:.0f}%\narrows = −∂L/∂z, tangential (length ∝ force)", fontsize=10)
    handles = [plt.Line2D([], [], color=COMPONENT_STYLE[c][0], lw=3, label=COMPONENT_STYLE[c][1]) for c in COMPONENTS]
    pal = label_palette(s.n_labels)
    handles += [plt.Line2D([], [], marker="o", ls="", color=pal[k], markersize=9, label=f"label {k}") for k in range(s.n_labels)]
    if state.prototypes is not None:
        handles.append(plt.Line2D([], [], marker="*", ls="", color="black", markersize=12, label="label prototypes"))
    ax0.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.12), ncol=2, fontsize=8, frameon=False)
    n = state.z.shape[0]
    _heatmap(fig.add_subplot(1, 3, 2), state.W, "positive weights W (target of the softmax)", n, "Greens")
    _heatmap(fig.add_subplot(1, 3, 3), state.sigma, "softmax σ (where the mass is now)", n, "Blues")
    fig.suptitle("Loss playground: fill = first label, ring = second label (paper.md §4)", fontsize=11)
    fig.tight_layout()
    return fig


def plot_trajectory(frames: list[np.ndarray], values: list[float], y: np.ndarray, loss: str,
                    n_panels: int = 4) -> plt.Figure:
    """Small multiples of the toy points while training, plus the loss curve."""
    if not frames:
        raise ValueError("plot_trajectory needs at least one frame")
    dim = frames[0].shape[1]
    picks = np.unique(np.linspace(0, len(frames) - 1, min(n_panels, len(frames))).round().astype(int))
    fig = plt.figure(figsize=(3.4 * (len(picks) + 1), 3.6))
    face, edge = _point_colours(y)
    for k, idx in enumerate(picks):
        ax = fig.add_subplot(1, len(picks) + 1, k + 1, projection="3d" if dim == 3 else None)
        z = frames[idx]
        if dim == 2:
            t = np.linspace(0, 2 * np.pi, 200)
            ax.plot(np.cos(t), np.sin(t), color="#bbbbbb", lw=1)
            ax.scatter(z[:, 0], z[:, 1], c=face, edgecolors=edge, linewidths=2, s=60)
            ax.set_aspect("equal")
            ax.set_xlim(-1.2, 1.2)
            ax.set_ylim(-1.2, 1.2)
            ax.set_xlabel("z₁")
            ax.set_ylabel("z₂")
        else:
            ax.scatter(z[:, 0], z[:, 1], z[:, 2], c=face, edgecolors=edge, linewidths=2, s=50, depthshade=False)
            ax.set_xlabel("z₁")
            ax.set_ylabel("z₂")
            ax.set_zlabel("z₃")
        ax.set_title(f"frame {idx}: loss {values[idx]:.3f}")
    ax = fig.add_subplot(1, len(picks) + 1, len(picks) + 1)
    ax.plot(np.arange(len(values)), values, color=loss_colors([loss])[loss], lw=2, marker="o", ms=3)
    ax.set_xlabel("recorded step")
    ax.set_ylabel("loss (nats)")
    ax.set_title(f"{loss}: loss while training")
    fig.suptitle(f"How the points move under {loss}", fontsize=11)
    fig.tight_layout()
    return fig
