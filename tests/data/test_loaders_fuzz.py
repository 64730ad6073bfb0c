"""Property-based: the file loaders on random bytes and random truncations of valid files.

The only outcomes allowed (issue 15, class 3): a dataset that round-trips (written back in
the same format it loads to an equal dataset; its complete rows are the original's), or a
MalformedFileError whose message names the file. Example counts are modest (CI: 2 cores).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlcl_lab.data import MalformedFileError, load_dataset
from mlcl_lab.data.user_split import read_index_file

h5py = pytest.importorskip("h5py")

# MLCL_FUZZ_EXAMPLES raises the count for a local, longer search (CI keeps 30)
FAST = settings(max_examples=int(os.environ.get("MLCL_FUZZ_EXAMPLES", "30")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LABELS = ["a", "b", "c"]


# ---- writers (the format as documented, independent of the loaders) -----------------------

def write_csv(texts, label_lists) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["text", "labels"])
    for t, labs in zip(texts, label_lists, strict=False):
        w.writerow([t, "|".join(labs)])
    return buf.getvalue().encode()


def write_jsonl(texts, label_lists) -> bytes:
    return "".join(json.dumps({"text": t, "labels": labs}) + "\n"
                   for t, labs in zip(texts, label_lists, strict=False)).encode()


def write_svmlight(x, label_lists) -> bytes:
    lines = []
    for row, labs in zip(x, label_lists, strict=False):
        feats = " ".join(f"{j + 1}:{float(v)!r}" for j, v in enumerate(row) if v != 0) \
            or "1:0.0"  # a row with no label and no non-zero feature must not become blank
        lines.append(f"{','.join(labs)} {feats}".rstrip() if labs else f" {feats}")
    return ("\n".join(lines) + "\n").encode()


def write_arff(x, y) -> bytes:
    head = ["@relation fuzz"] + [f"@attribute f{j} numeric" for j in range(x.shape[1])]
    head += [f"@attribute {lab} {{0,1}}" for lab in LABELS[: y.shape[1]]] + ["@data"]
    rows = [",".join([repr(float(v)) for v in xr] + [str(int(v)) for v in yr])
            for xr, yr in zip(x, y, strict=True)]
    return ("\n".join(head + rows) + "\n").encode()


def write_hdf5(path: Path, x, y) -> None:
    with h5py.File(path, "w") as f:
        f["feature"] = x
        f["target"] = y


# ---- strategies --------------------------------------------------------------------------

text_st = st.text(alphabet="ab ,\"|\n\u00e9", min_size=0, max_size=12)
labels_st = st.lists(st.sampled_from(LABELS), min_size=0, max_size=3, unique=True).map(sorted)


@st.composite
def text_tables(draw):
    n = draw(st.integers(1, 6))
    texts = draw(st.lists(text_st, min_size=n, max_size=n))
    labs = draw(st.lists(labels_st, min_size=n, max_size=n))
    if not any(labs):
        labs[0] = ["a"]
    return texts, labs


@st.composite
def vector_tables(draw):
    n = draw(st.integers(1, 6))
    d = draw(st.integers(1, 4))
    vals = st.floats(-1e3, 1e3, allow_nan=False, width=32)
    x = np.asarray(draw(st.lists(st.lists(vals, min_size=d, max_size=d), min_size=n,
                                 max_size=n)), dtype=np.float32)
    y = np.asarray(draw(st.lists(st.lists(st.integers(0, 1), min_size=2, max_size=2),
                                 min_size=n, max_size=n)), dtype=np.uint8)
    y[0, 0] = 1
    x[0, 0] = x[0, 0] or 1.0  # feature 1 present in a sparse file
    return x, y


# ---- the property ------------------------------------------------------------------------

def _label_sets(ds):
    # (not via a numpy string array: numpy drops trailing NUL characters of its strings)
    return [frozenset(ds.label_names[j] for j in np.flatnonzero(row)) for row in ds.labels]


def _sparse_rows(ds):
    return [{j: float(v) for j, v in enumerate(row) if v != 0} for row in ds.features]


def _equal(a, b) -> bool:
    same = _label_sets(a) == _label_sets(b) and a.n_samples == b.n_samples
    if a.texts is not None:
        same = same and a.texts == b.texts
    if a.features is not None:
        same = same and _sparse_rows(a) == _sparse_rows(b)
    return same


def _serialise(fmt: str, ds, folder: Path) -> Path:
    sets = [sorted(s) for s in _label_sets(ds)]
    f = folder / f"again.{fmt}"
    if fmt == "csv":
        f.write_bytes(write_csv(ds.texts, sets))
    elif fmt == "jsonl":
        f.write_bytes(write_jsonl(ds.texts, sets))
    elif fmt == "svmlight":
        f.write_bytes(write_svmlight(ds.features, sets))
    elif fmt == "arff":
        f.write_bytes(write_arff(ds.features, ds.labels))
    else:
        write_hdf5(f, ds.features, ds.labels)
    return f


OPTIONS = {"arff": {"n_labels": 2}}


def check_outcome(fmt: str, path: Path, original=None) -> None:
    """A dataset that round-trips (and keeps the original's complete rows), or an error naming
    the file; anything else fails the test."""
    try:
        ds = load_dataset(fmt, path=path, **OPTIONS.get(fmt, {}))
    except MalformedFileError as err:
        assert str(path) in str(err), err
        return
    assert ds.n_samples >= 1 and ds.n_labels >= 1
    again = load_dataset(fmt, path=_serialise(fmt, ds, path.parent), **OPTIONS.get(fmt, {}))
    assert _equal(ds, again)
    if original is not None:  # a truncation: every row but the last is the original's
        assert ds.n_samples <= original.n_samples
        k = ds.n_samples - 1
        assert _label_sets(ds)[:k] == _label_sets(original)[:k]
        if ds.texts is not None:
            assert ds.texts[:k] == original.texts[:k]
        if ds.features is not None:
            assert _sparse_rows(ds)[:k] == _sparse_rows(original)[:k]


def _tmp() -> Path:
    return Path(tempfile.mkdtemp(prefix="mlcl-fuzz-"))


# ---- random bytes ------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "jsonl", "svmlight", "arff", "hdf5"])
@FAST
@given(raw=st.one_of(st.binary(max_size=300),
                     st.text(alphabet="ab1:,|\"[]{}@\n #-.%\u00e9", max_size=200)
                     .map(str.encode)))
def test_random_bytes(fmt, raw):
    f = _tmp() / f"data.{fmt}"
    f.write_bytes(raw)
    check_outcome(fmt, f)


@FAST
@given(raw=st.one_of(st.binary(max_size=200),
                     st.text(alphabet="0123456789 -#\nx", max_size=80).map(str.encode)))
def test_random_index_files(raw):
    f = _tmp() / "idx.txt"
    f.write_bytes(raw)
    try:
        idx = read_index_file(f)
    except MalformedFileError as err:
        assert str(f) in str(err)
    else:
        assert idx.size >= 1 and (idx >= 0).all() and np.unique(idx).size == idx.size


# ---- truncations of valid files ------------------------------------------------------------

def _truncate(raw: bytes, cut: float) -> bytes:
    return raw[: int(cut * len(raw))]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@FAST
@given(table=text_tables(), cut=st.floats(0, 1))
def test_truncated_text_tables(fmt, table, cut):
    folder = _tmp()
    raw = (write_csv if fmt == "csv" else write_jsonl)(*table)
    full = folder / f"full.{fmt}"
    full.write_bytes(raw)
    original = load_dataset(fmt, path=full)
    assert [sorted(s) for s in _label_sets(original)] == table[1] and original.texts == table[0]
    cut_file = folder / f"cut.{fmt}"
    cut_file.write_bytes(_truncate(raw, cut))
    check_outcome(fmt, cut_file, original)


@pytest.mark.parametrize("fmt", ["svmlight", "arff", "hdf5"])
@FAST
@given(table=vector_tables(), cut=st.floats(0, 1))
def test_truncated_vector_files(fmt, table, cut):
    x, y = table
    folder = _tmp()
    full = folder / f"full.{fmt}"
    if fmt == "svmlight":
        full.write_bytes(write_svmlight(x, [[LABELS[j] for j in np.flatnonzero(r)] for r in y]))
    elif fmt == "arff":
        full.write_bytes(write_arff(x, y))
    else:
        write_hdf5(full, x, y)
    original = load_dataset(fmt, path=full, **OPTIONS.get(fmt, {}))
    if fmt != "svmlight":
        assert np.array_equal(original.features, x) and np.array_equal(original.labels, y)
    cut_file = folder / f"cut.{fmt}"
    cut_file.write_bytes(_truncate(full.read_bytes(), cut))
    check_outcome(fmt, cut_file, original)


# ---- valid files with a random slice replaced by random bytes ------------------------------

@pytest.mark.parametrize("fmt", ["csv", "jsonl", "svmlight", "arff"])
@FAST
@given(text=text_tables(), vec=vector_tables(), where=st.floats(0, 1),
       junk=st.binary(min_size=1, max_size=8))
def test_spliced_garbage(fmt, text, vec, where, junk):
    x, y = vec
    raw = {"csv": lambda: write_csv(*text), "jsonl": lambda: write_jsonl(*text),
           "svmlight": lambda: write_svmlight(x, [[LABELS[j] for j in np.flatnonzero(r)]
                                                  for r in y]),
           "arff": lambda: write_arff(x, y)}[fmt]()
    at = int(where * len(raw))
    f = _tmp() / f"spliced.{fmt}"
    f.write_bytes(raw[:at] + junk + raw[at + len(junk):])
    check_outcome(fmt, f)
