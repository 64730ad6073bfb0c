"""Embedding-space figures of a report: UMAP panels per loss, label-centroid heatmaps."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from ..metrics import label_correlation
from ..viz import plot_umap, save_figure, umap_embed
from .grid import GridSpec, expand_grid
from .grid_runner import finished_attempt

__all__ = ["reference_embeddings", "plot_umap_panels", "plot_centroid_heatmaps"]


def reference_embeddings(grid: GridSpec, grid_dir: str | Path, dataset: str) -> tuple[dict[str, np.ndarray], np.ndarray, list[str]]:
    """Test-set encoder features of each loss's first-seed, full-data run of ``dataset``.

    Returns ({loss: (N, h) features}, (N, L) test labels, label names). All runs share
    the split, so the panels show the same points.
    """
    seed = min(grid.seeds)
    panels: dict[str, np.ndarray] = {}
    labels, names = None, []
    for run in expand_grid(grid):
        p = run.params
        if p["dataset"] != dataset or p["train_fraction"] != 1.0 or p["seeds"] != [seed]:
            continue
        attempt = finished_attempt(Path(grid_dir) / "runs" / run.name)
        if attempt is None:
            continue
        loss = p["losses"][0]
        blob = np.load(attempt / "embeddings" / f"{loss}-seed{seed}.npz")
        panels[loss] = blob["test_features"]
        if labels is None:
            labels = blob["test_labels"]
            names = json.loads((attempt / "metrics.json").read_text()).get("label_names", [])
        elif not np.array_equal(labels, blob["test_labels"]):
            raise ValueError(f"runs of {dataset} do not share their test set; were they made with different splits?")
    if labels is None:
        raise ValueError(f"no finished full-data run of dataset {dataset!r} with seed {seed}")
    return panels, labels, list(names) or [f"label {i}" for i in range(labels.shape[1])]


def plot_umap_panels(panels: dict[str, np.ndarray], labels: np.ndarray, label_names: list[str], path: str | Path | None = None,
                     color_label: int = 0, backend: str = "auto", seed: int = 0, title: str | None = None) -> tuple[plt.Figure, list[str]]:
    """One UMAP panel per loss, points coloured by whether they carry ``color_label``.

    Returns the figure and one line per panel saying which UMAP backend drew it.
    """
    if not 0 <= color_label < labels.shape[1]:
        raise ValueError(f"color_label must be in [0, {labels.shape[1] - 1}], got {color_label}")
    n = len(panels)
    cols = min(4, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 4 * rows), squeeze=False)
    info = []
    for ax, (loss, feats) in zip(axes.flat, panels.items()):
        xy, used = umap_embed(feats, backend=backend, seed=seed, return_info=True)
        plot_umap(xy, labels, color_by="label", label=color_label, label_names=label_names, ax=ax, title=loss)
        ax.set_xlabel("UMAP 1 (arbitrary units)")
        ax.set_ylabel("UMAP 2 (arbitrary units)")
        info.append(f"{loss}: UMAP backend {used['backend']} on {used['device']} ({used['seconds']:.1f} s)")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    fig.suptitle((f"{title}: " if title else "") + f"test embeddings, coloured by '{label_names[color_label]}'")
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig, info


def plot_centroid_heatmaps(panels: dict[str, np.ndarray], labels: np.ndarray, label_names: list[str],
                           path: str | Path | None = None, title: str | None = None, max_labels: int = 30) -> plt.Figure:
    """Label co-occurrence (PMI) next to each loss's label-centroid cosine similarity.

    With many labels only the ``max_labels`` most frequent are drawn. Each panel's title
    gives the correlation between the two matrices' off-diagonal entries.
    """
    order = np.argsort(-labels.sum(0), kind="stable")[:max_labels]
    names = [label_names[i] for i in order]
    n = len(panels) + 1
    cols = min(4, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 4.2 * rows), squeeze=False)
    first = None
    for k, (loss, feats) in enumerate(panels.items()):
        corr = label_correlation(feats, labels)
        if first is None:
            first = corr
            pmi = np.asarray(corr["pmi"], dtype=float)[np.ix_(order, order)]
            sns.heatmap(np.where(np.isfinite(pmi), pmi, np.nan), ax=axes.flat[0], cmap="vlag", center=0,
                        xticklabels=names, yticklabels=names, cbar_kws={"label": "PMI (blank: never together)"})
            axes.flat[0].set_title("label co-occurrence (PMI)")
        sim = np.asarray(corr["centroid_cosine"])[np.ix_(order, order)]
        off = sim[~np.eye(len(order), dtype=bool)]
        # colour range from the off-diagonal values: ReLU features make every cosine positive,
        # and a fixed [-1, 1] scale would hide the structure
        low, high = (float(off.min()), float(off.max())) if off.size else (0.0, 1.0)
        sns.heatmap(sim, ax=axes.flat[k + 1], cmap="mako", vmin=low, vmax=max(high, low + 1e-6),
                    xticklabels=names, yticklabels=names, cbar_kws={"label": "cosine similarity (off-diagonal range)"})
        axes.flat[k + 1].set_title(f"{loss}: centroid cosine (Spearman vs PMI {corr['centroid_pmi_spearman']:.2f})")
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    for ax in list(axes.flat)[:n]:
        ax.tick_params(labelsize=6)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path)
    return fig
