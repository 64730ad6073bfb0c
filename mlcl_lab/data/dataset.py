"""The dataset container and its label statistics.

A :class:`MultiLabelDataset` holds ``N`` samples with a multi-hot label matrix
``labels`` of shape ``(N, L)`` and one of three feature modalities (vector,
text, image). Statistics follow the usual multi-label vocabulary
(Tsoumakas & Katakis 2007; Charte et al. 2015 for the imbalance ratio).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

MODALITIES = ("vector", "text", "image")

# Head labels: the most frequent labels that together hold HEAD_MASS of all
# positive label occurrences (Pareto rule); every other label is a tail label.
HEAD_MASS = 0.8
# extra keys describing a dataset's own split (see mlcl_lab.data.split_resolve)
SPLIT_KEYS = ("split", "split_source", "split_kind")


@dataclass(frozen=True)
class MultiLabelDataset:
    """A multi-label dataset.

    Attributes:
        name: registry name (e.g. ``"yeast"``).
        labels: ``(N, L)`` uint8 multi-hot matrix.
        label_names: ``L`` label names.
        modality: ``"vector"`` | ``"text"`` | ``"image"``.
        features: vector ``(N, F)`` float32; image ``(N, C, H, W)`` float32 in
            [0, 1]; ``None`` for text (see :func:`mlcl_lab.data.encoder_inputs`)
            and for image-path datasets (see ``paths``).
        texts: raw strings for text datasets.
        description, source, license: data-card fields.
        paths: image file paths for image datasets whose pixels are not decoded.
        extra: free-form metadata (e.g. an official split).
    """

    name: str
    labels: np.ndarray
    label_names: list[str]
    modality: str
    features: np.ndarray | None
    texts: list[str] | None = None
    description: str = ""
    source: str = ""
    license: str = ""
    paths: list[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate_dataset(self)

    @property
    def n_samples(self) -> int:
        return int(self.labels.shape[0])

    @property
    def n_labels(self) -> int:
        return int(self.labels.shape[1])

    def subset(self, idx: np.ndarray) -> MultiLabelDataset:
        """The dataset restricted to the rows ``idx`` (int index array).

        A split of its own (``extra["split"]``, indices into *this* dataset) is dropped:
        its indices would point at the wrong rows of the subset.
        """
        idx = np.asarray(idx, dtype=np.int64)
        extra = {k: v for k, v in self.extra.items() if k not in SPLIT_KEYS}
        return MultiLabelDataset(
            name=self.name,
            labels=self.labels[idx],
            label_names=list(self.label_names),
            modality=self.modality,
            features=None if self.features is None else self.features[idx],
            texts=None if self.texts is None else [self.texts[i] for i in idx],
            description=self.description,
            source=self.source,
            license=self.license,
            paths=None if self.paths is None else [self.paths[i] for i in idx],
            extra=extra,
        )


def validate_dataset(ds: MultiLabelDataset) -> None:
    """Raise ValueError/TypeError when ``ds`` breaks the container contract."""
    y = ds.labels
    if not isinstance(y, np.ndarray) or y.ndim != 2:
        raise ValueError(f"dataset {ds.name!r}: labels must be a 2-D numpy array (N, L)")
    if y.dtype != np.uint8:
        raise TypeError(f"dataset {ds.name!r}: labels must be uint8, got {y.dtype}")
    if y.size and y.max() > 1:
        raise ValueError(f"dataset {ds.name!r}: labels must be multi-hot (0/1)")
    if len(set(ds.label_names)) != len(ds.label_names):
        seen: set = set()
        dup = sorted({str(n) for n in ds.label_names if n in seen or seen.add(n)})
        raise ValueError(f"dataset {ds.name!r}: label names repeat {dup[:5]} (names must be "
                         "unique)")
    if len(ds.label_names) != y.shape[1]:
        raise ValueError(
            f"dataset {ds.name!r}: {len(ds.label_names)} label names for {y.shape[1]} labels"
        )
    if ds.modality not in MODALITIES:
        raise ValueError(
            f"dataset {ds.name!r}: modality {ds.modality!r} not in {list(MODALITIES)}"
        )
    n = y.shape[0]
    x = ds.features
    if ds.modality == "vector":
        if x is None or x.ndim != 2 or x.shape[0] != n:
            raise ValueError(f"dataset {ds.name!r}: vector features must be (N={n}, F)")
    if ds.modality == "image":
        if x is None and ds.paths is None:
            raise ValueError(f"dataset {ds.name!r}: image dataset needs features or paths")
        if x is not None and (x.ndim != 4 or x.shape[0] != n):
            raise ValueError(f"dataset {ds.name!r}: image features must be (N={n}, C, H, W)")
        if ds.paths is not None and len(ds.paths) != n:
            raise ValueError(f"dataset {ds.name!r}: {len(ds.paths)} paths for {n} samples")
    if ds.modality == "text":
        if ds.texts is None or len(ds.texts) != n:
            raise ValueError(f"dataset {ds.name!r}: text dataset needs N={n} texts")
    if x is not None and x.dtype != np.float32:
        raise TypeError(f"dataset {ds.name!r}: features must be float32, got {x.dtype}")
    if x is not None and x.size and not np.isfinite(x).all():
        raise ValueError(f"dataset {ds.name!r}: features contain NaN or inf")
    if ds.modality == "image" and x is not None and x.size and (x.min() < 0 or x.max() > 1):
        raise ValueError(f"dataset {ds.name!r}: image features must lie in [0, 1]")


def label_set_count(labels: np.ndarray) -> int:
    """Number of distinct label sets (rows) in an ``(N, L)`` multi-hot matrix.

    Each row is packed into ceil(L / 8) bytes and the rows compared as single byte
    strings (a void view): on debtags (29,776 × 378) 4 ms, against 210 ms for
    ``np.unique(..., axis=0)`` on the packed rows; the same count."""
    if labels.shape[0] == 0:
        return 0
    if labels.shape[1] == 0:
        return 1  # every row is the empty set
    packed = np.ascontiguousarray(np.packbits(np.ascontiguousarray(labels, dtype=np.uint8), axis=1))
    rows = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    return int(np.unique(rows).shape[0])


def head_tail_split(counts: np.ndarray, head_mass: float = HEAD_MASS) -> tuple[int, int]:
    """(n_head, n_tail): head = most frequent labels holding ``head_mass`` of positives.

    Labels with zero positives are tail labels. All-zero counts give (0, L).
    """
    total = counts.sum()
    if total == 0:
        return 0, int(counts.size)
    order = np.sort(counts)[::-1]
    cum = np.cumsum(order) / total
    n_head = int(np.searchsorted(cum, head_mass - 1e-12) + 1)
    n_head = min(n_head, int((counts > 0).sum()))
    return n_head, int(counts.size - n_head)


def dataset_statistics(ds: MultiLabelDataset) -> dict[str, Any]:
    """Label and size statistics of ``ds`` (all computed from the arrays).

    Keys: n_samples, n_labels, n_features (None for text), cardinality (mean
    labels per sample), density (cardinality / L), n_label_sets (distinct
    rows), n_head_labels / n_tail_labels (Pareto split, see :data:`HEAD_MASS`),
    min/max/median label count, n_empty (samples without labels), mean_ir
    (mean imbalance ratio max_count / count over labels with count > 0).
    """
    y = ds.labels
    n, n_labels = y.shape
    counts = y.sum(axis=0, dtype=np.int64)
    card = float(y.sum(dtype=np.int64) / n) if n else 0.0
    n_head, n_tail = head_tail_split(counts)
    pos = counts[counts > 0]
    if ds.features is not None:
        n_features: int | None = int(np.prod(ds.features.shape[1:]))
    else:
        n_features = None
    return {
        "name": ds.name,
        "modality": ds.modality,
        "n_samples": int(n),
        "n_labels": int(n_labels),
        "n_features": n_features,
        "cardinality": card,
        "density": card / n_labels if n_labels else 0.0,
        "n_label_sets": label_set_count(y),
        "n_head_labels": n_head,
        "n_tail_labels": n_tail,
        "min_label_count": int(counts.min()) if n_labels else 0,
        "median_label_count": float(np.median(counts)) if n_labels else 0.0,
        "max_label_count": int(counts.max()) if n_labels else 0,
        "n_empty": int((y.sum(axis=1) == 0).sum()),
        "mean_ir": float((pos.max() / pos).mean()) if pos.size else 0.0,
    }
