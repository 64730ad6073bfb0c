"""Property-based: paper-dataset folders with one file replaced by random bytes or truncated.

Allowed outcomes: a valid dataset (its own split valid for it), a MalformedFileError
naming a file of the folder, or a DatasetNotFoundError (a truncated id list pointing at an
annotation that does not exist). Never a bare decode/parse/key error.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlcl_lab.data import (
    DatasetNotFoundError,
    MalformedFileError,
    load_dataset,
    resolve_split,
)

# MLCL_FUZZ_EXAMPLES raises the count for a local, longer search (CI keeps 25)
FAST = settings(max_examples=int(os.environ.get("MLCL_FUZZ_EXAMPLES", "25")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _aapd(root: Path) -> list[str]:
    for part, n in (("train", 4), ("val", 2), ("test", 2)):
        (root / f"text_{part}").write_text("".join(f"{part} abstract {i}\n" for i in range(n)))
        (root / f"label_{part}").write_text("".join(("cs.LG stat.ML\n", "cs.AI\n")[i % 2]
                                                    for i in range(n)))
    return ["label_train", "text_val", "label_test"]


def _voc(root: Path) -> list[str]:
    voc = root / "VOCdevkit" / "VOC2007"
    (voc / "Annotations").mkdir(parents=True)
    (voc / "ImageSets" / "Main").mkdir(parents=True)
    ids = [f"00000{i}" for i in range(6)]
    for i, img in enumerate(ids):
        name = ("cat", "dog", "person")[i % 3]
        (voc / "Annotations" / f"{img}.xml").write_text(
            f"<annotation><object><name>{name}</name><difficult>0</difficult></object>"
            "</annotation>")
    (voc / "ImageSets" / "Main" / "trainval.txt").write_text("\n".join(ids[:2]) + "\n")
    (voc / "ImageSets" / "Main" / "test.txt").write_text("\n".join(ids[2:]) + "\n")
    return ["VOCdevkit/VOC2007/Annotations/000001.xml",
            "VOCdevkit/VOC2007/ImageSets/Main/test.txt"]


def _coco(root: Path) -> list[str]:
    (root / "annotations").mkdir()
    cats = [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]
    for part, n in (("train", 3), ("val", 8)):
        images = [{"id": 100 * (part == "val") + i, "file_name": f"{part}_{i}.jpg"}
                  for i in range(n)]
        anns = [{"image_id": im["id"], "category_id": 1 + i % 2} for i, im in enumerate(images)]
        (root / "annotations" / f"instances_{part}2014.json").write_text(
            json.dumps({"images": images, "annotations": anns, "categories": cats}))
    return ["annotations/instances_train2014.json", "annotations/instances_val2014.json"]


def _uklex(root: Path) -> list[str]:
    for part, n in (("train", 4), ("validation", 2), ("test", 2)):
        (root / f"{part}.jsonl").write_text("".join(
            json.dumps({"text": f"act {i}", "labels": ["tax"] if i % 2 else ["tax", "health"]})
            + "\n" for i in range(n)))
    return ["train.jsonl", "test.jsonl"]


def _bgc(root: Path) -> list[str]:
    for part, n in (("train", 3), ("dev", 1), ("test", 1)):
        (root / f"BlurbGenreCollection_EN_{part}.txt").write_text("".join(
            f"<book date=\"2000\" xml:lang=\"en\">\n<title>T{i}</title>\n<body>B {i}</body>\n"
            f"<metadata>\n<topics><d0>Fiction</d0><d1>Mystery</d1></topics>\n</metadata>\n"
            "</book>\n" for i in range(n)))
    return ["BlurbGenreCollection_EN_train.txt", "BlurbGenreCollection_EN_test.txt"]


BUILDERS = {"aapd": _aapd, "voc2007": _voc, "coco2014": _coco, "uklex": _uklex, "bgc": _bgc}
_TEMPLATES: dict[str, tuple[Path, list[str]]] = {}


def _fresh(name: str) -> tuple[Path, list[str]]:
    if name not in _TEMPLATES:
        root = Path(tempfile.mkdtemp(prefix=f"mlcl-{name}-tpl-"))
        _TEMPLATES[name] = (root, BUILDERS[name](root))
        load_dataset(name, path=root)  # the template itself is valid
    tpl, files = _TEMPLATES[name]
    work = Path(tempfile.mkdtemp(prefix=f"mlcl-{name}-")) / "d"
    shutil.copytree(tpl, work)
    return work, files


def _outcome(name: str, root: Path) -> None:
    try:
        ds = load_dataset(name, path=root)
    except MalformedFileError as err:
        assert str(root) in str(err), err
    except DatasetNotFoundError as err:
        assert "missing" in str(err) or "lacks" in str(err), err
    else:
        assert ds.n_samples >= 1 and ds.n_labels >= 1
        resolve_split(ds, seed=0, val_fraction=0.0, test_fraction=0.0, cache_dir=False)


@pytest.mark.parametrize("name", sorted(BUILDERS))
@FAST
@given(which=st.integers(0, 1), raw=st.binary(max_size=120), cut=st.floats(0, 1),
       mode=st.sampled_from(["replace", "truncate"]))
def test_damaged_paper_folders(name, which, raw, cut, mode):
    root, files = _fresh(name)
    f = root / files[which % len(files)]
    data = f.read_bytes()
    f.write_bytes(raw if mode == "replace" else data[: int(cut * len(data))])
    _outcome(name, root)
