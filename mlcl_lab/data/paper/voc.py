"""PASCAL VOC 2007 (20 labels) from the official devkit layout.

Expected files (from VOCtrainval_06-Nov-2007.tar and VOCtest_06-Nov-2007.tar,
http://host.robots.ox.ac.uk/pascal/VOC/voc2007/)::

    <path>/VOCdevkit/VOC2007/{Annotations/*.xml, ImageSets/Main/{trainval,test}.txt, JPEGImages/}

(``<path>`` may also be the ``VOCdevkit`` or ``VOC2007`` folder itself.)
Labels: every object class named in the image's XML, ``difficult`` objects
included (as in the official code, paper.md §6).
Split (paper.md §6): train = trainval (5,011 images); the official test set
(4,952) is split with ``train_test_split(test_size=0.5, random_state=42)``
over the ``test.txt`` order into validation (first part) and test (second).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from ..dataset import MultiLabelDataset
from ..errors import DatasetNotFoundError, malformed, require_path
from ..formats.validate import read_lines
from .common import halve, image_dataset, make_split, require_part

VOC_CLASSES = ["aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair",
               "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant",
               "sheep", "sofa", "train", "tvmonitor"]
VOC_HOWTO = ("Download VOCtrainval_06-Nov-2007.tar and VOCtest_06-Nov-2007.tar from "
             "http://host.robots.ox.ac.uk/pascal/VOC/voc2007/, extract both into one folder "
             "(giving VOCdevkit/VOC2007/) and pass path=<that folder>")


def check_voc2007(path) -> Path:
    """The ``VOC2007`` folder (Annotations/, ImageSets/Main/) under ``path`` (no parsing)."""
    base = require_path(path, "voc2007", VOC_HOWTO)
    for cand in (base / "VOCdevkit" / "VOC2007", base / "VOC2007", base):
        if (cand / "Annotations").is_dir() and (cand / "ImageSets" / "Main").is_dir():
            return cand
    raise DatasetNotFoundError(f"dataset 'voc2007': no Annotations/ and ImageSets/Main/ under "
                               f"{base}. {VOC_HOWTO}")


def _read_ids(f: Path) -> list[str]:
    if not f.is_file():
        raise DatasetNotFoundError(f"dataset 'voc2007': {f} is missing. {VOC_HOWTO}")
    return [line.split()[0] for line in read_lines(f) if line.strip()]


def voc_image_labels(xml_file: Path) -> set[str]:
    """Class names of all objects (difficult included) in one VOC annotation file."""
    try:
        root = ET.parse(xml_file).getroot()
    except ET.ParseError as err:
        raise malformed(xml_file, err.position[0], f"invalid XML: {err}") from err
    except FileNotFoundError:
        raise DatasetNotFoundError(f"annotation {xml_file} is missing. {VOC_HOWTO}") from None
    names = set()
    for obj in root.iter("object"):
        name = (obj.findtext("name") or "").strip()
        if name not in VOC_CLASSES:
            raise malformed(xml_file, None, f"unknown VOC class {name!r}")
        names.add(name)
    return names


def load_voc2007(path=None, image_size: int | None = None) -> MultiLabelDataset:
    """PASCAL VOC 2007 (trainval + test); image paths, or pixels with ``image_size``."""
    root = check_voc2007(path)
    trainval = _read_ids(root / "ImageSets" / "Main" / "trainval.txt")
    test = _read_ids(root / "ImageSets" / "Main" / "test.txt")
    ids = trainval + test
    col = {c: j for j, c in enumerate(VOC_CLASSES)}
    y = np.zeros((len(ids), len(VOC_CLASSES)), dtype=np.uint8)
    for i, img in enumerate(ids):
        for name in voc_image_labels(root / "Annotations" / f"{img}.xml"):
            y[i, col[name]] = 1
    n_tv = len(trainval)
    require_part(root / "ImageSets" / "Main" / "trainval.txt", "train", n_tv)
    val, tst = halve(np.arange(n_tv, len(ids)), source=root / "ImageSets" / "Main" / "test.txt")
    return image_dataset(
        "voc2007", [str(root / "JPEGImages" / f"{i}.jpg") for i in ids], y, list(VOC_CLASSES),
        make_split(np.arange(n_tv), val, tst), image_size,
        "PASCAL VOC 2007 classification (20 labels)", f"PASCAL VOC 2007 devkit at {root}",
        "PASCAL VOC: images from Flickr under their own terms; annotations for research use",
        split_source="official (voc2007: trainval / test halves, random_state=42)")
