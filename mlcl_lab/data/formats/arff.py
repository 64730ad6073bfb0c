"""MULAN / MEKA multi-label ARFF files (dense and sparse ``{index value}`` rows).

Which attributes are labels (first rule that applies):
1. ``label_names`` given explicitly;
2. a MULAN XML file (``xml_path``, ``<labels><label name="..."/>...``);
3. a MEKA header ``@relation 'name: -C k'`` (k > 0: first k attributes; k < 0:
   last |k| attributes);
4. ``n_labels``: the last ``n_labels`` attributes (MULAN's usual layout).

Every non-label attribute must be numeric (``numeric``/``real``/``integer``);
nominal or string features and missing values (``?``) are not supported and
raise :class:`~mlcl_lab.data.errors.MalformedFileError` naming file and line.

Validation (each a ``MalformedFileError`` naming the file, and the line where there is
one): UTF-8 text, unique attribute names without control characters (a NUL byte in a
header is corruption, not a label name), finite numeric values within float32 range,
0/1 labels, >= 1 data row, >= 1 label and >= 1 feature attribute.
"""

from __future__ import annotations

import csv
import re
import shlex
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from ..dataset import MultiLabelDataset
from ..errors import DatasetNotFoundError, malformed
from .validate import check_nonempty, check_unique_names, read_lines

_NUMERIC = {"numeric", "real", "integer"}
_F32_MAX = float(np.finfo(np.float32).max)


def _split_attribute(line: str, path: Path, lineno: int) -> tuple[str, str]:
    rest = line.split(None, 1)[1].strip() if len(line.split(None, 1)) > 1 else ""
    if rest[:1] in ("'", '"'):
        q = rest[0]
        end = rest.find(q, 1)
        if end < 0:
            raise malformed(path, lineno, "unterminated quoted attribute name")
        name, kind = rest[1:end], rest[end + 1 :].strip()
    else:
        parts = rest.split(None, 1)
        if len(parts) != 2:
            raise malformed(path, lineno, f"bad @attribute line {line!r}")
        name, kind = parts[0], parts[1].strip()
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise malformed(path, lineno, f"attribute name {name!r} contains a control character")
    return name, kind


def read_mulan_xml(xml_path: str | Path) -> list[str]:
    """Label names from a MULAN XML label file (hierarchies are flattened)."""
    p = Path(xml_path)
    if not p.is_file():
        raise DatasetNotFoundError(f"MULAN label XML {p} does not exist")
    try:
        root = ET.parse(p).getroot()
    except ET.ParseError as err:
        raise malformed(p, err.position[0], f"invalid XML: {err}") from err
    names = [el.attrib["name"] for el in root.iter() if el.tag.split("}")[-1] == "label"]
    if not names:
        raise malformed(p, None, "no <label name=...> elements")
    return names


def load_arff(path: str | Path, *, n_labels: int | None = None,
              label_names: list[str] | None = None, xml_path: str | Path | None = None,
              name: str | None = None) -> MultiLabelDataset:
    """Read a multi-label ARFF file into a vector :class:`MultiLabelDataset`."""
    p = Path(path)
    if not p.is_file():
        raise DatasetNotFoundError(f"ARFF file {p} does not exist")
    attrs: list[tuple[str, str]] = []
    relation = ""
    rows: list[np.ndarray] = []
    in_data = False
    for lineno, raw in enumerate(read_lines(p), 1):
        line = raw.strip()
        if not line or line.startswith("%"):
            continue
        if not in_data:
            key = line.split(None, 1)[0].lower()
            if key == "@relation":
                relation = line.split(None, 1)[1] if " " in line else ""
            elif key == "@attribute":
                attrs.append(_split_attribute(line, p, lineno))
            elif key == "@data":
                in_data = True
                n_attr = len(attrs)
                if n_attr == 0:
                    raise malformed(p, lineno, "@data before any @attribute")
            else:
                raise malformed(p, lineno, f"unexpected header line {line[:40]!r}")
            continue
        rows.append(_parse_row(line, n_attr, p, lineno))
    if not in_data:
        raise malformed(p, None, "no @data section")

    names = [a for a, _ in attrs]
    check_unique_names(p, names, "attribute")
    label_idx = _label_indices(names, relation, p, n_labels, label_names, xml_path)
    label_set = set(label_idx)
    feat_idx = [i for i in range(len(attrs)) if i not in label_set]
    for i in feat_idx:
        if attrs[i][1].lower() not in _NUMERIC:
            raise malformed(p, None, f"feature attribute {names[i]!r} has type {attrs[i][1]!r}; "
                            "only numeric features are supported")
    data = np.vstack(rows) if rows else np.zeros((0, len(attrs)))
    check_nonempty(p, n_samples=len(data), n_labels=len(label_idx), n_features=len(feat_idx))
    y = data[:, label_idx]
    if not np.isin(y, (0.0, 1.0)).all():
        bad = int(np.flatnonzero(~np.isin(y, (0.0, 1.0)).all(axis=1))[0])
        raise malformed(p, None, f"label values must be 0/1 (data row {bad + 1})")
    return MultiLabelDataset(
        name=name or p.stem,
        labels=y.astype(np.uint8),
        label_names=[names[i] for i in label_idx],
        modality="vector",
        features=data[:, feat_idx].astype(np.float32),
        description=f"ARFF file {p.name}",
        source=str(p),
        extra={"feature_names": [names[i] for i in feat_idx]},
    )


