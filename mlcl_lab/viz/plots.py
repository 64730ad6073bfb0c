"""UMAP scatter plots coloured by label information, and figure saving (PNG + SVG).

Colours are colour-blind safe: seaborn's ``colorblind`` palette for categories and
``viridis`` for the ordered label cardinality.
"""

from __future__ import annotations

import math
from pathlib import Path
from collections.abc import Sequence
from typing import Any

import numpy as np

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


def plot_umap(
    xy: Any,
    labels: Any,
    *,
    color_by: str = "label",
    label: int | str = 0,
    label_names: Sequence[str] | None = None,
    head_fraction: float = 0.2,
    head_mask: Any = None,
    ax: Any = None,
    title: str | None = None,
    point_size: float = 4.0,
):
    """Scatter a 2-D embedding coloured by label information.

    Args:
        xy: (N, 2) coordinates (e.g. from :func:`mlcl_lab.viz.umap_embed`).
        labels: (N, L) multi-hot labels.
        color_by: "label" (samples with ``label`` vs without), "cardinality" (number of
            labels per sample) or "head_tail" (samples with head labels only, head and
            tail, tail only, none; see :func:`head_tail_category`).
        label: label index or name (needs ``label_names``) for ``color_by="label"``.
        label_names: (L,) names for legends.
        head_fraction / head_mask: head labels = the most frequent ``head_fraction`` of
            labels, or an explicit (L,) bool mask.
        ax: matplotlib Axes to draw on (a new figure when None).

    Returns:
        The matplotlib Axes.
    """
    import matplotlib.pyplot as plt  # lazy

    if color_by not in COLOR_BY:
        raise ValueError(f"color_by={color_by!r} is not valid; choose one of {list(COLOR_BY)}")
    xy, y = _check_inputs(xy, labels)
    n_labels = y.shape[1]
    if label_names is not None and len(label_names) != n_labels:
        raise ValueError(f"label_names has {len(label_names)} names for L={n_labels} labels")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    kw = {"s": point_size, "linewidths": 0, "rasterized": True}

    if color_by == "label":
        if isinstance(label, str):
            if label_names is None or label not in label_names:
                raise ValueError(f"label {label!r} not found in label_names={label_names}")
            j = list(label_names).index(label)
        elif isinstance(label, (int, np.integer)) and 0 <= label < n_labels:
            j = int(label)
        else:
            raise ValueError(f"label must be an index in [0, {n_labels}) or a name, got {label!r}")
        name = label_names[j] if label_names is not None else f"label {j}"
        has = y[:, j]
        ax.scatter(*xy[~has].T, c=ABSENT_GREY, label=f"without {name}", **kw)
        ax.scatter(*xy[has].T, c=COLORBLIND[0], label=f"with {name}", **kw)
    elif color_by == "cardinality":
        card = y.sum(1)
        values = np.unique(card)
        cmap = plt.get_cmap("viridis", max(len(values), 2))
        for i, v in enumerate(values):
            sel = card == v
            ax.scatter(*xy[sel].T, color=cmap(i), label=f"{v} label{'s' if v != 1 else ''}", **kw)
    else:
        mask = (
            head_labels_mask(y, head_fraction)
            if head_mask is None
            else _as_numpy(head_mask, "head_mask").astype(bool)
        )
        if mask.shape != (n_labels,):
            raise ValueError(f"head_mask must have shape ({n_labels},), got {mask.shape}")
        cat = head_tail_category(y, mask)
        names = ("no label", "head only", "head + tail", "tail only")
        colors = (ABSENT_GREY, COLORBLIND[0], COLORBLIND[2], COLORBLIND[1])
        for c in range(4):
            sel = cat == c
            if sel.any():
                ax.scatter(*xy[sel].T, color=colors[c], label=names[c], **kw)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(loc="best", fontsize="small", markerscale=3, frameon=False)
    if title is not None:
        ax.set_title(title)
    return ax


def save_figure(fig: Any, path_without_ext: str | Path, dpi: int = 200) -> tuple[Path, Path]:
    """Save ``fig`` as ``<path>.png`` and ``<path>.svg`` (parent folders created).

    Raises ValueError when the path already ends in an image extension, to avoid
    ``plot.png.png``.
    """
    path = Path(path_without_ext)
    if path.suffix.lower() in (".png", ".svg", ".pdf", ".jpg", ".jpeg"):
        raise ValueError(f"give the path without extension, got {str(path)!r}")
    if not hasattr(fig, "savefig"):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    path.parent.mkdir(parents=True, exist_ok=True)
    png = path.with_name(path.name + ".png")
    svg = path.with_name(path.name + ".svg")
    fig.savefig(png, dpi=dpi, bbox_inches="tight")
    fig.savefig(svg, bbox_inches="tight")
    return png, svg
