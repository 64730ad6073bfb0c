"""Stage-1 checkpoints: re-run the probe or the analyses without retraining."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from ..files import atomic_write, refuse_existing
from .config import ProbeConfig, TrainConfig
from .models import ContrastiveModel, SupervisedModel

if TYPE_CHECKING:
    from ..data import MultiLabelDataset

__all__ = ["load_checkpoint", "reevaluate_checkpoint", "save_checkpoint"]

_FORMAT = "mlcl-lab-checkpoint-v1"


def save_checkpoint(model: nn.Module, config: TrainConfig, path: str | Path, meta: dict[str, Any]) -> Path:
    """Save weights, the training configuration and ``meta`` (loss, kind, seed, input shape, n_labels).

    Refuses to replace an existing file.
    """
    path = Path(path)
    refuse_existing(path)
    for key in ("loss", "kind", "input_shape", "n_labels"):
        if key not in meta:
            raise ValueError(f"checkpoint meta needs {key!r}")
    with atomic_write(path) as tmp:
        torch.save({"format": _FORMAT, "state_dict": {k: v.cpu() for k, v in model.state_dict().items()},
                    "config": config.to_dict(), "meta": dict(meta)}, tmp)
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


def reevaluate_checkpoint(path: str | Path, dataset: MultiLabelDataset, probe: ProbeConfig | None = None,
                          split_seed: int = 0, train_fraction: float = 1.0, seed: int = 0,
                          device: str = "cpu") -> dict[str, Any]:
    """Re-run stage 2 (contrastive) or the evaluation (supervised) from a saved model.

    Loads the checkpoint, re-encodes the dataset's split (same ``split_seed`` and
    ``train_fraction`` as the run), fits a new probe with ``probe`` (default: the run's
    own probe settings) and returns ``{"metrics": ..., "test_features": ...}`` — no
    retraining of the encoder.
    """
    from ..metrics import classification_metrics
    from .batching import encode
    from .device import resolve_device
    from .prepared import prepare_inputs
    from .probe import fit_linear_probe

    dev = resolve_device(device)
    model, config, meta = load_checkpoint(path, dev)
    data = prepare_inputs(dataset, dev, split_seed=split_seed, train_fraction=train_fraction, config=config)
    if tuple(data.input_shape) != tuple(meta["input_shape"]) or data.labels.shape[1] != int(meta["n_labels"]):
        raise ValueError(f"checkpoint {path} was trained on inputs {meta['input_shape']} with {meta['n_labels']} labels, "
                         f"not on {dataset.name!r} ({tuple(data.input_shape)}, {data.labels.shape[1]} labels)")
    settings = probe or config.probe
    if meta["kind"] == "contrastive":
        feats = {k: encode(model.encoder, data.part(k)) for k in ("train", "val", "test")}
        fitted = fit_linear_probe(feats["train"], data.label_tensor("train"), feats["val"], data.label_tensor("val"),
                                  settings, seed=seed)
        scores = fitted.probe.predict_proba(feats["test"])
    else:
        feats = {"test": encode(model.encoder, data.part("test"))}
        scores = torch.sigmoid(encode(model, data.part("test")))
    metrics = classification_metrics(data.labels_of("test"), scores.cpu().numpy().astype("float64"),
                                     threshold=settings.threshold)
    return {"metrics": metrics, "test_features": feats["test"].cpu().numpy()}
