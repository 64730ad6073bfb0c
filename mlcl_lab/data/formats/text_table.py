"""Text + label-list tables: CSV (``text``, ``labels`` columns) and JSONL.

CSV: the labels cell is either a JSON list (``["a", "b"]``) or a string split
on ``separator`` (default ``"|"``); an empty cell means no labels. JSONL: one
object per line with a string ``text_key`` and a list ``labels_key``. Label
values are converted to strings. Label order: ``label_names`` if given, else
sorted.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from ..dataset import MultiLabelDataset
from ..errors import DatasetNotFoundError, labels_from_lists, malformed


def _text_dataset(texts, label_lists, label_names, name, p, fmt) -> MultiLabelDataset:
    y, names = labels_from_lists(label_lists, label_names)
    return MultiLabelDataset(name=name or p.stem, labels=y, label_names=names, modality="text",
                             features=None, texts=texts, description=f"{fmt} file {p.name}",
                             source=str(p))


def read_text_jsonl(path: str | Path, text_key: str = "text",
                    labels_key: str = "labels") -> tuple[list[str], list[list[str]]]:
    """(texts, label lists) of a JSONL file; errors name file and line."""
    p = Path(path)
    if not p.is_file():
        raise DatasetNotFoundError(f"JSONL file {p} does not exist")
    texts, labels = [], []
    with open(p, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                raise malformed(p, lineno, f"invalid JSON: {err.msg}") from err
            if not isinstance(obj, dict) or text_key not in obj or labels_key not in obj:
                raise malformed(p, lineno, f"object needs keys {text_key!r} and {labels_key!r}")
            text, labs = obj[text_key], obj[labels_key]
            if isinstance(text, list):
                text = "\n".join(map(str, text))
            if not isinstance(text, str) or not isinstance(labs, list):
                raise malformed(p, lineno, f"{text_key!r} must be a string and "
                                f"{labels_key!r} a list")
            texts.append(text)
            labels.append([str(v) for v in labs])
    return texts, labels


def load_text_jsonl(path: str | Path, *, text_key: str = "text", labels_key: str = "labels",
                    label_names: list[str] | None = None,
                    name: str | None = None) -> MultiLabelDataset:
    """Read a JSONL text dataset (one ``{"text": ..., "labels": [...]}`` per line)."""
    texts, labels = read_text_jsonl(path, text_key, labels_key)
    return _text_dataset(texts, labels, label_names, name, Path(path), "JSONL")


def load_text_csv(path: str | Path, *, text_column: str = "text", labels_column: str = "labels",
                  separator: str = "|", label_names: list[str] | None = None,
                  name: str | None = None) -> MultiLabelDataset:
    """Read a CSV text dataset with a text column and a label-list column."""
    p = Path(path)
    if not p.is_file():
        raise DatasetNotFoundError(f"CSV file {p} does not exist")
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    texts, labels = [], []
    with open(p, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or text_column not in reader.fieldnames \
                or labels_column not in reader.fieldnames:
            raise malformed(p, 1, f"header must contain {text_column!r} and {labels_column!r}, "
                            f"got {reader.fieldnames}")
        for row in reader:
            lineno = reader.line_num
            if None in row or row[labels_column] is None:
                raise malformed(p, lineno, "wrong number of fields")
            cell = row[labels_column].strip()
            if cell.startswith("["):
                try:
                    labs = [str(v) for v in json.loads(cell)]
                except json.JSONDecodeError as err:
                    raise malformed(p, lineno, f"labels cell is not a JSON list: {err.msg}") \
                        from err
            else:
                labs = [s.strip() for s in cell.split(separator) if s.strip()]
            texts.append(row[text_column])
            labels.append(labs)
    return _text_dataset(texts, labels, label_names, name, p, "CSV")
