"""UMAP scatter plots coloured by label information, and figure saving (PNG + SVG).

Colours are colour-blind safe: seaborn's ``colorblind`` palette for categories and
``viridis`` for the ordered label cardinality.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mlcl_lab.files import atomic_write, refuse_existing
from mlcl_lab.viz.colors import COLORBLIND

COLOR_BY = ("label", "cardinality", "head_tail")
ABSENT_GREY = "#c8c8c8"


def _as_numpy(a: Any, name: str) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{name} must be a numpy array or torch tensor, got {type(a).__name__}")
    return a


def _check_inputs(xy: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    xy = _as_numpy(xy, "xy")
    labels = _as_numpy(labels, "labels")
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"xy must have shape (N, 2), got {xy.shape}")
    if not np.isfinite(xy).all():
        raise ValueError("xy contains NaN/Inf")
    if labels.ndim != 2 or labels.shape[0] != xy.shape[0]:
        raise ValueError(f"labels must have shape (N, L) with N={xy.shape[0]}, got {labels.shape}")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError("labels must be multi-hot with values in {0, 1}")
    return xy, labels.astype(bool)


def head_labels_mask(labels: np.ndarray, head_fraction: float = 0.2) -> np.ndarray:
    """(L,) bool: the ceil(head_fraction * L) most frequent labels (ties: lower index)."""
    if not 0 < head_fraction < 1:
        raise ValueError(f"head_fraction must be in (0, 1), got {head_fraction!r}")
    freq = labels.sum(0)
    n_head = max(1, math.ceil(head_fraction * labels.shape[1]))
    order = np.argsort(-freq, kind="stable")
    mask = np.zeros(labels.shape[1], dtype=bool)
    mask[order[:n_head]] = True
    return mask


def head_tail_category(labels: np.ndarray, head_mask: np.ndarray) -> np.ndarray:
    """(N,) category per sample: 0 no label, 1 head labels only, 2 head and tail,
    3 tail labels only."""
    has_head = (labels & head_mask[None, :]).any(1)
    has_tail = (labels & ~head_mask[None, :]).any(1)
    cat = np.zeros(labels.shape[0], dtype=np.int64)
    cat[has_head & ~has_tail] = 1
    cat[has_head & has_tail] = 2
    cat[~has_head & has_tail] = 3
    return cat


@dataclass(frozen=True)
class UmapColoring:
    """How :func:`plot_umap` colours the points.

    Attributes:
        by: "label" (samples with ``label`` vs without), "cardinality" (number of labels
            per sample) or "head_tail" (samples with head labels only, head and tail, tail
            only, none; see :func:`head_tail_category`).
        label: label index or name (needs ``label_names``) for ``by="label"``.
        label_names: (L,) names for legends.
        head_fraction / head_mask: head labels = the most frequent ``head_fraction`` of
            labels, or an explicit (L,) bool mask.
        point_size: marker size.
    """

    by: str = "label"
    label: int | str = 0
    label_names: Sequence[str] | None = None
    head_fraction: float = 0.2
    head_mask: Any = None
    point_size: float = 4.0

    def __post_init__(self) -> None:
        if self.by not in COLOR_BY:
            raise ValueError(f"color_by={self.by!r} is not valid; choose one of {list(COLOR_BY)}")


def _label_index(coloring: UmapColoring, n_labels: int) -> int:
    label, names = coloring.label, coloring.label_names
    if isinstance(label, str):
        if names is None or label not in names:
            raise ValueError(f"label {label!r} not found in label_names={names}")
        return list(names).index(label)
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool) and 0 <= label < n_labels:
        return int(label)
    raise ValueError(f"label must be an index in [0, {n_labels}) or a name, got {label!r}")


def plot_umap(xy: Any, labels: Any, coloring: UmapColoring = UmapColoring(), *, ax: Any = None,
              title: str | None = None) -> Any:
    """Scatter a 2-D embedding coloured by label information.

    Args:
        xy: (N, 2) coordinates (e.g. from :func:`mlcl_lab.viz.umap_embed`).
        labels: (N, L) multi-hot labels.
        coloring: what colours the points (:class:`UmapColoring`).
        ax: matplotlib Axes to draw on (a new figure when None).
        title: the Axes title.

    Returns:
        The matplotlib Axes.

    Example:
        >>> plot_umap(xy, y, UmapColoring(by="label", label="cat", label_names=names))  # doctest: +SKIP
    """
    import matplotlib.pyplot as plt  # lazy

    xy, y = _check_inputs(xy, labels)
    n_labels = y.shape[1]
    names = coloring.label_names
    if names is not None and len(names) != n_labels:
        raise ValueError(f"label_names has {len(names)} names for L={n_labels} labels")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    kw = {"s": coloring.point_size, "linewidths": 0, "rasterized": True}
    if coloring.by == "label":
        j = _label_index(coloring, n_labels)
        name = names[j] if names is not None else f"label {j}"
        has = y[:, j]
        ax.scatter(*xy[~has].T, c=ABSENT_GREY, label=f"without {name}", **kw)
        ax.scatter(*xy[has].T, c=COLORBLIND[0], label=f"with {name}", **kw)
    elif coloring.by == "cardinality":
        card = y.sum(1)
        values = np.unique(card)
        cmap = plt.get_cmap("viridis", max(len(values), 2))
        for i, v in enumerate(values):
            ax.scatter(*xy[card == v].T, color=cmap(i), label=f"{v} label{'s' if v != 1 else ''}", **kw)
    else:
        mask = (head_labels_mask(y, coloring.head_fraction) if coloring.head_mask is None
                else _as_numpy(coloring.head_mask, "head_mask").astype(bool))
        if mask.shape != (n_labels,):
            raise ValueError(f"head_mask must have shape ({n_labels},), got {mask.shape}")
        cat = head_tail_category(y, mask)
        categories = ("no label", "head only", "head + tail", "tail only")
        colors = (ABSENT_GREY, COLORBLIND[0], COLORBLIND[2], COLORBLIND[1])
        for c in range(4):
            sel = cat == c
            if sel.any():
                ax.scatter(*xy[sel].T, color=colors[c], label=categories[c], **kw)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="best", fontsize="small", markerscale=3, frameon=False)
    if title is not None:
        ax.set_title(title)
    return ax


def save_figure(fig: Any, path_without_ext: str | Path, dpi: int = 200, overwrite: bool = False) -> tuple[Path, Path]:
    """Save ``fig`` as ``<path>.png`` and ``<path>.svg`` (parent folders created), each
    atomically through :mod:`mlcl_lab.files`; an existing file is never replaced unless
    ``overwrite`` (e.g. a notebook cell run again by hand).

    Raises ValueError when the path already ends in an image extension, to avoid
    ``plot.png.png``.
    """
    path = Path(path_without_ext)
    if path.suffix.lower() in (".png", ".svg", ".pdf", ".jpg", ".jpeg"):
        raise ValueError(f"give the path without extension, got {str(path)!r}")
    if not hasattr(fig, "savefig"):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    png = path.with_name(path.name + ".png")
    svg = path.with_name(path.name + ".svg")
    if not overwrite:
        refuse_existing(svg)
    with atomic_write(png, overwrite=overwrite) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    with atomic_write(svg, overwrite=overwrite) as tmp:
        fig.savefig(tmp, format="svg", bbox_inches="tight")
    return png, svg


def saved_png(fig: Any, path_without_ext: str | Path) -> Any:
    """The PNG that :func:`save_figure` wrote for ``fig``, as an ``IPython.display.Image``
    at half its pixel size (the 200 dpi file shown at 100 dpi: sharp on HiDPI screens), and
    ``fig`` closed.

    A notebook that displays this shows the figure once and does not draw it again: a
    ``display(fig)`` renders the figure anew, and the inline backend renders every figure
    still open once more at the end of the cell (the report showed each figure twice, and a
    16-panel heatmap costs seconds per drawing).
    """
    import matplotlib.pyplot as plt
    from IPython.display import Image

    png = Path(path_without_ext)
    png = png.with_name(png.name + ".png")
    if not png.is_file():
        raise FileNotFoundError(f"{png} does not exist: save the figure first (save_figure, or the plot's path)")
    plt.close(fig)
    return Image(filename=str(png), retina=True)
