"""Files a study run leaves in its folder: params.json, metrics.json, results.csv, history.csv."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..train.checkpoint import save_checkpoint
from ..train.config import TrainConfig
from ..train.study import StudyResult
from .run_folder import write_json

__all__ = ["metrics_payload", "summarise", "write_study_outputs", "METRIC_COLUMNS"]

#: The columns of results.csv after loss/kind/seed/seconds, in this order.
METRIC_COLUMNS = ("hamming_loss", "micro_f1", "macro_f1", "map_macro")


def summarise(results: pd.DataFrame, metrics: tuple[str, ...] = METRIC_COLUMNS) -> pd.DataFrame:
    """Mean and std over seeds per loss: columns ``<metric>_mean``, ``<metric>_std``, ``n_seeds``.

    The std is the sample standard deviation (ddof=1); it is NaN with a single seed.
    """
    present = [m for m in metrics if m in results.columns]
    grouped = results.groupby("loss", sort=False)[present]
    table = grouped.mean().add_suffix("_mean").join(grouped.std(ddof=1).add_suffix("_std"))
    table["n_seeds"] = results.groupby("loss", sort=False)["seed"].nunique()
    ordered = [c for m in present for c in (f"{m}_mean", f"{m}_std")] + ["n_seeds"]
    return table[ordered]


def metrics_payload(study: StudyResult) -> dict[str, Any]:
    """The content of metrics.json: every run's metrics and the per-loss means."""
    results = study.results
    return {
        "dataset": study.dataset,
        "runs": [{"loss": r.loss, "kind": r.kind, "seed": r.seed, "seconds": r.seconds, "metrics": r.metrics, **r.extra}
                 for r in study.runs],
        "summary": {loss: {k: row[k] for k in row.index} for loss, row in summarise(results).iterrows()},
    }


def write_study_outputs(study: StudyResult, out_dir: str | Path, params: dict[str, Any],
                        config: TrainConfig | None = None, extra_metrics: dict[str, Any] | None = None) -> dict[str, Path]:
    """Write params.json, metrics.json, results.csv, history.csv into ``out_dir``, plus
    per run ``embeddings/<loss>-seed<k>.npz`` (test features, scores, labels, indices) and,
    when ``config`` is given, ``checkpoints/<loss>-seed<k>.pt`` (stage-1 or supervised model).

    ``extra_metrics`` is merged into metrics.json (e.g. dataset statistics, geometry).
    Existing files are never replaced (``FileExistsError``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "params": write_json(out / "params.json", params),
        "metrics": write_json(out / "metrics.json", {**metrics_payload(study), **(extra_metrics or {})}),
    }
    for run in study.runs:
        stem = f"{run.loss}-seed{run.seed}"
        emb = out / "embeddings" / f"{stem}.npz"
        emb.parent.mkdir(exist_ok=True)
        if emb.exists():
            raise FileExistsError(f"{emb} already exists; run outputs are never overwritten")
        np.savez_compressed(emb, test_features=run.test_features, test_scores=run.test_scores,
                            test_labels=study.test_labels, test_indices=study.test_indices)
        if config is not None and run.model is not None:
            save_checkpoint(run.model, config, out / "checkpoints" / f"{stem}.pt",
                            {"loss": run.loss, "kind": run.kind, "seed": run.seed, "dataset": study.dataset,
                             "input_shape": list(study.input_shape), "n_labels": int(study.test_labels.shape[1])})
    for name, frame in (("results", study.results), ("history", study.histories)):
        path = out / f"{name}.csv"
        if path.exists():
            raise FileExistsError(f"{path} already exists; run outputs are never overwritten")
        frame.to_csv(path, index=False)
        paths[name] = path
    return paths
