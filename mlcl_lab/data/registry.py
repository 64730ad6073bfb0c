"""Dataset registry: names, descriptions, loaders and how to obtain each one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .dataset import MultiLabelDataset


@dataclass(frozen=True)
class DatasetEntry:
    """One registered dataset.

    modality: "vector" | "text" | "image" (empty when it depends on arguments).
    kind: "builtin" (ships in data/), "generated", "installable" (needs an
    optional package) or "local" (reads files the user downloads; ``path=``).
    how_to_get: the command or download instruction when it is not available.
    is_available: cheap check (no loading) whether it can be loaded now.
    check: for "local" datasets, ``check(path)`` raises
    :class:`~mlcl_lab.data.errors.DatasetNotFoundError` (with ``how_to_get``) when the
    files the loader needs are not under ``path``, without parsing them; ``None``: only
    the existence of ``path`` is checked.
    folder: the conventional sub-folder of a data root (``$MLCL_LAB_DATA``) holding
    this dataset, for datasets that read a folder (see ``data/README.md``).
    """

    name: str
    description: str
    loader: Callable[..., MultiLabelDataset]
    kind: str
    how_to_get: str = ""
    modality: str = ""
    is_available: Callable[[], bool] = lambda: True
    check: Callable[[Any], Any] | None = None
    folder: str = ""


_REGISTRY: dict[str, DatasetEntry] = {}


def register(entry: DatasetEntry) -> None:
    """Add ``entry`` (names are unique)."""
    if entry.name in _REGISTRY:
        raise ValueError(f"dataset {entry.name!r} is already registered")
    _REGISTRY[entry.name] = entry


def get_entry(name: str) -> DatasetEntry:
    """The entry for ``name``; unknown name -> ValueError listing valid names."""
    if name not in _REGISTRY:
        raise ValueError(f"unknown dataset {name!r}; valid names: {sorted(_REGISTRY)}")
    return _REGISTRY[name]


def entries() -> list[DatasetEntry]:
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def available_datasets() -> dict[str, str]:
    """name -> one-line description, for every registered dataset."""
    return {e.name: e.description for e in entries()}


def load_dataset(name: str, **kwargs: Any) -> MultiLabelDataset:
    """Load a dataset by name; ``kwargs`` go to its loader (e.g. ``path=`` for local data).

    Raises ValueError for an unknown name (listing the valid names) or invalid kwargs.
    """
    entry = get_entry(name)
    if entry.kind == "local" and kwargs.get("path") is None:
        from .errors import DatasetNotFoundError

        raise DatasetNotFoundError(
            f"dataset {name!r} reads local files: pass path=... . {entry.how_to_get}"
        )
    try:
        return entry.loader(**kwargs)
    except TypeError as err:
        if "unexpected keyword" in str(err) or "positional argument" in str(err):
            raise ValueError(
                f"dataset {name!r}: invalid arguments {sorted(kwargs)}: {err}"
            ) from err
        raise
