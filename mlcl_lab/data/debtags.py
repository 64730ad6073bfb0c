"""The built-in debtags dataset (text, 378 labels, long tail), ``data/debtags.json.gz``.

Short descriptions of Debian bookworm packages with their Debtags facet tags,
frozen on 2026-11-23 by ``data/scripts/build_debtags.py`` (tags with >= 20
packages; packages without a kept tag dropped). An offline analogue of AAPD /
RCV1-v2 (short texts, hundreds of labels). Data card: ``data/README.md``.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np

from .dataset import MultiLabelDataset
from .storage import DataIntegrityError, data_dir, verify_checksum

DEBTAGS_FILE = "debtags.json.gz"
DEBTAGS_SHA256 = "3a4935b9e2c09e209780f493384564bf4dc65322b429144f6c4b763d1c079c52"


def load_debtags(path: str | Path | None = None, min_tag_count: int = 20) -> MultiLabelDataset:
    """Load the frozen debtags snapshot after verifying its SHA-256.

    Args:
        path: alternative file (default ``data/debtags.json.gz``).
        min_tag_count: keep only tags with at least this many packages (>= 20, the
            snapshot's own threshold); packages left without tags are dropped.
    """
    if min_tag_count < 20:
        raise ValueError(f"min_tag_count must be >= 20 (the snapshot's threshold), "
                         f"got {min_tag_count}")
    p = Path(path) if path is not None else data_dir() / DEBTAGS_FILE
    verify_checksum(p, DEBTAGS_SHA256)
    try:
        with gzip.open(p, "rt", encoding="utf-8") as f:
            data = json.load(f)
        names, texts, lists = data["label_names"], data["texts"], data["labels"]
    except (OSError, ValueError, KeyError) as err:
        raise DataIntegrityError(f"cannot read {p}: {err}") from err
    if not (len(texts) == len(lists) == len(data["packages"])):
        raise DataIntegrityError(f"{p}: texts/labels/packages lengths differ")
    rows = np.repeat(np.arange(len(lists)), [len(x) for x in lists])
    y = np.zeros((len(lists), len(names)), dtype=np.uint8)
    y[rows, np.concatenate([np.asarray(x, dtype=np.int64) for x in lists])] = 1
    packages = list(data["packages"])
    if min_tag_count > 20:
        keep_lab = y.sum(axis=0) >= min_tag_count
        y = y[:, keep_lab]
        names = [n for n, k in zip(names, keep_lab) if k]
        keep = y.any(axis=1)
        y = y[keep]
        texts = [t for t, k in zip(texts, keep) if k]
        packages = [s for s, k in zip(packages, keep) if k]
    return MultiLabelDataset(
        name="debtags",
        labels=y,
        label_names=list(names),
        modality="text",
        features=None,
        texts=list(texts),
        description=f"Debian package short descriptions -> debtags ({len(names)} tags)",
        source=f"snapshot {data['snapshot_date']} of {data['source']}",
        license=("package descriptions and tags are Debian archive metadata of packages in "
                 "Debian main (DFSG-free); each description belongs to its package "
                 "(no single license)"),
        extra={"packages": packages, "snapshot_date": data["snapshot_date"]},
    )
