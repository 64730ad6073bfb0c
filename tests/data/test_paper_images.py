"""Image-dataset loaders on tiny fixtures in the official on-disk layouts."""

import json

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from mlcl_lab.data import load_dataset
from mlcl_lab.data.errors import DatasetNotFoundError, MalformedFileError
from mlcl_lab.data.paper import load_coco2014, load_mirflickr25k, load_nuswide, load_voc2007


def _voc_xml(names, difficult=()):
    objs = "".join(
        f"<object><name>{n}</name><difficult>{int(n in difficult)}</difficult></object>"
        for n in names)
    return f"<annotation><filename>x.jpg</filename>{objs}</annotation>"


@pytest.fixture()
def voc_root(tmp_path):
    root = tmp_path / "VOCdevkit" / "VOC2007"
    (root / "Annotations").mkdir(parents=True)
    (root / "ImageSets" / "Main").mkdir(parents=True)
    (root / "JPEGImages").mkdir()
    trainval = ["000005", "000007", "000009"]
    test = [f"00100{i}" for i in range(6)]
    objs = {"000005": ["chair", "chair"], "000007": ["car"], "000009": ["horse", "person"]}
    for i, t in enumerate(test):
        objs[t] = [["dog"], ["cat", "sofa"], ["person"], ["bus"], ["tvmonitor"], ["bird"]][i]
    for img, names in objs.items():
        (root / "Annotations" / f"{img}.xml").write_text(_voc_xml(names, difficult=("sofa",)))
    (root / "ImageSets" / "Main" / "trainval.txt").write_text("\n".join(trainval) + "\n")
    (root / "ImageSets" / "Main" / "test.txt").write_text("\n".join(test) + "\n")
    return tmp_path, objs, trainval, test


def test_voc2007(voc_root):
    path, objs, trainval, test = voc_root
    ds = load_dataset("voc2007", path=path)
    ids = trainval + test
    assert ds.labels.shape == (9, 20) and ds.modality == "image" and ds.features is None
    for i, img in enumerate(ids):
        assert {ds.label_names[j] for j in np.flatnonzero(ds.labels[i])} == set(objs[img])
        assert ds.paths[i].endswith(f"JPEGImages/{img}.jpg")
    s = ds.extra["split"]
    assert s.train.tolist() == [0, 1, 2]
    val, tst = train_test_split(np.arange(3, 9), test_size=0.5, random_state=42)
    assert s.val.tolist() == sorted(val) and s.test.tolist() == sorted(tst)


def test_voc2007_errors_and_decoding(voc_root, tmp_path):
    path, _, _, _ = voc_root
    with pytest.raises(DatasetNotFoundError, match="VOCtrainval_06-Nov-2007.tar"):
        load_voc2007(tmp_path / "missing")
    with pytest.raises(DatasetNotFoundError, match="JPEGImages"):
        load_voc2007(path, image_size=8)  # no image files in the fixture
    from PIL import Image

    for p in load_voc2007(path).paths:
        Image.fromarray(np.full((10, 12, 3), 255, np.uint8)).save(p)
    ds = load_voc2007(path, image_size=8)
    assert ds.features.shape == (9, 3, 8, 8) and np.allclose(ds.features, 1.0)
    bad = path / "VOCdevkit" / "VOC2007" / "Annotations" / "000007.xml"
    bad.write_text("<annotation>\n<object><name>car</name>\n</annotation>")
    with pytest.raises(MalformedFileError, match=r"000007.xml:3"):
        load_voc2007(path)


