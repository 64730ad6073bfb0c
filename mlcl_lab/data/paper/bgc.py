"""BGC, Blurb Genre Collection (Aly, Remus & Biemann, ACL SRW 2019), English.

Expected files (https://www.inf.uni-hamburg.de/en/inst/ab/lt/resources/data/blurb-genre-collection.html)::

    <path>/BlurbGenreCollection_EN_train.txt, _dev.txt, _test.txt

Each file is a sequence of ``<book ...> ... </book>`` records (not well-formed
XML: a regex reader is used) with ``<title>``, ``<body>`` (the blurb) and
``<metadata><topics><d0>..</d0><d1>..</d1>...</topics>``. Text = title +
". " + body (HTML entities unescaped). Labels = all genres of all hierarchy
levels (``levels=None``) or only the given depths (e.g. ``levels=(0,)``).
Split: the official train / dev / test files.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np

from ..dataset import MultiLabelDataset
from ..errors import labels_from_lists, malformed, require_path
from .common import make_split, require_part, text_dataset

BGC_HOWTO = ("Download the Blurb Genre Collection (English) from https://www.inf.uni-hamburg.de/"
             "en/inst/ab/lt/resources/data/blurb-genre-collection.html, put "
             "BlurbGenreCollection_EN_train.txt, _dev.txt and _test.txt in one folder and pass "
             "path=<that folder>")
_BOOK = re.compile(r"<book\b[^>]*>(.*?)</book>", re.S)
_FIELD = {k: re.compile(rf"<{k}>(.*?)</{k}>", re.S) for k in ("title", "body", "topics")}
_TOPIC = re.compile(r"<d(\d+)>(.*?)</d\1>", re.S)


def read_bgc_file(f: Path, levels: tuple[int, ...] | None) -> tuple[list[str], list[list[str]]]:
    text = f.read_text(encoding="utf-8", errors="replace")
    texts, labels = [], []
    for m in _BOOK.finditer(text):
        lineno = text.count("\n", 0, m.start()) + 1
        rec = m.group(1)
        body, topics = _FIELD["body"].search(rec), _FIELD["topics"].search(rec)
        if body is None or topics is None:
            raise malformed(f, lineno, "book record without <body> or <topics>")
        title = _FIELD["title"].search(rec)
        labs = sorted({html.unescape(name.strip()) for d, name in _TOPIC.findall(topics.group(1))
                       if levels is None or int(d) in levels})
        head = html.unescape(title.group(1).strip()) + ". " if title else ""
        texts.append(head + html.unescape(body.group(1).strip()))
        labels.append(labs)
    if "<book" in text and not texts:
        raise malformed(f, 1, "no complete <book>...</book> record")
    return texts, labels


BGC_PARTS = ("train", "dev", "test")


def check_bgc(path) -> Path:
    """The dataset folder, after checking the split files exist (no parsing)."""
    return require_path(path, "bgc", BGC_HOWTO,
                        must_contain=tuple(f"BlurbGenreCollection_EN_{p}.txt" for p in BGC_PARTS))


def load_bgc(path=None, levels: tuple[int, ...] | None = None) -> MultiLabelDataset:
    """Blurb Genre Collection with its official split in ``extra["split"]``."""
    parts = BGC_PARTS
    base = check_bgc(path)
    texts, lists, sizes = [], [], []
    for p in parts:
        t, lab = read_bgc_file(base / f"BlurbGenreCollection_EN_{p}.txt", levels)
        if p != "dev":
            require_part(base / f"BlurbGenreCollection_EN_{p}.txt", p, len(t))
        texts += t
        lists += lab
        sizes.append(len(t))
    y, names = labels_from_lists(lists)
    b = np.cumsum([0] + sizes)
    split = make_split(np.arange(b[0], b[1]), np.arange(b[1], b[2]), np.arange(b[2], b[3]))
    return text_dataset("bgc", texts, y, names, split,
                        f"Blurb Genre Collection, book blurbs ({len(names)} genres)",
                        f"BGC at {base}", "BGC: research use (blurbs from Penguin Random House)",
                        split_source="official (bgc: BlurbGenreCollection_EN_train / _dev / _test)")
