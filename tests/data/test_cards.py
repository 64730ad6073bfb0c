"""Data cards (data/README.md): statistics and checksums match the shipped files."""

import re
from pathlib import Path

import pytest

from mlcl_lab.data import dataset_statistics, load_dataset
from mlcl_lab.data.debtags import DEBTAGS_FILE, DEBTAGS_SHA256
from mlcl_lab.data.storage import data_dir, sha256_file
from mlcl_lab.data.yeast import YEAST_FILE, YEAST_SHA256

CARD = Path(__file__).resolve().parents[2] / "data" / "README.md"
INT_KEYS = ("n_samples", "n_labels", "n_features", "n_label_sets", "n_head_labels",
            "n_tail_labels", "min_label_count", "max_label_count", "n_empty")
FLOAT_KEYS = ("cardinality", "density", "mean_ir")
BUILTINS = [("yeast", YEAST_FILE, YEAST_SHA256), ("debtags", DEBTAGS_FILE, DEBTAGS_SHA256)]


def _card_value(text, key):
    m = re.search(rf"\|\s*{re.escape(key)}\s*\|\s*([^|]+)\|", text)
    assert m, f"{key} not in data card"
    return m.group(1).strip()


@pytest.mark.parametrize("name, fname, sha", BUILTINS)
def test_card_matches_file(name, fname, sha):
    text = CARD.read_text()
    assert sha in text and sha256_file(data_dir() / fname) == sha
    st = dataset_statistics(load_dataset(name))
    for key in INT_KEYS:
        assert _card_value(text, f"{name}.{key}") == str(st[key]), key
    for key in FLOAT_KEYS:
        assert float(_card_value(text, f"{name}.{key}")) == pytest.approx(st[key], abs=5e-4), key


def _installable(name):
    from mlcl_lab.data.registry import get_entry

    return get_entry(name).is_available()


@pytest.mark.parametrize("name", ["fashion-mosaic", "movielens", "imdb"])
def test_installable_cards_match_defaults(name):
    if not _installable(name):
        pytest.skip(f"{name} not installed here")
    text = CARD.read_text()
    st = dataset_statistics(load_dataset(name))
    for key in INT_KEYS:
        assert _card_value(text, f"{name}.{key}") == str(st[key]), key
    for key in FLOAT_KEYS:
        assert float(_card_value(text, f"{name}.{key}")) == pytest.approx(st[key], abs=5e-4), key
