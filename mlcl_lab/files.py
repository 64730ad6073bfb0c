"""Files mlcl-lab writes: atomic (temp file + fsync + rename) and never overwritten.

Every file of a run or report folder, a cache or a checkpoint goes through this module:

* :func:`atomic_write` yields a temporary path next to the target; whatever the caller
  writes there (``np.savez``, ``torch.save``, ``DataFrame.to_csv``, ``savefig``) becomes
  the target only once it is complete and on disk. A kill -9 or a full disk leaves the
  old state (no file, or the previous file) plus at most a ``.tmp-*`` file, never a
  truncated target.
* :func:`refuse_existing` is the one overwrite guard: what a user or an earlier run
  produced is never replaced unless the caller says ``overwrite=True``.
* :func:`read_json` names the file in every decode error (:class:`CorruptFileError`).

Without ``overwrite`` the final step is ``os.link`` (fails if the target appeared in the
meantime, so two writers never replace each other's file); on a filesystem without hard
links it falls back to ``os.replace`` after a check.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CorruptFileError", "atomic_write", "read_json", "refuse_existing", "to_jsonable", "write_bytes",
           "write_json", "write_text"]

TEMP_PREFIX = ".tmp-"


class CorruptFileError(ValueError):
    """A file exists but cannot be read back (truncated, not JSON, wrong content)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def refuse_existing(path: str | Path) -> None:
    """Raise ``FileExistsError`` if ``path`` exists: outputs are never overwritten."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} already exists; outputs are never overwritten")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_write(path: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path in ``path``'s folder; on success it becomes ``path``.

    The temporary file keeps ``path``'s suffix (libraries such as numpy add a suffix
    when it is missing). On an exception the temporary file is removed and ``path`` is
    untouched. Parent folders are created.
    """
    path = Path(path)
    if not overwrite:
        refuse_existing(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f"{TEMP_PREFIX}{secrets.token_hex(4)}-{path.name}"
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"nothing was written to the temporary file for {path}")
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            _link_new(tmp, path)
        _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def _link_new(tmp: Path, path: Path) -> None:
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"{path} already exists; outputs are never overwritten") from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK, getattr(errno, "EOPNOTSUPP", -1)):
            raise
        refuse_existing(path)
        os.replace(tmp, path)


def write_bytes(path: str | Path, data: bytes, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically; refuse to replace a file unless ``overwrite``."""
    path = Path(path)
    with atomic_write(path, overwrite=overwrite) as tmp:
        tmp.write_bytes(data)
    return path


def write_text(path: str | Path, text: str, overwrite: bool = False) -> Path:
    """UTF-8 text version of :func:`write_bytes`."""
    return write_bytes(path, text.encode("utf-8"), overwrite=overwrite)


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
    """Indented, key-sorted JSON (see :func:`to_jsonable`), written atomically."""
    text = json.dumps(to_jsonable(payload), indent=2, sort_keys=True) + "\n"
    return write_text(path, text, overwrite=overwrite)


def read_json(path: str | Path) -> Any:
    """Parse a JSON file; a missing file is ``FileNotFoundError``, an unreadable one
    :class:`CorruptFileError` naming the file, line and column."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as error:
        raise CorruptFileError(path, f"cannot be read ({error})") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise CorruptFileError(path, f"is not UTF-8 text (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise CorruptFileError(path, f"is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
