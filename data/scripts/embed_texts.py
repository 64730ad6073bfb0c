#!/usr/bin/env python
"""Pre-fill the text-embedding cache of a text dataset (all-MiniLM-L6-v2).

Usage::

    python data/scripts/embed_texts.py debtags [--cache-dir DIR] [--device cpu|cuda]
    python data/scripts/embed_texts.py aapd --path /data/aapd

Prints how many distinct texts were encoded now (0 on a full cache hit) and the
throughput of this run. Later ``encoder_inputs(ds, cache_dir)`` calls read
the cache only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mlcl_lab.data import MiniLMEncoder, load_dataset  # noqa: E402
from mlcl_lab.data.text_encoders import cached_encode  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset")
    ap.add_argument("--path", default=None, help="path= for local datasets")
    ap.add_argument("--cache-dir", default=None)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch-size", type=int, default=128)
    args = ap.parse_args(argv)
    kwargs = {"path": args.path} if args.path else {}
    ds = load_dataset(args.dataset, **kwargs)
    if ds.modality != "text":
        raise SystemExit(f"{args.dataset} is a {ds.modality} dataset, not text")
    enc = MiniLMEncoder(device=args.device, batch_size=args.batch_size)
    t0 = time.perf_counter()
    emb, n_new = cached_encode(ds.texts, enc, ds.name, args.cache_dir)
    dt = time.perf_counter() - t0
    print(f"{ds.name}: {len(ds.texts)} texts -> {emb.shape}, encoded now: {n_new} "
          f"in {dt:.1f} s ({n_new / dt if dt else 0:.0f} texts/s incl. model load)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
