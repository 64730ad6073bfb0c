"""Visualisation: UMAP with a GPU/CPU backend switch, plot helpers, loss colours, and the
study's figures (:mod:`~mlcl_lab.viz.study_figures`, :mod:`~mlcl_lab.viz.embedding_figures`).

Heavy backends (umap-learn, torchdr, matplotlib) are imported lazily inside the
functions so that ``import mlcl_lab.viz`` stays cheap.
"""

from mlcl_lab.viz.colors import KNOWN_LOSSES, loss_colors
from mlcl_lab.viz.plots import (
    UmapColoring,
    head_labels_mask,
    head_tail_category,
    plot_umap,
    save_figure,
    saved_png,
)
from mlcl_lab.viz.umap import umap_embed

__all__ = [
    "KNOWN_LOSSES",
    "UmapColoring",
    "head_labels_mask",
    "head_tail_category",
    "loss_colors",
    "plot_umap",
    "save_figure",
    "saved_png",
    "umap_embed",
]
