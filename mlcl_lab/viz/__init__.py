"""Visualisation: UMAP with a GPU/CPU backend switch, plot helpers, loss colours.

Heavy backends (umap-learn, torchdr, matplotlib) are imported lazily inside the
functions so that ``import mlcl_lab.viz`` stays cheap.
"""

from mlcl_lab.viz.colors import KNOWN_LOSSES, loss_colors

__all__ = ["KNOWN_LOSSES", "loss_colors"]
