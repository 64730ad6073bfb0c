"""Tokenisation for fine-tuned Hugging Face encoders, done once and cached.

Texts are tokenised with the model directory's own tokenizer, truncated and padded to
``max_len`` (paper 2: 300 tokens, paper.md §5.2) and stored as int32 ``input_ids`` and
int8 ``attention_mask`` arrays of shape (N, max_len). The cache is content-addressed:
the file name is the SHA-256 of (cache format, tokenizer files' contents, ``max_len``,
the texts), so a changed text, tokenizer or length is a new file and a hit never needs
re-tokenising. Each file also stores the SHA-256 of its arrays; a read that does not
verify raises :class:`~mlcl_lab.files.CorruptFileError` naming the file. Files are
written through :func:`mlcl_lab.files.atomic_write`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch

from ..files import CorruptFileError, atomic_write
from .hf_text import quiet_transformers

__all__ = ["TOKEN_CACHE_VERSION", "cached_tokenize", "tokenize", "tokenizer_fingerprint"]

TOKEN_CACHE_VERSION = "tokens-v1"
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".h5", ".msgpack", ".onnx", ".ckpt", ".ot")


def tokenizer_fingerprint(model_dir: str | Path) -> str:
    """SHA-256 over the names and bytes of the directory's non-weight files (tokenizer, configs)."""
    digest = hashlib.sha256()
    files = sorted(p for p in Path(model_dir).iterdir() if p.is_file() and not p.name.endswith(_WEIGHT_SUFFIXES))
    for f in files:
        digest.update(f.name.encode() + b"\0" + hashlib.sha256(f.read_bytes()).digest())
    return digest.hexdigest()


def tokenize(texts: list[str], model_dir: str | Path, max_len: int) -> dict[str, np.ndarray]:
    """``{"input_ids": int32 (N, max_len), "attention_mask": int8 (N, max_len)}``.

    Truncated at the end and padded on the right (whatever the tokenizer's default), so
    every mask row is ones then zeros and token 0 is the model's [CLS] / ``<s>``.
    """
    if max_len < 2:
        raise ValueError(f"max_len must be >= 2 tokens, got {max_len}")
    with quiet_transformers() as transformers:
        tok = transformers.AutoTokenizer.from_pretrained(Path(model_dir), local_files_only=True)
    tok.padding_side = "right"  # [CLS] stays at position 0; batches trim trailing padding
    tok.truncation_side = "right"
    enc = tok(list(texts), truncation=True, max_length=max_len, padding="max_length",
              return_attention_mask=True, return_token_type_ids=False, return_tensors="np")
    ids = np.asarray(enc["input_ids"], dtype=np.int64)
    if ids.shape != (len(texts), max_len):
        raise ValueError(f"tokenizer of {model_dir} returned shape {ids.shape}, expected ({len(texts)}, {max_len})")
    if ids.size and (ids.min() < 0 or ids.max() >= 2**31):
        raise ValueError(f"tokenizer of {model_dir} returned token ids outside int32")
    return {"input_ids": ids.astype(np.int32), "attention_mask": np.asarray(enc["attention_mask"], dtype=np.int8)}


def _key(texts: list[str], fingerprint: str, max_len: int) -> str:
    digest = hashlib.sha256(f"{TOKEN_CACHE_VERSION}\0{fingerprint}\0{max_len}\0{len(texts)}\0".encode())
    for t in texts:
        digest.update(hashlib.sha256(t.encode("utf-8")).digest())
    return digest.hexdigest()


def _array_digest(ids: np.ndarray, mask: np.ndarray) -> str:
    digest = hashlib.sha256()
    for a in (ids, mask):
        digest.update(f"{a.dtype.str}{a.shape}".encode() + np.ascontiguousarray(a).tobytes())
    return digest.hexdigest()


def _read(path: Path, key: str, n: int, max_len: int) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as z:
            ids, mask, stored_key, stored_digest = z["input_ids"], z["attention_mask"], str(z["key"]), str(z["digest"])
    except (OSError, ValueError, KeyError, EOFError) as err:
        raise CorruptFileError(path, f"token cache is unreadable ({err}); delete it to re-tokenise") from None
    if stored_key != key:
        raise CorruptFileError(path, "token cache holds another content key; delete it to re-tokenise")
    if ids.shape != (n, max_len) or mask.shape != (n, max_len) or ids.dtype != np.int32 or mask.dtype != np.int8:
        raise CorruptFileError(path, f"token cache arrays are {ids.dtype}{ids.shape} / {mask.dtype}{mask.shape}, "
                                     f"expected int32/int8 ({n}, {max_len}); delete it to re-tokenise")
    if _array_digest(ids, mask) != stored_digest:
        raise CorruptFileError(path, "token cache checksum does not verify; delete it to re-tokenise")
    return {"input_ids": ids, "attention_mask": mask}


def cached_tokenize(texts: list[str], model_dir: str | Path, max_len: int,
                    cache_dir: str | Path | None = None) -> tuple[dict[str, torch.Tensor], Path | None, bool]:
    """Tokenise ``texts`` once per (tokenizer, ``max_len``, texts), reusing the cache under ``cache_dir``.

    Returns ``({"input_ids": int32 (N, max_len), "attention_mask": int8 (N, max_len)} CPU
    tensors, the cache file or None without ``cache_dir``, whether it was a cache hit)``.
    """
    if cache_dir is None:
        arrays = tokenize(texts, model_dir, max_len)
        return {k: torch.from_numpy(v) for k, v in arrays.items()}, None, False
    key = _key(texts, tokenizer_fingerprint(model_dir), max_len)
    path = Path(cache_dir) / "tokens" / f"{key}.npz"
    hit = path.is_file()
    if hit:
        arrays = _read(path, key, len(texts), max_len)
    else:
        arrays = tokenize(texts, model_dir, max_len)
        try:
            with atomic_write(path) as tmp:
                np.savez(tmp, input_ids=arrays["input_ids"], attention_mask=arrays["attention_mask"],
                         key=np.array(key), digest=np.array(_array_digest(arrays["input_ids"], arrays["attention_mask"])))
        except FileExistsError:  # another process wrote the same content first
            arrays = _read(path, key, len(texts), max_len)
    return {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}, path, hit
