"""Text-dataset loaders on tiny fixtures in the official on-disk formats."""

import gzip
import json

import numpy as np
import pytest

from mlcl_lab.data import load_dataset
from mlcl_lab.data.errors import DatasetNotFoundError, MalformedFileError
from mlcl_lab.data.paper import load_aapd, load_bgc, load_rcv1v2, load_reuters21578, load_uklex


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n")


def test_aapd(tmp_path):
    parts = {"train": 4, "val": 2, "test": 2}
    codes = ["cs.IT math.IT", "cs.LG", "cs.LG stat.ML", "cs.AI"]
    for part, n in parts.items():
        _write(tmp_path / f"text_{part}", [f"{part} abstract {i}" for i in range(n)])
        _write(tmp_path / f"label_{part}", [codes[i % 4] for i in range(n)])
    ds = load_dataset("aapd", path=tmp_path)
    assert ds.label_names == ["cs.AI", "cs.IT", "cs.LG", "math.IT", "stat.ML"]
    assert ds.texts[0] == "train abstract 0" and ds.labels[0].tolist() == [0, 1, 0, 1, 0]
    s = ds.extra["split"]
    assert (s.train.tolist(), s.val.tolist(), s.test.tolist()) == ([0, 1, 2, 3], [4, 5], [6, 7])
    _write(tmp_path / "label_val", ["cs.LG"])
    with pytest.raises(MalformedFileError, match="label_val"):
        load_aapd(tmp_path)


def test_missing_path_messages(tmp_path):
    for name, hint in [("aapd", "SGM"), ("rcv1v2", "lyrl2004"), ("bgc", "Blurb"),
                       ("reuters21578", "reut2"), ("uklex", "jsonl"), ("coco2014", "cocodataset"),
                       ("nuswide", "NUS-WIDE"), ("mirflickr25k", "mirflickr25k.zip")]:
        with pytest.raises(DatasetNotFoundError, match=hint):
            load_dataset(name)
        with pytest.raises(DatasetNotFoundError, match="does not exist"):
            load_dataset(name, path=tmp_path / "nowhere")


def _lyrl(docs):
    out = []
    for did, toks in docs:
        out += [f".I {did}", ".W", toks, ""]
    return "\n".join(out)


def test_rcv1v2(tmp_path):
    rng = np.random.default_rng(0)
    train = [(str(2286 + i), f"tok{i} word") for i in range(60)]
    test = [(str(5000 + i), f"test{i}") for i in range(10)]
    with gzip.open(tmp_path / "lyrl2004_tokens_train.dat.gz", "wt") as f:
        f.write(_lyrl(train))
    for k in range(4):
        (tmp_path / f"lyrl2004_tokens_test_pt{k}.dat").write_text(
            _lyrl(test[k * 3:(k + 1) * 3] if k < 3 else test[9:]))
    qrels = []
    for did, _ in train + test:
        qrels.append(f"CCAT {did} 1")
        if int(did) % 2:
            qrels.append(f"E11 {did} 1")
        if rng.random() < 0.2:
            qrels.append(f"RARE {did} 1")  # < 30 training docs -> removed
    _write(tmp_path / "rcv1-v2.topics.qrels", qrels)
    ds = load_rcv1v2(tmp_path, min_train_count=30, val_fraction=0.2)
    assert ds.label_names == ["CCAT", "E11"] and len(ds.texts) == 70
    assert ds.texts[0] == "tok0 word" and ds.extra["doc_ids"][-1] == "5009"
    s = ds.extra["split"]
    assert len(s.val) == 12 and len(s.train) == 48 and s.test.tolist() == list(range(60, 70))
    assert np.isin(s.val, np.arange(60)).all()
    (tmp_path / "lyrl2004_tokens_test_pt1.dat").write_text("oops\n.I 1\n.W\nx\n")
    with pytest.raises(MalformedFileError, match=r"lyrl2004_tokens_test_pt1.dat:1"):
        load_rcv1v2(tmp_path)


