"""MS-COCO 2014 (80 labels) from the official ``instances_*2014.json`` files.

Expected files (https://cocodataset.org/#download: 2014 Train/Val images and
"2014 Train/Val annotations")::

    <path>/annotations/instances_train2014.json
    <path>/annotations/instances_val2014.json
    <path>/train2014/*.jpg, <path>/val2014/*.jpg

Labels: the categories of the image's instance annotations (80, ordered by
category id); images without annotations are dropped.
Split (paper.md §6): train = all annotated train2014 images; the annotated
val2014 images (in the JSON ``images`` order) go through
``train_test_split(test_size=0.5, random_state=42)`` -> (kept, unused), then the
kept half again -> (validation, test), i.e. 25% / 25% of val2014.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..dataset import MultiLabelDataset
from ..errors import malformed, require_path
from ..formats.validate import read_text
from .common import halve, image_dataset, make_split, require_part

COCO_HOWTO = ("Download train2014.zip, val2014.zip and annotations_trainval2014.zip from "
              "https://cocodataset.org/#download, extract them into one folder (giving "
              "annotations/, train2014/, val2014/) and pass path=<that folder>")


def read_coco_instances(f: Path) -> tuple[list[str], list[int], dict[int, set[int]], list[dict]]:
    """(image file names, image ids, image id -> category ids, categories) of one JSON."""
    try:
        data = json.loads(read_text(f))
    except json.JSONDecodeError as err:
        raise malformed(f, err.lineno, f"invalid JSON: {err.msg}") from err
    if not isinstance(data, dict):
        raise malformed(f, None, "top level must be a JSON object")
    for key in ("images", "annotations", "categories"):
        if key not in data:
            raise malformed(f, None, f"missing top-level key {key!r}")
    cats: dict[int, set[int]] = {}
    try:
        for ann in data["annotations"]:
            cats.setdefault(int(ann["image_id"]), set()).add(int(ann["category_id"]))
        files = [str(im["file_name"]) for im in data["images"]]
        ids = [int(im["id"]) for im in data["images"]]
    except (KeyError, TypeError, ValueError) as err:
        raise malformed(f, None, f"image/annotation record lacks a valid field ({err!r})") \
            from None
    if len(set(ids)) != len(ids):
        raise malformed(f, None, "duplicated image ids")
    return files, ids, cats, data["categories"]


def check_coco2014(path) -> Path:
    """The dataset folder, after checking the annotation files exist (no parsing)."""
    return require_path(path, "coco2014", COCO_HOWTO,
                        must_contain=("annotations/instances_train2014.json",
                                      "annotations/instances_val2014.json"))


def load_coco2014(path=None, image_size: int | None = None) -> MultiLabelDataset:
    """MS-COCO 2014 (annotated train2014 + val2014 images in the paper's split)."""
    base = check_coco2014(path)
    parts = {}
    categories = None
    for part in ("train2014", "val2014"):
        files, ids, cats, categories = read_coco_instances(
            base / "annotations" / f"instances_{part}.json")
        keep = [(fn, cats[i]) for fn, i in zip(files, ids, strict=False) if cats.get(i)]
        parts[part] = keep
    val_file = base / "annotations" / "instances_val2014.json"
    try:
        cat_sorted = sorted(categories, key=lambda c: int(c["id"]))
        col = {int(c["id"]): j for j, c in enumerate(cat_sorted)}
        names = [str(c["name"]) for c in cat_sorted]
    except (KeyError, TypeError, ValueError) as err:
        raise malformed(val_file, None, f"categories need integer 'id' and 'name' ({err!r})") \
            from None
    unknown = sorted({c for _, labs in parts["train2014"] + parts["val2014"] for c in labs}
                     - set(col))
    if unknown:
        raise malformed(val_file, None, f"annotations use category ids {unknown[:5]} that "
                        "'categories' does not list")
    require_part(base / "annotations" / "instances_train2014.json", "train",
                 len(parts["train2014"]))
    rows = [(str(base / part / fn), labs) for part in ("train2014", "val2014")
            for fn, labs in parts[part]]
    y = np.zeros((len(rows), len(col)), dtype=np.uint8)
    for i, (_, labs) in enumerate(rows):
        y[i, [col[c] for c in labs]] = 1
    n_tr = len(parts["train2014"])
    kept, _unused = halve(np.arange(n_tr, len(rows)), source=val_file)
    val, test = halve(kept, source=val_file)
    return image_dataset(
        "coco2014", [r[0] for r in rows], y, names,
        make_split(np.arange(n_tr), val, test), image_size,
        "MS-COCO 2014 multi-label classification (80 labels)", f"MS-COCO 2014 at {base}",
        "COCO annotations CC BY 4.0; images under their Flickr licenses",
        split_source="official (coco2014: train2014 / val2014 halved twice, random_state=42)")
