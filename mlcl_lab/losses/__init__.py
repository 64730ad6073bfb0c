"""Loss zoo of mlcl-lab: supervised baselines and multi-label contrastive losses.

Public API: :func:`get_loss`, :func:`available_losses`, :func:`loss_kind`, and the
gradient-analysis helpers :func:`loss_pair_weights`, :func:`gradient_components` (paper.md §4).
Each loss lives in its own module (formulas: paper.md §3); the shared machinery is in
``_hyper`` (hyper-parameter checks), ``_validation``, ``_softmax`` (masked log-softmax),
``_pool`` (candidates, instance + prototype pool), ``_weights`` (positive weights as
matrix products), ``_engine`` (weighted objective, REG term, reductions) and ``_module``;
the rules shared with the metrics (compute dtype, overflow-safe L2 normalisation, the
any / all / Jaccard positives, empty-input checks) are in :mod:`mlcl_lab.core`.

Edge-case policies shared by the contrastive losses:

* anchors without positives: ``empty_anchors="skip"`` (default; left out of the divisor)
  or ``"include"`` (count as 0). ``mulsupcon`` defaults to ``"include"`` = the authors'
  reduction over all (sample, label) sub-anchors.
* no anchor with a positive at all (or ``B = 1`` without prototypes): the loss is
  ``0 · Σ logits`` — an exact zero still connected to the graph (zero gradients, no NaN).
* samples without labels: nobody's positive, still negatives in every denominator.
* every pair positive: finite; with ``decoupled=True`` nobody keeps a denominator → zero.
* labels absent from the batch: their prototypes stay in the denominators (they are
  repelled); in ``mscwrg``/``reg`` they are anchors without positives (skipped).
* non-binary / NaN labels, NaN / Inf embeddings, wrong shapes: ValueError/TypeError with
  the reason; ``validate=False`` skips these checks for speed (training does:
  :func:`mlcl_lab.train.loop.step_loss_options`).

Policies shared with the metrics (one implementation, :mod:`mlcl_lab.core`; issue 15 §4):

* empty batch (supervised or contrastive): ``ValueError: logits needs at least 1 row(s),
  got N=0 (shape (0, 5))`` (``z needs ...`` for embeddings), never a NaN mean; zero labels
  or features: ``... must have at least one column``.
* all-zero rows of ``z`` / ``prototypes`` / ``ref_z``: ``ValueError: z has 1 all-zero row(s)
  (first: row 3); an all-zero row has no direction and cannot be L2-normalised`` (they used
  to give a finite loss with gradients ~1e11 on those rows).
* any finite magnitude: the L2 normalisation divides rows outside [1e-12, inf) by their
  max-abs entry first, so |z| up to the dtype's max (float32 ~3.4e38) gives the same loss
  and 1/|z|-scaled gradients; rows in the ordinary range are bit-identical to
  ``F.normalize``.
* supervised logits beyond ±1e25 (``LOGIT_LIMIT``; the batch mean's float32 sum could
  overflow): ``ValueError: logits has values up to 3e+37 in magnitude; at most 1e+25 is
  accepted (...: the model has diverged)``.
* hyper-parameters: finite reals inside ranges where float32 stays finite (τ ∈ [1e-4, 1e4],
  …; the list and the reasons are in :mod:`mlcl_lab.losses._hyper`); errors name the range.
* ``decoupled=True`` (every contrastive loss except ``reg``): DCL-style (Yeh et al. 2022),
  each positive (W_ij > 0) is removed from anchor i's denominator, so the gradient on a
  positive logit is −W_ij (pure attraction); anchors left without negatives are skipped.
* fp16 / bf16 (also under autocast): computed in float32 with autocast disabled
  (float64 stays float64); the loss is float32, gradients come back in the input dtype.
"""
from __future__ import annotations

from . import asl, base, bce, focal, msc, mscwrg, mulsupcon, proto, reg, sd, supcon, zlpr  # noqa: F401
from ._registry import available_losses, get_loss, loss_kind
from .gradients import GradientComponents, PairWeights, gradient_components, loss_pair_weights

__all__ = ["get_loss", "available_losses", "loss_kind", "loss_pair_weights", "gradient_components",
           "PairWeights", "GradientComponents"]
