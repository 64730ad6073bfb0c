#!/usr/bin/env python
"""Build ``data/yeast.npz`` from Debian's ``r-cran-mlr`` package (no R needed).

The MULAN yeast benchmark (Elisseeff & Weston 2001; 2,417 genes x 103
features, 14 functional-class labels) ships in mlr's lazy-load database
``mlr/data/Rdata.rdb`` as the ``yeast.task`` object. ``yeast.task`` keeps its
data frame in an R environment, which R's lazy-load format stores as a separate
serialized chunk (``env::N``) referenced from the task. We read the index
``Rdata.rdx`` with ``rdata``, locate the environment chunk named inside the
task chunk, decompress it (4-byte length header + zlib) and parse it with
``rdata``; its ``data`` binding is the data frame (columns ``label1..label14``
logical, ``x1..x103`` numeric).

Usage::

    apt-get download r-cran-mlr            # or any mirror of the .deb
    python data/scripts/build_yeast.py r-cran-mlr_2.19.1+dfsg-1_amd64.deb
    python data/scripts/build_yeast.py /path/to/unpacked/root   # dir with usr/lib/R/...

It writes ``data/yeast.npz`` (byte-reproducible) and prints its SHA-256 and
statistics for the data card ``data/README.md``.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tarfile
import tempfile
import warnings
import zlib
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from mlcl_lab.data.dataset import MultiLabelDataset, dataset_statistics  # noqa: E402
from mlcl_lab.data.storage import save_npz_reproducible, sha256_file  # noqa: E402

MLR_DATA = "usr/lib/R/site-library/mlr/data/"
WANTED = ("Rdata.rdb", "Rdata.rdx")
N_SAMPLES, N_FEATURES, N_LABELS = 2417, 103, 14


def _read_ar_members(deb: Path) -> dict[str, bytes]:
    """Members of a Debian ``ar`` archive (name -> bytes)."""
    raw = deb.read_bytes()
    if not raw.startswith(b"!<arch>\n"):
        raise ValueError(f"{deb} is not a Debian package (ar archive)")
    pos, members = 8, {}
    while pos + 60 <= len(raw):
        header = raw[pos : pos + 60]
        name = header[:16].decode().strip().rstrip("/")
        size = int(header[48:58].decode().strip())
        members[name] = raw[pos + 60 : pos + 60 + size]
        pos += 60 + size + (size % 2)
    return members


def _extract_from_deb(deb: Path, out: Path) -> Path:
    """Extract the mlr data files and the copyright file of ``deb`` under ``out``."""
    members = _read_ar_members(deb)
    data_name = next((m for m in members if m.startswith("data.tar")), None)
    if data_name is None:
        raise ValueError(f"{deb}: no data.tar.* member")
    with tarfile.open(fileobj=io.BytesIO(members[data_name])) as tf:
        for member in tf.getmembers():
            name = member.name.lstrip("./")
            if name.startswith(MLR_DATA) or name.endswith("r-cran-mlr/copyright"):
                if member.isfile():
                    target = out / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(tf.extractfile(member).read())
    control = members.get("control.tar.xz") or members.get("control.tar.gz")
    if control is not None:
        with tarfile.open(fileobj=io.BytesIO(control)) as tf:
            for member in tf.getmembers():
                if member.name.lstrip("./") == "control":
                    (out / "DEBIAN_control").write_bytes(tf.extractfile(member).read())
    return out


def _read_lazyload_object(rdb: bytes, offset: int, length: int):
    """Parse one serialized chunk of an R lazy-load database with ``rdata``."""
    import rdata

    chunk = rdb[offset : offset + length]
    payload = zlib.decompress(chunk[4:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = rdata.parser.parse_data(payload)
        return rdata.conversion.convert(parsed), payload


def read_yeast_frame(root: Path):
    """The yeast ``data.frame`` (pandas) from an unpacked r-cran-mlr tree."""
    import rdata

    ddir = root / MLR_DATA
    for name in WANTED:
        if not (ddir / name).is_file():
            raise FileNotFoundError(f"{ddir / name} not found; is {root} an unpacked r-cran-mlr?")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        index = rdata.read_rds(ddir / "Rdata.rdx")
    rdb = (ddir / "Rdata.rdb").read_bytes()
    off, length = (int(v) for v in index["variables"]["yeast.task"])
    # The task chunk holds a persistent reference (PERSISTSXP, unsupported by
    # rdata) to its environment; the reference name is a plain string in it.
    task_payload = zlib.decompress(rdb[off + 4 : off + length])
    env_names = sorted(set(re.findall(rb"env::\d+", task_payload)))
    if len(env_names) != 1:
        raise ValueError(f"expected one environment reference in yeast.task, got {env_names}")
    env_name = env_names[0].decode()
    e_off, e_len = (int(v) for v in index["references"][env_name])
    env, _ = _read_lazyload_object(rdb, e_off, e_len)
    return env["bindings"]["data"]


def frame_to_arrays(df) -> dict[str, np.ndarray]:
    """Split the data frame into float32 features and uint8 labels (validated)."""
    label_cols = [f"label{i}" for i in range(1, N_LABELS + 1)]
    feat_cols = [f"x{i}" for i in range(1, N_FEATURES + 1)]
    missing = [c for c in label_cols + feat_cols if c not in df.columns]
    if missing or df.shape != (N_SAMPLES, N_LABELS + N_FEATURES):
        raise ValueError(f"unexpected yeast frame {df.shape}, missing columns {missing[:5]}")
    if df.isna().to_numpy().any():
        raise ValueError("yeast frame has missing values")
    return {
        "features": df[feat_cols].to_numpy(dtype=np.float64).astype(np.float32),
        "labels": df[label_cols].to_numpy(dtype=bool).astype(np.uint8),
        "feature_names": np.array(feat_cols),
        "label_names": np.array(label_cols),
    }


def _package_version(root: Path) -> str:
    control = root / "DEBIAN_control"
    if control.is_file():
        m = re.search(r"^Version: (.+)$", control.read_text(), re.M)
        if m:
            return m.group(1).strip()
    return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="r-cran-mlr .deb file or unpacked root dir")
    parser.add_argument("--out", type=Path, default=REPO / "data" / "yeast.npz")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.source.is_file():
            root = _extract_from_deb(args.source, Path(tmp))
        else:
            root = args.source
        arrays = frame_to_arrays(read_yeast_frame(root))
        version = _package_version(root)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_npz_reproducible(args.out, arrays)
    ds = MultiLabelDataset(
        name="yeast",
        labels=arrays["labels"],
        label_names=[str(s) for s in arrays["label_names"]],
        modality="vector",
        features=arrays["features"],
    )
    print(f"wrote {args.out}")
    print(f"r-cran-mlr version: {version}")
    print(f"sha256: {sha256_file(args.out)}")
    for key, value in dataset_statistics(ds).items():
        print(f"{key}: {value}")
    print("label counts:", arrays["labels"].sum(0).tolist())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