def test_coco2014(tmp_path):
    (tmp_path / "annotations").mkdir()
    cats = [{"id": 1, "name": "person"}, {"id": 3, "name": "car"}, {"id": 2, "name": "bicycle"}]

    def write(part, n, offset):
        images = [{"id": offset + i, "file_name": f"COCO_{part}_{offset + i:012d}.jpg"}
                  for i in range(n)]
        anns = [{"image_id": offset + i, "category_id": [1, 2, 3][i % 3]} for i in range(n - 1)]
        anns.append({"image_id": offset, "category_id": 3})
        (tmp_path / "annotations" / f"instances_{part}.json").write_text(
            json.dumps({"images": images, "annotations": anns, "categories": cats}))

    write("train2014", 5, 100)
    write("val2014", 9, 500)  # the last image of each part has no annotation
    ds = load_coco2014(tmp_path)
    assert ds.label_names == ["person", "bicycle", "car"]
    assert ds.labels.shape == (4 + 8, 3)
    assert ds.labels[0].tolist() == [1, 0, 1]  # image 100: person + car
    s = ds.extra["split"]
    assert s.train.tolist() == [0, 1, 2, 3]
    kept, _ = train_test_split(np.arange(4, 12), test_size=0.5, random_state=42)
    val, test = train_test_split(kept, test_size=0.5, random_state=42)
    assert s.val.tolist() == sorted(val) and s.test.tolist() == sorted(test)
    assert ds.paths[4].endswith("val2014/COCO_val2014_000000000500.jpg")
    (tmp_path / "annotations" / "instances_val2014.json").write_text('{"images": [\n1,,]}')
    with pytest.raises(MalformedFileError, match=r"instances_val2014.json:2"):
        load_coco2014(tmp_path)


def test_nuswide(tmp_path):
    concepts = ["animal", "sky", "water"]
    (tmp_path / "Concepts81.txt").write_text("\n".join(concepts) + "\n")
    (tmp_path / "ImageList").mkdir()
    (tmp_path / "TrainTestLabels").mkdir()
    lists = {"Train": [f"actor\\{i}.jpg" for i in range(4)],
             "Test": [f"sky\\{i}.jpg" for i in range(6)]}
    lab = {"Train": np.array([[1, 0, 0], [0, 0, 0], [1, 1, 0], [0, 0, 1]]),
           "Test": np.array([[0, 1, 0], [1, 0, 1], [0, 0, 0], [0, 1, 1], [1, 0, 0], [0, 0, 1]])}
    for part in ("Train", "Test"):
        (tmp_path / "ImageList" / f"{part}Imagelist.txt").write_text("\n".join(lists[part]))
        for j, c in enumerate(concepts):
            (tmp_path / "TrainTestLabels" / f"Labels_{c}_{part}.txt").write_text(
                "\n".join(str(v) for v in lab[part][:, j]) + "\n")
    ds = load_nuswide(tmp_path)
    assert ds.labels.tolist() == [[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 0], [1, 0, 1],
                                  [0, 1, 1], [1, 0, 0], [0, 0, 1]]
    assert ds.paths[0].endswith("Flickr/actor/0.jpg")
    s = ds.extra["split"]
    assert s.train.tolist() == [0, 1, 2] and len(s.val) + len(s.test) == 5
    (tmp_path / "TrainTestLabels" / "Labels_sky_Test.txt").write_text("0\n1\nx\n0\n0\n0\n")
    with pytest.raises(MalformedFileError, match=r"Labels_sky_Test.txt:3"):
        load_nuswide(tmp_path)


def test_mirflickr25k(tmp_path):
    ann = tmp_path / "mirflickr25k_annotations_v080"
    ann.mkdir()
    n = 40
    (ann / "sky.txt").write_text("\n".join(str(i) for i in range(1, n + 1, 2)))
    (ann / "sky_r1.txt").write_text("1\n")
    (ann / "food.txt").write_text("2\n4\n")
    (ann / "dog.txt").write_text("3\n6\n")
    (ann / "README.txt").write_text("readme")
    ds = load_mirflickr25k(tmp_path, n_images=n)
    assert ds.label_names == ["dog", "sky"]
    # labelled: odd image numbers (sky) + 6 (dog); 2 and 4 had only "food"
    assert len(ds.paths) == 21 and ds.paths[0].endswith("mirflickr/im1.jpg")
    s = ds.extra["split"]
    assert sorted(np.concatenate([s.train, s.val, s.test]).tolist()) == list(range(21))
    train, _ = train_test_split(np.arange(n), train_size=0.8, random_state=42)
    labelled = np.array([(i + 1) % 2 == 1 or i + 1 == 6 for i in range(n)])
    assert len(s.train) == labelled[train].sum()
    (ann / "dog.txt").write_text("3\n99\n")
    with pytest.raises(MalformedFileError, match=r"dog.txt:2"):
        load_mirflickr25k(tmp_path, n_images=n)
