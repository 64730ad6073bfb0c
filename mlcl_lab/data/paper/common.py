"""Shared pieces of the paper-dataset loaders: splits and dataset assembly.

Every loader returns one :class:`MultiLabelDataset` holding all the rows it
uses, with ``extra["split"]`` a :class:`~mlcl_lab.data.splits.Split` of
indices into it that follows paper.md §6 (documented per loader).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import split_resolve
from ..dataset import MultiLabelDataset
from ..errors import malformed
from ..formats.validate import check_nonempty
from ..images import decode_images
from ..splits import Split

PAPER_SEED = 42  # the official code's random_state


def halve(ids: np.ndarray, seed: int = PAPER_SEED,
          source: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``train_test_split(ids, test_size=0.5, random_state=seed)`` -> (first, second).

    The halves keep sklearn's shuffled order, so halving a half reproduces the
    official code's chained calls; :func:`make_split` sorts at the end. Fewer than 2
    ids: a MalformedFileError naming ``source`` (the file that lists them) when given.
    """
    if len(ids) < 2:
        if source is not None:
            raise malformed(source, None, f"lists {len(ids)} usable sample(s); the official "
                            "split halves them and needs at least 2")
        raise ValueError(f"cannot split {len(ids)} samples in two halves")
    from sklearn.model_selection import train_test_split  # lazy: ~2 s of import every study kernel would pay

    a, b = train_test_split(np.asarray(ids), test_size=0.5, random_state=seed)
    return np.asarray(a), np.asarray(b)


def require_part(source: str | Path, part: str, n: int) -> None:
    """Refuse an official train or test part with no sample, naming the file listing it."""
    if n < 1:
        raise malformed(source, None, f"lists no sample: the official {part} part would be "
                        "empty")


def make_split(train: np.ndarray, val: np.ndarray, test: np.ndarray) -> Split:
    return Split(train=np.sort(np.asarray(train, dtype=np.int64)),
                 val=np.sort(np.asarray(val, dtype=np.int64)),
                 test=np.sort(np.asarray(test, dtype=np.int64)))


def carve_validation(labels: np.ndarray, train: np.ndarray, test: np.ndarray,
                     val_fraction: float, seed: int) -> Split:
    """Official train/test; validation = a label-stratified part of train (no cache)."""
    return split_resolve.carve_validation(labels, train, test, val_fraction, seed)[0]


def image_dataset(name: str, paths: list[str], labels: np.ndarray, label_names: list[str],
                  split: Split, image_size: int | None, description: str, source: str,
                  license: str, split_source: str = "") -> MultiLabelDataset:
    """Image-path dataset; pixels decoded only when ``image_size`` is given.

    ``split_source`` describes the official split (default ``"official (<name>)"``).
    """
    check_nonempty(source, n_samples=len(labels), n_labels=labels.shape[1])
    feats = decode_images(paths, image_size) if image_size is not None else None
    return MultiLabelDataset(name=name, labels=labels, label_names=label_names, modality="image",
                             features=feats, paths=paths, description=description, source=source,
                             license=license,
                             extra={"split": split, "split_kind": "official",
                                    "split_source": split_source or f"official ({name})"})


def text_dataset(name: str, texts: list[str], labels: np.ndarray, label_names: list[str],
                 split: Split, description: str, source: str, license: str,
                 split_source: str = "", **extra) -> MultiLabelDataset:
    """Text dataset with its official split (``split_source`` as in :func:`image_dataset`)."""
    check_nonempty(source, n_samples=len(texts), n_labels=labels.shape[1])
    return MultiLabelDataset(name=name, labels=labels, label_names=label_names, modality="text",
                             features=None, texts=texts, description=description, source=source,
                             license=license,
                             extra={"split": split, "split_kind": "official",
                                    "split_source": split_source or f"official ({name})",
                                    **extra})
