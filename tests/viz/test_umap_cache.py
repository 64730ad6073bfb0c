"""mlcl_lab.viz.umap_cache: numba's on-disk cache switched on for functions declared without it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from mlcl_lab.viz.umap_cache import UMAP_CACHE_ENV, cached_function_count, enable_numba_cache, import_umap_learn

pytest.importorskip("numba")

TOY = textwrap.dedent("""
    import numba
    import numpy as np

    @numba.njit
    def weighted_sum(x, w):
        total = 0.0
        for i in range(x.shape[0]):
            total += x[i] * w[i]
        return total

    @numba.njit(cache=True)
    def already_cached(x):
        return x.sum()

    from math import sqrt  # not a numba function: left alone
""")

CALL = textwrap.dedent("""
    import json, sys
    import numpy as np
    sys.path.insert(0, sys.argv[1])
    import toypkg.kernels as k
    from mlcl_lab.viz.umap_cache import enable_numba_cache
    switched = enable_numba_cache("toypkg")
    value = k.weighted_sum(np.arange(5.0), np.linspace(0.1, 0.5, 5))
    print(json.dumps({"switched": switched, "value": value,
                      "hits": sum(k.weighted_sum.stats.cache_hits.values()),
                      "misses": sum(k.weighted_sum.stats.cache_misses.values())}))
""")


def _call(root) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    out = subprocess.run([sys.executable, "-c", CALL, str(root)], env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_uncached_function_is_compiled_once_then_loaded_with_the_same_value(tmp_path):
    package = tmp_path / "toypkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "kernels.py").write_text(TOY)
    first, second = _call(tmp_path), _call(tmp_path)
    assert first["switched"] == 1  # weighted_sum only: already_cached has its own cache, sqrt is not numba
    assert first["misses"] == 1 and first["hits"] == 0  # compiled, then written
    assert any(p.suffix == ".nbi" and "weighted_sum" in p.name for p in package.rglob("*"))
    assert second["hits"] == 1 and second["misses"] == 0  # loaded in a fresh process
    assert first["value"] == second["value"] == pytest.approx(sum(i * w for i, w in zip(range(5), (0.1, 0.2, 0.3, 0.4, 0.5))))


def test_enabling_twice_switches_nothing_more(tmp_path, monkeypatch):
    package = tmp_path / "toypkg2"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "kernels.py").write_text(TOY)
    monkeypatch.syspath_prepend(str(tmp_path))
    import toypkg2.kernels  # noqa: F401

    assert enable_numba_cache("toypkg2") == 1
    assert enable_numba_cache("toypkg2") == 0


def test_umap_learn_functions_cached_unless_switched_off():
    pytest.importorskip("umap")
    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    if os.environ.get(UMAP_CACHE_ENV) == "0":
        pytest.skip(f"{UMAP_CACHE_ENV}=0 in this environment")
    import_umap_learn()
    import umap.layouts

    assert cached_function_count() > 50  # umap-learn 0.5 declares ~110 without cache=True
    layout = [f for f in vars(umap.layouts).values() if isinstance(f, Dispatcher) and f.__module__ == "umap.layouts"]
    assert layout and not any(isinstance(f._cache, NullCache) for f in layout)  # the layout optimiser among them
    env = {**os.environ, UMAP_CACHE_ENV: "0"}
    code = "from mlcl_lab.viz.umap_cache import import_umap_learn, cached_function_count; import_umap_learn(); print(cached_function_count())"
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "0"
