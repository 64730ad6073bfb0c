"""How embedding geometry follows the labels (our analysis; paper 1 §8 leaves it open).

(a) pair level: Spearman correlation between the label Jaccard of a pair of samples and
    the cosine similarity of their embeddings, over all pairs or seeded sampled pairs;
(b) label level: cosine similarity between label centroids (or given prototypes) next
    to label co-occurrence statistics (Jaccard of label columns, PMI), with their
    rank and linear correlations over label pairs.
"""

from __future__ import annotations

import torch

from mlcl_lab.core.normalize import unit_rows
from mlcl_lab.metrics._stats import pearson, spearman
from mlcl_lab.metrics._validation import ArrayLike, as_embeddings, as_multihot


def sample_pairs(n: int, n_pairs: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Index pairs (i, j), i != j: all i < j if n(n-1)/2 <= n_pairs, else ``n_pairs``
    pairs drawn uniformly with replacement (torch generator seeded with ``seed``, CPU)."""
    if n < 2:
        raise ValueError(f"need at least 2 samples for pairs, got N={n}")
    if n * (n - 1) // 2 <= n_pairs:
        ij = torch.triu_indices(n, n, offset=1)
        return ij[0], ij[1]
    gen = torch.Generator().manual_seed(int(seed))
    i = torch.randint(0, n, (n_pairs,), generator=gen)
    j = torch.randint(0, n - 1, (n_pairs,), generator=gen)
    j = j + (j >= i).long()
    return i, j


def _pmi(y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(L, L) PMI log p(i,j)/(p(i)p(j)) (-inf if never co-occurring) and column Jaccard."""
    f = y.to(torch.float64)
    n = f.shape[0]
    co = f.T @ f
    cnt = torch.diagonal(co)
    p_ij = co / n
    p_i = cnt / n
    denom = p_i[:, None] * p_i[None, :]
    pmi = torch.where(
        (co > 0) & (denom > 0),
        torch.log(p_ij.clamp_min(1e-300)) - torch.log(denom.clamp_min(1e-300)),
        torch.full_like(co, float("-inf")),
    )
    union = cnt[:, None] + cnt[None, :] - co
    jac = torch.where(union > 0, co / union.clamp_min(1.0), torch.zeros_like(co))
    return pmi, jac


def label_correlation(
    z: ArrayLike,
    y: ArrayLike,
    *,
    n_pairs: int = 200_000,
    seed: int = 0,
    prototypes: ArrayLike | None = None,
) -> dict:
    """Correlation between label structure and embedding geometry.

    Args:
        z: (N, D) embeddings (numpy / torch CPU or CUDA), N >= 2; cosine geometry.
        y: (N, L) multi-hot labels.
        n_pairs: pairs for (a); all pairs are used when N(N-1)/2 <= n_pairs.
        seed: seed of the pair sampling.
        prototypes: optional (L, D) label embeddings used instead of the centroids.

    Returns:
        dict with
        ``spearman_jaccard_cosine`` (float), ``n_pairs`` (int),
        ``centroid_cosine`` (L, L) cosine between label centroids (mean of the
        normalised embeddings of the samples carrying the label) or prototypes; rows
        of labels without samples (centroid mode) are 0,
        ``cooccurrence_jaccard`` (L, L) |i ∩ j| / |i ∪ j| over samples,
        ``pmi`` (L, L) log p(i, j) / (p(i) p(j)), -inf where i and j never co-occur,
        ``label_present`` (L,) bool,
        ``centroid_cooccurrence_spearman`` / ``centroid_cooccurrence_pearson`` over
        label pairs i < j with both labels present,
        ``centroid_pmi_spearman`` / ``centroid_pmi_pearson`` over those pairs with
        finite PMI, ``n_label_pairs`` / ``n_label_pairs_pmi``.
        Every correlation is 0.0 when undefined (fewer than 2 pairs or a constant
        side, e.g. a single label or identical embeddings).
    """
    if isinstance(n_pairs, bool) or not isinstance(n_pairs, int) or n_pairs < 2:
        raise ValueError(f"n_pairs must be an int >= 2, got {n_pairs!r}")
    x = as_embeddings(z, "z", min_rows=2)
    labels = as_multihot(y, "y", device=x.device)
    if labels.shape[0] != x.shape[0]:
        raise ValueError(f"z has N={x.shape[0]} rows but y has {labels.shape[0]}")
    x = unit_rows(x.to(torch.float64))
    n, n_labels = labels.shape

    i, j = sample_pairs(n, n_pairs, seed)
    i, j = i.to(x.device), j.to(x.device)
    cos = (x[i] * x[j]).sum(1)
    yi = labels[i].to(torch.float64)
    yj = labels[j].to(torch.float64)
    inter = (yi * yj).sum(1)
    union = yi.sum(1) + yj.sum(1) - inter
    jac = torch.where(union > 0, inter / union.clamp_min(1.0), torch.zeros_like(inter))
    out: dict = {"spearman_jaccard_cosine": spearman(jac, cos), "n_pairs": int(i.numel())}

    f = labels.to(torch.float64)
    present = f.sum(0) > 0
    if prototypes is None:
        cent = f.T @ x  # (L, D) sums of normalised embeddings
        norms = torch.linalg.vector_norm(cent, dim=1, keepdim=True)
        ok = norms[:, 0] > 0
        unit = torch.where(ok[:, None], cent / norms.clamp_min(1e-300), torch.zeros_like(cent))
        usable = present & ok
    else:
        p = as_embeddings(prototypes, "prototypes").to(device=x.device, dtype=torch.float64)
        if p.shape != (n_labels, x.shape[1]):
            raise ValueError(
                f"prototypes must have shape (L, D)=({n_labels}, {x.shape[1]}), "
                f"got {tuple(p.shape)}"
            )
        unit = unit_rows(p, "prototypes")
        usable = present
    ccos = unit @ unit.T
    pmi, cjac = _pmi(labels)
    iu = torch.triu_indices(n_labels, n_labels, offset=1, device=x.device)
    both = usable[iu[0]] & usable[iu[1]]
    a, b = iu[0][both], iu[1][both]
    finite = torch.isfinite(pmi[a, b])
    out.update(
        centroid_cosine=ccos.cpu().numpy(),
        cooccurrence_jaccard=cjac.cpu().numpy(),
        pmi=pmi.cpu().numpy(),
        label_present=present.cpu().numpy(),
        centroid_cooccurrence_spearman=spearman(ccos[a, b], cjac[a, b]),
        centroid_cooccurrence_pearson=pearson(ccos[a, b], cjac[a, b]),
        centroid_pmi_spearman=spearman(ccos[a, b][finite], pmi[a, b][finite]),
        centroid_pmi_pearson=pearson(ccos[a, b][finite], pmi[a, b][finite]),
        n_label_pairs=int(a.numel()),
        n_label_pairs_pmi=int(finite.sum()),
    )
    return out
