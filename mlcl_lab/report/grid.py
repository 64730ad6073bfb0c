"""Study grids: datasets x losses x seeds x training fractions, one notebook run each.

A grid file (YAML) names the runs; every run is executed by papermill into its own
folder, keyed by a hash of its parameters, so re-running a grid skips finished runs,
retries failed ones in a new attempt folder and never overwrites anything.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..resources import grid_file

__all__ = ["GridSpec", "RunSpec", "load_grid", "default_grid_path", "expand_grid", "params_hash", "GRID_KEYS"]

GRID_KEYS = ("name", "notebook", "datasets", "losses", "seeds", "train_fractions", "parameters", "description")
#: Parameters that do not change what a run computes, left out of its identity hash.
NOT_HASHED = ("output_dir", "device")


@dataclass(frozen=True)
class GridSpec:
    """A parsed grid file."""

    name: str
    datasets: tuple[str, ...]
    losses: tuple[str, ...]
    seeds: tuple[int, ...]
    train_fractions: tuple[float, ...] = (1.0,)
    parameters: dict[str, Any] = field(default_factory=dict)
    notebook: str = "study.py"
    description: str = ""


@dataclass(frozen=True)
class RunSpec:
    """One notebook execution of a grid."""

    name: str             # folder name: dataset__loss__seedN__fracF__hash
    params: dict[str, Any]
    digest: str


def default_grid_path(kind: str = "default") -> Path:
    """The grid files shipped with the package: ``default`` (CPU, minutes) and ``full``."""
    return grid_file(kind)


def _as_tuple(value: Any, key: str, kind: type) -> tuple:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ValueError(f"grid key {key!r} must not be empty")
    try:
        return tuple(kind(v) for v in items)
    except (TypeError, ValueError) as error:
        raise ValueError(f"grid key {key!r}: {error}") from None


def load_grid(path: str | Path) -> GridSpec:
    """Read and validate a grid YAML file; unknown keys name the valid ones."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"grid file {path} does not exist")
    raw = yaml.safe_load(path.read_text())
    if not isinstance(raw, dict):
        raise ValueError(f"grid file {path} must hold a mapping with keys {', '.join(GRID_KEYS)}")
    unknown = sorted(set(raw) - set(GRID_KEYS))
    if unknown:
        raise ValueError(f"grid file {path}: unknown key(s) {unknown}; valid keys: {', '.join(GRID_KEYS)}")
    for key in ("datasets", "losses", "seeds"):
        if key not in raw:
            raise ValueError(f"grid file {path}: missing key {key!r}")
    fractions = _as_tuple(raw.get("train_fractions", [1.0]), "train_fractions", float)
    if any(not 0 < f <= 1 for f in fractions):
        raise ValueError(f"grid file {path}: train_fractions must lie in (0, 1], got {fractions}")
    parameters = raw.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise ValueError(f"grid file {path}: 'parameters' must be a mapping")
    clash = sorted(set(parameters) & {"dataset", "losses", "seeds", "train_fraction", "output_dir"})
    if clash:
        raise ValueError(f"grid file {path}: parameters {clash} are set by the grid axes, not by 'parameters'")
    return GridSpec(
        name=str(raw.get("name", path.stem)),
        datasets=_as_tuple(raw["datasets"], "datasets", str),
        losses=_as_tuple(raw["losses"], "losses", str),
        seeds=_as_tuple(raw["seeds"], "seeds", int),
        train_fractions=fractions,
        parameters=dict(parameters),
        notebook=str(raw.get("notebook", "study.py")),
        description=str(raw.get("description", "")),
    )


def params_hash(params: dict[str, Any]) -> str:
    """12 hex digits of SHA-256 over the canonical JSON of the identity parameters."""
    identity = {k: v for k, v in params.items() if k not in NOT_HASHED}
    blob = json.dumps(identity, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


def expand_grid(grid: GridSpec) -> list[RunSpec]:
    """Every (dataset, loss, seed, fraction) of the grid as a run, in a stable order."""
    runs = []
    for dataset, fraction, loss, seed in itertools.product(grid.datasets, grid.train_fractions, grid.losses, grid.seeds):
        params = {**grid.parameters, "dataset": dataset, "losses": [loss], "seeds": [seed], "train_fraction": fraction}
        digest = params_hash(params)
        name = f"{dataset}__{loss}__seed{seed}__frac{fraction:g}__{digest}"
        runs.append(RunSpec(name, params, digest))
    return runs
