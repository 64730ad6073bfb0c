"""A dataset as the grid, CLI and notebook name it (CONTRACT interface 5; issue 12 item 1).

A spec is a registry name (``"yeast"``) or a mapping
(``{name: voc2007, path: /data/voc, image_size: 224}``). Options are the loader's keyword
arguments (checked against its signature: an unknown name is an error listing the valid
ones) plus ``split_files`` (``{train: f, val: f, test: f}`` index files, see
:mod:`mlcl_lab.data.user_split`), which the spec applies after loading.

Data root: ``data_root`` (argument), else ``$MLCL_LAB_DATA``. A dataset that reads a
folder (the paper datasets) and is given no ``path`` gets ``<data root>/<its folder>``
(``DatasetEntry.folder``, listed in ``data/README.md``); a relative ``path`` or
``split_files`` entry is taken relative to the data root when there is one, else to the
current folder. Paths are stored absolute.

Identity (what enters a run's params hash): the name and every option, except that each
data path (``path``, ``root``, ``xml_path``, ``split_files`` entries) is replaced by the
checksum of what it points to (:func:`mlcl_lab.data.checksum.data_checksum`), so moving a
folder does not redo finished runs while changing its content does.
"""

from __future__ import annotations

import inspect
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ..files import to_jsonable
from .dataset import MultiLabelDataset
from .errors import DatasetNotFoundError, DatasetUnavailable
from .registry import DatasetEntry, get_entry, load_dataset

PATH_OPTIONS = ("path", "root", "xml_path")
SPEC_OPTIONS = ("split_files",)
DATA_ROOT_ENV = "MLCL_LAB_DATA"
_LABEL_MAX = 64


def loader_options(entry: DatasetEntry) -> list[str]:
    """Keyword names ``entry.loader`` accepts (its signature)."""
    params = inspect.signature(entry.loader).parameters.values()
    return [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def data_root_from(data_root: str | Path | None) -> Path | None:
    """``data_root``, else ``$MLCL_LAB_DATA``, else ``None``."""
    if data_root is not None:
        return Path(data_root).expanduser()
    env = os.environ.get(DATA_ROOT_ENV)
    return Path(env).expanduser() if env else None


def _absolute(value: Any, root: Path | None, what: str) -> str:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"dataset option {what!r} must be a path, got {type(value).__name__}")
    p = Path(value).expanduser()
    if not p.is_absolute():
        p = (root if root is not None else Path.cwd()) / p
    return str(p)


