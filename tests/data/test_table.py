"""datasets_table: every registered dataset, stats for the available ones."""

import pandas as pd

from mlcl_lab.data import available_datasets, dataset_statistics, datasets_table, load_dataset


def test_table_lists_everything_with_how_to_get():
    df = datasets_table(compute_stats=False)
    assert set(df.name) == set(available_datasets())
    local = df[df.kind == "local"]
    assert (local.status == "needs path").all() and (local.how_to_get.str.len() > 10).all()
    assert df.set_index("name").loc["voc2007", "modality"] == "image"


def test_table_statistics_match(monkeypatch, tmp_path):
    # hide Fashion-MNIST to exercise the "not installed" row
    monkeypatch.setenv("MLCL_LAB_FASHION_MNIST_DIR", str(tmp_path))
    df = datasets_table().set_index("name")
    st = dataset_statistics(load_dataset("yeast"))
    row = df.loc["yeast"]
    assert row.status == "available" and row.n_samples == 2417
    assert row.cardinality == st["cardinality"] and row.n_label_sets == st["n_label_sets"]
    fm = df.loc["fashion-mosaic"]
    assert fm.status == "not installed" and "apt-get install dataset-fashion-mnist" in fm.how_to_get
    assert pd.isna(fm.n_samples)
