"""How embedding geometry follows the labels (our analysis; paper 1 §8 leaves it open).

(a) pair level (:func:`pair_correlation`): Spearman correlation between the label
    Jaccard of a pair of samples and the cosine similarity of their embeddings, over all
    pairs or seeded sampled pairs (:func:`sample_pairs`);
(b) label level: cosine similarity between label centroids or given prototypes
    (:func:`label_directions`) next to label co-occurrence statistics
    (:func:`cooccurrence`: Jaccard of label columns, PMI), with their rank and linear
    correlations over label pairs (:func:`label_level_correlations`).

:func:`label_correlation` runs both and returns a :class:`LabelCorrelation`.
Every correlation is 0.0 when undefined (fewer than 2 pairs or a constant side, e.g. a
single label or identical embeddings).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from mlcl_lab.core.normalize import unit_rows
from mlcl_lab.core.positives import jaccard, jaccard_paired
from mlcl_lab.metrics._stats import pearson, spearman
from mlcl_lab.metrics._validation import ArrayLike, as_embeddings, as_multihot


@dataclass(frozen=True)
class LabelCorrelation:
    """Result of :func:`label_correlation` (L labels).

    Attributes:
        spearman_jaccard_cosine: (a) Spearman(pair Jaccard, pair cosine).
        n_pairs: number of sample pairs used in (a).
        centroid_cosine: (L, L) cosine between label centroids (mean of the normalised
            embeddings carrying the label) or prototypes; rows of labels without samples
            (centroid mode) are 0.
        cooccurrence_jaccard: (L, L) |i ∩ j| / |i ∪ j| over samples.
        pmi: (L, L) log p(i, j) / (p(i) p(j)), -inf where i and j never co-occur.
        label_present: (L,) bool, label carried by at least one sample.
        centroid_cooccurrence_spearman / centroid_cooccurrence_pearson: over the label
            pairs i < j with both labels usable (present, non-zero centroid).
        centroid_pmi_spearman / centroid_pmi_pearson: over those pairs with finite PMI.
        n_label_pairs / n_label_pairs_pmi: the numbers of those label pairs.
    """

    spearman_jaccard_cosine: float
    n_pairs: int
    centroid_cosine: np.ndarray
    cooccurrence_jaccard: np.ndarray
    pmi: np.ndarray
    label_present: np.ndarray
    centroid_cooccurrence_spearman: float
    centroid_cooccurrence_pearson: float
    centroid_pmi_spearman: float
    centroid_pmi_pearson: float
    n_label_pairs: int
    n_label_pairs_pmi: int

    def to_dict(self) -> dict[str, float | int | np.ndarray]:
        """The fields as a flat dict (the keys of the former dict result, same values)."""
        return asdict(self)


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


def pair_correlation(x: torch.Tensor, labels: torch.Tensor, n_pairs: int, seed: int) -> tuple[float, int]:
    """(a) Spearman(Jaccard of the label sets, cosine) over sample pairs; returns (rho, #pairs).

    ``x`` (N, D) unit rows (float64), ``labels`` (N, L) bool on the same device. When
    every pair is used (N(N-1)/2 <= ``n_pairs``) the pairs' values come from
    :func:`all_pair_cosines` and one (N, N) Jaccard matrix instead of gathering rows
    per pair: the same numbers, without the gathers.
    """
    n = x.shape[0]
    if n * (n - 1) // 2 <= n_pairs:
        upper = torch.triu(torch.ones(n, n, dtype=torch.bool, device=x.device), diagonal=1)
        jac = jaccard(labels.to(torch.float64), labels.to(torch.float64))[upper]
        cos = all_pair_cosines(x)
        return spearman(jac, cos), int(cos.numel())
    i, j = sample_pairs(n, n_pairs, seed)
    i, j = i.to(x.device), j.to(x.device)
    jac = jaccard_paired(labels[i].to(torch.float64), labels[j].to(torch.float64))
    return spearman(jac, pair_cosines(x, i, j)), int(i.numel())


#: Pairs per block of :func:`pair_cosines` times D: 2 MiB of float64 gathered rows per operand,
#: so a block stays in the CPU caches (measured on yeast's 917 × 256 test features, 200k pairs:
#: 0.043 s at 2 MiB, 0.104 s at 8 MiB, 0.68 s in one gather).
PAIR_BLOCK_ENTRIES = 2**18


def pair_cosines(x: torch.Tensor, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
    """(P,) dot products x_i · x_j of unit rows x (N, D) for the index pairs (i, j) (P,).

    In blocks of ``PAIR_BLOCK_ENTRIES / D`` pairs: gathering all P rows at once (200k
    pairs × 256 float64 = 410 MB per operand) spent most of a yeast run's representation
    metrics in page faults; each block's row sums are the same numbers.
    """
    block = max(1, PAIR_BLOCK_ENTRIES // max(x.shape[1], 1))
    out = x.new_empty(i.shape[0])
    for start in range(0, i.shape[0], block):
        stop = start + block
        torch.sum(x.index_select(0, i[start:stop]) * x.index_select(0, j[start:stop]), 1, out=out[start:stop])
    return out


#: Entries (rows × columns × D) per block of :func:`all_pair_cosines`: 8 MiB of float64
#: products (measured on 368 × 256 and 600 × 128 unit rows: 7.9 / 10.4 ms at 2**20 entries,
#: 10.5 / 13.8 ms at 2**18, 20 / 15 ms at 2**22; gathering the pairs' rows: 12.4 / 16.2 ms).
ALL_PAIRS_BLOCK_ENTRIES = 2**20


def all_pair_cosines(x: torch.Tensor) -> torch.Tensor:
    """(N(N-1)/2,) dot products x_i · x_j of unit rows x (N, D) for all i < j, in the
    order of ``torch.triu_indices(N, N, 1)`` (row-major upper triangle).

    Each block of rows is multiplied with the rows after its first, elementwise and
    summed over D, as :func:`pair_cosines` does per pair (the same numbers, bit for
    bit: the same products reduced along a contiguous D), with memory bounded by
    :data:`ALL_PAIRS_BLOCK_ENTRIES`.
    """
    n, d = x.shape
    rows = max(1, ALL_PAIRS_BLOCK_ENTRIES // max(n * d, 1))
    parts = []
    for start in range(0, n - 1, rows):
        stop = min(start + rows, n - 1)
        block = torch.sum(x[start:stop, None, :] * x[None, start + 1:, :], 2)  # column c: sample start + 1 + c
        later = torch.arange(start + 1, n, device=x.device)[None, :] > torch.arange(start, stop, device=x.device)[:, None]
        parts.append(block[later])
    return torch.cat(parts) if parts else x.new_empty(0)


def cooccurrence(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(L, L) PMI log p(i,j)/(p(i)p(j)) (-inf if never co-occurring) and column Jaccard, float64."""
    f = labels.to(torch.float64)
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
    return pmi, jaccard(f.T, f.T)


def label_directions(
    x: torch.Tensor, labels: torch.Tensor, prototypes: ArrayLike | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(L, D) unit label directions and (L,) bool "usable" mask.

    Centroid mode (``prototypes=None``): the normalised sum of the unit embeddings of the
    samples carrying each label; a label without samples or with a zero centroid gets a
    0 row and is not usable. Prototype mode: the (L, D) prototypes, L2-normalised; usable
    where the label is present.
    """
    f = labels.to(torch.float64)
    present = f.sum(0) > 0
    if prototypes is None:
        cent = f.T @ x  # (L, D) sums of normalised embeddings
        norms = torch.linalg.vector_norm(cent, dim=1, keepdim=True)
        ok = norms[:, 0] > 0
        unit = torch.where(ok[:, None], cent / norms.clamp_min(1e-300), torch.zeros_like(cent))
        return unit, present & ok
    p = as_embeddings(prototypes, "prototypes").to(device=x.device, dtype=torch.float64)
    if p.shape != (labels.shape[1], x.shape[1]):
        raise ValueError(
            f"prototypes must have shape (L, D)=({labels.shape[1]}, {x.shape[1]}), got {tuple(p.shape)}"
        )
    return unit_rows(p, "prototypes"), present


def label_level_correlations(
    ccos: torch.Tensor, cjac: torch.Tensor, pmi: torch.Tensor, usable: torch.Tensor
) -> dict[str, float | int]:
    """(b) Spearman / Pearson of centroid cosine vs co-occurrence Jaccard and vs PMI.

    Over label pairs i < j with both labels ``usable``; the PMI correlations only over
    the pairs with finite PMI (labels that co-occur).
    """
    n_labels = ccos.shape[0]
    iu = torch.triu_indices(n_labels, n_labels, offset=1, device=ccos.device)
    both = usable[iu[0]] & usable[iu[1]]
    a, b = iu[0][both], iu[1][both]
    finite = torch.isfinite(pmi[a, b])
    return {
        "centroid_cooccurrence_spearman": spearman(ccos[a, b], cjac[a, b]),
        "centroid_cooccurrence_pearson": pearson(ccos[a, b], cjac[a, b]),
        "centroid_pmi_spearman": spearman(ccos[a, b][finite], pmi[a, b][finite]),
        "centroid_pmi_pearson": pearson(ccos[a, b][finite], pmi[a, b][finite]),
        "n_label_pairs": int(a.numel()),
        "n_label_pairs_pmi": int(finite.sum()),
    }


def label_correlation(
    z: ArrayLike,
    y: ArrayLike,
    *,
    n_pairs: int = 200_000,
    seed: int = 0,
    prototypes: ArrayLike | None = None,
) -> LabelCorrelation:
    """Correlation between label structure and embedding geometry (see the module docstring).

    Args:
        z: (N, D) embeddings (numpy / torch CPU or CUDA), N >= 2; cosine geometry (rows
            L2-normalised in float64; all-zero rows are refused).
        y: (N, L) multi-hot labels.
        n_pairs: pairs for (a); all pairs are used when N(N-1)/2 <= n_pairs.
        seed: seed of the pair sampling.
        prototypes: optional (L, D) label embeddings used instead of the centroids.

    Returns:
        :class:`LabelCorrelation` (``.to_dict()`` gives the fields as a flat dict).

    Example:
        >>> corr = label_correlation(features, labels, seed=0)
        >>> corr.spearman_jaccard_cosine, corr.centroid_pmi_spearman
    """
    if isinstance(n_pairs, bool) or not isinstance(n_pairs, int) or n_pairs < 2:
        raise ValueError(f"n_pairs must be an int >= 2, got {n_pairs!r}")
    x = as_embeddings(z, "z", min_rows=2)
    labels = as_multihot(y, "y", device=x.device)
    if labels.shape[0] != x.shape[0]:
        raise ValueError(f"z has N={x.shape[0]} rows but y has {labels.shape[0]}")
    x = unit_rows(x.to(torch.float64))
    rho, used = pair_correlation(x, labels, n_pairs, seed)
    unit, usable = label_directions(x, labels, prototypes)
    ccos = unit @ unit.T
    pmi, cjac = cooccurrence(labels)
    return LabelCorrelation(
        spearman_jaccard_cosine=rho,
        n_pairs=used,
        centroid_cosine=ccos.cpu().numpy(),
        cooccurrence_jaccard=cjac.cpu().numpy(),
        pmi=pmi.cpu().numpy(),
        label_present=(labels.sum(0) > 0).cpu().numpy(),
        **label_level_correlations(ccos, cjac, pmi, usable),
    )
