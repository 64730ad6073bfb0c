"""Text + label-list tables: CSV (``text``, ``labels`` columns) and JSONL.

CSV: the labels cell is either a JSON list (``["a", "b"]``) or a string split on
``separator`` (default ``"|"``); an empty cell means no labels. The header must name each
column once (a repeated name would let the last column win silently). Quoting is strict
(an unterminated quoted field is an error, not the rest of the file).
JSONL: one object per line with a string ``text_key`` (or a list of strings, joined by
newlines) and a list ``labels_key``; an object repeating a key is an error.
Label values must be strings or integers (converted to strings). Label order:
``label_names`` if given, else sorted.

Optional user split (paper.md §6; :mod:`mlcl_lab.data.user_split`): ``split_column``
(CSV) / ``split_key`` (JSONL) names a field holding ``train`` / ``val`` (``valid``,
``validation``, ``dev``) / ``test``; the dataset then carries that split.

Every file must be UTF-8 and yield >= 1 sample and >= 1 label; every problem is a
:class:`~mlcl_lab.data.errors.MalformedFileError` naming the file and line.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from ..dataset import MultiLabelDataset
from ..errors import DatasetNotFoundError, labels_from_lists, malformed
from .validate import check_nonempty, check_unique_names, read_text


def _text_dataset(texts, label_lists, label_names, name, p, fmt, split=None,
                  split_field=None) -> MultiLabelDataset:
    y, names = labels_from_lists(label_lists, label_names)
    check_nonempty(p, n_samples=len(texts), n_labels=len(names))
    if y.shape[1] and not y.any():
        raise malformed(p, None, f"none of its {len(texts)} sample(s) has any of the labels "
                        f"{names[:5]}")
    ds = MultiLabelDataset(name=name or p.stem, labels=y, label_names=names, modality="text",
                           features=None, texts=texts, description=f"{fmt} file {p.name}",
                           source=str(p))
    if split is None:
        return ds
    from ..user_split import attach_split, split_from_column

    parts = split_from_column(*split, p, split_field)
    field = "column" if fmt == "CSV" else "key"
    return attach_split(ds, *parts, source=f"user (split {field} {split_field!r} of {p.name})")


def _label_values(values, p: Path, lineno: int, what: str) -> list[str]:
    if not isinstance(values, list):
        raise malformed(p, lineno, f"{what} must be a list")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            raise malformed(p, lineno, f"{what} values must be strings or integers, got {v!r}")
    return [str(v) for v in values]


def _no_duplicate_keys(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        dup = sorted({k for k in keys if keys.count(k) > 1})
        raise ValueError(f"object repeats key(s) {dup}")
    return dict(pairs)


def read_text_jsonl(path: str | Path, text_key: str = "text", labels_key: str = "labels",
                    split_key: str | None = None):
    """(texts, label lists) of a JSONL file — plus (split values, line numbers) when
    ``split_key`` is given; errors name file and line."""
    p = Path(path)
    if not p.is_file():
        raise DatasetNotFoundError(f"JSONL file {p} does not exist")
    texts, labels, split_values, split_lines = [], [], [], []
    for lineno, line in enumerate(read_text(p).split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line, object_pairs_hook=_no_duplicate_keys)
        except json.JSONDecodeError as err:
            raise malformed(p, lineno, f"invalid JSON: {err.msg}") from None
        except (ValueError, RecursionError) as err:
            raise malformed(p, lineno, str(err) or "JSON nested too deeply") from None
        need = [k for k in (text_key, labels_key, split_key) if k is not None]
        if not isinstance(obj, dict) or any(k not in obj for k in need):
            raise malformed(p, lineno, f"object needs keys {need}")
        text = obj[text_key]
        if isinstance(text, list) and all(isinstance(t, str) for t in text):
            text = "\n".join(text)
        if not isinstance(text, str):
            raise malformed(p, lineno, f"{text_key!r} must be a string (or list of strings)")
        texts.append(text)
        labels.append(_label_values(obj[labels_key], p, lineno, repr(labels_key)))
        if split_key is not None:
            if not isinstance(obj[split_key], str):
                raise malformed(p, lineno, f"{split_key!r} must be a string")
            split_values.append(obj[split_key])
            split_lines.append(lineno)
    if split_key is not None:
        return texts, labels, (split_values, split_lines)
    return texts, labels


def load_text_jsonl(path: str | Path, *, text_key: str = "text", labels_key: str = "labels",
                    split_key: str | None = None, label_names: list[str] | None = None,
                    name: str | None = None) -> MultiLabelDataset:
    """Read a JSONL text dataset (one ``{"text": ..., "labels": [...]}`` per line)."""
    got = read_text_jsonl(path, text_key, labels_key, split_key)
    split = got[2] if split_key is not None else None
    return _text_dataset(got[0], got[1], label_names, name, Path(path), "JSONL", split,
                         split_key)


def load_text_csv(path: str | Path, *, text_column: str = "text", labels_column: str = "labels",
                  separator: str = "|", split_column: str | None = None,
                  label_names: list[str] | None = None,
                  name: str | None = None) -> MultiLabelDataset:
    """Read a CSV text dataset with a text column and a label-list column."""
    p = Path(path)
    if not p.is_file():
        raise DatasetNotFoundError(f"CSV file {p} does not exist")
    if not isinstance(separator, str) or not separator:
        raise ValueError(f"separator must be a non-empty string, got {separator!r}")
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    texts, labels, split_values, split_lines = [], [], [], []
    reader = csv.reader(io.StringIO(read_text(p), newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise malformed(p, None, "holds no sample (an empty file)")
        check_unique_names(p, header, "column", line=1)
        need = [c for c in (text_column, labels_column, split_column) if c is not None]
        if any(c not in header for c in need):
            raise malformed(p, 1, f"header must contain {need}, got {header}")
        col = {c: header.index(c) for c in need}
        for row in reader:
            lineno = reader.line_num
            if not row:
                continue
            if len(row) != len(header):
                raise malformed(p, lineno, f"{len(row)} fields for {len(header)} columns")
            cell = row[col[labels_column]].strip()
            if cell.startswith("["):
                try:
                    labs = _label_values(json.loads(cell), p, lineno, "labels cell")
                except (json.JSONDecodeError, RecursionError) as err:
                    raise malformed(p, lineno, f"labels cell is not a JSON list: "
                                    f"{getattr(err, 'msg', err)}") from None
            else:
                labs = [s.strip() for s in cell.split(separator) if s.strip()]
            texts.append(row[col[text_column]])
            labels.append(labs)
            if split_column is not None:
                split_values.append(row[col[split_column]])
                split_lines.append(lineno)
    except csv.Error as err:
        raise malformed(p, reader.line_num or None, f"not valid CSV: {err}") from None
    split = (split_values, split_lines) if split_column is not None else None
    return _text_dataset(texts, labels, label_names, name, p, "CSV", split, split_column)
