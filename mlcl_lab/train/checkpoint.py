"""Stage-1 checkpoints: re-run the probe or the analyses without retraining."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from .config import TrainConfig
from .models import ContrastiveModel, SupervisedModel

__all__ = ["save_checkpoint", "load_checkpoint"]

_FORMAT = "mlcl-lab-checkpoint-v1"


def save_checkpoint(model: nn.Module, config: TrainConfig, path: str | Path, meta: dict[str, Any]) -> Path:
    """Save weights, the training configuration and ``meta`` (loss, kind, seed, input shape, n_labels).

    Refuses to replace an existing file.
    """
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} already exists; checkpoints are never overwritten")
    for key in ("loss", "kind", "input_shape", "n_labels"):
        if key not in meta:
            raise ValueError(f"checkpoint meta needs {key!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": _FORMAT, "state_dict": {k: v.cpu() for k, v in model.state_dict().items()},
                "config": config.to_dict(), "meta": dict(meta)}, path)
    return path


def load_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> tuple[nn.Module, TrainConfig, dict[str, Any]]:
    """Rebuild the model saved by :func:`save_checkpoint`; returns (model in eval mode, config, meta)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    blob = torch.load(path, map_location="cpu", weights_only=False)
    if not isinstance(blob, dict) or blob.get("format") != _FORMAT:
        raise ValueError(f"{path} is not an mlcl-lab checkpoint (expected format {_FORMAT})")
    config = TrainConfig.from_dict(blob["config"])
    meta = blob["meta"]
    shape = tuple(meta["input_shape"])
    if meta["kind"] == "contrastive":
        with_prototypes = any(k.startswith("prototypes.") for k in blob["state_dict"])
        model: nn.Module = ContrastiveModel(config, shape, int(meta["n_labels"]), with_prototypes)
    else:
        model = SupervisedModel(config, shape, int(meta["n_labels"]))
    model.load_state_dict(blob["state_dict"])
    return model.to(device).eval(), config, meta