@dataclass(frozen=True)
class DatasetSpec:
    """A validated dataset name + options (see the module docstring)."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: str | Mapping[str, Any] | DatasetSpec,
              data_root: str | Path | None = None) -> DatasetSpec:
        """A spec from a name or a mapping with a ``name`` key.

        Raises:
            ValueError: unknown dataset (listing the names), unknown option (listing the
                loader's options), option values that are not JSON data.
            TypeError: a value of the wrong shape (not a str/mapping, a non-path path).
        """
        if isinstance(value, DatasetSpec):
            return value  # already validated; keeps its computed identity
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, Mapping):
            raise TypeError(f"a dataset is a name or a mapping with a 'name' key, got "
                            f"{type(value).__name__}")
        opts = dict(value)
        name = opts.pop("name", None)
        if not isinstance(name, str) or not name:
            raise ValueError(f"dataset mapping needs a 'name' (str), got {dict(value)!r}")
        entry = get_entry(name)  # unknown name -> ValueError listing the valid names
        valid = loader_options(entry) + list(SPEC_OPTIONS)
        unknown = sorted(k for k in opts if k not in valid)
        if unknown:
            raise ValueError(f"dataset {name!r}: unknown option(s) {unknown}; valid options: "
                             f"{sorted(valid)}")
        root = data_root_from(data_root)
        if "path" in valid and opts.get("path") is None and root is not None and entry.folder:
            opts["path"] = root / entry.folder
        for key in PATH_OPTIONS:
            if opts.get(key) is not None:
                opts[key] = _absolute(opts[key], root, key)
        if opts.get("split_files") is not None:
            files = opts["split_files"]
            if not isinstance(files, Mapping):
                raise TypeError(f"dataset {name!r}: split_files must map part -> index file")
            opts["split_files"] = {str(k): _absolute(v, root, f"split_files.{k}")
                                   for k, v in files.items()}
        opts = {k: v for k, v in opts.items() if v is not None}
        if to_jsonable(opts) != _plain(opts):
            raise ValueError(f"dataset {name!r}: option values must be JSON data "
                             f"(str, number, bool, list, mapping), got {opts!r}")
        return cls(name, opts)

    def __hash__(self) -> int:
        return hash((self.name, json.dumps(to_jsonable(self.options), sort_keys=True)))

    def as_mapping(self) -> dict[str, Any]:
        """``{"name": ..., **options}`` (paths absolute): what :meth:`parse` reads back."""
        return {"name": self.name, **to_jsonable(self.options)}

    @property
    def entry(self) -> DatasetEntry:
        return get_entry(self.name)

    def _data_paths(self) -> dict[str, str]:
        paths = {k: self.options[k] for k in PATH_OPTIONS if k in self.options}
        for part, f in self.options.get("split_files", {}).items():
            paths[f"split_files.{part}"] = f
        return paths

    @property
    def label(self) -> str:
        """Folder-safe label: the name plus the non-path options (hashed when long)."""
        rest = {k: v for k, v in sorted(self.options.items())
                if k not in PATH_OPTIONS and k not in SPEC_OPTIONS}
        text = "-".join([self.name] + [f"{k}={_short(v)}" for k, v in rest.items()])
        if "split_files" in self.options:
            text += "-split_files"
        text = re.sub(r"[^A-Za-z0-9._=-]+", "_", text)
        if len(text) > _LABEL_MAX:
            import hashlib

            digest = hashlib.sha256(repr(sorted(rest.items())).encode()).hexdigest()[:10]
            text = f"{re.sub(r'[^A-Za-z0-9._-]+', '_', self.name)}-{digest}"
        return text

    @cached_property
    def _identity(self) -> dict[str, Any]:
        from .checksum import data_checksum

        opts = {k: v for k, v in self.options.items()
                if k not in PATH_OPTIONS and k != "split_files"}
        ident: dict[str, Any] = {"name": self.name, "options": to_jsonable(opts)}
        checks = {}
        for key, p in self._data_paths().items():
            try:
                checks[key] = data_checksum(p)
            except FileNotFoundError:
                self.check()  # raises with the download instructions
                raise
        if checks:
            ident["data_checksums"] = checks
        return ident

    def identity(self) -> dict[str, Any]:
        """What enters a run's params hash: name, options without paths, data checksums.

        Computed once per spec object (a folder walk + cached file digests): parse a
        dataset once per grid and reuse the spec for all its runs.
        """
        return dict(self._identity)

    def check(self) -> None:
        """Fail before anything runs when the data cannot be loaded here.

        Raises:
            DatasetUnavailable (or its subclass DatasetNotFoundError) with the loader's
            download / install instructions: a missing package, a local dataset without a
            path, a path (or split index file) that does not exist, a folder that lacks the
            files the loader reads (checked by name, nothing is parsed).
        """
        entry = self.entry
        if entry.kind == "installable" and "root" not in self.options \
                and not entry.is_available():
            raise DatasetUnavailable(f"dataset {self.name!r} is not available here. "
                                     f"{entry.how_to_get}")
        if entry.kind == "local":
            path = self.options.get("path")
            if path is None:
                hint = (f" or a data root (--data-root / ${DATA_ROOT_ENV}) holding "
                        f"{entry.folder}/" if entry.folder else "")
                raise DatasetNotFoundError(f"dataset {self.name!r} reads local files: give "
                                           f"path=...{hint}. {entry.how_to_get}")
            if entry.check is not None:
                entry.check(path)
            elif not Path(path).exists():
                raise DatasetNotFoundError(f"dataset {self.name!r}: {path} does not exist. "
                                           f"{entry.how_to_get}")
        for key, p in self._data_paths().items():
            if not Path(p).exists():
                raise DatasetNotFoundError(f"dataset {self.name!r}: {key} {p} does not exist. "
                                           f"{entry.how_to_get}")

    def load(self) -> MultiLabelDataset:
        """:meth:`check`, then the loader with the options, then ``split_files`` if given."""
        self.check()
        opts = {k: v for k, v in self.options.items() if k not in SPEC_OPTIONS}
        ds = load_dataset(self.name, **opts)
        if "split_files" in self.options:
            from .user_split import with_split_files

            ds = with_split_files(ds, self.options["split_files"])
        return ds


def parse_option_strings(items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """``["path=/data/voc", "image_size=224"]`` (CLI ``--data k=v``) -> an options mapping.

    Values are read as YAML scalars/flow collections, as in a grid file (``224`` -> int,
    ``true`` -> bool, ``[0, 1]`` -> list, anything else a string); a key given twice or an
    item without ``=`` is a ValueError naming it.
    """
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"dataset option {item!r} must be key=value")
        if key in out:
            raise ValueError(f"dataset option {key!r} given twice")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        out[key] = raw if value is None and raw.strip() not in ("null", "~") else value
    return out


def load_spec(value: str | Mapping[str, Any] | DatasetSpec,
              data_root: str | Path | None = None) -> MultiLabelDataset:
    """``DatasetSpec.parse(value, data_root).load()``: the one call entry points use."""
    return DatasetSpec.parse(value, data_root).load()


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return object()  # never equal: not JSON data


def _short(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(_short(v) for v in value)
    return str(value)