def test_uklex(tmp_path):
    rows = {"train": [("act one", [0, 2]), ("act two", [1])], "validation": [("v", [2])],
            "test": [("t", [10])]}
    for part, items in rows.items():
        (tmp_path / f"{part}.jsonl").write_text(
            "\n".join(json.dumps({"text": t, "labels": lab}) for t, lab in items) + "\n")
    ds = load_uklex(tmp_path)
    assert ds.label_names == ["0", "1", "2", "10"]
    assert ds.labels.tolist() == [[1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    assert ds.extra["split"].val.tolist() == [2]
    (tmp_path / "test.jsonl").write_text('{"text": "t"}\n')
    with pytest.raises(MalformedFileError, match=r"test.jsonl:1"):
        load_uklex(tmp_path)


BOOK = """<book date_inserted="2018-01-01">
<title>{title}</title>
<body>{body}</body>
<copyright>(c) 2018</copyright>
<metadata>
<topics><d0>{g0}</d0><d1>{g1}</d1></topics>
<author>Someone</author>
</metadata>
<isbn>123</isbn>
</book>
"""


def test_bgc(tmp_path):
    for part, n in (("train", 3), ("dev", 1), ("test", 1)):
        text = "".join(BOOK.format(title=f"T{i}", body=f"Blurb &amp; {part} {i}",
                                   g0="Fiction", g1=["Mystery", "Romance"][i % 2])
                       for i in range(n))
        (tmp_path / f"BlurbGenreCollection_EN_{part}.txt").write_text(text)
    ds = load_bgc(tmp_path)
    assert ds.label_names == ["Fiction", "Mystery", "Romance"]
    assert ds.texts[0] == "T0. Blurb & train 0"
    assert ds.labels[:3].tolist() == [[1, 1, 0], [1, 0, 1], [1, 1, 0]]
    assert ds.extra["split"].test.tolist() == [4]
    top = load_bgc(tmp_path, levels=(0,))
    assert top.label_names == ["Fiction"]
    broken = BOOK.format(title="x", body="y", g0="a", g1="b").replace("<body>y</body>", "")
    (tmp_path / "BlurbGenreCollection_EN_dev.txt").write_text("\n\n" + broken)
    with pytest.raises(MalformedFileError, match=r"BlurbGenreCollection_EN_dev.txt:3"):
        load_bgc(tmp_path)


def _reuters_doc(i, split, topics, topics_flag="YES"):
    d = "".join(f"<D>{t}</D>" for t in topics)
    return (f'<REUTERS TOPICS="{topics_flag}" LEWISSPLIT="{split}" CGISPLIT="x" NEWID="{i}">\n'
            f"<DATE>1987</DATE>\n<TOPICS>{d}</TOPICS>\n<TEXT>\n<TITLE>Title {i}</TITLE>\n"
            f"<BODY>Body &lt;{i}&gt;</BODY>\n</TEXT>\n</REUTERS>\n")


def test_reuters21578(tmp_path):
    docs = []
    for i in range(20):
        docs.append(_reuters_doc(i, "TRAIN", ["earn"] if i % 2 else ["acq", "earn"]))
    docs.append(_reuters_doc(20, "TRAIN", ["onlytrain"]))  # no test doc -> category dropped
    docs.append(_reuters_doc(21, "NOT-USED", ["earn"]))
    docs.append(_reuters_doc(22, "TRAIN", ["earn"], topics_flag="NO"))
    docs.append(_reuters_doc(23, "TRAIN", []))
    for i in range(30, 34):
        docs.append(_reuters_doc(i, "TEST", ["earn", "acq"] if i % 2 else ["acq"]))
    (tmp_path / "reut2-000.sgm").write_text('<!DOCTYPE lewis SYSTEM "lewis.dtd">\n' + "".join(docs))
    ds = load_reuters21578(tmp_path, val_fraction=0.25)
    assert ds.label_names == ["acq", "earn"]
    assert len(ds.texts) == 24 and ds.texts[0] == "Title 0\nBody <0>"
    s = ds.extra["split"]
    assert s.test.tolist() == list(range(20, 24)) and len(s.val) == 5 and len(s.train) == 15
    (tmp_path / "reut2-001.sgm").write_text("<REUTERS TOPICS=\"YES\">\n<TOPICS>")
    with pytest.raises(MalformedFileError, match=r"reut2-001.sgm:1"):
        load_reuters21578(tmp_path)
