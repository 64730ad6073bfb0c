"""Built-in yeast: checksum, shapes, data card statistics, tamper detection."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.requirements_marks import needs

from mlcl_lab.data import DataIntegrityError, available_datasets, dataset_statistics, load_dataset
from mlcl_lab.data.storage import data_dir, sha256_file
from mlcl_lab.data.yeast import YEAST_SHA256, load_yeast

ROOT = Path(__file__).resolve().parents[2]
# unpacked by scripts/install_system_deps.sh (make test); /tmp/rmlr/x is the builder's scratch copy
MLR_DEB_DIR = next((p for p in (ROOT / ".cache" / "r-cran-mlr", Path("/tmp/rmlr/x")) if p.is_dir()),
                   ROOT / ".cache" / "r-cran-mlr")


def test_yeast_shapes_and_dtypes(yeast):
    assert yeast.features.shape == (2417, 103) and yeast.features.dtype == np.float32
    assert yeast.labels.shape == (2417, 14) and yeast.labels.dtype == np.uint8
    assert yeast.label_names == [f"label{i}" for i in range(1, 15)]
    assert yeast.modality == "vector" and "r-cran-mlr" in yeast.source
    assert "BSD-2-clause" in yeast.license


def test_yeast_statistics_match_literature(yeast):
    st = dataset_statistics(yeast)
    # MULAN yeast: cardinality 4.237, density 0.303, 198 distinct label sets
    assert st["cardinality"] == pytest.approx(4.237, abs=1e-3)
    assert st["density"] == pytest.approx(0.303, abs=1e-3)
    assert st["n_label_sets"] == 198
    assert st["n_features"] == 103


def test_tampered_file_names_file_and_checksums(tmp_path):
    bad = tmp_path / "yeast.npz"
    shutil.copy(data_dir() / "yeast.npz", bad)
    raw = bytearray(bad.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    bad.write_bytes(bytes(raw))
    with pytest.raises(DataIntegrityError) as info:
        load_yeast(bad)
    msg = str(info.value)
    assert str(bad) in msg and YEAST_SHA256 in msg and sha256_file(bad) in msg
    assert isinstance(info.value, ValueError)


def test_missing_file_message(tmp_path):
    with pytest.raises(DataIntegrityError, match="missing"):
        load_yeast(tmp_path / "nope.npz")


def test_unknown_dataset_lists_names():
    with pytest.raises(ValueError) as info:
        load_dataset("yeasst")
    for name in ("yeast", "synthetic"):
        assert name in str(info.value)
    assert "yeast" in available_datasets()


@needs((MLR_DEB_DIR / "usr/lib/R/site-library/mlr/data/Rdata.rdb").is_file(),
       "unpacked r-cran-mlr not present (scripts/install_system_deps.sh)")
def test_build_script_reproduces_committed_file(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "yeast.npz"
    script = Path(__file__).resolve().parents[2] / "data" / "scripts" / "build_yeast.py"
    subprocess.run([sys.executable, str(script), str(MLR_DEB_DIR), "--out", str(out)],
                   check=True, capture_output=True)
    assert sha256_file(out) == YEAST_SHA256


def test_debtags_loads_and_verifies(tmp_path):
    from mlcl_lab.data.debtags import load_debtags

    ds = load_dataset("debtags")
    assert ds.modality == "text" and len(ds.texts) == ds.labels.shape[0] == 29776
    assert ds.labels.sum(0).min() >= 20 and ds.labels.sum(1).min() >= 1
    assert "implemented-in::python" in ds.label_names
    assert len(set(ds.texts)) == 28300  # as stated in the data card
    sub = load_debtags(min_tag_count=500)
    assert sub.labels.sum(0).min() >= 500 and sub.labels.sum(1).min() >= 1
    with pytest.raises(ValueError, match="min_tag_count"):
        load_debtags(min_tag_count=5)
    bad = tmp_path / "debtags.json.gz"
    bad.write_bytes((data_dir() / "debtags.json.gz").read_bytes()[:-10])
    with pytest.raises(DataIntegrityError, match="checksum mismatch"):
        load_debtags(bad)
