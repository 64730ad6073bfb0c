"""Loaders validate what they read (issue 15, class 3): the reported cases and their class."""

import numpy as np
import pytest

from mlcl_lab.data import MalformedFileError, load_dataset, split_indices
from mlcl_lab.data.paper import load_aapd

GARBAGE = bytes(range(128, 256)) * 3


def _load(tmp_path, fmt, content, **kw):
    f = tmp_path / f"data.{fmt}"
    f.write_bytes(content if isinstance(content, bytes) else content.encode())
    return f, lambda: load_dataset(fmt, path=f, **kw)


@pytest.mark.parametrize("fmt, content, match", [
    ("jsonl", "", "holds no sample"),
    ("jsonl", "\n\n  \n", "holds no sample"),
    ("svmlight", "", "holds no sample"),
    ("svmlight", "# only a comment\n", "holds no sample"),
    ("csv", "text,labels\n", "holds no sample"),
    ("csv", "", "holds no sample"),
    ("arff", "@relation r\n@attribute f numeric\n@attribute l {0,1}\n@data\n", "no sample"),
    ("jsonl", '{"text": "x", "labels": []}\n', "carry no label"),
    ("csv", "text,labels\nhello,\n", "carry no label"),
    ("svmlight", " 1:2\n 2:3\n", "carry no label"),
    ("svmlight", "a\nb\n", "no feature"),
])
def test_empty_inputs_refused(tmp_path, fmt, content, match):
    f, load = _load(tmp_path, fmt, content, **({"n_labels": 1} if fmt == "arff" else {}))
    with pytest.raises(MalformedFileError, match=match) as err:
        load()
    assert str(f) in str(err.value)


def test_duplicated_csv_header_refused(tmp_path):
    _f, load = _load(tmp_path, "csv", "text,labels,labels\nhi,a,b\n")
    with pytest.raises(MalformedFileError, match=r"data.csv:1: duplicated column name\(s\) "
                                                 r"\['labels'\]"):
        load()


def test_duplicated_arff_attribute_refused(tmp_path):
    _f, load = _load(tmp_path, "arff", "@relation r\n@attribute f numeric\n@attribute f numeric\n"
                    "@attribute l {0,1}\n@data\n1,2,1\n", n_labels=1)
    with pytest.raises(MalformedFileError, match=r"duplicated attribute name\(s\) \['f'\]"):
        load()


@pytest.mark.parametrize("name", ["\x00", "lab\x00el", "'a\x07b'"])
def test_arff_attribute_name_with_a_control_character_refused(tmp_path, name):
    # found by the fuzz test: a NUL byte spliced over a label's name loaded as label "\x00"
    _f, load = _load(tmp_path, "arff", f"@relation r\n@attribute f numeric\n@attribute {name} {{0,1}}\n"
                    "@data\n1,1\n", n_labels=1)
    with pytest.raises(MalformedFileError, match=r"data.arff:3: attribute name .* contains a control character"):
        load()


def test_duplicated_jsonl_key_refused(tmp_path):
    _f, load = _load(tmp_path, "jsonl", '{"text": "a", "labels": ["x"]}\n'
                    '{"text": "b", "labels": ["x"], "labels": ["y"]}\n')
    with pytest.raises(MalformedFileError, match=r"data.jsonl:2: object repeats key"):
        load()


@pytest.mark.parametrize("fmt, content, line, match", [
    ("svmlight", "a 1:1 1:2\n", 1, "feature index 1 given twice"),
    ("svmlight", "a 1:1\nb 2:nan\n", 2, "not a finite float32"),
    ("svmlight", "a 1:1e39\n", 1, "not a finite float32"),
    ("svmlight", "a 99999999999999999999:1\n", 1, "exceeds the dense"),
    ("arff", "@relation r\n@attribute f numeric\n@attribute l {0,1}\n@data\n{0 1, 0 2}\n", 5,
     "sparse index 0 given twice"),
    ("arff", "@relation r\n@attribute f numeric\n@attribute l {0,1}\n@data\nnan,1\n", 5,
     "finite"),
    ("csv", 'text,labels\n"unterminated,a\n', 2, "not valid CSV"),
    ("jsonl", '{"text": "a", "labels": [{"x": 1}]}\n', 1, "strings or integers"),
])
def test_bad_values_name_file_and_line(tmp_path, fmt, content, line, match):
    f, load = _load(tmp_path, fmt, content, **({"n_labels": 1} if fmt == "arff" else {}))
    with pytest.raises(MalformedFileError, match=match) as err:
        load()
    assert str(err.value).startswith(f"{f}:{line}:")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "svmlight", "arff", "hdf5"])
def test_binary_garbage_is_a_malformed_file(tmp_path, fmt):
    f, load = _load(tmp_path, fmt, GARBAGE, **({"n_labels": 1} if fmt == "arff" else {}))
    with pytest.raises(MalformedFileError) as err:
        load()
    assert str(f) in str(err.value)
    assert not isinstance(err.value.__cause__, UnicodeDecodeError)


def test_non_utf8_names_the_line(tmp_path):
    _f, load = _load(tmp_path, "jsonl", b'{"text": "a", "labels": ["x"]}\n{"text": "\xff"}\n')
    with pytest.raises(MalformedFileError, match=r"data.jsonl:2: is not UTF-8 text"):
        load()


def test_paper_loader_garbage_and_empty(tmp_path):
    for part in ("train", "val", "test"):
        (tmp_path / f"text_{part}").write_text("")
        (tmp_path / f"label_{part}").write_text("")
    with pytest.raises(MalformedFileError, match=r"text_train: lists no sample: the official "
                                                 r"train part would be empty"):
        load_aapd(tmp_path)
    for part in ("train", "test"):
        (tmp_path / f"text_{part}").write_text("an abstract\n")
        (tmp_path / f"label_{part}").write_text("cs.AI\n")
    (tmp_path / "text_val").write_bytes(GARBAGE)
    with pytest.raises(MalformedFileError, match=r"text_val:1: is not UTF-8"):
        load_aapd(tmp_path)


@pytest.mark.parametrize("n, val, test, match", [
    (0, 0.15, 0.15, "cannot split 0 samples"),
    (3, 0.15, 0.15, "empty test set; it needs at least 4 samples"),
    (5, 0.0, 0.05, "empty test set; it needs at least 10 samples"),
    (2, 0.4, 0.4, "leave no training row"),
])
def test_split_indices_refuses_too_small_inputs(n, val, test, match):
    y = np.ones((n, 2), dtype=np.uint8)
    with pytest.raises(ValueError, match=match):
        split_indices(y, val, test, seed=0)


def test_split_indices_smallest_valid_input():
    s = split_indices(np.eye(4, dtype=np.uint8), 0.0, 0.15, seed=0)
    assert len(s.test) == 1 and len(s.train) == 3


def test_repeated_label_names_refused(tmp_path):
    _f, load = _load(tmp_path, "csv", "text,labels\nhi,a\n", label_names=["a", "a"])
    with pytest.raises(ValueError, match="label_names repeat a name"):
        load()
    from mlcl_lab.data import MultiLabelDataset

    with pytest.raises(ValueError, match=r"label names repeat \['x'\]"):
        MultiLabelDataset(name="d", labels=np.eye(2, dtype=np.uint8), label_names=["x", "x"],
                          modality="vector", features=np.zeros((2, 1), np.float32))
