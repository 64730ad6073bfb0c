"""Where a run computes: the device resolver and the recorded software/hardware environment.

One home for both, used by training, UMAP, the grid runner and the CLI.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch

__all__ = ["LAUNCHED_AT_ENV", "VALID_DEVICES", "PhaseTimer", "environment_info", "resolve_device"]

VALID_DEVICES = ("auto", "cpu", "cuda", "cuda:<index>")


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Map ``"auto" | "cpu" | "cuda" | "cuda:N"`` to a ``torch.device``.

    ``"auto"`` is CUDA when available, else CPU. Asking for CUDA on a machine without
    it is an error, never a silent fallback.
    """
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str):
        raise TypeError(f"device must be a string, got {type(device).__name__}")
    name = device.strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or (name.startswith("cuda:") and name[5:].isdigit()):
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} requested but CUDA is not available on this machine; use 'cpu' or 'auto'")
        index = int(name[5:]) if ":" in name else 0
        if index >= torch.cuda.device_count():
            raise ValueError(f"device {device!r}: only {torch.cuda.device_count()} CUDA device(s) present")
        return torch.device(name)
    raise ValueError(f"unknown device {device!r}; valid devices: {', '.join(VALID_DEVICES)}")


def environment_info(device: torch.device) -> dict[str, str]:
    """Software versions and device, recorded with every run."""
    import pandas as pd
    import sklearn

    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
        "platform": platform.platform(),
        "device": str(device),
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info


#: Environment variable in which an executor passes a kernel the wall-clock time (``time.time()``)
#: at which it launched the notebook (:class:`PhaseTimer`'s ``kernel_start_imports``).
LAUNCHED_AT_ENV = "MLCL_LAB_LAUNCHED_AT"


class PhaseTimer:
    """Seconds per named phase of a run (``RunResult.timings`` style), measured with
    ``time.perf_counter``; a phase timed twice adds up.

    Created at the end of a notebook's imports in a notebook launched by an executor
    (which sets :data:`LAUNCHED_AT_ENV`), it records ``kernel_start_imports``: the seconds
    from the launch (papermill, kernel start, imports) to now.

    Example:
        >>> timer = PhaseTimer()
        >>> with timer.phase("data_load"):
        ...     pass
        >>> "data_load" in timer.seconds
        True
    """

    def __init__(self) -> None:
        import os

        self.seconds: dict[str, float] = {}
        launched = os.environ.get(LAUNCHED_AT_ENV)
        if launched:
            self.seconds["kernel_start_imports"] = max(0.0, time.time() - float(launched))

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
