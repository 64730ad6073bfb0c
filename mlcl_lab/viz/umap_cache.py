"""umap-learn with numba's on-disk cache turned on for its compiled functions.

umap-learn declares about a hundred numba functions without ``cache=True`` (its layout
optimiser, fuzzy simplicial set, distances), so every process compiles them again on its
first fit: ~18 s on this project's 2-core machines, paid by every report kernel, every
notebook that draws a UMAP and every test process (``benchmarks/bench_umap_start.py``
measures it). :func:`import_umap_learn` switches numba's own cache on for
them (``Dispatcher.enable_caching``, what ``cache=True`` does at definition), so only the
first process on a machine compiles; later ones load the machine code. The cache lives
where numba keeps every ``cache=True`` function: the package's ``__pycache__``, or
``NUMBA_CACHE_DIR``; numba invalidates an entry when the source file or numba changes.
The numbers do not change: a cached function is the function numba compiled (tested on a
toy function in tests/viz/test_umap_cache.py; the benchmark checks umap's coordinates).

``MLCL_LAB_UMAP_CACHE=0`` leaves umap-learn as it is.
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType

__all__ = ["UMAP_CACHE_ENV", "cached_function_count", "enable_numba_cache", "import_umap_learn"]

#: Environment variable: ``0`` leaves umap-learn's numba functions uncached.
UMAP_CACHE_ENV = "MLCL_LAB_UMAP_CACHE"

_enabled_in_process: dict[str, int] = {}


def enable_numba_cache(package: str) -> int:
    """Turn numba's on-disk cache on for every uncached numba function defined in the
    loaded modules of ``package``; the number of functions switched (0 when called again).

    A function defined elsewhere and imported into the package is left to its own module.
    """
    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    switched = 0
    for name, module in list(sys.modules.items()):
        if module is None or not (name == package or name.startswith(package + ".")):
            continue
        for value in list(vars(module).values()):
            if (isinstance(value, Dispatcher) and value.__module__ == name
                    and isinstance(value._cache, NullCache)):
                value.enable_caching()
                switched += 1
    return switched


def import_umap_learn() -> ModuleType:
    """``import umap`` (umap-learn), its numba functions cached on disk unless
    ``MLCL_LAB_UMAP_CACHE=0``. Idempotent; raises ImportError when umap-learn is missing."""
    umap = importlib.import_module("umap")
    if os.environ.get(UMAP_CACHE_ENV, "1") != "0" and "umap" not in _enabled_in_process:
        for sub in ("umap.umap_", "umap.layouts", "umap.distances", "umap.sparse", "umap.spectral", "umap.utils"):
            try:  # the modules whose functions a fit compiles (umap-learn 0.5); one a version lacks is skipped
                importlib.import_module(sub)
            except ModuleNotFoundError:
                continue
        _enabled_in_process["umap"] = enable_numba_cache("umap")
    return umap


def cached_function_count() -> int:
    """Functions switched to the on-disk cache in this process (0 before the first import
    or with ``MLCL_LAB_UMAP_CACHE=0``)."""
    return _enabled_in_process.get("umap", 0)
