"""End-to-end supervised baselines (BCE, focal, ASL, ZLPR) with best-epoch selection.

Encoder + Dropout + Linear trained on logits with the same optimiser, schedule and
clipping as stage 1 (paper.md §5.1, :mod:`mlcl_lab.train.loop`). Unlike the authors'
trainer (paper.md §11.2), the epoch with the best validation micro-F1 really is kept:
its weights are restored.
"""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from ..losses import get_loss
from .batching import encode
from .config import TrainConfig
from .loop import StageData, fit, make_stage, step_loss_options
from .models import SupervisedModel, build_model
from .selection import micro_f1
from .sources import BatchSource

__all__ = ["supervised_loss", "train_supervised"]


def supervised_loss(loss_name: str, config: TrainConfig) -> nn.Module:
    """The supervised loss module of ``loss_name`` with the run's options (after
    :func:`~mlcl_lab.train.loop.step_loss_options`)."""
    loss = get_loss(loss_name, **{**step_loss_options(), **config.loss_options.get(loss_name, {})})
    if getattr(loss, "kind", None) != "supervised":
        raise ValueError(f"loss {loss_name!r} is not a supervised loss; use train_contrastive for it")
    return loss


def _labels(source: BatchSource) -> torch.Tensor:
    """(N, L) bool labels of a source, in order."""
    y = getattr(source, "y", None)
    if isinstance(y, torch.Tensor):
        return y.bool()
    return torch.cat([b.y for b in source.batches(4096, shuffle=False, drop_last=False, generator=None)]).bool()


def train_supervised(
    loss_name: str,
    data: StageData,
    config: TrainConfig,
    progress: bool = True,
    init_encoder: nn.Module | None = None,
) -> tuple[SupervisedModel, pd.DataFrame]:
    """Train ``loss_name`` end to end on ``data``; return the best-validation-epoch model and history.

    History columns: epoch, train_loss, val_micro_f1, lr, seconds, best (bool).
    Ties in validation micro-F1 keep the earlier epoch. Predictions use sigmoid >= threshold.
    ``init_encoder`` (e.g. a contrastively pre-trained encoder) initialises the encoder:
    the fine-tuning variant of paper 2 (contrastive pre-training, then BCE fine-tuning).
    """
    loss = supervised_loss(loss_name, config)
    model = build_model("supervised", config, data.train)
    if init_encoder is not None:
        model.encoder.load_state_dict(init_encoder.state_dict())
    stage = make_stage(model, config, data.train.n, loss_name)
    val_true = _labels(data.val)
    threshold = config.probe.threshold
    best = {"f1": -1.0, "epoch": 0, "state": None}

    def validate(epoch: int) -> dict[str, float]:
        f1 = micro_f1(val_true, torch.sigmoid(encode(model, data.val)) >= threshold)
        if f1 > best["f1"]:
            best.update(f1=f1, epoch=epoch, state={k: v.detach().clone() for k, v in model.state_dict().items()})
        return {"val_micro_f1": f1}

    rows = fit(stage, data, lambda batch: loss(model(batch.x).float(), batch.y), validate,
               desc=f"{loss_name} (supervised)", progress=progress)
    model.load_state_dict(best["state"])
    history = pd.DataFrame(rows)
    history["best"] = history["epoch"] == best["epoch"]
    return model, history
