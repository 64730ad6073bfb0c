"""Embedding-space figures: one UMAP panel per loss, label-centroid heatmaps.

Both draw an :class:`EmbeddingPanels`: the same test points for every loss, and the
label geometry each run stored (centroid cosine, PMI, their Spearman correlation) —
nothing here recomputes a metric.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .plots import UmapColoring, plot_umap, save_figure
from .umap import umap_embed

if TYPE_CHECKING:  # matplotlib is imported by the functions that draw (a kernel that draws nothing skips it)
    import matplotlib.pyplot as plt

__all__ = ["EmbeddingPanels", "plot_umap_panels", "plot_centroid_heatmaps"]


@dataclass
class EmbeddingPanels:
    """What the embedding figures of one dataset show.

    Attributes:
        labels: (N, L) multi-hot test labels, shared by every panel.
        label_names: (L,) names.
        features: {loss: (N, h) frozen encoder features of the test set}.
        centroid_cosine: {loss: (L, L) label-centroid cosine similarity} (heatmaps only).
        pmi: (L, L) label PMI of the test set, -inf where two labels never co-occur.
        centroid_pmi_spearman: {loss: Spearman correlation of centroid cosine vs PMI}.
        title: prefix of the figure titles (e.g. the dataset).
    """

    labels: np.ndarray
    label_names: list[str]
    features: dict[str, np.ndarray]
    centroid_cosine: dict[str, np.ndarray] = field(default_factory=dict)
    pmi: np.ndarray | None = None
    centroid_pmi_spearman: dict[str, float] = field(default_factory=dict)
    title: str = ""


def _grid(n: int, width: float, height: float) -> tuple[plt.Figure, np.ndarray]:
    cols = min(4, n)
    rows = -(-n // cols)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    return fig, axes


def plot_umap_panels(panels: EmbeddingPanels, path: str | Path | None = None, *, color_label: int = 0,
                     backend: str = "auto", seed: int = 0) -> tuple[plt.Figure, list[str]]:
    """One UMAP panel per loss, points coloured by whether they carry ``color_label``.

    Returns the figure and one line per panel saying which UMAP backend drew it.
    """
    n_labels = panels.labels.shape[1]
    if not 0 <= color_label < n_labels:
        raise ValueError(f"color_label must be in [0, {n_labels - 1}], got {color_label}")
    fig, axes = _grid(len(panels.features), 4.2, 4.0)
    coloring = UmapColoring(by="label", label=color_label, label_names=panels.label_names)
    info = []
    for ax, (loss, feats) in zip(axes.flat, panels.features.items(), strict=False):
        xy, used = umap_embed(feats, backend=backend, seed=seed, return_info=True)
        plot_umap(xy, panels.labels, coloring, ax=ax, title=loss)
        ax.set_xlabel("UMAP 1 (arbitrary units)")
        ax.set_ylabel("UMAP 2 (arbitrary units)")
        info.append(f"{loss}: UMAP backend {used['backend']} on {used['device']} ({used['seconds']:.1f} s)")
    prefix = f"{panels.title}: " if panels.title else ""
    fig.suptitle(f"{prefix}test embeddings, coloured by '{panels.label_names[color_label]}'")
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig, info


def _heatmap(ax: plt.Axes, matrix: np.ndarray, names: list[str], cmap: str, vmin: float, vmax: float,
             label: str) -> None:
    """``matrix`` (n, n) as an image with a colour bar and the label names on both axes; NaN
    cells blank. Plain matplotlib: seaborn's heatmap redraws the whole figure once per panel
    (to test whether its tick labels overlap), which made a 16-panel figure cost ~25 s."""
    import matplotlib.pyplot as plt
    import seaborn as sns  # noqa: F401  (registers the "vlag" and "mako" colour maps)

    colours = plt.get_cmap(cmap).with_extremes(bad=(0.0, 0.0, 0.0, 0.0))
    image = ax.imshow(np.ma.masked_invalid(matrix), cmap=colours, vmin=vmin, vmax=vmax, interpolation="nearest",
                      aspect="auto")
    ticks = np.arange(len(names))
    ax.set_xticks(ticks, names, rotation=90)
    ax.set_yticks(ticks, names)
    ax.figure.colorbar(image, ax=ax, label=label)


def plot_centroid_heatmaps(panels: EmbeddingPanels, path: str | Path | None = None, *, max_labels: int = 30) -> plt.Figure:
    """Label co-occurrence (PMI) next to each loss's label-centroid cosine similarity.

    With many labels only the ``max_labels`` most frequent are drawn. Each panel's title
    gives the run's recorded Spearman correlation between the two matrices.
    """
    if panels.pmi is None or set(panels.centroid_cosine) != set(panels.features):
        raise ValueError("plot_centroid_heatmaps needs the PMI and every loss's centroid cosine")
    order = np.argsort(-panels.labels.sum(0), kind="stable")[:max_labels]
    names = [panels.label_names[i] for i in order]
    fig, axes = _grid(len(panels.features) + 1, 4.6, 4.2)
    pmi = np.asarray(panels.pmi, dtype=float)[np.ix_(order, order)]
    pmi = np.where(np.isfinite(pmi), pmi, np.nan)                     # never together: blank
    bound = float(np.nanmax(np.abs(pmi), initial=0.0)) or 1.0          # symmetric: 0 in the middle
    _heatmap(axes.flat[0], pmi, names, "vlag", -bound, bound, "PMI (blank: never together)")   # centred at 0
    axes.flat[0].set_title("label co-occurrence (PMI)")
    for ax, loss in zip(list(axes.flat)[1:], panels.features, strict=False):
        sim = np.asarray(panels.centroid_cosine[loss], dtype=float)[np.ix_(order, order)]
        off = sim[~np.eye(len(order), dtype=bool)]
        # colour range from the off-diagonal values: ReLU features make every cosine positive,
        # and a fixed [-1, 1] scale would hide the structure
        low, high = (float(off.min()), float(off.max())) if off.size else (0.0, 1.0)
        _heatmap(ax, sim, names, "mako", low, max(high, low + 1e-6), "cosine similarity (off-diagonal range)")
        rho = panels.centroid_pmi_spearman.get(loss)
        ax.set_title(f"{loss}: centroid cosine" + ("" if rho is None else f" (Spearman vs PMI {rho:.2f})"))
    for ax in list(axes.flat)[: len(panels.features) + 1]:
        ax.tick_params(labelsize=6)
    if panels.title:
        fig.suptitle(panels.title)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig
