"""Reuters-21578 ("reuter"), ModApté split (90 topic categories).

Expected files (UCI KDD archive, reuters21578.tar.gz,
https://archive.ics.uci.edu/dataset/137/reuters+21578+text+categorization+collection)::

    <path>/reut2-000.sgm ... reut2-021.sgm

ModApté (Apté et al. 1994; the usual "R90" subset): train = documents with
``LEWISSPLIT="TRAIN" TOPICS="YES"``, test = ``LEWISSPLIT="TEST" TOPICS="YES"``;
labels = the ``<TOPICS>`` categories; only categories with at least one
training and one test document are kept (90 on the full corpus), and
documents left without a category are dropped. Text = TITLE + BODY
(latin-1, SGML entities unescaped). Validation = a label-stratified
``val_fraction`` of train (seeded); the official code only has a loader.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np

from ..dataset import MultiLabelDataset
from ..errors import DatasetNotFoundError, labels_from_lists, malformed, require_path
from .common import PAPER_SEED, carve_validation, require_part, text_dataset

REUTERS_HOWTO = ("Download reuters21578.tar.gz from the UCI archive "
                 "(https://archive.ics.uci.edu/dataset/137/reuters+21578+text+categorization+"
                 "collection), extract reut2-000.sgm..reut2-021.sgm into a folder and pass "
                 "path=<that folder>")
_DOC = re.compile(r"<REUTERS([^>]*)>(.*?)</REUTERS>", re.S)
_ATTR = re.compile(r'(\w+)="([^"]*)"')
_D = re.compile(r"<D>(.*?)</D>", re.S)


def _tag(doc: str, name: str) -> str:
    m = re.search(rf"<{name}>(.*?)</{name}>", doc, re.S)
    return m.group(1) if m else ""


def check_reuters21578(path) -> Path:
    """The dataset folder, after checking it holds ``reut2-*.sgm`` files (no parsing)."""
    base = require_path(path, "reuters21578", REUTERS_HOWTO)
    if not any(base.glob("reut2-*.sgm")):
        raise DatasetNotFoundError(f"dataset 'reuters21578': no reut2-*.sgm in {base}. "
                                   f"{REUTERS_HOWTO}")
    return base


def load_reuters21578(path=None, val_fraction: float = 0.1,
                      seed: int = PAPER_SEED) -> MultiLabelDataset:
    """Reuters-21578 ModApté with ``extra["split"]``."""
    base = check_reuters21578(path)
    files = sorted(base.glob("reut2-*.sgm"))
    texts, lists, part = [], [], []
    for f in files:
        raw = f.read_bytes().decode("latin-1")
        if raw.count("<REUTERS") != raw.count("</REUTERS>"):
            pos = raw.rfind("<REUTERS")
            raise malformed(f, raw.count("\n", 0, pos) + 1, "unterminated <REUTERS> element")
        for m in _DOC.finditer(raw):
            attrs = dict(_ATTR.findall(m.group(1)))
            split = attrs.get("LEWISSPLIT")
            if attrs.get("TOPICS") != "YES" or split not in ("TRAIN", "TEST"):
                continue
            doc = m.group(2)
            topics = [t.strip() for t in _D.findall(_tag(doc, "TOPICS"))]
            if not topics:
                continue
            title, body = _tag(doc, "TITLE"), _tag(doc, "BODY")
            texts.append(html.unescape(f"{title}\n{body}".strip()))
            lists.append(topics)
            part.append(split)
    if not texts:
        raise malformed(files[0], None, "no ModApte documents (LEWISSPLIT TRAIN/TEST, TOPICS YES)")
    y, names = labels_from_lists(lists)
    is_train = np.asarray(part) == "TRAIN"
    keep_lab = y[is_train].any(axis=0) & y[~is_train].any(axis=0)
    y = y[:, keep_lab]
    names = [n for n, k in zip(names, keep_lab, strict=False) if k]
    keep = y.any(axis=1)
    order = np.concatenate([np.flatnonzero(keep & is_train), np.flatnonzero(keep & ~is_train)])
    y = y[order]
    texts = [texts[i] for i in order]
    n_tr = int((keep & is_train).sum())
    require_part(base, "train (LEWISSPLIT=TRAIN, TOPICS=YES)", n_tr)
    require_part(base, "test (LEWISSPLIT=TEST, TOPICS=YES)", len(order) - n_tr)
    split = carve_validation(y, np.arange(n_tr), np.arange(n_tr, len(order)), val_fraction, seed)
    return text_dataset("reuters21578", texts, y, names, split,
                        f"Reuters-21578 ModApte ({len(names)} topics)", f"Reuters-21578 at {base}",
                        "Reuters-21578: free for research use (Reuters / D. D. Lewis)",
                        split_source=f"official (reuters21578: ModApte LEWISSPLIT train / test; "
                        f"validation = stratified {val_fraction} of train, seed {seed})")
