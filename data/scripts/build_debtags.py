#!/usr/bin/env python
"""Build ``data/debtags.json.gz``: Debian short descriptions -> debtags facet tags.

Input: the output of ``apt-cache dumpavail`` (run here when no file is given),
i.e. every package stanza of the configured apt sources. Processing (documented
in ``data/README.md``):

1. keep stanzas with a ``Tag:`` field; first stanza per package name wins;
2. text = the short description (first line of ``Description:``), stripped;
3. tags = the comma-separated ``Tag:`` values (continuation lines joined);
4. keep tags carried by >= ``--min-tag-count`` (default 20) packages, then drop
   packages left without tags;
5. sort packages by name; write gzip-compressed JSON with ``mtime=0`` and
   sorted keys so the same input gives byte-identical output.

Usage::

    python data/scripts/build_debtags.py [--dumpavail FILE] [--date YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import collections
import gzip
import io
import json
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from mlcl_lab.data.storage import sha256_file  # noqa: E402


def parse_dumpavail(text: str) -> list[tuple[str, str, list[str]]]:
    """(package, short description, tags) for every tagged stanza, first per package."""
    seen: set[str] = set()
    out = []
    for stanza in re.split(r"\n\s*\n", text):
        tag_m = re.search(r"^Tag: (.*(?:\n[ \t].*)*)", stanza, re.M)
        name_m = re.search(r"^Package: (\S+)", stanza, re.M)
        desc_m = re.search(r"^Description: (.*)$", stanza, re.M)
        if not (tag_m and name_m and desc_m) or name_m.group(1) in seen:
            continue
        seen.add(name_m.group(1))
        tags = [t.strip() for t in tag_m.group(1).replace("\n", " ").split(",") if t.strip()]
        out.append((name_m.group(1), desc_m.group(1).strip(), sorted(set(tags))))
    return out


def build(records: list[tuple[str, str, list[str]]], min_tag_count: int) -> dict:
    counts = collections.Counter(t for _, _, tags in records for t in tags)
    kept = sorted(t for t, c in counts.items() if c >= min_tag_count)
    col = {t: j for j, t in enumerate(kept)}
    packages, texts, labels = [], [], []
    for name, desc, tags in sorted(records):
        idx = sorted(col[t] for t in tags if t in col)
        if idx:
            packages.append(name)
            texts.append(desc)
            labels.append(idx)
    return {
        "n_tagged_packages_raw": len(records),
        "n_tags_raw": len(counts),
        "min_tag_count": min_tag_count,
        "label_names": kept,
        "packages": packages,
        "texts": texts,
        "labels": labels,
    }


def release_info() -> str:
    """Suite/version/date lines of the apt Release files (provenance)."""
    lines = []
    for f in sorted(Path("/var/lib/apt/lists").glob("*_InRelease")):
        txt = f.read_text(errors="replace")
        fields = {k: re.search(rf"^{k}: (.*)$", txt, re.M) for k in ("Origin", "Suite", "Version",
                                                                      "Date")}
        lines.append(", ".join(f"{k} {m.group(1)}" for k, m in fields.items() if m))
    return "; ".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dumpavail", type=Path, help="file with `apt-cache dumpavail` output")
    ap.add_argument("--date", required=True, help="snapshot date (YYYY-MM-DD)")
    ap.add_argument("--release", default=None, help="provenance text (default: apt Release files)")
    ap.add_argument("--min-tag-count", type=int, default=20)
    ap.add_argument("--out", type=Path, default=REPO / "data" / "debtags.json.gz")
    args = ap.parse_args(argv)
    if args.dumpavail:
        text = args.dumpavail.read_text(encoding="utf-8", errors="replace")
    else:
        text = subprocess.run(["apt-cache", "dumpavail"], check=True, capture_output=True,
                              text=True).stdout
    data = build(parse_dumpavail(text), args.min_tag_count)
    data["snapshot_date"] = args.date
    data["source"] = ("apt-cache dumpavail; " + (args.release or release_info()))
    payload = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(payload.encode("utf-8"))
    args.out.write_bytes(buf.getvalue())
    n_lab = sum(len(x) for x in data["labels"])
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
    print(f"sha256: {sha256_file(args.out)}")
    print(f"raw: {data['n_tagged_packages_raw']} tagged packages, {data['n_tags_raw']} tags")
    print(f"kept: {len(data['packages'])} packages, {len(data['label_names'])} tags, "
          f"cardinality {n_lab / len(data['packages']):.3f}")
    print(f"source: {data['source']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
