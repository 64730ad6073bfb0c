"""RCV1-v2 (Lewis et al., JMLR 2004) from the LYRL2004 token files.

Expected files (JMLR RCV1-v2 appendices,
http://www.ai.mit.edu/projects/jmlr/papers/volume5/lewis04a/lyrl2004_rcv1v2_README.htm)::

    <path>/lyrl2004_tokens_train.dat            (.I <docid> / .W / stemmed tokens / blank)
    <path>/lyrl2004_tokens_test_pt0.dat ... pt3.dat
    <path>/rcv1-v2.topics.qrels                 (<topic> <docid> 1)

(``.gz`` versions of these files are read as well.)
Texts are the pre-processed (stemmed, stop-worded) tokens of the release.
Split (paper.md §6, paper 2): the original LYRL2004 train (23,149) / test
(781,265) split; topics with fewer than ``min_train_count`` (30) training
documents are removed, then documents left without a topic are dropped;
validation = a label-stratified ``val_fraction`` of train (seeded).
``test_parts`` selects which of the four test files to read (all by default).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from ..dataset import MultiLabelDataset
from ..errors import DatasetNotFoundError, labels_from_lists, malformed, require_path
from .common import PAPER_SEED, carve_validation, require_part, text_dataset

RCV1_HOWTO = ("Download lyrl2004_tokens_train.dat.gz, lyrl2004_tokens_test_pt0..3.dat.gz and "
              "rcv1-v2.topics.qrels.gz from the JMLR RCV1-v2 appendices "
              "(http://www.ai.mit.edu/projects/jmlr/papers/volume5/lewis04a/"
              "lyrl2004_rcv1v2_README.htm), put them in one folder and pass path=<that folder>")


def _open(base: Path, name: str):
    for cand in (base / name, base / f"{name}.gz"):
        if cand.is_file():
            return cand, (gzip.open(cand, "rt", encoding="latin-1") if cand.suffix == ".gz"
                          else open(cand, encoding="latin-1"))
    raise DatasetNotFoundError(f"dataset 'rcv1v2': {base / name} is missing. {RCV1_HOWTO}")


def read_lyrl_tokens(base: Path, name: str) -> tuple[list[str], list[str]]:
    """(doc ids, token texts) of one LYRL2004 token file."""
    f, fh = _open(base, name)
    ids, texts, cur = [], [], None
    with fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if line.startswith(".I "):
                if cur is not None:
                    texts.append(" ".join(cur))
                ids.append(line[3:].strip())
                cur = None
            elif line == ".W":
                if not ids or cur is not None:
                    raise malformed(f, lineno, "'.W' without a preceding '.I <docid>'")
                cur = []
            elif line.strip():
                if cur is None:
                    raise malformed(f, lineno, "tokens before '.I <docid>' / '.W'")
                cur.append(line.strip())
    if cur is not None:
        texts.append(" ".join(cur))
    if len(texts) != len(ids):
        raise malformed(f, None, "a document has no '.W' section")
    return ids, texts


def read_qrels(base: Path) -> dict[str, list[str]]:
    f, fh = _open(base, "rcv1-v2.topics.qrels")
    out: dict[str, list[str]] = {}
    with fh:
        for lineno, line in enumerate(fh, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 3:
                raise malformed(f, lineno, "expected '<topic> <docid> 1'")
            out.setdefault(parts[1], []).append(parts[0])
    return out


RCV1_FILES = ("rcv1-v2.topics.qrels", "lyrl2004_tokens_train.dat")


def check_rcv1v2(path) -> Path:
    """The dataset folder, after checking the qrels and training token files (or .gz) exist.

    The test parts are checked by the loader (``test_parts`` chooses which are read).
    """
    base = require_path(path, "rcv1v2", RCV1_HOWTO)
    missing = [n for n in RCV1_FILES
               if not ((base / n).is_file() or (base / f"{n}.gz").is_file())]
    if missing:
        raise DatasetNotFoundError(f"dataset 'rcv1v2': {base} lacks {', '.join(missing)}. "
                                   f"{RCV1_HOWTO}")
    return base


def load_rcv1v2(path=None, min_train_count: int = 30, val_fraction: float = 0.1,
                seed: int = PAPER_SEED, test_parts: tuple[int, ...] = (0, 1, 2, 3)
                ) -> MultiLabelDataset:
    """RCV1-v2 topics; ``extra["split"]`` = official train (minus validation) / test."""
    base = check_rcv1v2(path)
    qrels = read_qrels(base)
    ids, texts = read_lyrl_tokens(base, "lyrl2004_tokens_train.dat")
    n_train = len(ids)
    for k in test_parts:
        i2, t2 = read_lyrl_tokens(base, f"lyrl2004_tokens_test_pt{k}.dat")
        ids += i2
        texts += t2
    y_all, names = labels_from_lists([qrels.get(d, []) for d in ids])
    keep_lab = y_all[:n_train].sum(axis=0) >= min_train_count
    y = y_all[:, keep_lab]
    names = [n for n, k in zip(names, keep_lab, strict=False) if k]
    keep = y.any(axis=1)
    y, texts = y[keep], [t for t, k in zip(texts, keep, strict=False) if k]
    ids = [d for d, k in zip(ids, keep, strict=False) if k]
    n_tr = int(keep[:n_train].sum())
    require_part(base, "train (lyrl2004_tokens_train)", n_tr)
    require_part(base, "test (lyrl2004_tokens_test_pt*)", len(ids) - n_tr)
    split = carve_validation(y, np.arange(n_tr), np.arange(n_tr, len(ids)), val_fraction, seed)
    return text_dataset("rcv1v2", texts, y, names, split,
                        f"RCV1-v2 news topics ({len(names)} labels with >= {min_train_count} "
                        "training docs)", f"RCV1-v2 LYRL2004 at {base}",
                        "RCV1: Reuters Corpus, research use under the NIST/Reuters agreement",
                        split_source=f"official (rcv1v2: LYRL2004 train / test; validation = "
                        f"stratified {val_fraction} of train, seed {seed})", doc_ids=ids)
