"""Generic loaders on small fixtures written in the real on-disk formats."""

import json

import numpy as np
import pytest
from sklearn.datasets import dump_svmlight_file

from mlcl_lab.data.errors import DatasetNotFoundError, MalformedFileError
from mlcl_lab.data.formats import load_arff, load_svmlight, load_text_csv, load_text_jsonl

ARFF = """% MULAN-style file
@relation toy
@attribute f1 numeric
@attribute 'f 2' real
@attribute lab_a {0,1}
@attribute lab_b {0,1}
@data
0.5,1.5,1,0
-1,2,0,0
{0 3.0, 3 1}
"""

XML = """<?xml version="1.0" encoding="utf-8"?>
<labels xmlns="http://mulan.sourceforge.net/labels">
<label name="lab_a"></label><label name="lab_b"></label>
</labels>
"""


def test_arff_dense_sparse_and_label_rules(tmp_path):
    f = tmp_path / "toy.arff"
    f.write_text(ARFF)
    (tmp_path / "toy.xml").write_text(XML)
    ds = load_arff(f, n_labels=2)
    assert ds.features.tolist() == [[0.5, 1.5], [-1, 2], [3, 0]]
    assert ds.labels.tolist() == [[1, 0], [0, 0], [0, 1]]
    assert ds.label_names == ["lab_a", "lab_b"] and ds.extra["feature_names"] == ["f1", "f 2"]
    ds2 = load_arff(f, xml_path=tmp_path / "toy.xml")
    assert np.array_equal(ds.labels, ds2.labels)
    meka = tmp_path / "meka.arff"
    meka.write_text(ARFF.replace("@relation toy", "@relation 'toy: -C -2'"))
    assert np.array_equal(load_arff(meka).labels, ds.labels)


def test_arff_errors(tmp_path):
    f = tmp_path / "bad.arff"
    f.write_text(ARFF.replace("-1,2,0,0", "-1,2,0"))
    with pytest.raises(MalformedFileError, match=r"bad.arff:9: 3 values"):
        load_arff(f, n_labels=2)
    f.write_text(ARFF.replace("-1,2,0,0", "-1,?,0,0"))
    with pytest.raises(MalformedFileError, match=r"bad.arff:9: missing value"):
        load_arff(f, n_labels=2)
    f.write_text(ARFF)
    with pytest.raises(ValueError, match="which attributes are labels"):
        load_arff(f)
    with pytest.raises(DatasetNotFoundError):
        load_arff(tmp_path / "none.arff", n_labels=1)


def test_svmlight_against_sklearn_writer(tmp_path):
    rng = np.random.default_rng(0)
    x = np.round(rng.random((6, 5)) * (rng.random((6, 5)) < 0.5), 3)
    y = (rng.random((6, 3)) < 0.5).astype(int)
    f = tmp_path / "toy.svm"
    dump_svmlight_file(x, y, str(f), multilabel=True, zero_based=False)
    ds = load_svmlight(f, n_features=5)
    np.testing.assert_allclose(ds.features, x, rtol=1e-6)
    present = [j for j in range(3) if y[:, j].any()]
    assert ds.label_names == [str(j) for j in present]
    assert np.array_equal(ds.labels, y[:, present])


def test_svmlight_labels_optional_and_errors(tmp_path):
    f = tmp_path / "t.svm"
    f.write_text("1,3 1:0.5 4:2\n 2:1\n3 1:1 # comment\n")
    ds = load_svmlight(f)
    assert ds.label_names == ["1", "3"] and ds.labels.tolist() == [[1, 1], [0, 0], [0, 1]]
    assert ds.features.shape == (3, 4) and ds.features[0, 3] == 2
    f.write_text("1 1:0.5\n2 x:1\n")
    with pytest.raises(MalformedFileError, match=r"t.svm:2: bad feature token"):
        load_svmlight(f)


def test_jsonl_and_csv(tmp_path):
    j = tmp_path / "d.jsonl"
    j.write_text("\n".join(json.dumps(o) for o in [
        {"text": "hello world", "labels": ["b", "a"]}, {"text": "x", "labels": []}]) + "\n")
    ds = load_text_jsonl(j)
    assert ds.texts == ["hello world", "x"] and ds.label_names == ["a", "b"]
    assert ds.labels.tolist() == [[1, 1], [0, 0]] and ds.modality == "text"
    c = tmp_path / "d.csv"
    c.write_text('text,labels\n"hi, there",a|b\nyo,"[""c""]"\nnone,\n')
    ds = load_text_csv(c)
    assert ds.texts == ["hi, there", "yo", "none"]
    assert ds.label_names == ["a", "b", "c"]
    assert ds.labels.tolist() == [[1, 1, 0], [0, 0, 1], [0, 0, 0]]


def test_jsonl_csv_errors(tmp_path):
    j = tmp_path / "d.jsonl"
    j.write_text('{"text": "a", "labels": []}\n{"text": "b", "labels": [}\n')
    with pytest.raises(MalformedFileError, match=r"d.jsonl:2: invalid JSON"):
        load_text_jsonl(j)
    c = tmp_path / "d.csv"
    c.write_text("body,tags\nx,y\n")
    with pytest.raises(MalformedFileError, match=r"d.csv:1: header"):
        load_text_csv(c)
