"""Where a run computes: the device resolver and the recorded software/hardware environment.

One home for both, used by training, UMAP, the grid runner and the CLI.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import numpy as np
import torch

__all__ = ["KEEP_HEAP_ENV", "LAUNCHED_AT_ENV", "VALID_DEVICES", "PhaseTimer", "add_elapsed", "environment_info",
           "keep_heap_memory", "package_version", "resolve_device", "set_threads"]

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


def set_threads(threads: int) -> None:
    """Compute with ``threads`` CPU threads: torch's intra-op threads and every OpenMP/BLAS
    pool loaded (threadpoolctl). Every entry point (the study notebook, so ``mlcl-lab
    study``, a grid and its batches) calls it with the ``threads`` study parameter before
    any computation; an in-process ``run_study`` caller calls it first. Floating-point
    sums depend on the thread count, so equal numbers need equal counts (README:
    Reproducibility). ``threads`` < 1 is ``ValueError``."""
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be an integer >= 1, got {threads!r}")
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads)
    threadpool_limits(limits=threads)


#: Set to 0 to leave the C heap's default policy alone (:func:`keep_heap_memory`).
KEEP_HEAP_ENV = "MLCL_LAB_KEEP_HEAP"
_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4        # glibc's mallopt parameters (malloc.h)
_heap_policy = "default"


def keep_heap_memory() -> str:
    """Let the process keep freed memory for its next allocations (glibc; a no-op elsewhere).

    glibc serves every allocation above 32 MB (and smaller ones, by its dynamic threshold)
    with a fresh ``mmap`` and returns it on free, so each training step page-faults its
    large activations in again: a fashion-mosaic CNN stage (128 × 32 × 56 × 56 floats = 51 MB
    per activation) spent most of its time there (``benchmarks/bench_image_encoders.py``
    measures the two policies side by side). This turns ``mmap`` off for allocations and
    never trims the heap, so the freed memory is reused: the process's resident memory
    stays at its peak, which it reaches anyway. Numbers do not change. Called by the study
    notebook before any computation; ``MLCL_LAB_KEEP_HEAP=0`` turns it off. Returns the
    policy in force ("kept" or "default"), also recorded by :func:`environment_info`.
    """
    import ctypes
    import os

    global _heap_policy
    if os.environ.get(KEEP_HEAP_ENV, "1") == "0" or platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return _heap_policy
    mallopt = ctypes.CDLL(None).mallopt
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # mallopt takes a C int: the largest trim threshold is 2 GiB of free memory at the heap's top
    if mallopt(_M_MMAP_MAX, 0) == 1 and mallopt(_M_TRIM_THRESHOLD, 2**31 - 1) == 1:
        _heap_policy = "kept"
    return _heap_policy


def package_version(module: str, distribution: str) -> str:
    """The version of an installed package: the imported module's ``__version__`` when it
    is imported, else its installed distribution's metadata (the same string), so that
    recording it does not import it (scikit-learn: ~1.2 s, which every kernel of a grid
    paid once only to write its version into params.json)."""
    import sys
    from importlib.metadata import PackageNotFoundError, version

    loaded = sys.modules.get(module)
    if loaded is not None and isinstance(getattr(loaded, "__version__", None), str):
        return loaded.__version__
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def environment_info(device: torch.device) -> dict[str, str]:
    """What the numbers of a run depend on besides its parameters, recorded with every run:
    software versions, platform, device, CPU threads (torch intra-/inter-op, the
    ``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` the process saw), deterministic-algorithm
    and cuDNN flags, default dtype and float32 matmul precision."""
    import os

    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "scipy": package_version("scipy", "scipy"),
        "pandas": package_version("pandas", "pandas"),
        "scikit-learn": package_version("sklearn", "scikit-learn"),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "device": str(device),
        "threads": str(torch.get_num_threads()),
        "interop_threads": str(torch.get_num_interop_threads()),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "unset"),
        "mkl_num_threads": os.environ.get("MKL_NUM_THREADS", "unset"),
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES", "unset"),
        "deterministic_algorithms": str(torch.are_deterministic_algorithms_enabled()),
        "cudnn_deterministic": str(torch.backends.cudnn.deterministic),
        "cudnn_benchmark": str(torch.backends.cudnn.benchmark),
        "default_dtype": str(torch.get_default_dtype()),
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
        "heap_policy": _heap_policy,
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
        info["cuda"] = str(torch.version.cuda)
    return info


#: Environment variable in which an executor passes a kernel the wall-clock time (``time.time()``)
#: at which it launched the notebook (:class:`PhaseTimer`'s ``kernel_start_imports``).
LAUNCHED_AT_ENV = "MLCL_LAB_LAUNCHED_AT"


@contextmanager
def add_elapsed(seconds: dict[str, float], name: str,
                synchronise: Callable[[], None] | None = None) -> Iterator[None]:
    """Add the wall time (``time.perf_counter``) of the block to ``seconds[name]``; the one
    timed-block helper of every phase timer. ``synchronise`` runs before the clock stops
    (e.g. ``torch.cuda.synchronize`` so queued device work counts in its phase)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        if synchronise is not None:
            synchronise()
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start


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

    @classmethod
    def from_seconds(cls, seconds: dict[str, float]) -> PhaseTimer:
        """A timer that starts with ``seconds`` already recorded (and no launch time)."""
        timer = cls.__new__(cls)
        timer.seconds = dict(seconds)
        return timer

    def phase(self, name: str) -> AbstractContextManager[None]:
        return add_elapsed(self.seconds, name)
