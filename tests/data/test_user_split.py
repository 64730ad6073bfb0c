"""User-given splits: split columns in CSV/JSONL, index files; the rows are exactly those."""

import numpy as np
import pytest

from mlcl_lab.data import (
    MalformedFileError,
    load_dataset,
    resolve_split,
    with_split_files,
)
from mlcl_lab.data.user_split import read_index_file

CSV = """text,labels,split
first,a,train
second,b|a,TEST
third,b,val
fourth,a,train
fifth,b,dev
sixth,a|b,test
"""


def test_csv_split_column(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(CSV)
    ds = load_dataset("csv", path=f, split_column="split")
    rec = resolve_split(ds, seed=0, val_fraction=0.3, test_fraction=0.3, cache_dir=False)
    assert rec.kind == "user" and rec.source == "user (split column 'split' of d.csv)"
    assert rec.split.train.tolist() == [0, 3] and rec.split.val.tolist() == [2, 4]
    assert rec.split.test.tolist() == [1, 5]
    assert [ds.texts[i] for i in rec.split.test] == ["second", "sixth"]
    # without the option the column is ignored and runs stratify
    assert "split" not in load_dataset("csv", path=f).extra


def test_jsonl_split_key(tmp_path):
    f = tmp_path / "d.jsonl"
    rows = [("a", ["x"], "train"), ("b", ["y"], "train"), ("c", ["x", "y"], "test")]
    f.write_text("".join(f'{{"text": "{t}", "labels": {str(labs).replace(chr(39), chr(34))}, '
                         f'"part": "{p}"}}\n' for t, labs, p in rows))
    ds = load_dataset("jsonl", path=f, split_key="part")
    assert ds.extra["split"].test.tolist() == [2] and ds.extra["split"].val.size == 0
    rec = resolve_split(ds, seed=0, val_fraction=0.0, test_fraction=0.5, cache_dir=False)
    assert rec.split.train.tolist() == [0, 1]


@pytest.mark.parametrize("content, line, match", [
    ("text,labels,split\na,x,train\nb,x,holdout\n", 3, "split 'split' value 'holdout'"),
    ("text,labels,split\na,x,train\nb,x,train\n", None, "the test part is empty"),
])
def test_bad_split_column(tmp_path, content, line, match):
    f = tmp_path / "d.csv"
    f.write_text(content)
    with pytest.raises((MalformedFileError, ValueError), match=match) as err:
        load_dataset("csv", path=f, split_column="split")
    if line is not None:
        assert str(err.value).startswith(f"{f}:{line}:")
    with pytest.raises(MalformedFileError, match=r"header must contain \['text', 'labels', "
                                                 r"'fold'\]"):
        load_dataset("csv", path=f, split_column="fold")


def test_index_files(tmp_path, yeast):
    (tmp_path / "train.txt").write_text("".join(f"{i}\n" for i in range(0, 2000, 2)))
    (tmp_path / "test.txt").write_text("# held out\n" + "".join(f"{i}\n" for i in range(1, 600,
                                                                                           2)))
    ds = with_split_files(yeast, {"train": tmp_path / "train.txt", "test": tmp_path / "test.txt"})
    rec = resolve_split(ds, seed=0, val_fraction=0.1, test_fraction=0.2, cache_dir=tmp_path)
    assert np.array_equal(rec.split.test, np.arange(1, 600, 2))
    assert np.array_equal(np.sort(np.concatenate([rec.split.train, rec.split.val])),
                          np.arange(0, 2000, 2))
    assert len(rec.split.val) == 100  # 10% of the 1,000 training rows


@pytest.mark.parametrize("content, line, match", [
    ("1\n2\nx\n", 3, "not a row index"),
    ("1\n-2\n", 2, "negative row index"),
    ("1\n2\n1\n", 3, "repeated \\(first on line 1\\)"),
    ("# nothing\n\n", None, "lists no row index"),
])
def test_bad_index_file(tmp_path, content, line, match):
    f = tmp_path / "idx.txt"
    f.write_text(content)
    with pytest.raises(MalformedFileError, match=match) as err:
        read_index_file(f)
    assert str(err.value).startswith(f"{f}:{line}:" if line else f"{f}:")


def test_index_files_out_of_range_and_overlap(tmp_path, yeast):
    (tmp_path / "a.txt").write_text("0\n1\n5000\n")
    (tmp_path / "b.txt").write_text("1\n2\n")
    with pytest.raises(ValueError, match="index 5000 is out of range for 2417 rows"):
        with_split_files(yeast, {"train": tmp_path / "a.txt", "test": tmp_path / "b.txt"})
    (tmp_path / "a.txt").write_text("0\n1\n")
    with pytest.raises(ValueError, match=r"rows \[1\] are in both train and test"):
        with_split_files(yeast, {"train": tmp_path / "a.txt", "test": tmp_path / "b.txt"})
    with pytest.raises(ValueError, match="unknown part"):
        with_split_files(yeast, {"train": tmp_path / "a.txt", "tst": tmp_path / "b.txt"})
