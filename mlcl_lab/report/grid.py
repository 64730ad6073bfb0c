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
from .parameters import (
    ParameterError,
    check_parameters,
    check_value,
    grid_parameter_names,
)

__all__ = ["GridSpec", "RunSpec", "GridError", "load_grid", "default_grid_path", "resolve_grid", "expand_grid",
           "params_hash", "GRID_KEYS"]

GRID_KEYS = ("name", "notebook", "datasets", "losses", "seeds", "train_fractions", "parameters", "description",
             "slurm")  # slurm: resources of --executor slurm (report/executors/slurm.py reads it)
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
    source: str = ""      # the grid file it was read from

    @property
    def path(self) -> Path:
        """The grid file (a GridSpec built in code has none)."""
        if not self.source:
            raise ValueError(f"grid {self.name!r} was not read from a file; write it to a YAML file first")
        return Path(self.source)


@dataclass(frozen=True)
class RunSpec:
    """One notebook execution of a grid."""

    name: str             # folder name: dataset__loss__seedN__fracF__hash
    params: dict[str, Any]
    digest: str


def default_grid_path(kind: str = "default") -> Path:
    """The grid files shipped with the package: ``default`` (CPU, minutes), ``cpu`` and ``full``."""
    return grid_file(kind)


def resolve_grid(grid: str | Path) -> Path:
    """A shipped grid name (``default``, ``cpu``, ``full``) or a path to a grid YAML file."""
    path = Path(grid)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise FileNotFoundError(f"grid file {path} does not exist")
        return path
    return default_grid_path(str(grid))


class GridError(ValueError):
    """A grid file that cannot be used; the message names the file (and line, column)."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML loading that refuses a key given twice in one mapping (the last would win)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping", node.start_mark, f"found the key {key!r} twice", key_node.start_mark)
        seen[key] = key_node
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _where(path: Path, node: yaml.Node | None) -> str:
    if node is None:
        return str(path)
    return f"{path}, line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"


def _key_node(root: yaml.Node | None, *keys: str) -> yaml.Node | None:
    """The YAML node of ``root[keys[0]][keys[1]]...`` (the key's node for the last one)."""
    node = root
    for depth, key in enumerate(keys):
        if not isinstance(node, yaml.MappingNode):
            return None
        match = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key), None)
        if match is None:
            return None
        node = match[0] if depth == len(keys) - 1 else match[1]
    return node


def _read_yaml(path: Path) -> tuple[Any, yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise GridError(f"grid file {path} is not UTF-8 text (byte {error.start})") from None
    loader = _UniqueKeyLoader(text)
    try:  # one parse: the node tree (for line/column in later errors), then the values built from it
        root = loader.get_single_node()
        raw = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        problem = " ".join(p for p in (error.context, error.problem) if p)
        raise GridError(f"grid file {path}, {place}: invalid YAML: {problem}") from None
    except yaml.YAMLError as error:
        raise GridError(f"grid file {path}: invalid YAML: {error}") from None
    finally:
        loader.dispose()
    return raw, root


def _axis(raw: dict, root: yaml.Node | None, path: Path, key: str, parameter: str) -> tuple:
    """A grid axis as a tuple, each value checked like the study parameter it feeds."""
    value = raw[key]
    items = value if isinstance(value, list) else [value]
    if not items:
        raise GridError(f"{_where(path, _key_node(root, key))}: grid key {key!r} must not be empty")
    try:
        if parameter in ("losses", "seeds"):
            return tuple(check_value(parameter, items))
        return tuple(check_value(parameter, v) for v in items)
    except ParameterError as error:
        raise GridError(f"{_where(path, _key_node(root, key))}: grid key {key!r}: {error}") from None


def load_grid(path: str | Path) -> GridSpec:
    """Read and validate a grid YAML file, before anything runs.

    Unknown keys (top level or under ``parameters``) name the valid ones; every value is
    checked against the type and range of its study parameter
    (:class:`~mlcl_lab.report.parameters.StudyParameters`); errors name the file, line
    and column.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"grid file {path} does not exist")
    raw, root = _read_yaml(path)
    if not isinstance(raw, dict):
        raise GridError(f"grid file {path} must hold a mapping with keys {', '.join(GRID_KEYS)}")
    unknown = [key for key in raw if key not in GRID_KEYS]
    if unknown:
        raise GridError(f"{_where(path, _key_node(root, str(unknown[0])))}: unknown grid key(s) {unknown}; "
                        f"valid keys: {', '.join(GRID_KEYS)}")
    for key in ("datasets", "losses", "seeds"):
        if key not in raw:
            raise GridError(f"grid file {path}: missing key {key!r}")
    parameters = raw.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise GridError(f"{_where(path, _key_node(root, 'parameters'))}: 'parameters' must be a mapping")
    for name in parameters:
        try:
            check_parameters({name: parameters[name]}, where="grid parameters", allowed=grid_parameter_names())
        except ParameterError as error:
            raise GridError(f"{_where(path, _key_node(root, 'parameters', str(name)))}: {error}") from None
    fractions = _axis({**raw, "train_fractions": raw.get("train_fractions", [1.0])}, root, path, "train_fractions",
                      "train_fraction")
    return GridSpec(
        name=str(raw.get("name", path.stem)),
        datasets=_axis(raw, root, path, "datasets", "dataset"),
        losses=_axis(raw, root, path, "losses", "losses"),
        seeds=_axis(raw, root, path, "seeds", "seeds"),
        train_fractions=fractions,
        parameters=dict(parameters),
        notebook=str(raw.get("notebook", "study.py")),
        description=str(raw.get("description", "")),
        source=str(path),
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
