"""label_correlation against scipy.stats and explicit loops."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from mlcl_lab.metrics import label_correlation, sample_pairs
from mlcl_lab.metrics._stats import average_ranks


def _jac(a, b):
    a, b = set(np.flatnonzero(a)), set(np.flatnonzero(b))
    return len(a & b) / len(a | b) if a | b else 0.0


def _data(n=60, l=5, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, l)) < 0.35).astype(int)
    z = rng.normal(size=(n, 6)) + 2.0 * y @ rng.normal(size=(l, 6))
    return z, y


def test_average_ranks_match_scipy():
    x = torch.tensor([3.0, 1.0, 3.0, 2.0, 1.0, 5.0, 3.0])
    assert np.allclose(average_ranks(x).numpy(), stats.rankdata(x.numpy()))


def test_all_pairs_spearman_matches_scipy():
    z, y = _data()
    out = label_correlation(z, y, n_pairs=10**6)
    zn = z / np.linalg.norm(z, axis=1, keepdims=True)
    jac, cos = [], []
    for i in range(len(z)):
        for j in range(i + 1, len(z)):
            jac.append(_jac(y[i], y[j]))
            cos.append(zn[i] @ zn[j])
    assert out.n_pairs == len(jac)
    ref = stats.spearmanr(jac, cos).statistic
    assert out.spearman_jaccard_cosine == pytest.approx(ref, abs=1e-10)
    assert out.spearman_jaccard_cosine > 0.2  # labels shape the geometry here


def test_sampled_pairs_seeded_and_match_scipy():
    z, y = _data(n=200)
    a = label_correlation(z, y, n_pairs=500, seed=3)
    b = label_correlation(z, y, n_pairs=500, seed=3)
    assert a.spearman_jaccard_cosine == b.spearman_jaccard_cosine
    i, j = sample_pairs(200, 500, seed=3)
    assert bool((i != j).all()) and a.n_pairs == 500
    zn = z / np.linalg.norm(z, axis=1, keepdims=True)
    jac = [_jac(y[p], y[q]) for p, q in zip(i.tolist(), j.tolist(), strict=True)]
    cos = [zn[p] @ zn[q] for p, q in zip(i.tolist(), j.tolist(), strict=True)]
    ref = stats.spearmanr(jac, cos).statistic
    assert a.spearman_jaccard_cosine == pytest.approx(ref, abs=1e-10)


def test_label_level_matrices_and_correlations():
    z, y = _data(n=300, l=6, seed=1)
    y[:, 5] = 0  # a label without samples
    out = label_correlation(z, y)
    zn = z / np.linalg.norm(z, axis=1, keepdims=True)
    n, l = y.shape
    cent = np.stack([zn[y[:, k] == 1].mean(0) if y[:, k].any() else np.zeros(6) for k in range(l)])
    for p in range(5):
        for q in range(5):
            ref = cent[p] @ cent[q] / np.linalg.norm(cent[p]) / np.linalg.norm(cent[q])
            assert out.centroid_cosine[p, q] == pytest.approx(ref, abs=1e-10)
            co = np.sum(y[:, p] * y[:, q])
            pmi = math.log(co / n / (y[:, p].mean() * y[:, q].mean())) if co else -math.inf
            assert out.pmi[p, q] == pytest.approx(pmi, abs=1e-10)
            union = np.sum((y[:, p] + y[:, q]) > 0)
            assert out.cooccurrence_jaccard[p, q] == pytest.approx(co / union, abs=1e-12)
    assert not out.label_present[5]
    pairs = [(p, q) for p in range(5) for q in range(p + 1, 5)]
    cc = [out.centroid_cosine[p, q] for p, q in pairs]
    pm = [out.pmi[p, q] for p, q in pairs]
    cj = [out.cooccurrence_jaccard[p, q] for p, q in pairs]
    assert out.n_label_pairs == 10
    assert out.centroid_pmi_spearman == pytest.approx(
        stats.spearmanr(cc, pm).statistic, abs=1e-10
    )
    assert out.centroid_pmi_pearson == pytest.approx(stats.pearsonr(cc, pm).statistic, abs=1e-10)
    assert out.centroid_cooccurrence_spearman == pytest.approx(
        stats.spearmanr(cc, cj).statistic, abs=1e-10
    )
    assert out.centroid_cooccurrence_pearson == pytest.approx(
        stats.pearsonr(cc, cj).statistic, abs=1e-10
    )


def test_prototypes_replace_centroids():
    z, y = _data(n=50, l=4)
    protos = np.random.default_rng(2).normal(size=(4, 6))
    out = label_correlation(z, y, prototypes=torch.tensor(protos))
    pn = protos / np.linalg.norm(protos, axis=1, keepdims=True)
    assert np.allclose(out.centroid_cosine, pn @ pn.T, atol=1e-12)
    with pytest.raises(ValueError, match="prototypes"):
        label_correlation(z, y, prototypes=protos[:3])


def test_degenerate_single_label_and_identical_embeddings_are_finite():
    z = np.ones((20, 3))
    y = np.ones((20, 1), dtype=int)
    out = label_correlation(z, y)
    assert out.spearman_jaccard_cosine == 0.0
    assert out.centroid_pmi_spearman == 0.0 and out.n_label_pairs == 0


def test_bad_input():
    z, y = _data()
    with pytest.raises(ValueError, match="n_pairs"):
        label_correlation(z, y, n_pairs=1)
    with pytest.raises(ValueError, match="rows"):
        label_correlation(z, y[:10])
    with pytest.raises(ValueError, match="at least 2"):
        label_correlation(z[:1], y[:1])


def test_result_is_a_typed_dataclass_with_a_flat_dict_view():
    z, y = _data(n=40, l=4, seed=5)
    out = label_correlation(z, y)
    d = out.to_dict()
    assert list(d) == [
        "spearman_jaccard_cosine", "n_pairs", "centroid_cosine", "cooccurrence_jaccard", "pmi",
        "label_present", "centroid_cooccurrence_spearman", "centroid_cooccurrence_pearson",
        "centroid_pmi_spearman", "centroid_pmi_pearson", "n_label_pairs", "n_label_pairs_pmi",
    ]
    assert isinstance(out.spearman_jaccard_cosine, float) and isinstance(out.n_label_pairs, int)
    assert out.centroid_cosine.shape == (4, 4) and out.label_present.dtype == bool
    assert d["pmi"] is out.pmi or np.array_equal(d["pmi"], out.pmi)
    with pytest.raises(AttributeError):
        out.n_pairs = 3  # frozen


@pytest.mark.parametrize("block_entries", [1, 7 * 3, 2**20])
def test_pair_cosines_in_blocks_equal_the_dot_products(monkeypatch, block_entries):
    """Blocks of pairs (one pair, a block boundary inside the list, everything in one block)
    give exactly the row dot products of the gathered pairs, written from the formula."""
    import importlib

    lc = importlib.import_module("mlcl_lab.metrics.label_correlation")

    monkeypatch.setattr(lc, "PAIR_BLOCK_ENTRIES", block_entries)
    gen = torch.Generator().manual_seed(3)
    x = torch.nn.functional.normalize(torch.randn(11, 7, generator=gen, dtype=torch.float64), dim=1)
    i, j = sample_pairs(11, 40, seed=1)
    expected = torch.tensor([sum(float(x[a, d]) * float(x[b, d]) for d in range(7)) for a, b in zip(i, j)],
                            dtype=torch.float64)
    got = lc.pair_cosines(x, i, j)
    assert got.shape == (i.numel(),)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-15)
    assert torch.equal(got, (x[i] * x[j]).sum(1))            # the same numbers as one big gather


@pytest.mark.parametrize("x", [[3.0, 1.0, 3.0, 2.0, 1.0, 5.0, 3.0], [2.0, 2.0, -0.0, 0.0], [7.0], [],
                               list(np.random.default_rng(4).integers(0, 9, 500) / 7.0)])
def test_average_ranks_are_scipys_exactly(x):
    """Ties (also -0.0 == 0.0), one value, none: scipy's average ranks, bit for bit."""
    got = average_ranks(torch.tensor(x, dtype=torch.float64))
    assert got.dtype == torch.float64 and got.shape == (len(x),)
    assert np.array_equal(got.numpy(), stats.rankdata(np.asarray(x, dtype=np.float64)))


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("n, block_entries", [(2, 2**20), (3, 1), (11, 7 * 11 * 3), (40, 2**20), (40, 1)])
def test_all_pair_cosines_are_the_gathered_pairs_dot_products(monkeypatch, n, block_entries, threads):
    """All i < j in triu order, one row per block, a block boundary inside, one block: the
    same numbers as :func:`pair_cosines` on the gathered pairs, bit for bit, with one or
    two threads; and the dot products written from the formula."""
    import importlib

    lc = importlib.import_module("mlcl_lab.metrics.label_correlation")
    monkeypatch.setattr(lc, "ALL_PAIRS_BLOCK_ENTRIES", block_entries)
    gen = torch.Generator().manual_seed(n)
    x = torch.nn.functional.normalize(torch.randn(n, 7, generator=gen, dtype=torch.float64), dim=1)
    i, j = torch.triu_indices(n, n, offset=1)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        got = lc.all_pair_cosines(x)
        gathered = lc.pair_cosines(x, i, j)
    finally:
        torch.set_num_threads(before)
    assert torch.equal(got, gathered)
    expected = [sum(float(x[a, d]) * float(x[b, d]) for d in range(7)) for a, b in zip(i.tolist(), j.tolist())]
    torch.testing.assert_close(got, torch.tensor(expected, dtype=torch.float64), rtol=0, atol=1e-15)


def test_the_all_pairs_path_gives_the_gathered_pairs_correlation():
    """When every pair is used, pair_correlation's matrix path gives exactly the Spearman of
    the per-pair gathers (Jaccard of the gathered label rows, dot products of the gathered rows)."""
    import importlib

    from mlcl_lab.core.positives import jaccard_paired

    lc = importlib.import_module("mlcl_lab.metrics.label_correlation")
    z, y = _data(n=70, l=6, seed=2)
    x = torch.nn.functional.normalize(torch.as_tensor(z, dtype=torch.float64), dim=1)
    labels = torch.as_tensor(y).bool()
    i, j = torch.triu_indices(70, 70, offset=1)
    jac = jaccard_paired(labels[i].to(torch.float64), labels[j].to(torch.float64))
    expected = lc.spearman(jac, lc.pair_cosines(x, i, j))
    assert lc.pair_correlation(x, labels, n_pairs=70 * 69 // 2, seed=0) == (expected, 70 * 69 // 2)
