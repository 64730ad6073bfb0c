"""Container validation and statistics against naive loop references."""

import numpy as np
import pytest

from mlcl_lab.data import MultiLabelDataset, dataset_statistics
from mlcl_lab.data.dataset import head_tail_split


def _ds(y, **kw):
    y = np.asarray(y, dtype=np.uint8)
    kw.setdefault("features", np.zeros((len(y), 2), np.float32))
    return MultiLabelDataset(name="t", labels=y, label_names=[f"l{j}" for j in range(y.shape[1])],
                             modality=kw.pop("modality", "vector"), **kw)


def test_statistics_against_loops():
    rng = np.random.default_rng(0)
    y = (rng.random((200, 7)) < np.linspace(0.05, 0.6, 7)).astype(np.uint8)
    st = dataset_statistics(_ds(y))
    card = sum(sum(int(v) for v in row) for row in y) / len(y)
    sets = {tuple(row) for row in y.tolist()}
    assert st["cardinality"] == pytest.approx(card)
    assert st["density"] == pytest.approx(card / 7)
    assert st["n_label_sets"] == len(sets)
    assert st["n_empty"] == sum(1 for row in y if row.sum() == 0)
    counts = [int(y[:, j].sum()) for j in range(7)]
    assert st["min_label_count"] == min(counts) and st["max_label_count"] == max(counts)
    assert st["mean_ir"] == pytest.approx(np.mean([max(counts) / c for c in counts]))


def test_head_tail_pareto():
    # 80 of 100 positives are in the first two labels
    assert head_tail_split(np.array([50, 30, 10, 5, 5, 0])) == (2, 4)
    assert head_tail_split(np.array([0, 0])) == (0, 2)
    assert head_tail_split(np.array([10])) == (1, 0)


@pytest.mark.parametrize(
    "kwargs, err",
    [
        (dict(labels=np.zeros((3, 2), np.int64)), TypeError),
        (dict(labels=np.full((3, 2), 2, np.uint8)), ValueError),
        (dict(label_names=["a"]), ValueError),
        (dict(modality="audio"), ValueError),
        (dict(features=np.zeros((4, 2), np.float32)), ValueError),
        (dict(features=np.zeros((3, 2), np.float64)), TypeError),
        (dict(features=np.array([[0, 1], [np.nan, 0], [0, 0]], np.float32)), ValueError),
        (dict(modality="image", features=np.full((3, 1, 2, 2), 2, np.float32)), ValueError),
    ],
)
def test_validation_errors(kwargs, err):
    base = dict(name="t", labels=np.zeros((3, 2), np.uint8), label_names=["a", "b"],
                modality="vector", features=np.zeros((3, 2), np.float32))
    base.update(kwargs)
    with pytest.raises(err):
        MultiLabelDataset(**base)


def test_text_needs_texts_and_subset():
    y = np.eye(3, dtype=np.uint8)
    with pytest.raises(ValueError, match="texts"):
        _ds(y, modality="text", features=None)
    ds = _ds(y, modality="text", features=None, texts=["a", "b", "c"])
    sub = ds.subset(np.array([2, 0]))
    assert sub.texts == ["c", "a"] and sub.labels.tolist() == [[0, 0, 1], [1, 0, 0]]
    assert dataset_statistics(ds)["n_features"] is None


@pytest.mark.parametrize("n, n_labels", [(0, 5), (1, 3), (50, 1), (200, 7), (200, 8), (300, 19), (5, 0)])
def test_label_set_count_is_the_number_of_distinct_rows(n, n_labels):
    """Against a set of row tuples, also where L is not a multiple of 8 (padding bits), one
    label, no row and no label (one empty set per row)."""
    from mlcl_lab.data.dataset import label_set_count

    y = (np.random.default_rng(n * 31 + n_labels).random((n, n_labels)) < 0.3).astype(np.uint8)
    assert label_set_count(y) == len({tuple(row) for row in y.tolist()})