def _parse_row(line: str, n_attr: int, p: Path, lineno: int) -> np.ndarray:
    row = np.zeros(n_attr, dtype=np.float64)
    try:
        if line.startswith("{"):
            if not line.endswith("}"):
                raise ValueError("sparse row must end with '}'")
            body = line[1:-1].strip()
            seen: set[int] = set()
            for item in filter(None, (s.strip() for s in body.split(","))):
                idx_s, val_s = item.split(None, 1)
                idx = int(idx_s)
                if not 0 <= idx < n_attr:
                    raise ValueError(f"index {idx} out of range [0, {n_attr})")
                if idx in seen:
                    raise ValueError(f"sparse index {idx} given twice")
                seen.add(idx)
                row[idx] = _value(val_s)
        else:
            values = next(iter(_csv_split(line)))
            if len(values) != n_attr:
                raise ValueError(f"{len(values)} values for {n_attr} attributes")
            row[:] = [_value(v) for v in values]
    except (ValueError, csv.Error) as err:
        raise malformed(p, lineno, str(err)) from None
    if not np.isfinite(row).all() or np.abs(row).max(initial=0.0) > _F32_MAX:
        raise malformed(p, lineno, "values must be finite and within float32 range")
    return row


def _csv_split(line: str):
    return csv.reader([line], skipinitialspace=True, quotechar="'")


def _value(s: str) -> float:
    s = s.strip().strip("'\"")
    if s == "?":
        raise ValueError("missing value '?' is not supported")
    return float(s)


def _label_indices(names: list[str], relation: str, p: Path, n_labels: int | None,
                   label_names: list[str] | None, xml_path: str | Path | None) -> list[int]:
    if label_names is None and xml_path is not None:
        label_names = read_mulan_xml(xml_path)
    if label_names is not None:
        check_unique_names(p, list(label_names), "label")
        pos = {n: i for i, n in enumerate(names)}
        missing = [n for n in label_names if n not in pos]
        if missing:
            raise malformed(p, None, f"label attributes not found: {missing[:5]}")
        return [pos[n] for n in label_names]
    try:
        rel = " ".join(shlex.split(relation))
    except ValueError:
        rel = relation
    m = re.search(r"-C\s+(-?\d+)", rel)
    if m:
        k = int(m.group(1))
        if not 0 < abs(k) < len(names):
            raise malformed(p, None, f"MEKA relation '-C {k}' needs 1 <= |k| < "
                            f"{len(names)} (the number of attributes)")
        return list(range(k)) if k > 0 else list(range(len(names) + k, len(names)))
    if n_labels is not None:
        if not 0 < n_labels < len(names):
            raise malformed(p, None, f"n_labels must be in [1, {len(names) - 1}] for its "
                            f"{len(names)} attributes, got {n_labels}")
        return list(range(len(names) - n_labels, len(names)))
    raise ValueError(
        f"{p}: cannot tell which attributes are labels; pass n_labels=, label_names= "
        "or xml_path= (MULAN), or use a MEKA '-C k' relation"
    )
