"""End-to-end supervised baselines (BCE, focal, ASL, ZLPR) with best-epoch selection.

Encoder + Dropout + Linear trained on logits with the same optimiser, schedule and
clipping as stage 1 (paper.md §5.1). Unlike the authors' trainer (paper.md §11.2),
the epoch with the best validation micro-F1 really is kept: its weights are restored.
"""

from __future__ import annotations

import copy
import time

import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

from ..losses import get_loss
from .batching import encode
from .config import TrainConfig
from .loop import optimise_epoch
from .models import SupervisedModel
from .optim import make_optimizer
from .selection import micro_f1

__all__ = ["train_supervised"]


def train_supervised(
    loss_name: str,
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    val_x: torch.Tensor,
    val_y: torch.Tensor,
    config: TrainConfig,
    generator: torch.Generator,
    progress: bool = True,
    init_encoder: nn.Module | None = None,
) -> tuple[SupervisedModel, pd.DataFrame]:
    """Train ``loss_name`` end to end; return the best-validation-epoch model and history.

    History columns: epoch, train_loss, val_micro_f1, lr, seconds, best (bool).
    Ties in validation micro-F1 keep the earlier epoch. Predictions use sigmoid >= threshold.
    ``init_encoder`` (e.g. a contrastively pre-trained encoder) initialises the encoder:
    the fine-tuning variant of paper 2 (contrastive pre-training, then BCE fine-tuning).
    """
    loss = get_loss(loss_name, **config.loss_options.get(loss_name, {}))
    if getattr(loss, "kind", None) != "supervised":
        raise ValueError(f"loss {loss_name!r} is not a supervised loss; use train_contrastive for it")
    device = train_x.device
    model = SupervisedModel(config, train_x.shape[1:], train_y.shape[1]).to(device)
    if init_encoder is not None:
        model.encoder.load_state_dict(init_encoder.state_dict())
    n = train_x.shape[0]
    steps_per_epoch = max(1, n // config.batch_size)
    optimizer, scheduler = make_optimizer(model, config, config.epochs * steps_per_epoch)
    y_float = train_y.float()
    threshold = config.probe.threshold
    best_f1, best_state, best_epoch = -1.0, None, 0
    rows = []
    bar = tqdm(range(config.epochs), desc=f"{loss_name} (supervised)", disable=not progress, leave=False)
    for epoch in bar:
        start = time.perf_counter()
        train_loss = optimise_epoch(model, n, lambda idx: loss(model(train_x[idx]).float(), y_float[idx]), optimizer,
                                    scheduler, config, generator, device, loss_name, epoch + 1)
        val_pred = torch.sigmoid(encode(model, val_x)) >= threshold
        f1 = micro_f1(val_y.bool(), val_pred)
        improved = f1 > best_f1
        if improved:
            best_f1, best_epoch = f1, epoch + 1
            best_state = copy.deepcopy(model.state_dict())
        rows.append({"epoch": epoch + 1, "train_loss": train_loss, "val_micro_f1": f1,
                     "lr": scheduler.get_last_lr()[0], "seconds": time.perf_counter() - start})
        bar.set_postfix(loss=f"{train_loss:.4f}", val_f1=f"{f1:.3f}")
    assert best_state is not None
    model.load_state_dict(best_state)
    history = pd.DataFrame(rows)
    history["best"] = history["epoch"] == best_epoch
    return model, history
