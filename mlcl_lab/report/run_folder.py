"""Run folders: one new folder per run, never reused, never overwritten."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from .. import files
from ..files import to_jsonable

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


def write_json(path: str | Path, payload: Any, overwrite: bool = False) -> Path:
    """Write ``payload`` as indented JSON, atomically; refuse to replace an existing file unless asked."""
    return files.write_json(path, payload, overwrite=overwrite)
