"""Checks every file loader applies to what it read (issue 15, class 3).

A file that parses but holds no usable dataset (no sample, no label, no feature), or whose
header repeats a column/attribute name, is a :class:`~mlcl_lab.data.errors.MalformedFileError`
naming the file (and the line where there is one) — never a dataset with 0 rows.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from ..errors import malformed


def check_nonempty(path: str | Path, *, n_samples: int, n_labels: int,
                   n_features: int | None = None) -> None:
    """Refuse a file with no sample, no label, or (where features exist) no feature."""
    if n_samples < 1:
        raise malformed(path, None, "holds no sample (an empty file, or a header only)")
    if n_labels < 1:
        raise malformed(path, None, f"its {n_samples} sample(s) carry no label at all "
                        "(a multi-label dataset needs >= 1 label)")
    if n_features is not None and n_features < 1:
        raise malformed(path, None, "its samples have no feature")


def check_unique_names(path: str | Path, names: list[str], what: str,
                       line: int | None = None) -> None:
    """Refuse repeated column/attribute names (the last one would silently win)."""
    dup = sorted(n for n, c in Counter(names).items() if c > 1)
    if dup:
        raise malformed(path, line, f"duplicated {what} name(s) {dup}")


def check_labels_matrix(y: np.ndarray, path: str | Path, key: str) -> np.ndarray:
    """A numeric (N, L) array with values in {0, 1}, as uint8; else an error naming the row."""
    if not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
        raise malformed(path, None, f"{key!r} is not numeric (dtype {y.dtype})")
    ok = np.isin(y, (0, 1))
    if not ok.all():
        row = int(np.flatnonzero(~ok.all(axis=1))[0])
        raise malformed(path, None, f"{key!r} must hold 0/1 labels; row {row} does not")
    return y.astype(np.uint8)


def decode_utf8(raw: bytes, path: str | Path) -> str:
    """``raw`` as UTF-8 text (a leading BOM dropped); undecodable bytes name file and line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise malformed(path, line, f"is not UTF-8 text (byte {err.start}: {err.reason})") \
            from None


def read_text(path: str | Path) -> str:
    """A UTF-8 file's text; undecodable bytes are a MalformedFileError naming file and line."""
    p = Path(path)
    return decode_utf8(p.read_bytes(), p)


def read_lines(path: str | Path) -> list[str]:
    """The lines of a UTF-8 file without their ends, split like ``open()`` in text mode
    (``\\n``, ``\\r\\n`` and ``\\r``); a final line end does not add an empty line."""
    text = read_text(path).replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines
