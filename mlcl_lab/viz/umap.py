"""UMAP embeddings with a backend switch: torchdr (GPU when available) or umap-learn.

* ``torchdr``: PyTorch implementation, runs on CUDA when available. Its kNN graph uses
  faiss (``faiss-cpu``) when installed; without faiss the dense path needs O(N^2)
  memory (it ran out of memory at N = 100k on an 80 GB H100), so above
  ``DENSE_KNN_MAX_N`` points faiss is required.
* ``umap-learn``: the CPU reference. Single-threaded when a seed is given; numba
  compiles its functions once per machine, not once per process
  (:mod:`mlcl_lab.viz.umap_cache`: ~18 s otherwise on the first fit of each process).
* ``auto``: torchdr on CUDA when CUDA is available (or requested) and torchdr is
  installed; otherwise umap-learn when installed; otherwise torchdr on CPU. The choice
  is logged (logger ``mlcl_lab.viz.umap``) and returned with ``return_info=True``.
  On the CPU umap-learn stays the default: it is the reference, and torchdr's many
  small tensor ops suffer from OpenMP oversubscription on busy machines (pass
  ``num_threads=1`` there; see benchmarks/bench_geometry.py).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import time
from typing import Any

import numpy as np
import torch

from mlcl_lab.metrics._validation import ArrayLike, as_embeddings
from mlcl_lab.runtime import resolve_device
from mlcl_lab.viz.umap_cache import import_umap_learn

logger = logging.getLogger(__name__)

BACKENDS = ("auto", "torchdr", "umap-learn")
DENSE_KNN_MAX_N = 50_000


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _resolve_device(device: str) -> str:
    """The device name a UMAP fit runs on (:func:`mlcl_lab.runtime.resolve_device`)."""
    return str(resolve_device(device))


def _resolve_backend(backend: str, device: str) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r} is not valid; choose one of {list(BACKENDS)}")
    if backend == "torchdr" and not _installed("torchdr"):
        raise ValueError(
            "backend='torchdr' needs the torchdr package: pip install torchdr faiss-cpu"
        )
    if backend == "umap-learn":
        if not _installed("umap"):
            raise ValueError(
                "backend='umap-learn' needs the umap-learn package: pip install umap-learn"
            )
        if device != "cpu":
            raise ValueError(
                "umap-learn runs on the CPU only; use device='cpu' or backend='torchdr'"
            )
        return backend
    if backend == "auto":
        if device != "cpu" and _installed("torchdr"):
            return "torchdr"
        if device == "cpu" and _installed("umap"):
            return "umap-learn"
        if _installed("torchdr"):
            return "torchdr"
        raise ValueError(
            "no UMAP backend installed: pip install umap-learn (CPU) or torchdr faiss-cpu (GPU)"
        )
    return backend


@contextlib.contextmanager
def _limited_threads(num_threads: int | None):
    """Temporarily cap torch's (and faiss's, when installed) CPU threads."""
    if num_threads is None:
        yield
        return
    faiss = importlib.import_module("faiss") if _installed("faiss") else None
    prev_torch = torch.get_num_threads()
    prev_faiss = faiss.omp_get_max_threads() if faiss is not None else None
    torch.set_num_threads(num_threads)
    if faiss is not None:
        faiss.omp_set_num_threads(num_threads)
    try:
        yield
    finally:
        torch.set_num_threads(prev_torch)
        if faiss is not None:
            faiss.omp_set_num_threads(prev_faiss)


def _fit_umap_learn(
    x: np.ndarray, seed: int | None, n_neighbors: int, min_dist: float, kw: dict
) -> np.ndarray:
    umap = import_umap_learn()  # lazy: heavy import (numba's compilation cached on disk)

    model = umap.UMAP(
        n_components=2, n_neighbors=n_neighbors, min_dist=min_dist, random_state=seed, **kw
    )
    # umap-learn's numba/pynndescent parallel code resets the process's OpenMP thread count
    # (measured: torch.get_num_threads() 1 -> 2 on 2 cores with OMP_NUM_THREADS=1), which would
    # change the numbers of any later training in the same process: restore torch's setting
    threads = torch.get_num_threads()
    try:
        return np.asarray(model.fit_transform(x), dtype=np.float32)
    finally:
        torch.set_num_threads(threads)


def _fit_torchdr(
    x: torch.Tensor, seed: int | None, n_neighbors: int, min_dist: float, device: str, kw: dict
) -> tuple[np.ndarray, str]:
    import torchdr  # lazy

    knn = "faiss" if _installed("faiss") else None
    if knn is None and x.shape[0] > DENSE_KNN_MAX_N:
        raise ValueError(
            f"torchdr without faiss uses a dense O(N^2) kNN graph; N={x.shape[0]} > "
            f"{DENSE_KNN_MAX_N} needs faiss: pip install faiss-cpu"
        )
    model = torchdr.UMAP(
        n_components=2,
        n_neighbors=n_neighbors,
        min_dist=min_dist,
        random_state=seed,
        device=device,
        backend=knn,
        **kw,
    )
    out = model.fit_transform(x)
    if isinstance(out, torch.Tensor):
        out = out.detach().cpu().numpy()
    return np.asarray(out, dtype=np.float32), str(knn or "dense")


def umap_embed(
    z: ArrayLike,
    backend: str = "auto",
    device: str = "auto",
    seed: int | None = 0,
    *,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    return_info: bool = False,
    num_threads: int | None = None,
    **backend_kwargs: Any,
) -> np.ndarray | tuple[np.ndarray, dict]:
    """2-D UMAP of embeddings.

    Args:
        z: (N, D) embeddings (numpy or torch, any device), N >= 4, finite.
        backend: "auto", "torchdr" or "umap-learn" (see module docstring).
        device: "auto" (CUDA if available; always CPU for umap-learn), "cpu" or
            "cuda[:i]".
        seed: random seed (None: unseeded; lets umap-learn use several threads).
        n_neighbors: kNN graph size, clipped to N - 2 (torchdr needs k < N - 1).
        min_dist: UMAP min_dist.
        return_info: also return {"backend", "device", "knn", "n_neighbors", "seconds"}
            ("seconds": the fit, without the backend's import).
        num_threads: torch and faiss CPU threads during a torchdr fit (restored);
            None keeps the current setting. On a busy or small CPU, 1 avoids OpenMP
            oversubscription (measured: digits fit 128 s with 2 threads vs 7 s with 1
            on 2 cores shared with other jobs).
        **backend_kwargs: passed to the backend's UMAP class (e.g. max_iter for torchdr,
            n_epochs for umap-learn).

    Returns:
        (N, 2) float32 numpy array (and the info dict with ``return_info=True``).
    """
    x = as_embeddings(z, "z", min_rows=4)
    if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, int) or n_neighbors < 2:
        raise ValueError(f"n_neighbors must be an int >= 2, got {n_neighbors!r}")
    if num_threads is not None and (
        isinstance(num_threads, bool) or not isinstance(num_threads, int) or num_threads < 1
    ):
        raise ValueError(f"num_threads must be a positive int or None, got {num_threads!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"seed must be an int or None, got {seed!r}")
    if backend == "umap-learn" and device == "auto":
        device = "cpu"  # umap-learn has no GPU path; "auto" must not pick CUDA for it
    dev = _resolve_device(device)
    chosen = _resolve_backend(backend, dev)
    k = min(n_neighbors, x.shape[0] - 2)
    if chosen == "umap-learn":  # untimed imports
        import_umap_learn()
    else:
        importlib.import_module("torchdr")
    start = time.perf_counter()
    if chosen == "umap-learn":
        xy = _fit_umap_learn(
            x.detach().cpu().numpy().astype(np.float32), seed, k, min_dist, backend_kwargs
        )
        knn = "pynndescent"
    else:
        xt = x.detach().to(dtype=torch.float32, device=dev)
        with _limited_threads(num_threads):
            xy, knn = _fit_torchdr(xt, seed, k, min_dist, dev, backend_kwargs)
    info = {
        "backend": chosen,
        "device": dev,
        "knn": knn,
        "n_neighbors": k,
        "seconds": time.perf_counter() - start,
    }
    logger.info("umap_embed: backend=%s device=%s knn=%s N=%d", chosen, dev, knn, x.shape[0])
    if not np.isfinite(xy).all():
        raise ValueError(f"UMAP backend {chosen} returned non-finite coordinates")
    return (xy, info) if return_info else xy
