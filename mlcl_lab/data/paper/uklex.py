"""UK-LEX (Chalkidis & Søgaard 2022): UK legislation, multi-label topics.

The corpus is distributed through the Hugging Face hub. Export each split to
JSON lines once (on a machine with internet), e.g.::

    from datasets import load_dataset
    ds = load_dataset("<uk-lex dataset id>", "<config>")
    for s in ("train", "validation", "test"):
        ds[s].to_json(f"uklex/{s}.jsonl")

and pass ``path=uklex``. Each line needs a ``text`` string and a ``labels``
list (label ids or names; ``text_key``/``labels_key`` change the field names).
Label names: the values as strings, sorted, unless ``label_names`` is given.
Split: the official train / validation / test files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..dataset import MultiLabelDataset
from ..errors import labels_from_lists, require_path
from ..formats.text_table import read_text_jsonl
from .common import make_split, require_part, text_dataset

UKLEX_HOWTO = ("Export the UK-LEX splits from the Hugging Face hub to train.jsonl, "
               "validation.jsonl and test.jsonl (fields 'text', 'labels'), put them in one "
               "folder and pass path=<that folder>")
UKLEX_PARTS = ("train", "validation", "test")


def check_uklex(path) -> Path:
    """The dataset folder, after checking the split files exist (no parsing)."""
    return require_path(path, "uklex", UKLEX_HOWTO,
                        must_contain=tuple(f"{p}.jsonl" for p in UKLEX_PARTS))


def load_uklex(path=None, text_key: str = "text", labels_key: str = "labels",
               label_names: list[str] | None = None) -> MultiLabelDataset:
    """UK-LEX from exported JSONL splits."""
    base = check_uklex(path)
    texts, lists, sizes = [], [], []
    for part in UKLEX_PARTS:
        t, lab = read_text_jsonl(base / f"{part}.jsonl", text_key, labels_key)
        if part != "validation":
            require_part(base / f"{part}.jsonl", part, len(t))
        texts += t
        lists += lab
        sizes.append(len(t))
    if label_names is None:
        found = {v for labs in lists for v in labs}
        try:
            label_names = sorted(found, key=int)
        except ValueError:
            label_names = sorted(found)
    y, names = labels_from_lists(lists, label_names)
    b = np.cumsum([0] + sizes)
    split = make_split(np.arange(b[0], b[1]), np.arange(b[1], b[2]), np.arange(b[2], b[3]))
    return text_dataset("uklex", texts, y, names, split,
                        f"UK-LEX UK legislation ({len(names)} labels)", f"UK-LEX at {base}",
                        "UK-LEX: UK legislation, Open Government Licence v3.0",
                        split_source="official (uklex: train / validation / test JSONL files)")
