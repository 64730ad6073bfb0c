"""Run folders: one new folder per run, never reused, never overwritten."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["new_run_folder", "write_json", "to_jsonable"]


def new_run_folder(root: str | Path, prefix: str = "") -> Path:
    """Create and return ``root/[prefix-]YYYYmmdd-HHMMSS-<6 hex>``.

    The folder is created with ``exist_ok=False``: a clash (same second, same random
    id) retries with a new id instead of reusing a folder.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        stamp = time.strftime("%Y%m%d-%H%M%S")
        name = f"{prefix}-{stamp}-{secrets.token_hex(3)}" if prefix else f"{stamp}-{secrets.token_hex(3)}"
        path = root / name
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise RuntimeError(f"could not create a new run folder under {root}")


def to_jsonable(value: Any) -> Any:
    """Convert numpy scalars/arrays, tuples and paths to JSON types; float NaN becomes null."""
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, np.generic):
        return to_jsonable(value.item())
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(path: str | Path, payload: Any, overwrite: bool = False) -> Path:
    """Write ``payload`` as indented JSON; refuse to replace an existing file unless asked."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; run outputs are never overwritten")
    path.write_text(json.dumps(to_jsonable(payload), indent=2, sort_keys=True) + "\n")
    return path
